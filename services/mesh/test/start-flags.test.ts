import { describe, expect, it } from 'vitest';
import { parseStartFlags, simulationClock, weeksIntoCalendar } from '../src/simulation.js';

describe('pnpm start flags', () => {
  it('default to a real-time simulated town of seed 1', () => {
    expect(parseStartFlags([])).toEqual({ simulate: true, seed: 1, size: 'town', speed: 1 });
  });

  it('take a feed, seed, size and speed, with or without pnpm passing the -- separator', () => {
    const expected = { simulate: true, gtfs: 'feed.zip', seed: 7, size: 'medium', speed: 60 };
    const args = ['--gtfs', 'feed.zip', '--seed', '7', '--size', 'medium', '--speed', '60'];
    expect(parseStartFlags(args)).toEqual(expected);
    expect(parseStartFlags(['--', ...args])).toEqual(expected);
    expect(parseStartFlags(['--no-sim']).simulate).toBe(false);
  });

  it.each([
    [['--size', 'huge'], /--size must be one of town, small, medium, large/],
    [['--speed', '0'], /--speed must be a number above 0/],
    [['--speed', 'fast'], /--speed must be a number above 0/],
    [['--seed', '1.5'], /--seed must be a non-negative integer/],
    [['--gtfs', ' '], /--gtfs needs a path/],
    [['--colour', 'red'], /Unknown option '--colour'/],
  ])('refuse %j', (args, message) => {
    expect(() => parseStartFlags(args)).toThrow(message);
  });

  it('run an accelerated clock from 06:00 local, behind the wall clock, at the asked speed', () => {
    // 18:30 in Zurich (UTC+1 in November).
    const now = Date.UTC(2026, 10, 18, 17, 30);
    const clock = simulationClock(60, 'Europe/Zurich', now);
    const started = clock.now();
    expect(started).toBeLessThanOrEqual(Date.UTC(2026, 10, 18, 5, 0) + 2_000);
    expect(started).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 18, 5, 0));
    // 00:30 local: 06:00 of the previous day.
    const early = simulationClock(60, 'Europe/Zurich', Date.UTC(2026, 10, 17, 23, 30)).now();
    expect(Math.abs(early - Date.UTC(2026, 10, 17, 5, 0))).toBeLessThan(2_000);
    expect(simulationClock(1, 'Europe/Zurich', now).now()).toBeGreaterThan(now);
  });

  it('move a run into an old or future timetable by whole weeks, keeping the weekday', () => {
    const calendar = { start: '20240101', end: '20240630' };
    expect(weeksIntoCalendar('20240315', calendar)).toBe(0);
    const back = weeksIntoCalendar('20261118', calendar);
    expect(Math.abs(back % 7)).toBe(0);
    expect(back).toBeLessThan(0);
    expect(back).toBeGreaterThan(-7 * 130);
    const now = Date.UTC(2026, 10, 18, 17, 30); // a Wednesday
    const shifted = new Date(simulationClock(1, 'UTC', now, 6, calendar).now());
    expect(shifted.getUTCDay()).toBe(3);
    expect(shifted.toISOString().slice(0, 10) <= '2024-06-30').toBe(true);
    expect(shifted.toISOString().slice(0, 10) >= '2024-06-24').toBe(true);
    expect(weeksIntoCalendar('20231201', calendar)).toBe(35);
  });
});
