/**
 * The ingest edge: decode an input from the bus, load what the pure reducers need, store what they
 * decide (history row, data-quality record, hot state) and announce real changes. A message that
 * cannot be decoded or attributed throws, so the bus retries it and then dead-letters it; dirty but
 * readable data never throws, it is clamped or rejected and recorded.
 *
 * Privacy: decoding goes through the contract's generated codecs, which keep only declared fields.
 * Whatever else a sensor puts on the wire (a plate, a vehicle tag) is discarded at decode and never
 * reaches a table, a log line, hot state or an outgoing event.
 *
 * Delivery: the data-quality record, the history row, the live row (facility_live) and the
 * idempotency marks (gate-count claim, bay state) commit in one transaction, so a redelivered input
 * is recognised and not applied twice.
 *
 * Concurrency: the transaction takes a per-facility advisory lock and reads the previous state from
 * facility_live, so inputs of one facility processed at once by different consumer groups or replicas
 * are applied one after another on the committed state. Hot state is only a cache written after
 * commit, and never with an older revision than it holds.
 */
import {
  BayState,
  FacilityCountEvent,
  GateDirection,
  OccupancySnapshot,
  ParkingSensorEvent,
} from '@mobility/contracts/parking/v1/events';
import type { Facility } from '@mobility/contracts/parking/v1/facility';
import { topic } from '@mobility/contracts/topics';
import type { Pool } from '@mobility/runtime';
import { type DeliveredMessage, type EventBus, type Logger, withTransaction } from '@mobility/runtime';
import {
  type IngestFacility,
  type IngestOutcome,
  reduceBayCounts,
  reduceCount,
  reduceSnapshot,
  rejectedInput,
} from '../domain/ingest.js';
import type { LiveOccupancy } from '../domain/occupancy.js';
import { toOccupancyChanged } from '../mapping.js';
import { applyBayState, occupiedBaysByCategory } from '../store/bays.js';
import type { Queryable } from '../store/db.js';
import { getFacility } from '../store/facilities.js';
import { loadLiveState, lockFacility, saveLiveState } from '../store/facility-live.js';
import { claimGateCount } from '../store/gate-counts.js';
import { recordHistory } from '../store/history.js';
import type { LiveStore } from '../store/live.js';
import { recordFlaggedInput } from '../store/quality-log.js';

export const INGEST_TOPICS = {
  sensors: 'parking.sensor-event.v1',
  counts: 'parking.facility-count.v1',
  snapshots: 'parking.occupancy-snapshot.v1',
} as const;

export const CHANGED_TOPIC = 'parking.occupancy-changed.v1';

/** How far ahead of this service's clock an event time may be (sensor clocks drift a little). */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

/** What happened to one input; returned for tests. */
export type IngestResult = 'applied' | 'unchanged' | 'flagged' | 'rejected' | 'redelivered';

export interface IngestDeps {
  db: Pool;
  live: LiveStore;
  bus: EventBus;
  logger: Logger;
  now?: () => number;
}

/** A message with no entity to attribute it to is unusable: dead-letter it rather than guess. */
export class UnattributableInput extends Error {}

function inputIdOf(eventId: string | undefined, message: DeliveredMessage): string {
  return eventId && eventId.trim() !== ''
    ? eventId
    : `${message.topic}/${message.partition}/${message.offset}`;
}

function ingestFacility(facility: Facility): IngestFacility {
  return {
    facilityId: facility.facilityId,
    capacity: facility.capacity,
    capacityByCategory: new Map(
      facility.capacityByCategory.map((entry) => [entry.category as number, entry.capacity]),
    ),
  };
}

const BAY_STATES: Partial<Record<BayState, 'occupied' | 'free' | 'fault'>> = {
  [BayState.OCCUPIED]: 'occupied',
  [BayState.FREE]: 'free',
  [BayState.FAULT]: 'fault',
};

interface InputContext {
  facilityId: string;
  inputId: string;
  topicName: string;
  /** The event's own time: NaN when it is present but unreadable. */
  eventAt: number;
  /** Event time when usable, else the bus timestamp: keys the data-quality record. */
  observedAt: number;
  replayRunId: string;
}

type Decision = { outcome: IngestOutcome; previous: LiveOccupancy | undefined } | 'redelivered';

export function createIngest(deps: IngestDeps) {
  const { db, live, bus, logger } = deps;
  const now = deps.now ?? Date.now;

  /** A time that cannot be stored, or a clock ahead of ours, rejects the input before anything is claimed. */
  function timeProblem(eventAt: number): IngestOutcome | undefined {
    if (!Number.isFinite(eventAt)) return rejectedInput('invalid-time');
    // Accepting it would make every real reading after it look out of order until that time passes.
    if (eventAt > now() + MAX_CLOCK_AHEAD_MS) return rejectedInput('future-time');
    return undefined;
  }

  /**
   * Runs `decide` (which may write its idempotency marks) and records its outcome and the new live
   * state in one transaction under the facility's advisory lock, then caches the state in hot state
   * and publishes the change.
   */
  async function process(
    input: InputContext,
    decide: (client: Queryable, facility: Facility, previous: LiveOccupancy | undefined) => Promise<Decision>,
  ): Promise<IngestResult> {
    let facility: Facility | undefined;
    let current: LiveOccupancy | undefined;
    const decision = await withTransaction(db, async (client): Promise<Decision> => {
      await lockFacility(client, input.facilityId);
      facility = await getFacility(client, input.facilityId);
      const problem = timeProblem(input.eventAt);
      let decided: Decision;
      if (!facility) decided = { outcome: rejectedInput('unknown-facility'), previous: undefined };
      else if (problem) decided = { outcome: problem, previous: undefined };
      else decided = await decide(client, facility, await loadLiveState(client, input.facilityId));
      if (decided === 'redelivered') {
        current = await loadLiveState(client, input.facilityId);
        return decided;
      }
      await recordFlaggedInput(client, {
        inputId: input.inputId,
        facilityId: input.facilityId,
        topic: input.topicName,
        observedAt: input.observedAt,
        outcome: decided.outcome,
      });
      if (!decided.outcome.next) return decided;
      await recordHistory(client, decided.outcome.next);
      const saved = await saveLiveState(client, decided.outcome.next);
      return { ...decided, outcome: { ...decided.outcome, next: saved } };
    });
    if (decision === 'redelivered') {
      // The first attempt may have committed and then failed before caching its state: refresh.
      if (current) await live.cache(current);
      return 'redelivered';
    }
    const { outcome } = decision;
    if (outcome.flags.length > 0) {
      // Flags and the sentence only: the raw message is never logged.
      logger.info(
        {
          facilityId: input.facilityId,
          inputId: input.inputId,
          flags: outcome.flags,
          action: outcome.action,
        },
        `parking input ${outcome.action}: ${outcome.reason}`,
      );
    }
    if (!outcome.next) return 'rejected';
    await live.cache(outcome.next);
    if (outcome.changed) {
      const change = toOccupancyChanged(decision.previous, outcome.next, facility, {
        now: now(),
        replayRunId: input.replayRunId,
      });
      await bus.publish(CHANGED_TOPIC, [
        {
          key: change.facilityId,
          value: topic(CHANGED_TOPIC).codec.encode(change).finish(),
          timestamp: outcome.next.observedAt,
        },
      ]);
    }
    if (outcome.flags.length > 0) return 'flagged';
    return outcome.changed ? 'applied' : 'unchanged';
  }

  async function handleSnapshot(message: DeliveredMessage): Promise<IngestResult> {
    const snapshot = OccupancySnapshot.decode(message.value);
    if (snapshot.facilityId === '') throw new UnattributableInput('occupancy snapshot has no facility_id');
    const inputId = inputIdOf(snapshot.meta?.eventId, message);
    const occurredAt = snapshot.meta?.occurredAt?.getTime() ?? Number.NaN;
    const context: InputContext = {
      facilityId: snapshot.facilityId,
      inputId,
      topicName: message.topic,
      eventAt: occurredAt,
      observedAt: Number.isFinite(occurredAt) ? occurredAt : message.timestamp,
      replayRunId: snapshot.meta?.replayRunId ?? '',
    };
    return process(context, async (_client, facility, previous) => {
      if (previous?.inputId === inputId) return 'redelivered';
      const outcome = reduceSnapshot(previous, ingestFacility(facility), {
        inputId,
        // The event's own time, possibly invalid: quality.ts flags that rather than us inventing one.
        observedAt: occurredAt,
        reportedOccupied: snapshot.reportedOccupied,
        reportedCapacity: snapshot.reportedCapacity,
        source: snapshot.source,
      });
      return { outcome, previous };
    });
  }

  async function handleCount(message: DeliveredMessage): Promise<IngestResult> {
    const count = FacilityCountEvent.decode(message.value);
    if (count.facilityId === '') throw new UnattributableInput('facility count has no facility_id');
    const inputId = inputIdOf(count.meta?.eventId, message);
    const occurredAt = count.meta?.occurredAt?.getTime() ?? message.timestamp;
    const context: InputContext = {
      facilityId: count.facilityId,
      inputId,
      topicName: message.topic,
      eventAt: occurredAt,
      observedAt: Number.isFinite(occurredAt) ? occurredAt : message.timestamp,
      replayRunId: count.meta?.replayRunId ?? '',
    };
    return process(context, async (client, facility, previous) => {
      const sign =
        count.direction === GateDirection.ENTRY ? 1 : count.direction === GateDirection.EXIT ? -1 : 0;
      if (sign === 0 || count.vehicleCount === 0) {
        const reason = `gate count needs a direction and a vehicle count (direction ${count.direction}, count ${count.vehicleCount})`;
        return { outcome: rejectedInput('malformed-input', reason), previous: undefined };
      }
      // A count no facility could hold is a broken counter, not drift to clamp (and would not fit the claim).
      if (count.vehicleCount > facility.capacity) {
        const reason = `gate count of ${count.vehicleCount} vehicles exceeds capacity ${facility.capacity}`;
        return { outcome: rejectedInput('malformed-input', reason), previous: undefined };
      }
      const delta = sign * count.vehicleCount;
      // Claimed whatever the outcome (even superseded): a redelivery must not be reconsidered.
      if (!(await claimGateCount(client, { facilityId: count.facilityId, inputId, occurredAt, delta }))) {
        return 'redelivered';
      }
      return {
        outcome: reduceCount(previous, ingestFacility(facility), { inputId, occurredAt, delta }),
        previous,
      };
    });
  }

  async function handleSensor(message: DeliveredMessage): Promise<IngestResult> {
    const event = ParkingSensorEvent.decode(message.value);
    if (event.facilityId === '') throw new UnattributableInput('sensor event has no facility_id');
    const inputId = inputIdOf(event.meta?.eventId, message);
    const observedAt = event.meta?.occurredAt?.getTime() ?? message.timestamp;
    const context: InputContext = {
      facilityId: event.facilityId,
      inputId,
      topicName: message.topic,
      eventAt: observedAt,
      observedAt: Number.isFinite(observedAt) ? observedAt : message.timestamp,
      replayRunId: event.meta?.replayRunId ?? '',
    };
    return process(context, async (client, facility, previous) => {
      const state = BAY_STATES[event.state];
      if (state === undefined || event.bayId.trim() === '') {
        return { outcome: rejectedInput('malformed-input'), previous: undefined };
      }
      const update = await applyBayState(client, {
        facilityId: event.facilityId,
        bayId: event.bayId,
        state,
        category: event.category,
        sensorId: event.sensorId,
        observedAt,
      });
      if (update === 'redelivered') return 'redelivered';
      if (update === 'out-of-order') {
        return {
          outcome: rejectedInput('out-of-order', `bay ${event.bayId} already has a newer report`),
          previous: undefined,
        };
      }
      const outcome = reduceBayCounts(previous, ingestFacility(facility), {
        inputId,
        observedAt,
        occupiedByCategory: await occupiedBaysByCategory(client, event.facilityId),
        eventFlags: state === 'fault' ? ['sensor-fault'] : [],
      });
      return { outcome, previous };
    });
  }

  return { handleSnapshot, handleCount, handleSensor };
}

export type Ingest = ReturnType<typeof createIngest>;
