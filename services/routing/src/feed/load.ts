import { GtfsReadError, readGtfsFile } from '@mobility/gtfs';
import { ConfigError, type Logger } from '@mobility/runtime';
import { buildTimetable, type Timetable } from '../domain/index.js';

/** The timetable the service plans on, with what GetFeedInfo and the logs say about it. */
export interface LoadedFeed {
  readonly timetable: Timetable;
  readonly loadedAt: Date;
  /** Reading and parsing the zip, then building the typed arrays, milliseconds. */
  readonly readMs: number;
  readonly buildMs: number;
}

export interface FeedLoadOptions {
  readonly footpathRadiusM: number;
}

/**
 * Loads the GTFS zip named by ROUTING_GTFS. A feed that cannot be used at all (not a zip, no stops
 * or trips) stops the service at start with a ConfigError naming the variable: silently planning on
 * nothing would look like "no route" to every rider. Row-level problems only warn.
 */
export async function loadFeed(path: string, options: FeedLoadOptions, logger: Logger): Promise<LoadedFeed> {
  const readStarted = performance.now();
  let feed: Awaited<ReturnType<typeof readGtfsFile>>;
  try {
    // Shapes are only geometry for drawing; routing never reads them and they are the largest file.
    feed = await readGtfsFile(path, { skipShapes: true });
  } catch (error) {
    if (error instanceof GtfsReadError) {
      throw new ConfigError([`ROUTING_GTFS is not a readable GTFS zip (${error.message})`]);
    }
    throw error;
  }
  const readMs = performance.now() - readStarted;
  if (feed.stops.length === 0 || feed.trips.length === 0 || feed.stopTimes.length === 0) {
    const missing = feed.issues.filter((issue) => issue.line === 0).map((issue) => issue.file);
    throw new ConfigError([
      `ROUTING_GTFS holds no usable timetable (stops, trips or stop_times empty${missing.length ? `; missing ${missing.join(', ')}` : ''})`,
    ]);
  }
  const buildStarted = performance.now();
  const timetable = buildTimetable(feed, { footpathRadiusM: options.footpathRadiusM });
  const buildMs = performance.now() - buildStarted;

  const errors = feed.issues.filter((issue) => issue.severity === 'error');
  if (feed.issues.length > 0) {
    logger.warn(
      {
        errors: errors.length,
        warnings: feed.issues.length - errors.length,
        examples: feed.issues.slice(0, 5).map((issue) => `${issue.file}:${issue.line} ${issue.message}`),
      },
      'GTFS feed has problems; bad rows were skipped',
    );
  }
  const { stats, summary } = timetable;
  logger.info(
    {
      feedVersion: summary.feedVersion,
      publisher: summary.publisher,
      serviceDays: `${summary.serviceStartDate}..${summary.serviceEndDate}`,
      stops: stats.stops,
      routes: stats.routes,
      patterns: stats.patterns,
      trips: stats.trips,
      stopTimes: stats.stopTimes,
      footpaths: stats.footpaths,
      timetableBytes: stats.bytes,
      readMs: Math.round(readMs),
      buildMs: Math.round(buildMs),
    },
    'timetable loaded',
  );
  return { timetable, loadedAt: new Date(), readMs, buildMs };
}
