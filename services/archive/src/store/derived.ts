import type { Pool, PoolClient } from 'pg';
import type { DerivedRows } from '../domain/derive.js';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

const at = (ms: number) => ms / 1000;

/** One row per key, the last given winning: a statement may not update the same row twice. */
function lastPerKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  return [...new Map(rows.map((row) => [key(row), row])).values()];
}

/** Writes the KPI rows of a batch; each table's key makes a redelivery a no-op (or keeps the earliest arrival). */
export async function insertDerived(db: Queryable, rows: DerivedRows): Promise<void> {
  if (rows.stopArrivals.length > 0) {
    // Several observations of one arrival can come in one batch: the earliest wins, as ON CONFLICT would.
    const earliest = new Map<string, DerivedRows['stopArrivals'][number]>();
    for (const row of rows.stopArrivals) {
      const key = `${row.tripId}\u0000${row.serviceDate}\u0000${row.stopSequence}`;
      const seen = earliest.get(key);
      if (!seen || row.arrivedAt < seen.arrivedAt) earliest.set(key, row);
    }
    const arrivals = [...earliest.values()];
    await db.query(
      `INSERT INTO kpi_stop_arrivals AS a
         (service_date, trip_id, stop_sequence, route_id, direction_id, stop_id, vehicle_id, arrived_at, schedule_deviation_s)
       SELECT d::date, tr, s, r, dir, st, v, to_timestamp(t), dev
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::text[], $8::float8[], $9::int[])
         AS batch(d, tr, s, r, dir, st, v, t, dev)
       ON CONFLICT (trip_id, stop_sequence, service_date) DO UPDATE
         SET arrived_at = EXCLUDED.arrived_at, schedule_deviation_s = EXCLUDED.schedule_deviation_s,
             vehicle_id = EXCLUDED.vehicle_id,
             stop_id = CASE WHEN EXCLUDED.stop_id <> '' THEN EXCLUDED.stop_id ELSE a.stop_id END
         WHERE EXCLUDED.arrived_at < a.arrived_at`,
      [
        arrivals.map((r) => r.serviceDate),
        arrivals.map((r) => r.tripId),
        arrivals.map((r) => r.stopSequence),
        arrivals.map((r) => r.routeId),
        arrivals.map((r) => r.directionId),
        arrivals.map((r) => r.stopId),
        arrivals.map((r) => r.vehicleId),
        arrivals.map((r) => at(r.arrivedAt)),
        arrivals.map((r) => r.scheduleDeviationS),
      ],
    );
  }
  if (rows.predictions.length > 0) {
    const p = rows.predictions;
    await db.query(
      `INSERT INTO kpi_predictions (issued_at, service_date, trip_id, stop_sequence, route_id, predicted_arrival)
       SELECT to_timestamp(i), d::date, tr, s, r, to_timestamp(pa)
       FROM unnest($1::float8[], $2::text[], $3::text[], $4::int[], $5::text[], $6::float8[]) AS batch(i, d, tr, s, r, pa)
       ON CONFLICT DO NOTHING`,
      [
        p.map((r) => at(r.issuedAt)),
        p.map((r) => r.serviceDate),
        p.map((r) => r.tripId),
        p.map((r) => r.stopSequence),
        p.map((r) => r.routeId),
        p.map((r) => at(r.predictedArrival)),
      ],
    );
  }
  if (rows.headwayAlerts.length > 0) {
    const h = rows.headwayAlerts;
    await db.query(
      `INSERT INTO kpi_headway_alerts (observed_at, alert_id, route_id, condition, state)
       SELECT to_timestamp(t), a, r, c, s FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::text[]) AS batch(t, a, r, c, s)
       ON CONFLICT DO NOTHING`,
      [
        h.map((r) => at(r.observedAt)),
        h.map((r) => r.alertId),
        h.map((r) => r.routeId),
        h.map((r) => r.condition),
        h.map((r) => r.state),
      ],
    );
  }
  if (rows.signalIntervals.length > 0) {
    const s = lastPerKey(rows.signalIntervals, (r) => `${r.intersectionId}\u0000${r.startedAt}`);
    await db.query(
      `INSERT INTO kpi_signal_intervals (started_at, intersection_id, green)
       SELECT to_timestamp(t), i, g FROM unnest($1::float8[], $2::text[], $3::bool[]) AS batch(t, i, g)
       ON CONFLICT (intersection_id, started_at) DO UPDATE SET green = EXCLUDED.green`,
      [s.map((r) => at(r.startedAt)), s.map((r) => r.intersectionId), s.map((r) => r.green)],
    );
  }
  if (rows.detectorCounts.length > 0) {
    const c = rows.detectorCounts;
    await db.query(
      `INSERT INTO kpi_detector_counts (interval_start, intersection_id, detector_id, interval_s, volume)
       SELECT to_timestamp(t), i, d, s, v FROM unnest($1::float8[], $2::text[], $3::text[], $4::float8[], $5::int[]) AS batch(t, i, d, s, v)
       ON CONFLICT DO NOTHING`,
      [
        c.map((r) => at(r.intervalStart)),
        c.map((r) => r.intersectionId),
        c.map((r) => r.detectorId),
        c.map((r) => r.intervalS),
        c.map((r) => r.volume),
      ],
    );
  }
  if (rows.parkingOccupancy.length > 0) {
    const o = lastPerKey(rows.parkingOccupancy, (r) => `${r.facilityId}\u0000${r.observedAt}`);
    await db.query(
      `INSERT INTO kpi_parking_occupancy (observed_at, facility_id, occupied, capacity)
       SELECT to_timestamp(t), f, o, c FROM unnest($1::float8[], $2::text[], $3::int[], $4::int[]) AS batch(t, f, o, c)
       ON CONFLICT (facility_id, observed_at) DO UPDATE SET occupied = EXCLUDED.occupied, capacity = EXCLUDED.capacity`,
      [
        o.map((r) => at(r.observedAt)),
        o.map((r) => r.facilityId),
        o.map((r) => r.occupied),
        o.map((r) => r.capacity),
      ],
    );
  }
}
