/**
 * Turning what sources send into the contract's RawVehiclePing, and that into what validation and
 * the tracker take. Each source is parsed against a declared shape, so fields nobody declared (a
 * driver's badge number, an operator login) are dropped here and never reach a topic or a table.
 */
import { createHash } from 'node:crypto';
import { RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { OccupancyStatus, PingSource } from '@mobility/contracts/avl/v1/transit';
import { z } from 'zod';
import type { VehiclePing } from '../domain/types.js';
import type { PingCandidate } from '../domain/validation.js';
import { type FeedEntity, toNumber } from '../feeds/gtfs-rt.js';

/** Deterministic event id of a ping: the same fix re-ingested gets the same id (consumers dedupe). */
export function pingEventId(vehicleId: string, observedAtMs: number, source: PingSource): string {
  return createHash('sha256')
    .update(`${source}\u0000${vehicleId}\u0000${observedAtMs}`)
    .digest('hex')
    .slice(0, 32);
}

export function candidateOf(ping: RawVehiclePing): PingCandidate {
  return {
    vehicleId: ping.vehicleId.trim(),
    observedAtMs: ping.observedAt ? ping.observedAt.getTime() : Number.NaN,
    lat: ping.position?.lat ?? Number.NaN,
    lon: ping.position?.lon ?? Number.NaN,
    ...(ping.bearingDeg !== undefined ? { bearingDeg: ping.bearingDeg } : {}),
    ...(ping.speedMps !== undefined ? { speedMps: ping.speedMps } : {}),
  };
}

const finiteOrUndefined = (value: number | undefined) =>
  value !== undefined && Number.isFinite(value) ? value : undefined;

/** The tracker's input: a validated ping with the trip the source claims, if any. */
export function trackerPingOf(ping: RawVehiclePing): VehiclePing {
  const bearing = finiteOrUndefined(ping.bearingDeg);
  const speed = finiteOrUndefined(ping.speedMps);
  return {
    vehicleId: ping.vehicleId.trim(),
    timestampMs: ping.observedAt?.getTime() ?? 0,
    lat: ping.position?.lat ?? 0,
    lon: ping.position?.lon ?? 0,
    ...(bearing !== undefined && bearing >= 0 && bearing <= 360 ? { bearingDeg: bearing } : {}),
    ...(speed !== undefined && speed >= 0 ? { speedMps: speed } : {}),
    ...(ping.reportedTripId.trim() ? { tripId: ping.reportedTripId.trim() } : {}),
    ...(ping.reportedRouteId.trim() ? { routeId: ping.reportedRouteId.trim() } : {}),
    ...(/^\d{8}$/.test(ping.reportedStartDate) ? { startDate: ping.reportedStartDate } : {}),
    ...(/^\d{1,2}:\d{2}:\d{2}$/.test(ping.reportedStartTime) ? { startTime: ping.reportedStartTime } : {}),
  };
}

const optionalText = z
  .string()
  .max(200)
  .optional()
  .transform((value) => value?.trim() ?? '');
const optionalNumber = z.number().finite().optional();

/**
 * One ping of the HTTP batch endpoint. Keys not listed here are stripped by zod (its default), so a
 * vendor payload with `driver_id` or `operator_name` loses them before anything else sees the ping.
 * `timestamp` is epoch seconds (as GTFS-realtime) or an ISO 8601 string.
 */
export const httpPingSchema = z.object({
  vehicle_id: z.string().min(1).max(100),
  timestamp: z.union([z.number().finite().positive(), z.string().datetime({ offset: true })]),
  lat: z.number().finite(),
  lon: z.number().finite(),
  bearing_deg: optionalNumber,
  speed_mps: optionalNumber,
  accuracy_m: optionalNumber,
  odometer_m: optionalNumber,
  trip_id: optionalText,
  route_id: optionalText,
  block_id: optionalText,
  start_date: optionalText,
  start_time: optionalText,
  agency_id: optionalText,
  record_id: optionalText,
});
export type HttpPing = z.infer<typeof httpPingSchema>;

export function rawPingFromHttp(ping: HttpPing, receivedAtMs: number): RawVehiclePing {
  const observedAtMs =
    typeof ping.timestamp === 'number' ? ping.timestamp * 1000 : Date.parse(ping.timestamp);
  return RawVehiclePing.fromPartial({
    meta: {
      eventId: pingEventId(ping.vehicle_id, observedAtMs, PingSource.HTTP),
      occurredAt: new Date(observedAtMs),
      producedAt: new Date(receivedAtMs),
      producer: 'avl',
    },
    vehicleId: ping.vehicle_id.trim(),
    agencyId: ping.agency_id,
    position: { lat: ping.lat, lon: ping.lon },
    observedAt: new Date(observedAtMs),
    receivedAt: new Date(receivedAtMs),
    ...(ping.bearing_deg !== undefined ? { bearingDeg: ping.bearing_deg } : {}),
    ...(ping.speed_mps !== undefined ? { speedMps: ping.speed_mps } : {}),
    ...(ping.accuracy_m !== undefined ? { accuracyM: ping.accuracy_m } : {}),
    ...(ping.odometer_m !== undefined ? { odometerM: ping.odometer_m } : {}),
    reportedTripId: ping.trip_id,
    reportedRouteId: ping.route_id,
    reportedBlockId: ping.block_id,
    reportedStartDate: ping.start_date,
    reportedStartTime: ping.start_time,
    source: PingSource.HTTP,
    sourceRecordId: ping.record_id,
  });
}

/** GTFS-rt OccupancyStatus (EMPTY = 0) to the contract's (EMPTY = 1); NO_DATA and beyond = unset. */
function occupancyOf(value: number | null | undefined): OccupancyStatus {
  if (value === null || value === undefined || value < 0 || value > 6) return OccupancyStatus.UNSPECIFIED;
  return (value + 1) as OccupancyStatus;
}

/**
 * A VehiclePosition entity of a polled GTFS-rt feed as a raw ping; undefined when the entity has no
 * vehicle position at all (then it is not a ping, just another kind of entity). The vehicle label
 * and license plate are not carried over.
 */
export function rawPingFromGtfsRt(
  entity: FeedEntity,
  headerTimestampS: number,
  receivedAtMs: number,
): RawVehiclePing | undefined {
  const vehicle = entity.vehicle;
  if (!vehicle?.position) return undefined;
  const vehicleId = (vehicle.vehicle?.id ?? '').trim() || (entity.id ?? '').trim();
  const observedAtMs = (toNumber(vehicle.timestamp) ?? headerTimestampS) * 1000;
  const trip = vehicle.trip;
  return RawVehiclePing.fromPartial({
    meta: {
      eventId: pingEventId(vehicleId, observedAtMs, PingSource.GTFS_RT_POLL),
      occurredAt: new Date(observedAtMs),
      producedAt: new Date(receivedAtMs),
      producer: 'avl',
    },
    vehicleId,
    position: { lat: vehicle.position.latitude, lon: vehicle.position.longitude },
    observedAt: new Date(observedAtMs),
    receivedAt: new Date(receivedAtMs),
    ...(typeof vehicle.position.bearing === 'number' ? { bearingDeg: vehicle.position.bearing } : {}),
    ...(typeof vehicle.position.speed === 'number' ? { speedMps: vehicle.position.speed } : {}),
    ...(typeof vehicle.position.odometer === 'number' ? { odometerM: vehicle.position.odometer } : {}),
    reportedTripId: trip?.tripId ?? '',
    reportedRouteId: trip?.routeId ?? '',
    reportedStartDate: trip?.startDate ?? '',
    reportedStartTime: trip?.startTime ?? '',
    occupancyStatus: occupancyOf(vehicle.occupancyStatus),
    source: PingSource.GTFS_RT_POLL,
    sourceRecordId: entity.id ?? '',
  });
}
