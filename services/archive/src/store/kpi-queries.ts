import type { Pool } from 'pg';
import {
  BUNCHED_FRACTION,
  calItpAccurateSql,
  KPIS,
  type KpiName,
  type KpiQuery,
  type KpiRow,
  MBTA_BINS,
  mbtaAccurateSql,
  ON_TIME,
  PARKING_FULL_RATIO,
} from '../domain/kpi.js';

/**
 * KPI queries over the derived tables. Parameters: $1 window start, $2 window end, $3 bucket width,
 * $4 entity ids (empty = all). Buckets are aligned on the window start, with time_bucket on
 * TimescaleDB and date_bin elsewhere (PGlite), which agree when given the same origin.
 */
type BucketSql = (column: string) => string;

export function bucketSqlFor(timescale: boolean): BucketSql {
  const fn = timescale ? 'time_bucket' : 'date_bin';
  return (column) => `${fn}($3::interval, ${column}, $1::timestamptz)`;
}

const entityFilter = (column: string) => `(cardinality($4::text[]) = 0 OR ${column} = ANY($4::text[]))`;
// Trip runs are dated by service day; a day's trips can run past midnight, so widen by a day each side.
const serviceDates = `service_date BETWEEN ($1::timestamptz - interval '1 day')::date AND ($2::timestamptz + interval '1 day')::date`;

const SQL: Record<KpiName, (bucket: BucketSql) => string> = {
  'on-time': (bucket) => `
    SELECT ${bucket('arrived_at')} AS bucket_start, route_id AS entity_id,
      count(*)::float8,
      (100.0 * avg((schedule_deviation_s BETWEEN ${-ON_TIME.maxEarlyS} AND ${ON_TIME.maxLateS})::int))::float8,
      (100.0 * avg((schedule_deviation_s < ${-ON_TIME.maxEarlyS})::int))::float8,
      (100.0 * avg((schedule_deviation_s > ${ON_TIME.maxLateS})::int))::float8,
      avg(schedule_deviation_s)::float8,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY abs(schedule_deviation_s))::float8
    FROM kpi_stop_arrivals
    WHERE ${serviceDates} AND arrived_at >= $1 AND arrived_at < $2 AND ${entityFilter('route_id')}
    GROUP BY 1, 2 ORDER BY 1, 2`,

  headway: (bucket) => `
    WITH arrivals AS (
      SELECT route_id, ${bucket('arrived_at')} AS bucket_start,
        route_id || '/' || direction_id || '/' || coalesce(nullif(stop_id, ''), 'seq:' || stop_sequence) AS stop_group,
        extract(epoch FROM arrived_at - lag(arrived_at) OVER (
          PARTITION BY route_id, direction_id, coalesce(nullif(stop_id, ''), 'seq:' || stop_sequence)
          ORDER BY arrived_at)) AS headway_s
      FROM kpi_stop_arrivals
      WHERE ${serviceDates} AND arrived_at >= $1 AND arrived_at < $2 AND ${entityFilter('route_id')}
    ), headways AS (
      SELECT * FROM arrivals WHERE headway_s IS NOT NULL
    ), medians AS (
      SELECT bucket_start, stop_group, percentile_cont(0.5) WITHIN GROUP (ORDER BY headway_s) AS median_s
      FROM headways GROUP BY 1, 2
    ), observed AS (
      SELECT h.bucket_start, h.route_id, count(*) AS headways, avg(h.headway_s) AS mean_s,
        stddev_pop(h.headway_s) / nullif(avg(h.headway_s), 0) AS cv,
        sum((h.headway_s < ${BUNCHED_FRACTION} * m.median_s)::int) AS bunched
      FROM headways h JOIN medians m USING (bucket_start, stop_group)
      GROUP BY 1, 2
    ), alerts AS (
      SELECT ${bucket('observed_at')} AS bucket_start, route_id,
        sum((condition = 'bunching')::int) AS bunching, sum((condition = 'gap')::int) AS gaps
      FROM kpi_headway_alerts
      WHERE state = 'raised' AND observed_at >= $1 AND observed_at < $2 AND ${entityFilter('route_id')}
      GROUP BY 1, 2
    )
    SELECT coalesce(o.bucket_start, a.bucket_start) AS bucket_start, coalesce(o.route_id, a.route_id) AS entity_id,
      coalesce(o.headways, 0)::float8, o.mean_s::float8, o.cv::float8, coalesce(o.bunched, 0)::float8,
      coalesce(a.bunching, 0)::float8, coalesce(a.gaps, 0)::float8
    FROM observed o FULL JOIN alerts a ON a.bucket_start = o.bucket_start AND a.route_id = o.route_id
    ORDER BY 1, 2`,

  'prediction-accuracy': (bucket) => {
    const perBin = MBTA_BINS.map(
      (bin) =>
        `(100.0 * avg(mbta::int) FILTER (WHERE horizon_min >= ${bin.fromMin} AND horizon_min < ${bin.toMin}))::float8`,
    ).join(',\n      ');
    return `
    WITH scored AS (
      SELECT p.route_id, ${bucket('p.issued_at')} AS bucket_start,
        extract(epoch FROM p.predicted_arrival - p.issued_at) / 60.0 AS horizon_min,
        extract(epoch FROM a.arrived_at - p.predicted_arrival) AS err_s
      FROM kpi_predictions p
      JOIN kpi_stop_arrivals a
        ON a.trip_id = p.trip_id AND a.service_date = p.service_date AND a.stop_sequence = p.stop_sequence
      -- Scored only against an arrival observed after the prediction was issued.
      WHERE p.issued_at >= $1 AND p.issued_at < $2 AND a.arrived_at > p.issued_at AND ${entityFilter('p.route_id')}
    ), judged AS (
      SELECT *, ${mbtaAccurateSql('horizon_min', 'err_s')} AS mbta, ${calItpAccurateSql('horizon_min', 'err_s')} AS calitp
      FROM scored WHERE horizon_min >= 0 AND horizon_min < 30
    )
    SELECT bucket_start, route_id AS entity_id, count(*)::float8,
      (100.0 * avg(mbta::int))::float8, (100.0 * avg(calitp::int))::float8,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(err_s))::float8,
      ${perBin}
    FROM judged GROUP BY 1, 2 ORDER BY 1, 2`;
  },

  'intersection-delay': (bucket) => `
    ${signalOverlaps(bucket)}
    SELECT bucket_start, intersection_id AS entity_id, sum(volume)::float8,
      (sum(delay_veh_s) / nullif(sum(volume), 0))::float8,
      (sum(delay_veh_s) / 3600.0)::float8,
      (100.0 * sum(green_s) / nullif(sum(covered_s), 0))::float8
    FROM per_count GROUP BY 1, 2 ORDER BY 1, 2`,

  'arrivals-on-green': (bucket) => `
    ${signalOverlaps(bucket)}
    SELECT bucket_start, intersection_id AS entity_id, sum(volume)::float8,
      sum(on_green)::float8,
      (100.0 * sum(on_green) / nullif(sum(volume), 0))::float8,
      (100.0 * sum(green_s) / nullif(sum(covered_s), 0))::float8
    FROM per_count GROUP BY 1, 2 ORDER BY 1, 2`,

  'parking-occupancy': (bucket) => `
    WITH changes AS (
      SELECT facility_id, observed_at, occupied::float8 / capacity AS ratio
      FROM kpi_parking_occupancy
      WHERE observed_at >= $1 AND observed_at < $2 AND ${entityFilter('facility_id')}
      UNION ALL
      -- The state each facility was in when the window opened.
      SELECT facility_id, $1::timestamptz, ratio FROM (
        SELECT DISTINCT ON (facility_id) facility_id, occupied::float8 / capacity AS ratio
        FROM kpi_parking_occupancy
        WHERE observed_at < $1 AND observed_at >= $1::timestamptz - interval '7 days' AND ${entityFilter('facility_id')}
        ORDER BY facility_id, observed_at DESC
      ) opening
    ), segments AS (
      SELECT facility_id, ratio, observed_at AS seg_start,
        coalesce(lead(observed_at) OVER (PARTITION BY facility_id ORDER BY observed_at), least($2::timestamptz, now())) AS seg_end
      FROM changes
    ), pieces AS (
      SELECT s.facility_id, s.ratio, b.bucket_start,
        extract(epoch FROM least(s.seg_end, b.bucket_start + $3::interval) - greatest(s.seg_start, b.bucket_start)) AS held_s
      FROM segments s
      CROSS JOIN LATERAL generate_series(${bucket('s.seg_start')}, s.seg_end - interval '1 microsecond', $3::interval) AS b(bucket_start)
      WHERE s.seg_end > s.seg_start
    )
    SELECT bucket_start, facility_id AS entity_id,
      (100.0 * sum(ratio * held_s) / nullif(sum(held_s), 0))::float8,
      (100.0 * max(ratio))::float8,
      coalesce(sum(held_s) FILTER (WHERE ratio >= ${PARKING_FULL_RATIO}), 0)::float8,
      (100.0 * coalesce(sum(held_s) FILTER (WHERE ratio >= ${PARKING_FULL_RATIO}), 0) / nullif(sum(held_s), 0))::float8,
      sum(held_s)::float8
    FROM pieces WHERE held_s > 0 GROUP BY 1, 2 ORDER BY 1, 2`,
};

/**
 * Each detector count interval against the intersection's signal intervals (green until the next
 * change). Vehicles are taken as arriving uniformly over the interval: a share of the volume equal to
 * the green share arrives on green, and one arriving during red waits until that red ends (no residual
 * queue: a lower bound on control delay). DetectorCount carries no phase, so this is per intersection.
 */
function signalOverlaps(bucket: BucketSql): string {
  return `
    WITH intervals AS (
      SELECT intersection_id, started_at, green,
        coalesce(lead(started_at) OVER (PARTITION BY intersection_id ORDER BY started_at), $2::timestamptz) AS ended_at
      FROM kpi_signal_intervals
      WHERE started_at >= $1::timestamptz - interval '1 hour' AND started_at < $2 AND ${entityFilter('intersection_id')}
    ), counts AS (
      SELECT intersection_id, detector_id, interval_start,
        interval_start + make_interval(secs => interval_s) AS interval_end, volume
      FROM kpi_detector_counts
      WHERE interval_start >= $1 AND interval_start < $2 AND ${entityFilter('intersection_id')}
    ), signal_overlaps AS (
      SELECT c.intersection_id, c.detector_id, c.interval_start, c.volume, i.green,
        extract(epoch FROM least(c.interval_end, i.ended_at) - greatest(c.interval_start, i.started_at)) AS overlap_s,
        extract(epoch FROM i.ended_at)
          - (extract(epoch FROM least(c.interval_end, i.ended_at)) + extract(epoch FROM greatest(c.interval_start, i.started_at))) / 2
          AS mean_wait_s
      FROM counts c
      JOIN intervals i ON i.intersection_id = c.intersection_id AND i.started_at < c.interval_end AND i.ended_at > c.interval_start
    ), per_count AS (
      SELECT intersection_id, ${bucket('interval_start')} AS bucket_start, volume,
        sum(overlap_s) AS covered_s,
        coalesce(sum(overlap_s) FILTER (WHERE green), 0) AS green_s,
        volume * coalesce(sum(overlap_s) FILTER (WHERE green), 0) / sum(overlap_s) AS on_green,
        volume * coalesce(sum(overlap_s * mean_wait_s) FILTER (WHERE NOT green), 0) / sum(overlap_s) AS delay_veh_s
      FROM signal_overlaps WHERE overlap_s > 0
      GROUP BY intersection_id, detector_id, interval_start, volume
    )`;
}

export async function queryKpi(db: Pool, timescale: boolean, query: KpiQuery): Promise<KpiRow[]> {
  const sql = SQL[query.kpi](bucketSqlFor(timescale));
  const result = await db.query({
    text: sql,
    values: [
      new Date(query.from),
      new Date(query.to),
      `${Math.round(query.bucketMs / 1000)} seconds`,
      [...query.entityIds],
    ],
    rowMode: 'array',
  });
  const measures = KPIS[query.kpi].measures.length;
  return (result.rows as unknown[][]).map((row) => ({
    bucketStart: (row[0] as Date).getTime(),
    entityId: String(row[1]),
    values: row.slice(2, 2 + measures).map((value) => (value === null ? Number.NaN : Number(value))),
  }));
}
