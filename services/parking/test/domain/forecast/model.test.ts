import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createForecaster, type OccupancyObservation } from '../../../src/domain/forecast/index.js';
import { DAY, MINUTE, MONDAY, trueFraction, weeklySeries } from './synthetic.js';

describe('createForecaster', () => {
  it('recovers a known weekly seasonality (noise-free series)', () => {
    const capacity = 400;
    const history = weeklySeries({ days: 42, capacity });
    const forecaster = createForecaster();
    // Issue on every weekday of week 7 at 09:00 and 12:00, check each horizon against the true shape.
    for (let day = 35; day < 42; day++) {
      const weekday = (day + 1) % 7;
      for (const hour of [9, 12]) {
        const issuedAt = MONDAY + day * DAY + hour * 60 * MINUTE;
        for (const forecast of forecaster.forecast(history, issuedAt, [15, 30, 60, 120])) {
          const truth = trueFraction(weekday, hour * 60 + forecast.horizonMinutes) * capacity;
          expect(Math.abs(forecast.expectedOccupied - truth)).toBeLessThan(0.015 * capacity);
          expect(forecast.method).toBe('profile-regression');
        }
      }
    }
  });

  it('tells a Saturday from a weekday', () => {
    // Day 40 is a Saturday (day 0 is a Monday); at 10:00 the Saturday peak is still to come.
    const issuedAt = MONDAY + 40 * DAY + 10 * 60 * MINUTE;
    const observedSoFar = weeklySeries({ days: 41, dayNoise: 0.02, readingNoise: 0.01, seed: 3 });
    const [forecast] = createForecaster().forecast(observedSoFar, issuedAt, [240]);
    const saturday = trueFraction(6, 14 * 60) * 400;
    const weekday = trueFraction(3, 14 * 60) * 400;
    expect(Math.abs((forecast?.expectedOccupied ?? 0) - saturday)).toBeLessThan(
      Math.abs((forecast?.expectedOccupied ?? 0) - weekday),
    );
  });

  it('gives intervals whose coverage is close to the nominal level', () => {
    const series = weeklySeries({ days: 70, dayNoise: 0.04, readingNoise: 0.02, jitter: 4, seed: 7 });
    const forecaster = createForecaster({ level: 0.8 });
    let covered = 0;
    let total = 0;
    for (let index = 0; index < series.length; index++) {
      const issue = series[index] as OccupancyObservation;
      if (issue.at < MONDAY + 56 * DAY) continue;
      const target = series.find((o) => Math.abs(o.at - (issue.at + 60 * MINUTE)) <= 10 * MINUTE);
      if (target === undefined) continue;
      const [forecast] = forecaster.forecast(series.slice(0, index + 1), issue.at, [60]);
      if (forecast === undefined) continue;
      expect(forecast.level).toBe(0.8);
      total++;
      if (forecast.lower <= target.occupied && target.occupied <= forecast.upper) covered++;
    }
    expect(total).toBeGreaterThan(200);
    expect(covered / total).toBeGreaterThan(0.7);
    expect(covered / total).toBeLessThan(0.9);
  });

  it('does not let data after the issue time change a forecast (property)', () => {
    const series = weeklySeries({ days: 30, dayNoise: 0.04, readingNoise: 0.02, jitter: 3, seed: 11 });
    const shared = createForecaster();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: series.length - 2 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 20 * 24 * 60 }), fc.integer({ min: -50, max: 500 })), {
          maxLength: 30,
        }),
        fc.integer({ min: 0, max: 29 }),
        (cut, extra, offsetMinutes) => {
          const issuedAt = (series[cut] as OccupancyObservation).at + offsetMinutes * MINUTE;
          const known = series.filter((o) => o.at <= issuedAt);
          const tampered = [
            ...known,
            ...series
              .filter((o) => o.at > issuedAt)
              .map((o) => ({ ...o, occupied: 400 - o.occupied, capacity: 999 })),
            ...extra.map(([minutes, occupied]) => ({
              at: issuedAt + minutes * MINUTE,
              occupied,
              capacity: 400,
            })),
          ].sort((a, b) => a.at - b.at);
          const horizons = [15, 30, 60, 120];
          // Tampered first through the shared (caching) forecaster, then the clean cut through a fresh one.
          const fromTampered = shared.forecast(tampered, issuedAt, horizons);
          const fromKnownOnly = createForecaster().forecast(known, issuedAt, horizons);
          expect(fromTampered).toEqual(fromKnownOnly);
        },
      ),
      { numRuns: 40, seed: 1 },
    );
  });

  it('keeps every forecast and interval within [0, capacity] and ordered (property)', () => {
    const reading = fc.record({
      at: fc.integer({ min: 0, max: 40 * 24 * 60 }).map((minutes) => MONDAY + minutes * MINUTE),
      occupied: fc.integer({ min: 0, max: 200 }),
      capacity: fc.constant(200),
    });
    fc.assert(
      fc.property(
        fc.array(reading, { maxLength: 300 }),
        fc.integer({ min: 0, max: 41 * 24 * 60 }),
        (history, issueMinute) => {
          const forecasts = createForecaster().forecast(
            history,
            MONDAY + issueMinute * MINUTE,
            [15, 60, 120],
          );
          for (const forecast of forecasts) {
            expect(forecast.lower).toBeGreaterThanOrEqual(0);
            expect(forecast.lower).toBeLessThanOrEqual(forecast.expectedOccupied);
            expect(forecast.expectedOccupied).toBeLessThanOrEqual(forecast.upper);
            expect(forecast.upper).toBeLessThanOrEqual(200);
          }
        },
      ),
      { numRuns: 60, seed: 1 },
    );
  });

  it('handles empty, unsorted and stale history', () => {
    const forecaster = createForecaster();
    expect(forecaster.forecast([], MONDAY, [30])).toEqual([
      { horizonMinutes: 30, expectedOccupied: 0, lower: 0, upper: 0, level: 0.8, method: 'no-history' },
    ]);
    const series = weeklySeries({ days: 21, dayNoise: 0.03, readingNoise: 0.01, seed: 5 });
    const issuedAt = MONDAY + 20 * DAY + 11 * 60 * MINUTE;
    const shuffled = [...series].reverse();
    expect(forecaster.forecast(shuffled, issuedAt, [30, 60])).toEqual(
      createForecaster().forecast(series, issuedAt, [30, 60]),
    );
    // Nothing read since the previous evening: the profile alone.
    const [stale] = forecaster.forecast(
      series.filter((o) => o.at < MONDAY + 20 * DAY),
      issuedAt,
      [60],
    );
    expect(stale?.method).toBe('profile-regression-stale');
    // Too young for any profile: persistence, with the whole car park as its honest interval.
    const [young] = forecaster.forecast(series.slice(0, 5), (series[4] as OccupancyObservation).at, [60]);
    expect(young?.method).toBe('persistence-fallback');
    expect(young?.expectedOccupied).toBe(series[4]?.occupied);
  });
});
