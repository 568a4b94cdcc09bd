import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatGtfsTime,
  isGtfsDate,
  parseGtfsTime,
  serviceDayStart,
  weekdayIndex,
} from '../src/index.js';

describe('GTFS times', () => {
  it('parses and formats times past 24:00', () => {
    expect(parseGtfsTime('25:10:05')).toBe(90605);
    expect(parseGtfsTime('5:00:00')).toBe(18000);
    expect(parseGtfsTime('08:61:00')).toBeUndefined();
    expect(formatGtfsTime(90605)).toBe('25:10:05');
  });
  it('checks dates and weekdays', () => {
    expect(isGtfsDate('20260229')).toBe(false);
    expect(isGtfsDate('20240229')).toBe(true);
    expect(weekdayIndex('20260216')).toBe(0);
    expect(addDays('20261231', 1)).toBe('20270101');
  });
  it('puts the service day origin at noon minus 12 h, DST included', () => {
    expect(serviceDayStart('20260216', 'America/New_York')).toBe(Date.UTC(2026, 1, 16, 5));
    // Spring forward: noon is EDT (UTC-4), so the origin is 04:00Z, i.e. 23:00 local the day before.
    expect(serviceDayStart('20260308', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 4));
    expect(serviceDayStart('20260302', 'UTC')).toBe(Date.UTC(2026, 2, 2));
  });
});
