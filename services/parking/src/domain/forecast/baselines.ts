import { fixedOffsetClock, type LocalClock } from './clock.js';
import { clamp, knownAt, nearestObservation, upperBound } from './series.js';
import type { Forecast, Forecaster, OccupancyObservation } from './types.js';

/**
 * Reference methods the model must beat. They read history through the same `knownAt` cut as the
 * model, give point forecasts only (level 0, lower = upper = expected) and NaN when they have no basis.
 * All are clamped to [0, capacity], which can only help them.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

export interface BaselineOptions {
  clock?: LocalClock;
}

function pointForecast(horizonMinutes: number, expected: number, capacity: number, method: string): Forecast {
  const value = Number.isFinite(expected) ? clamp(expected, 0, capacity) : Number.NaN;
  return { horizonMinutes, expectedOccupied: value, lower: value, upper: value, level: 0, method };
}

/** Occupancy stays what it was last seen to be. */
export function createPersistenceForecaster(): Forecaster {
  return {
    forecast(history, issuedAt, horizons) {
      const known = knownAt(history, issuedAt);
      const latest = known.at(-1);
      return horizons.map((horizon) =>
        pointForecast(horizon, latest?.occupied ?? Number.NaN, latest?.capacity ?? 0, 'persistence'),
      );
    },
  };
}

export interface SeasonalNaiveOptions {
  /** How far from exactly one week before the target the reading used may lie. Default 15 min. */
  toleranceMinutes?: number;
}

/** Occupancy at the target time is what it was at the same time a week earlier. */
export function createSeasonalNaiveForecaster(options: SeasonalNaiveOptions = {}): Forecaster {
  const toleranceMs = (options.toleranceMinutes ?? 15) * MINUTE_MS;
  return {
    forecast(history, issuedAt, horizons) {
      const known = knownAt(history, issuedAt);
      const capacity = known.at(-1)?.capacity ?? 0;
      return horizons.map((horizon) => {
        const lastWeek = nearestObservation(known, issuedAt + horizon * MINUTE_MS - WEEK_MS, toleranceMs);
        const expected =
          lastWeek === undefined ? Number.NaN : (lastWeek.occupied / lastWeek.capacity) * capacity;
        return pointForecast(horizon, expected, capacity, 'seasonal-naive');
      });
    },
  };
}

export interface ProfileBaselineOptions extends BaselineOptions {
  /** Half-width of the time-of-day window. Default 15 min (the issue's definition). */
  windowMinutes?: number;
  /** Days averaged. Default 7. */
  days?: number;
  /** Factor the deviation is multiplied by per hour of horizon. Default 0.8. */
  decayPerHour?: number;
}

/**
 * The issue's "easy method", read literally:
 *   mean(t) = mean occupancy of the readings whose time of day is within ±15 min of t's, over the 7
 *             calendar days before the issue day (the issue day itself is excluded, so the deviation
 *             is never measured against the reading it is computed from);
 *   forecast(issue + h) = mean(issue + h) + (latest - mean(latest's time)) × 0.8^(h / 60),
 * i.e. "multiplied by 0.8 per hour of horizon" as a continuous per-hour decay (0.8^0.5 ≈ 0.894 at
 * 30 min, 0.8 at 60 min). A missing mean at the latest reading's time counts as no deviation.
 */
export function createProfileBaselineForecaster(options: ProfileBaselineOptions = {}): Forecaster {
  const clock = options.clock ?? fixedOffsetClock(0);
  const window = options.windowMinutes ?? 15;
  const days = options.days ?? 7;
  const decay = options.decayPerHour ?? 0.8;
  return {
    forecast(history, issuedAt, horizons) {
      const known = knownAt(history, issuedAt);
      const latest = known.at(-1);
      if (latest === undefined) return horizons.map((h) => pointForecast(h, Number.NaN, 0, 'profile'));
      const issueDay = clock(issuedAt).day;
      // Readings of the previous `days` days: from (generously) days+1 days back up to the issue day.
      const first = upperBound(known, issuedAt - (days + 2) * DAY_MS);
      const window7: { minute: number; fraction: number }[] = [];
      for (let index = first; index < known.length; index++) {
        const observation = known[index] as OccupancyObservation;
        const local = clock(observation.at);
        if (local.day < issueDay - days || local.day >= issueDay) continue;
        window7.push({ minute: local.minuteOfDay, fraction: observation.occupied / observation.capacity });
      }
      const meanAt = (minuteOfDay: number): number => {
        let sum = 0;
        let count = 0;
        for (const point of window7) {
          const distance = Math.abs(point.minute - minuteOfDay);
          if (Math.min(distance, 1440 - distance) <= window) {
            sum += point.fraction;
            count++;
          }
        }
        return count === 0 ? Number.NaN : sum / count;
      };
      const capacity = latest.capacity;
      const latestMean = meanAt(clock(latest.at).minuteOfDay);
      const deviation = Number.isNaN(latestMean) ? 0 : latest.occupied / capacity - latestMean;
      return horizons.map((horizon) => {
        const mean = meanAt(clock(issuedAt + horizon * MINUTE_MS).minuteOfDay);
        const expected = (mean + deviation * decay ** (horizon / 60)) * capacity;
        return pointForecast(horizon, expected, capacity, 'profile');
      });
    },
  };
}
