/**
 * Positions and predictions in TimescaleDB hypertables (plain tables on PGlite). Writes are
 * idempotent: the primary keys hold vehicle and time, and conflicts are ignored, so a redelivered
 * ping never adds a second row.
 */
import type { TripPrediction, VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import { MatchStatus } from '@mobility/contracts/avl/v1/events';
import type { PingSource } from '@mobility/contracts/avl/v1/transit';

/** The query surface the stores need: a pg Pool or a client inside a transaction. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

const INSERT_POSITION = `INSERT INTO vehicle_positions (
  vehicle_id, observed_at, received_at, lat, lon, bearing_deg, speed_mps, source, match_status,
  trip_id, route_id, direction_id, start_date, shape_dist_m, off_shape_m, stop_sequence, stop_id,
  stop_status, schedule_deviation_s, match_confidence)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
ON CONFLICT (vehicle_id, observed_at) DO NOTHING`;

/** True when the row is new; false when this fix was stored before (a redelivery). */
export async function recordPosition(
  db: Queryable,
  position: VehiclePositionMatched,
  receivedAt: Date,
  source: PingSource,
): Promise<boolean> {
  const matched = position.matchStatus !== MatchStatus.UNMATCHED && position.trip !== undefined;
  const trip = position.trip;
  const result = await db.query(INSERT_POSITION, [
    position.vehicleId,
    position.observedAt,
    receivedAt,
    position.position?.lat,
    position.position?.lon,
    position.bearingDeg ?? null,
    position.speedMps ?? null,
    source,
    position.matchStatus,
    matched ? trip?.tripId : null,
    matched ? trip?.routeId : null,
    matched ? trip?.directionId : null,
    matched ? trip?.startDate : null,
    matched ? position.shapeDistTraveledM : null,
    matched ? position.distanceFromShapeM : null,
    matched ? position.currentStopSequence : null,
    matched ? position.currentStopId : null,
    matched ? position.currentStatus : null,
    matched ? position.scheduleDeviationS : null,
    position.matchConfidence,
  ]);
  return (result.rowCount ?? 0) > 0;
}

/** Stores every stop of the predictions in one statement; rows already stored are left alone. */
export async function recordPredictions(
  db: Queryable,
  predictions: readonly TripPrediction[],
): Promise<number> {
  const columns: unknown[][] = [[], [], [], [], [], [], [], [], [], [], [], []];
  for (const prediction of predictions) {
    const trip = prediction.trip;
    if (!trip || !prediction.meta?.occurredAt) continue;
    for (const stop of prediction.stopTimePredictions) {
      const values = [
        prediction.vehicleId,
        prediction.meta.occurredAt.toISOString(),
        trip.tripId,
        trip.startDate,
        trip.routeId,
        stop.stopSequence,
        stop.stopId,
        stop.arrival?.predictedTime?.toISOString() ?? null,
        stop.departure?.predictedTime?.toISOString() ?? null,
        stop.arrival?.scheduledTime?.toISOString() ?? null,
        stop.departure?.scheduledTime?.toISOString() ?? null,
        stop.arrival?.uncertaintyS ?? stop.departure?.uncertaintyS ?? null,
      ];
      values.forEach((value, index) => {
        columns[index]?.push(value);
      });
    }
  }
  if ((columns[0]?.length ?? 0) === 0) return 0;
  const result = await db.query(
    `INSERT INTO stop_predictions (vehicle_id, issued_at, trip_id, start_date, route_id, stop_sequence, stop_id,
       predicted_arrival, predicted_departure, scheduled_arrival, scheduled_departure, uncertainty_s)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
       $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::int[])
     ON CONFLICT DO NOTHING`,
    columns,
  );
  return result.rowCount ?? 0;
}
