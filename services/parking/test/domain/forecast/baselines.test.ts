import { describe, expect, it } from 'vitest';
import {
  createPersistenceForecaster,
  createProfileBaselineForecaster,
  createSeasonalNaiveForecaster,
  fixedOffsetClock,
  type OccupancyObservation,
  timeZoneClock,
} from '../../../src/domain/forecast/index.js';
import { DAY, MINUTE, MONDAY } from './synthetic.js';

const at = (day: number, hour: number, minute = 0) => MONDAY + day * DAY + (hour * 60 + minute) * MINUTE;
const reading = (time: number, occupied: number): OccupancyObservation => ({
  at: time,
  occupied,
  capacity: 100,
});

describe('baselines', () => {
  it('persistence repeats the latest reading known at issue time', () => {
    const history = [reading(at(0, 9), 10), reading(at(0, 10), 20), reading(at(0, 11), 90)];
    const [forecast] = createPersistenceForecaster().forecast(history, at(0, 10, 30), [60]);
    expect(forecast).toMatchObject({
      expectedOccupied: 20,
      lower: 20,
      upper: 20,
      level: 0,
      method: 'persistence',
    });
  });

  it('seasonal-naive takes the reading nearest the same time a week before the target', () => {
    const history = [reading(at(0, 10, 50), 33), reading(at(0, 11, 4), 44), reading(at(7, 10), 70)];
    const forecaster = createSeasonalNaiveForecaster();
    expect(forecaster.forecast(history, at(7, 10), [60])[0]?.expectedOccupied).toBe(44);
    // Nothing within 15 minutes of a week before: no basis, NaN.
    expect(forecaster.forecast(history, at(7, 10), [180])[0]?.expectedOccupied).toBeNaN();
  });

  it('profile = 7-day mean within ±15 min at the target time + latest deviation × 0.8^(h/60)', () => {
    const history: OccupancyObservation[] = [];
    for (let day = 0; day < 7; day++) {
      history.push(reading(at(day, 9, day % 2 === 0 ? 10 : -10), 40)); // within ±15 min of 09:00
      history.push(reading(at(day, 9, 40), 99)); // outside the window of 09:00 and of 10:00
      history.push(reading(at(day, 10, 5), 60 + day));
    }
    history.push(reading(at(0, 10), 0)); // day 0 is 7 days back: inside; day -1 would be outside
    history.push(reading(at(7, 9), 50)); // the latest reading, 10 above its 09:00 mean of 40
    const mean10 = (0 + 60 + 61 + 62 + 63 + 64 + 65 + 66) / 8;
    const [forecast] = createProfileBaselineForecaster().forecast(history, at(7, 9), [60]);
    expect(forecast?.expectedOccupied).toBeCloseTo(mean10 + 10 * 0.8, 9);
    const [later] = createProfileBaselineForecaster().forecast(history, at(7, 9), [90]);
    expect(later?.expectedOccupied).toBeNaN(); // nothing within 15 min of 10:30 in the last 7 days
  });

  it('ignores readings after the issue time', () => {
    const history = [reading(at(0, 9), 10), reading(at(0, 10), 20)];
    for (const forecaster of [
      createPersistenceForecaster(),
      createSeasonalNaiveForecaster(),
      createProfileBaselineForecaster(),
    ]) {
      const before = forecaster.forecast(history.slice(0, 1), at(0, 9), [60]);
      expect(forecaster.forecast(history, at(0, 9), [60])).toEqual(before);
    }
  });
});

describe('clocks', () => {
  it('reads weekday and minute of day at a fixed offset', () => {
    expect(fixedOffsetClock(0)(at(0, 9, 30))).toEqual({ day: 19723, weekday: 1, minuteOfDay: 570 });
    expect(fixedOffsetClock(60)(at(0, 23, 30))).toMatchObject({ weekday: 2, minuteOfDay: 30 });
  });

  it('follows a time zone across a DST change', () => {
    const london = timeZoneClock('Europe/London');
    // 2016-10-29 09:00 BST is 08:00 UTC; 2016-10-31 09:00 GMT is 09:00 UTC.
    expect(london(Date.UTC(2016, 9, 29, 8)).minuteOfDay).toBe(540);
    expect(london(Date.UTC(2016, 9, 31, 9)).minuteOfDay).toBe(540);
    expect(london(Date.UTC(2016, 9, 31, 9)).day - london(Date.UTC(2016, 9, 29, 8)).day).toBe(2);
  });
});
