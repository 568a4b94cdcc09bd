import type { OccupancyObservation } from '../domain/forecast/types.js';
import type { LiveOccupancy } from '../domain/occupancy.js';
import type { Queryable } from './db.js';

/**
 * Appends an accepted reading. Keyed by (facility, time): a redelivered input lands on the row it
 * already wrote, and two inputs applied at the same instant leave the later state.
 */
export async function recordHistory(db: Queryable, state: LiveOccupancy): Promise<void> {
  await db.query(
    `INSERT INTO occupancy_history (facility_id, observed_at, occupied, capacity, raw_occupied, source, flags, input_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (facility_id, observed_at) DO UPDATE SET
       occupied = EXCLUDED.occupied, capacity = EXCLUDED.capacity, raw_occupied = EXCLUDED.raw_occupied,
       source = EXCLUDED.source, flags = EXCLUDED.flags, input_id = EXCLUDED.input_id`,
    [
      state.facilityId,
      new Date(state.observedAt),
      state.occupied,
      state.capacity,
      state.rawOccupied ?? null,
      state.source,
      state.flags,
      state.inputId,
    ],
  );
}

/** The newest history row, to rebuild live state when hot state lost it (Redis flushed, restarted). */
export async function latestHistory(db: Queryable, facilityId: string): Promise<LiveOccupancy | undefined> {
  const { rows } = await db.query<{
    observed_at: Date;
    occupied: number;
    capacity: number;
    raw_occupied: number | null;
    source: number;
    flags: string[];
    input_id: string;
  }>(
    `SELECT observed_at, occupied, capacity, raw_occupied, source, flags, input_id
     FROM occupancy_history WHERE facility_id = $1 ORDER BY observed_at DESC LIMIT 1`,
    [facilityId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const at = row.observed_at.getTime();
  return {
    facilityId,
    capacity: row.capacity,
    occupied: row.occupied,
    observedAt: at,
    source: row.source,
    ...(row.raw_occupied === null ? {} : { rawOccupied: row.raw_occupied }),
    byCategory: [],
    flags: row.flags,
    inputId: row.input_id,
    recent: [{ at, occupied: row.occupied }],
  };
}

export interface OccupancyBucketRow {
  bucketStart: Date;
  /** Time of the bucket's newest reading. */
  lastAt: Date;
  meanOccupied: number;
  minOccupied: number;
  maxOccupied: number;
  meanRatio: number;
  capacity: number;
  samples: number;
}

/** Largest number of buckets one query may return. */
export const MAX_BUCKETS = 10_000;

/**
 * Occupancy aggregated into fixed buckets aligned to the Unix epoch. date_bin (PostgreSQL 14+) rather
 * than TimescaleDB's time_bucket, so the same SQL runs on PGlite and on TimescaleDB (where the
 * hypertable's chunks still prune the time range).
 */
export async function occupancyBuckets(
  db: Queryable,
  query: { facilityId: string; from: Date; to: Date; bucketMs: number },
): Promise<OccupancyBucketRow[]> {
  const { rows } = await db.query<{
    bucket_start: Date;
    last_at: Date;
    mean_occupied: number;
    min_occupied: number;
    max_occupied: number;
    mean_ratio: number;
    capacity: number;
    samples: number;
  }>(
    `SELECT date_bin(make_interval(secs => $2::double precision / 1000), observed_at, TIMESTAMPTZ 'epoch') AS bucket_start,
            max(observed_at) AS last_at,
            avg(occupied)::float8 AS mean_occupied,
            min(occupied)::int AS min_occupied,
            max(occupied)::int AS max_occupied,
            avg(occupied::float8 / capacity)::float8 AS mean_ratio,
            (array_agg(capacity ORDER BY observed_at DESC))[1]::int AS capacity,
            count(*)::int AS samples
     FROM occupancy_history
     WHERE facility_id = $1 AND observed_at >= $3 AND observed_at < $4
     GROUP BY 1 ORDER BY 1`,
    [query.facilityId, query.bucketMs, query.from, query.to],
  );
  return rows.map((row) => ({
    bucketStart: row.bucket_start,
    lastAt: row.last_at,
    meanOccupied: row.mean_occupied,
    minOccupied: row.min_occupied,
    maxOccupied: row.max_occupied,
    meanRatio: row.mean_ratio,
    capacity: row.capacity,
    samples: row.samples,
  }));
}

/** How much history a forecast learns from: the forecaster fits on 42 days, each with 4 weeks of profile before it. */
export const FORECAST_LOOKBACK_MS = 72 * 24 * 3_600_000;
/** Forecast input resolution: dense sensor facilities are averaged into 15-minute points. */
export const FORECAST_BUCKET_MS = 15 * 60_000;

/** A facility's history as a regular series for the forecaster, oldest first. */
export async function forecastHistory(
  db: Queryable,
  facilityId: string,
  until: Date,
): Promise<OccupancyObservation[]> {
  const buckets = await occupancyBuckets(db, {
    facilityId,
    from: new Date(until.getTime() - FORECAST_LOOKBACK_MS),
    to: new Date(until.getTime() + 1),
    bucketMs: FORECAST_BUCKET_MS,
  });
  // Stamped at the bucket's newest reading, not its start: a mean stamped at the start would let a
  // forecast issued inside the bucket see readings up to 15 minutes after its issue time.
  return buckets.map((bucket) => ({
    at: bucket.lastAt.getTime(),
    occupied: bucket.meanOccupied,
    capacity: bucket.capacity,
  }));
}
