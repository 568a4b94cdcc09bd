import { seededRandom } from '@mobility/runtime/util';
import type { OccupancyObservation } from '../../../src/domain/forecast/index.js';

/** Deterministic series with a known weekly shape, for forecaster tests. */
export const MINUTE = 60_000;
export const DAY = 86_400_000;
/** Monday 2024-01-01 00:00 UTC. */
export const MONDAY = Date.UTC(2024, 0, 1);

function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** True occupancy fraction by weekday (0 = Sunday) and minute of day: the shape to recover. */
export function trueFraction(weekday: number, minuteOfDay: number): number {
  const bump = (peak: number, width: number) => Math.exp(-(((minuteOfDay - peak) / width) ** 2));
  if (weekday === 6) return 0.1 + 0.85 * bump(14 * 60, 150);
  if (weekday === 0) return 0.05 + 0.3 * bump(13 * 60, 120);
  return 0.15 + 0.65 * bump(12 * 60, 180);
}

export interface SeriesOptions {
  days: number;
  capacity?: number;
  /** Standard deviation of a whole day's offset from the shape (fraction of capacity). */
  dayNoise?: number;
  /** Standard deviation of each reading's own noise. */
  readingNoise?: number;
  /** Readings at first..last minute of each day, every `step` minutes, jittered by up to ±jitter. */
  first?: number;
  last?: number;
  step?: number;
  jitter?: number;
  seed?: number;
}

export function weeklySeries(options: SeriesOptions): OccupancyObservation[] {
  const capacity = options.capacity ?? 400;
  const next = seededRandom(options.seed ?? 1);
  const observations: OccupancyObservation[] = [];
  for (let day = 0; day < options.days; day++) {
    const weekday = (day + 1) % 7;
    const offset = normal(next) * (options.dayNoise ?? 0);
    for (
      let minute = options.first ?? 7 * 60;
      minute <= (options.last ?? 19 * 60);
      minute += options.step ?? 30
    ) {
      const jitter = (next() * 2 - 1) * (options.jitter ?? 0);
      const at = MONDAY + day * DAY + Math.round((minute + jitter) * MINUTE);
      const fraction =
        trueFraction(weekday, minute + jitter) + offset + normal(next) * (options.readingNoise ?? 0);
      observations.push({
        at,
        capacity,
        occupied: Math.round(Math.min(1, Math.max(0, fraction)) * capacity),
      });
    }
  }
  return observations;
}
