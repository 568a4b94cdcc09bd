import { parse } from 'csv-parse/sync';
import type { RawReading } from '../domain/quality.js';

/**
 * Reads occupancy history in the Birmingham open-data layout:
 *   SystemCodeNumber,Capacity,Occupancy,LastUpdated   (LastUpdated like "2016-10-04 07:59:42")
 * Timestamps carry no zone: they are the car parks' wall clock, and are read as if UTC so that
 * time-of-day seasonality follows the wall clock straight through a DST change. Nothing is
 * validated here beyond shape: bad values become NaN and the quality rules flag them.
 */
export const BIRMINGHAM_COLUMNS = ['SystemCodeNumber', 'Capacity', 'Occupancy', 'LastUpdated'] as const;

export function parseBirminghamCsv(text: string): RawReading[] {
  const records = parse(text, {
    columns: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
    bom: true,
  }) as Record<string, string | undefined>[];
  const first = records[0];
  if (first !== undefined) {
    const missing = BIRMINGHAM_COLUMNS.filter((column) => !(column in first));
    if (missing.length > 0) throw new Error(`CSV lacks column(s): ${missing.join(', ')}`);
  }
  return records.map((record) => ({
    facilityId: record.SystemCodeNumber ?? '',
    capacity: parseNumber(record.Capacity),
    occupied: parseNumber(record.Occupancy),
    observedAt: parseWallClock(record.LastUpdated),
  }));
}

function parseNumber(text: string | undefined): number {
  const trimmed = text?.trim() ?? '';
  // Number('') is 0, which would turn a blank cell into a plausible reading.
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

export function parseWallClock(text: string | undefined): number {
  const match = WALL_CLOCK.exec(text?.trim() ?? '');
  if (match === null) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match;
  return Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? 0),
  );
}
