/**
 * Domain state to contract messages. One place, so the gRPC answers, the Kafka events and the stream
 * describe a facility's occupancy identically.
 */
import { createHash } from 'node:crypto';
import { DataQualityFlag } from '@mobility/contracts/common/v1/event';
import { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import { type Facility, Occupancy } from '@mobility/contracts/parking/v1/facility';
import { bandOf } from './domain/facility.js';
import { type LiveOccupancy, levelOf, occupancyRatio, trendOf } from './domain/occupancy.js';

export function toOccupancy(state: LiveOccupancy, facility: Facility | undefined): Occupancy {
  const band = facility ? bandOf(facility) : undefined;
  return Occupancy.fromPartial({
    observedAt: new Date(state.observedAt),
    capacity: state.capacity,
    occupied: state.occupied,
    free: state.capacity - state.occupied,
    occupancyRatio: occupancyRatio(state.occupied, state.capacity),
    level: levelOf(state.occupied, state.capacity, band),
    byCategory: state.byCategory.map((entry) => ({ ...entry })),
    source: state.source,
    ...(state.rawOccupied === undefined ? {} : { rawOccupied: state.rawOccupied }),
  });
}

/** The contract's flags for what the reading went through; internal flag names stay internal. */
export function contractFlags(flags: readonly string[]): DataQualityFlag[] {
  const out = new Set<DataQualityFlag>();
  for (const flag of flags) {
    if (flag === 'above-capacity' || flag === 'negative') {
      out.add(DataQualityFlag.OUT_OF_RANGE);
      out.add(DataQualityFlag.CLAMPED);
    } else if (flag === 'stuck' || flag === 'sensor-fault') out.add(DataQualityFlag.SENSOR_FAULT);
    else if (flag === 'gap') out.add(DataQualityFlag.INCOMPLETE);
    else if (flag === 'future-time') out.add(DataQualityFlag.CLOCK_SKEW);
  }
  return [...out];
}

/**
 * Deterministic event id: the same state change computed twice (a redelivery, a second replica)
 * carries the same id, so consumers can drop the duplicate. The input id is part of it: two
 * different inputs can yield the same values at the same time (A -> B -> A) and are distinct changes.
 */
export function changeEventId(state: LiveOccupancy): string {
  const hash = createHash('sha256')
    .update(`${state.facilityId}|${state.inputId}|${state.observedAt}|${state.occupied}|${state.capacity}`)
    .digest('hex');
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

export function toOccupancyChanged(
  previous: LiveOccupancy | undefined,
  next: LiveOccupancy,
  facility: Facility | undefined,
  context: { now: number; replayRunId?: string },
): OccupancyChanged {
  return OccupancyChanged.fromPartial({
    meta: {
      eventId: changeEventId(next),
      occurredAt: new Date(next.observedAt),
      producedAt: new Date(context.now),
      producer: 'parking',
      causationId: next.inputId,
      replayRunId: context.replayRunId ?? '',
      qualityFlags: contractFlags(next.flags),
    },
    facilityId: next.facilityId,
    occupancy: toOccupancy(next, facility),
    previousOccupied: previous?.occupied ?? 0,
    trend: trendOf(next.recent, next.capacity),
  });
}
