/**
 * The static feed's summary tables: which feed is loaded, what was wrong with it (per file and
 * line), and its routes, stops and trips for planners' queries. Replaced in one transaction.
 */
import type { GtfsFeed, GtfsIssue } from '@mobility/gtfs';
import { type Pool, withTransaction } from '@mobility/runtime';

/** Issues kept in the table per load; the count says how many there were in all. */
export const MAX_STORED_ISSUES = 5000;

export async function saveGtfsSummary(
  db: Pool,
  feed: GtfsFeed,
  issues: readonly GtfsIssue[],
  at: Date,
): Promise<void> {
  await withTransaction(db, async (client) => {
    await client.query(
      `INSERT INTO gtfs_feeds (content_hash, feed_version, loaded_at, agencies, routes, trips, stops, stop_times, issues)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (content_hash) DO UPDATE SET loaded_at = EXCLUDED.loaded_at, issues = EXCLUDED.issues`,
      [
        feed.contentHash,
        feed.feedInfo?.feedVersion ?? null,
        at,
        feed.agencies.length,
        feed.routes.length,
        feed.trips.length,
        feed.stops.length,
        feed.stopTimes.length,
        JSON.stringify({ total: issues.length, issues: issues.slice(0, MAX_STORED_ISSUES) }),
      ],
    );
    await client.query('DELETE FROM gtfs_routes');
    await client.query('DELETE FROM gtfs_stops');
    await client.query('DELETE FROM gtfs_trips');
    await client.query(
      `INSERT INTO gtfs_routes (route_id, agency_id, short_name, long_name, route_type)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) ON CONFLICT DO NOTHING`,
      [
        feed.routes.map((r) => r.routeId),
        feed.routes.map((r) => r.agencyId ?? null),
        feed.routes.map((r) => r.routeShortName ?? null),
        feed.routes.map((r) => r.routeLongName ?? null),
        feed.routes.map((r) => r.routeType),
      ],
    );
    await client.query(
      `INSERT INTO gtfs_stops (stop_id, stop_name, lat, lon)
       SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) ON CONFLICT DO NOTHING`,
      [
        feed.stops.map((s) => s.stopId),
        feed.stops.map((s) => s.stopName),
        feed.stops.map((s) => s.stopLat),
        feed.stops.map((s) => s.stopLon),
      ],
    );
    await client.query(
      `INSERT INTO gtfs_trips (trip_id, route_id, service_id, direction_id, block_id, shape_id, headsign)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int2[], $5::text[], $6::text[], $7::text[])
       ON CONFLICT DO NOTHING`,
      [
        feed.trips.map((t) => t.tripId),
        feed.trips.map((t) => t.routeId),
        feed.trips.map((t) => t.serviceId),
        feed.trips.map((t) => t.directionId ?? null),
        feed.trips.map((t) => t.blockId ?? null),
        feed.trips.map((t) => t.shapeId ?? null),
        feed.trips.map((t) => t.tripHeadsign ?? null),
      ],
    );
  });
}
