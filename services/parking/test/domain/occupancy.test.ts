import { describe, expect, it } from 'vitest';
import {
  isOccupancyChange,
  isStale,
  Level,
  type LiveOccupancy,
  levelOf,
  Source,
  Trend,
  targetBand,
  trendOf,
  withRecentPoint,
} from '../../src/domain/occupancy.js';

const state = (occupied: number, extra: Partial<LiveOccupancy> = {}): LiveOccupancy => ({
  facilityId: 'F',
  capacity: 100,
  occupied,
  observedAt: 0,
  source: Source.FACILITY_SYSTEM,
  byCategory: [],
  flags: [],
  inputId: 'x',
  recent: [],
  ...extra,
});

describe('occupancy change detection', () => {
  it('announces the first state, a different count or a different capacity, nothing else', () => {
    expect(isOccupancyChange(undefined, state(0))).toBe(true);
    expect(isOccupancyChange(state(40), state(40, { observedAt: 60_000, inputId: 'y' }))).toBe(false);
    expect(isOccupancyChange(state(40), state(41))).toBe(true);
    expect(isOccupancyChange(state(40), state(40, { capacity: 90 }))).toBe(true);
  });
});

describe('levels and band', () => {
  it('classifies against the facility band, full only at capacity', () => {
    expect(levelOf(59, 100)).toBe(Level.LOW);
    expect(levelOf(60, 100)).toBe(Level.TARGET);
    expect(levelOf(80, 100)).toBe(Level.TARGET);
    expect(levelOf(81, 100)).toBe(Level.HIGH);
    expect(levelOf(100, 100)).toBe(Level.FULL);
    expect(levelOf(0, 0)).toBe(Level.UNSPECIFIED);
    expect(levelOf(75, 100, { low: 0.5, high: 0.7 })).toBe(Level.HIGH);
  });

  it('falls back to 60-80% for an unset or inverted band', () => {
    expect(targetBand(0, 0)).toEqual({ low: 0.6, high: 0.8 });
    expect(targetBand(0.9, 0.5)).toEqual({ low: 0.6, high: 0.8 });
    expect(targetBand(0.5, 0.7)).toEqual({ low: 0.5, high: 0.7 });
  });
});

describe('trend', () => {
  const minutes = (m: number) => m * 60_000;
  it('needs five minutes of history and ignores flicker within 2% of capacity', () => {
    let recent = withRecentPoint([], { at: 0, occupied: 50 });
    recent = withRecentPoint(recent, { at: minutes(2), occupied: 60 });
    expect(trendOf(recent, 100)).toBe(Trend.UNSPECIFIED);
    recent = withRecentPoint(recent, { at: minutes(6), occupied: 58 });
    expect(trendOf(recent, 100)).toBe(Trend.FILLING);
    expect(trendOf(withRecentPoint(recent, { at: minutes(7), occupied: 51 }), 100)).toBe(Trend.STABLE);
    expect(trendOf(withRecentPoint(recent, { at: minutes(7), occupied: 40 }), 100)).toBe(Trend.EMPTYING);
  });

  it('keeps only the last half hour of points', () => {
    let recent = withRecentPoint([], { at: 0, occupied: 1 });
    for (let m = 10; m <= 60; m += 10) recent = withRecentPoint(recent, { at: minutes(m), occupied: m });
    expect(recent.map((p) => p.at / 60_000)).toEqual([30, 40, 50, 60]);
  });
});

describe('staleness', () => {
  it('expects clocked feeds every half hour but lets event-driven sensors sleep', () => {
    expect(isStale(state(1, { observedAt: 0 }), 66 * 60_000)).toBe(true);
    expect(isStale(state(1, { observedAt: 0, source: Source.BAY_SENSORS }), 66 * 60_000)).toBe(false);
  });
});
