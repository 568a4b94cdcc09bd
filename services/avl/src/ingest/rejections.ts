/**
 * Where refused pings go: the dead-letter topic `avl.ping-rejected.v1` with the reason, and the
 * metric `mobility.avl.pings.rejected{reason,source}` so a dashboard shows which source is dirty.
 */
import { createHash } from 'node:crypto';
import { PingRejected, PingRejectionReason, type RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import { topic } from '@mobility/contracts/topics';
import type { Clock, EventBus, Logger } from '@mobility/runtime';
import { type Counter, metrics } from '@opentelemetry/api';
import type { RejectionReason } from '../domain/validation.js';

export const REJECTED_TOPIC = 'avl.ping-rejected.v1';

const REASON_CODES: Record<RejectionReason, PingRejectionReason> = {
  malformed: PingRejectionReason.MALFORMED,
  missing_vehicle_id: PingRejectionReason.MISSING_VEHICLE_ID,
  invalid_coordinates: PingRejectionReason.INVALID_COORDINATES,
  outside_service_area: PingRejectionReason.OUTSIDE_SERVICE_AREA,
  timestamp_in_future: PingRejectionReason.TIMESTAMP_IN_FUTURE,
  stale: PingRejectionReason.STALE,
  duplicate: PingRejectionReason.DUPLICATE,
  out_of_order: PingRejectionReason.OUT_OF_ORDER,
  implausible_jump: PingRejectionReason.IMPLAUSIBLE_JUMP,
};

const SOURCE_NAMES: Partial<Record<PingSource, string>> = {
  [PingSource.KAFKA]: 'kafka',
  [PingSource.HTTP]: 'http',
  [PingSource.GTFS_RT_POLL]: 'gtfs_rt_poll',
  [PingSource.SIMULATION]: 'simulation',
  [PingSource.REPLAY]: 'replay',
};
export const sourceName = (source: PingSource) => SOURCE_NAMES[source] ?? 'unknown';

interface IngestInstruments {
  accepted: Counter;
  rejected: Counter;
}
let instruments: IngestInstruments | undefined;
/** Created on first use so they bind to the meter provider telemetry installed. */
function ingestInstruments(): IngestInstruments {
  if (!instruments) {
    const meter = metrics.getMeter('@mobility/avl');
    instruments = {
      accepted: meter.createCounter('mobility.avl.pings.accepted', {
        description: 'Pings that passed validation, by source',
      }),
      rejected: meter.createCounter('mobility.avl.pings.rejected', {
        description: 'Pings refused at ingest, by reason and source',
      }),
    };
  }
  return instruments;
}

export interface Rejection {
  reason: RejectionReason;
  message: string;
  source: PingSource;
  vehicleId?: string;
  sourceRecordId?: string;
  /** The parsed ping, when parsing succeeded (already stripped of undeclared fields). */
  ping?: RawVehiclePing;
}

export interface RejectionSink {
  reject(rejection: Rejection): Promise<void>;
  accepted(source: PingSource, count?: number): void;
  /** Rejections counted by reason since start (also exported as the metric). */
  counts(): Readonly<Record<string, number>>;
  /** Pings accepted by the pipeline since start. */
  acceptedCount(): number;
}

export function createRejectionSink({
  bus,
  clock,
  logger,
}: {
  bus: EventBus;
  clock: Clock;
  logger: Logger;
}): RejectionSink {
  const counts: Record<string, number> = {};
  let acceptedTotal = 0;
  const spec = topic(REJECTED_TOPIC);
  return {
    async reject(rejection) {
      counts[rejection.reason] = (counts[rejection.reason] ?? 0) + 1;
      ingestInstruments().rejected.add(1, { reason: rejection.reason, source: sourceName(rejection.source) });
      const nowMs = clock.now();
      const vehicleId = rejection.vehicleId ?? rejection.ping?.vehicleId ?? '';
      const recordId = rejection.sourceRecordId ?? rejection.ping?.sourceRecordId ?? '';
      const eventId = createHash('sha256')
        .update(
          `${rejection.reason}\u0000${rejection.ping?.meta?.eventId ?? ''}\u0000${vehicleId}\u0000${recordId}\u0000${rejection.ping ? '' : nowMs}`,
        )
        .digest('hex')
        .slice(0, 32);
      const event = PingRejected.fromPartial({
        meta: {
          eventId,
          occurredAt: rejection.ping?.observedAt ?? new Date(nowMs),
          producedAt: new Date(nowMs),
          producer: 'avl',
          causationId: rejection.ping?.meta?.eventId ?? '',
        },
        vehicleId,
        reason: REASON_CODES[rejection.reason],
        detail: { code: rejection.reason, message: rejection.message },
        source: rejection.source,
        sourceRecordId: recordId,
        ...(rejection.ping ? { ping: rejection.ping } : {}),
      });
      logger.debug({ vehicleId, reason: rejection.reason, detail: rejection.message }, 'ping rejected');
      await bus.publish(REJECTED_TOPIC, [
        { key: spec.key(event) || eventId, value: PingRejected.encode(event).finish() },
      ]);
    },
    accepted(source, count = 1) {
      acceptedTotal += count;
      ingestInstruments().accepted.add(count, { source: sourceName(source) });
    },
    counts: () => ({ ...counts }),
    acceptedCount: () => acceptedTotal,
  };
}
