import { createHash } from 'node:crypto';
import { RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import { DataQualityFlag, type EventMeta } from '@mobility/contracts/common/v1/event';
import { FacilityCountEvent, GateDirection, OccupancySnapshot } from '@mobility/contracts/parking/v1/events';
import { OccupancySource } from '@mobility/contracts/parking/v1/facility';
import { DetectorCount } from '@mobility/contracts/signal/v1/events';
import { durationFromMs } from '@mobility/contracts/wkt';
import type { OutgoingMessage } from '@mobility/runtime';
import type { DetectorSpec } from '../domain/intersections.js';
import type { DetectorReading } from '../domain/sensor-models.js';

/** The producer name every simulated event carries (topic catalogue: producer `simulation`). */
export const PRODUCER = 'simulation';

export const TOPICS = {
  pings: 'avl.raw-ping.v1',
  detectorCounts: 'signal.detector-count.v1',
  gateCounts: 'parking.facility-count.v1',
  snapshots: 'parking.occupancy-snapshot.v1',
} as const;

/**
 * A UUID-shaped id derived from the event's content, so a restarted simulation that re-emits the
 * same fact gives it the same id and idempotent consumers drop the copy.
 */
export function eventId(...parts: readonly (string | number)[]): string {
  const hex = createHash('sha1').update(parts.join('|')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function meta(id: string, occurredAtMs: number, producedAtMs: number): EventMeta {
  return {
    eventId: id,
    occurredAt: new Date(occurredAtMs),
    producedAt: new Date(producedAtMs),
    producer: PRODUCER,
    causationId: '',
    replayRunId: '',
    qualityFlags: [DataQualityFlag.SIMULATED],
  };
}

export interface PingFacts {
  vehicleId: string;
  agencyId: string;
  observedAtMs: number;
  lat: number;
  lon: number;
  bearingDeg: number;
  speedMps: number;
  accuracyM: number;
  tripId: string;
  routeId: string;
  blockId: string;
  serviceDate: string;
  /** Scheduled start "HH:MM:SS". */
  startTime: string;
}

export function pingMessage(facts: PingFacts, producedAtMs: number): OutgoingMessage {
  const id = eventId('ping', facts.vehicleId, facts.observedAtMs);
  const ping = RawVehiclePing.fromPartial({
    meta: meta(id, facts.observedAtMs, producedAtMs),
    vehicleId: facts.vehicleId,
    agencyId: facts.agencyId,
    position: { lat: facts.lat, lon: facts.lon },
    observedAt: new Date(facts.observedAtMs),
    receivedAt: new Date(producedAtMs),
    bearingDeg: Math.round(facts.bearingDeg) % 360,
    speedMps: Math.round(facts.speedMps * 10) / 10,
    accuracyM: facts.accuracyM,
    reportedTripId: facts.tripId,
    reportedRouteId: facts.routeId,
    reportedBlockId: facts.blockId,
    reportedStartDate: facts.serviceDate,
    reportedStartTime: facts.startTime,
    source: PingSource.SIMULATION,
    sourceRecordId: id,
  });
  return { key: facts.vehicleId, value: RawVehiclePing.encode(ping).finish() };
}

export function detectorCountMessage(
  spec: DetectorSpec,
  reading: DetectorReading,
  intervalStartMs: number,
  intervalMs: number,
  producedAtMs: number,
): OutgoingMessage {
  const count = DetectorCount.fromPartial({
    meta: meta(
      eventId('detector', spec.intersectionId, spec.detectorId, intervalStartMs, intervalMs),
      intervalStartMs + intervalMs,
      producedAtMs,
    ),
    intersectionId: spec.intersectionId,
    detectorId: spec.detectorId,
    intervalStart: new Date(intervalStartMs),
    interval: durationFromMs(intervalMs),
    volume: reading.volume,
    occupancyRatio: reading.occupancyRatio,
    ...(reading.meanSpeedMps !== undefined ? { meanSpeedMps: reading.meanSpeedMps } : {}),
  });
  return { key: spec.intersectionId, value: DetectorCount.encode(count).finish() };
}

export function gateCountMessage(
  facilityId: string,
  direction: 'entry' | 'exit',
  vehicles: number,
  intervalStartMs: number,
  intervalEndMs: number,
  producedAtMs: number,
): OutgoingMessage {
  const event = FacilityCountEvent.fromPartial({
    meta: meta(eventId('gate', facilityId, direction, intervalStartMs), intervalEndMs, producedAtMs),
    facilityId,
    gateId: direction === 'entry' ? 'G-IN' : 'G-OUT',
    direction: direction === 'entry' ? GateDirection.ENTRY : GateDirection.EXIT,
    vehicleCount: vehicles,
    intervalStart: new Date(intervalStartMs),
  });
  return { key: facilityId, value: FacilityCountEvent.encode(event).finish() };
}

export function snapshotMessage(
  facilityId: string,
  occupied: number,
  capacity: number,
  atMs: number,
  producedAtMs: number,
): OutgoingMessage {
  const id = eventId('snapshot', facilityId, atMs);
  const snapshot = OccupancySnapshot.fromPartial({
    meta: meta(id, atMs, producedAtMs),
    facilityId,
    reportedOccupied: occupied,
    reportedCapacity: capacity,
    source: OccupancySource.FACILITY_SYSTEM,
    sourceRecordId: id,
  });
  return { key: facilityId, value: OccupancySnapshot.encode(snapshot).finish() };
}
