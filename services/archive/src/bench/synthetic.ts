/**
 * A synthetic stream for the archive benchmark: the mix of a busy hour (raw pings, matched
 * positions, detector counts, occupancy snapshots) with realistic message sizes, each entity's
 * events in time order. Deterministic for a seed.
 */
import { MatchStatus, RawVehiclePing, VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import { VehicleStopStatus } from '@mobility/contracts/avl/v1/transit';
import { OccupancySnapshot } from '@mobility/contracts/parking/v1/events';
import { DetectorCount } from '@mobility/contracts/signal/v1/events';
import { durationFromMs } from '@mobility/contracts/wkt';
import type { TopicMessages } from '@mobility/runtime';
import { seededRandom } from '@mobility/runtime/util';

export const BENCH_TOPICS = [
  'avl.raw-ping.v1',
  'avl.position-matched.v1',
  'signal.detector-count.v1',
  'parking.occupancy-snapshot.v1',
] as const;

export interface SyntheticEvent {
  topic: (typeof BENCH_TOPICS)[number];
  key: string;
  value: Uint8Array;
  timestamp: number;
}

export function syntheticStream(count: number, startMs: number, spanMs: number, seed = 1): SyntheticEvent[] {
  const random = seededRandom(seed);
  const events: SyntheticEvent[] = [];
  const step = spanMs / Math.max(count, 1);
  for (let i = 0; i < count; i++) {
    const at = new Date(Math.floor(startMs + i * step));
    const meta = { eventId: `bench-${seed}-${i}`, occurredAt: at, producedAt: at, producer: 'bench' };
    const draw = random();
    if (draw < 0.4) {
      const vehicleId = `bus-${i % 400}`;
      events.push({
        topic: 'avl.raw-ping.v1',
        key: vehicleId,
        timestamp: at.getTime(),
        value: RawVehiclePing.encode(
          RawVehiclePing.fromPartial({
            meta,
            vehicleId,
            agencyId: 'bench',
            position: { lat: 38.9 + random() * 0.1, lon: -77.0 - random() * 0.1 },
            observedAt: at,
            receivedAt: at,
            bearingDeg: random() * 360,
            speedMps: random() * 15,
            reportedTripId: `trip-${i % 400}`,
            reportedRouteId: `route-${i % 20}`,
          }),
        ).finish(),
      });
    } else if (draw < 0.65) {
      const vehicleId = `bus-${i % 400}`;
      events.push({
        topic: 'avl.position-matched.v1',
        key: vehicleId,
        timestamp: at.getTime(),
        value: VehiclePositionMatched.encode(
          VehiclePositionMatched.fromPartial({
            meta,
            vehicleId,
            observedAt: at,
            position: { lat: 38.9 + random() * 0.1, lon: -77.0 - random() * 0.1 },
            matchStatus: MatchStatus.MATCHED,
            matchConfidence: 0.95,
            trip: {
              tripId: `trip-${i % 400}`,
              routeId: `route-${i % 20}`,
              directionId: i % 2,
              startDate: '20261123',
            },
            currentStopSequence: 1 + (Math.floor(i / 400) % 40),
            currentStopId: `stop-${Math.floor(i / 400) % 40}`,
            currentStatus: VehicleStopStatus.IN_TRANSIT_TO,
            scheduleDeviationS: Math.round((random() - 0.3) * 600),
          }),
        ).finish(),
      });
    } else if (draw < 0.9) {
      const intersectionId = `int-${i % 200}`;
      events.push({
        topic: 'signal.detector-count.v1',
        key: intersectionId,
        timestamp: at.getTime(),
        value: DetectorCount.encode(
          DetectorCount.fromPartial({
            meta,
            intersectionId,
            detectorId: `det-${i % 8}`,
            intervalStart: at,
            interval: durationFromMs(60_000),
            volume: Math.floor(random() * 30),
            occupancyRatio: random() * 0.5,
          }),
        ).finish(),
      });
    } else {
      const facilityId = `fac-${i % 30}`;
      events.push({
        topic: 'parking.occupancy-snapshot.v1',
        key: facilityId,
        timestamp: at.getTime(),
        value: OccupancySnapshot.encode(
          OccupancySnapshot.fromPartial({
            meta,
            facilityId,
            reportedOccupied: Math.floor(random() * 500),
            reportedCapacity: 500,
          }),
        ).finish(),
      });
    }
  }
  return events;
}

/** Consecutive events grouped by topic for one multi-topic publish (each key's order kept). */
export function toTopicBatches(events: readonly SyntheticEvent[]): TopicMessages[] {
  const byTopic = new Map<string, Array<{ key: string; value: Uint8Array; timestamp: number }>>();
  for (const event of events) {
    let list = byTopic.get(event.topic);
    if (!list) {
      list = [];
      byTopic.set(event.topic, list);
    }
    list.push({ key: event.key, value: event.value, timestamp: event.timestamp });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
