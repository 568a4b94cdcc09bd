import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { strFromU8, unzipSync } from 'fflate';
import { type CsvProblem, parseCsv, RowError } from './csv.js';
import {
  agencyRow,
  calendarDateRow,
  calendarRow,
  feedInfoRow,
  frequencyRow,
  routeRow,
  shapeRow,
  stopRow,
  stopTimeRow,
  transferRow,
  tripRow,
} from './rows.js';
import type { GtfsFeed, GtfsIssue } from './types.js';

/** The archive itself is unreadable (not a zip); row-level problems never throw. */
export class GtfsReadError extends Error {
  override name = 'GtfsReadError';
}

export interface ReadOptions {
  /** Skip shapes.txt (large, and not needed for routing). Default false. */
  skipShapes?: boolean;
}

const MAX_ISSUES_PER_FILE = 1000;
const REQUIRED = ['agency.txt', 'stops.txt', 'routes.txt', 'trips.txt', 'stop_times.txt'];

/**
 * Reads a GTFS zip into typed rows. Problems are collected in `issues` with file and line; a bad
 * row is skipped (or defaulted, for optional values) and the rest of the feed still loads. Rows
 * that point at ids missing elsewhere (a stop_time of an unknown trip) are dropped too.
 */
export function readGtfsZip(bytes: Uint8Array, options: ReadOptions = {}): GtfsFeed {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (file) =>
        file.name.toLowerCase().endsWith('.txt') && !(options.skipShapes && file.name.endsWith('shapes.txt')),
    });
  } catch (error) {
    throw new GtfsReadError(`not a readable zip archive: ${(error as Error).message}`);
  }
  // Some publishers zip a folder: take each file by its base name.
  const texts = new Map<string, string>();
  for (const [name, data] of Object.entries(entries)) {
    const base = name.split('/').at(-1)?.toLowerCase() ?? name;
    if (!texts.has(base)) texts.set(base, strFromU8(data));
  }
  return readGtfsTexts(texts, createHash('sha256').update(bytes).digest('hex'));
}

/** Reads a GTFS zip from disk. */
export async function readGtfsFile(path: string, options: ReadOptions = {}): Promise<GtfsFeed> {
  return readGtfsZip(await readFile(path), options);
}

/** Reads already-extracted file texts by name (e.g. 'stops.txt'); the zip reader's second half. */
export function readGtfsTexts(texts: ReadonlyMap<string, string>, contentHash = ''): GtfsFeed {
  const issues: GtfsIssue[] = [];
  const read = <T>(file: string, mapper: Parameters<typeof parseCsv<T>>[1]): T[] => {
    const text = texts.get(file);
    if (text === undefined) {
      if (REQUIRED.includes(file))
        issues.push({ file, line: 0, message: 'required file missing', severity: 'error' });
      return [];
    }
    const problems: CsvProblem[] = [];
    const rows = parseCsv(text, mapper, problems);
    // A systematically broken file would otherwise produce one issue per row.
    for (const problem of problems.slice(0, MAX_ISSUES_PER_FILE)) issues.push({ file, ...problem });
    if (problems.length > MAX_ISSUES_PER_FILE) {
      issues.push({
        file,
        line: 0,
        message: `${problems.length - MAX_ISSUES_PER_FILE} more problems not listed`,
        severity: 'error',
      });
    }
    return rows;
  };

  const agencies = read('agency.txt', agencyRow);
  const stops = read(
    'stops.txt',
    unique(stopRow, (s) => s.stopId, 'stop_id'),
  );
  const routes = read(
    'routes.txt',
    unique(routeRow, (r) => r.routeId, 'route_id'),
  );
  const routeIds = new Set(routes.map((r) => r.routeId));
  const trips = read(
    'trips.txt',
    checked(
      unique(tripRow, (t) => t.tripId, 'trip_id'),
      (t) => (routeIds.has(t.routeId) ? undefined : `unknown route_id ${t.routeId}`),
    ),
  );
  const tripIds = new Set(trips.map((t) => t.tripId));
  const stopIds = new Set(stops.map((s) => s.stopId));
  const stopTimes = read(
    'stop_times.txt',
    checked(stopTimeRow, (st) =>
      !tripIds.has(st.tripId)
        ? `unknown trip_id ${st.tripId}`
        : !stopIds.has(st.stopId)
          ? `unknown stop_id ${st.stopId}`
          : undefined,
    ),
  );
  const calendars = read('calendar.txt', calendarRow);
  const calendarDates = read('calendar_dates.txt', calendarDateRow);
  if (!texts.has('calendar.txt') && !texts.has('calendar_dates.txt')) {
    issues.push({
      file: 'calendar.txt',
      line: 0,
      message: 'neither calendar.txt nor calendar_dates.txt present',
      severity: 'error',
    });
  }
  const feedInfo = read('feed_info.txt', feedInfoRow)[0];
  const feed: GtfsFeed = {
    agencies,
    stops,
    routes,
    trips,
    stopTimes,
    calendars,
    calendarDates,
    shapes: read('shapes.txt', shapeRow),
    frequencies: read(
      'frequencies.txt',
      checked(frequencyRow, (f) => (tripIds.has(f.tripId) ? undefined : `unknown trip_id ${f.tripId}`)),
    ),
    transfers: read(
      'transfers.txt',
      checked(transferRow, (t) =>
        stopIds.has(t.fromStopId) && stopIds.has(t.toStopId)
          ? undefined
          : `unknown stop in ${t.fromStopId} -> ${t.toStopId}`,
      ),
    ),
    files: [...texts.keys()].sort(),
    contentHash,
    issues,
  };
  if (feedInfo) feed.feedInfo = feedInfo;
  return feed;
}

type Mapper<T> = Parameters<typeof parseCsv<T>>[1];

/** A mapper that also rejects rows pointing at ids missing from other files (check returns why). */
function checked<T>(mapper: Mapper<T>, check: (row: T) => string | undefined): Mapper<T> {
  return (columns) => {
    const map = mapper(columns);
    return (fields, warn) => {
      const row = map(fields, warn);
      const problem = check(row);
      if (problem !== undefined) throw new RowError(problem);
      return row;
    };
  };
}

/** A mapper that rejects a second row with an id already seen (the first one wins). */
function unique<T>(mapper: Mapper<T>, id: (row: T) => string, column: string): Mapper<T> {
  const seen = new Set<string>();
  return checked(mapper, (row) => {
    const key = id(row);
    if (seen.has(key)) return `duplicate ${column} ${key}`;
    seen.add(key);
    return undefined;
  });
}
