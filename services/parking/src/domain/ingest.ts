/**
 * How each kind of input moves a facility's live occupancy, as pure reducers: (previous state,
 * facility, input) -> accepted or not, the quality flags with a sentence saying why, and the next
 * state. The I/O edge (events/ingest.ts) only loads the inputs and stores what comes out, so every
 * rule about dirty data is testable here without a database or a bus.
 */

import {
  type CategoryCount,
  isOccupancyChange,
  type LiveOccupancy,
  Source,
  withRecentPoint,
} from './occupancy.js';
import { type AssessedReading, assessReading, type QualityFlag } from './quality.js';

/** Flags raised here, at the edge, on top of the reading checks in quality.ts. */
export type IngestFlag =
  | QualityFlag
  /** the facility is not registered: there is no capacity to validate against. */
  | 'unknown-facility'
  /** a bay sensor reported a fault; the bay counts as unknown, not occupied. */
  | 'sensor-fault'
  /** a sensor event without a usable state or bay id. */
  | 'malformed-input'
  /** a gate count older than the latest absolute snapshot, which already includes it. */
  | 'superseded'
  /** event time too far ahead of the service's clock (a sensor clock set wrong): rejected. */
  | 'future-time';

export type QualityAction = 'clamped' | 'rejected' | 'accepted';

export interface IngestOutcome {
  accepted: boolean;
  flags: IngestFlag[];
  /** What was done with a flagged input; undefined when the input was clean. */
  action: QualityAction | undefined;
  /** One sentence with the concrete values, for the data-quality log. */
  reason: string;
  /** The state after the input, when it was accepted. */
  next: LiveOccupancy | undefined;
  /** Whether `next` differs from the previous state enough to announce. */
  changed: boolean;
  rawOccupied: number | undefined;
  rawCapacity: number | undefined;
}

/** The registered facility as ingest needs it. */
export interface IngestFacility {
  facilityId: string;
  capacity: number;
  /** Capacity per BayCategory enum value. */
  capacityByCategory: ReadonlyMap<number, number>;
}

const SENTENCES: Record<
  IngestFlag,
  (r: { raw?: number; cap?: number; used?: number; registered?: number }) => string
> = {
  'above-capacity': ({ raw, cap }) => `occupied ${raw} is above capacity ${cap}: clamped to ${cap}`,
  negative: ({ raw }) => `occupied ${raw} is negative: clamped to 0`,
  'capacity-mismatch': ({ cap, registered }) =>
    `reported capacity ${cap} differs from registered ${registered}: registered used`,
  'invalid-capacity': ({ cap }) => `capacity ${cap} is not usable`,
  'non-numeric': () => 'a value is not a number',
  'invalid-time': () => 'observation time is missing or invalid',
  duplicate: () => 'same time as the previous reading (a resend)',
  'out-of-order': () => 'older than the current state',
  gap: () => 'first reading after a long silence',
  stuck: ({ raw }) => `value ${raw} unchanged for hours while neither empty nor full (stuck sensor?)`,
  'unknown-facility': () => 'facility is not registered',
  'sensor-fault': () => 'bay sensor reports a fault: bay state unknown',
  'malformed-input': () => 'input lacks a usable state or bay id',
  superseded: () => 'gate count is older than the latest absolute snapshot, which already includes it',
  'future-time': () => 'observation time is ahead of the service clock (clock skew)',
};

function sentence(flags: readonly IngestFlag[], values: Parameters<(typeof SENTENCES)['gap']>[0]): string {
  return flags.map((flag) => SENTENCES[flag](values)).join('; ');
}

function actionOf(flags: readonly IngestFlag[], accepted: boolean): QualityAction | undefined {
  if (flags.length === 0) return undefined;
  if (!accepted) return 'rejected';
  return flags.includes('above-capacity') || flags.includes('negative') ? 'clamped' : 'accepted';
}

function rejected(
  flags: IngestFlag[],
  reason: string,
  raw?: { occupied?: number; capacity?: number },
): IngestOutcome {
  return {
    accepted: false,
    flags,
    action: 'rejected',
    reason,
    next: undefined,
    changed: false,
    rawOccupied: raw?.occupied,
    rawCapacity: raw?.capacity,
  };
}

export function unknownFacility(raw?: { occupied?: number; capacity?: number }): IngestOutcome {
  return rejected(['unknown-facility'], SENTENCES['unknown-facility']({}), raw);
}

function asAssessed(live: LiveOccupancy): AssessedReading {
  return {
    facilityId: live.facilityId,
    capacity: live.capacity,
    occupied: live.occupied,
    observedAt: live.observedAt,
    flags: [],
    accepted: true,
    ...(live.unchangedSince === undefined ? {} : { unchangedSince: live.unchangedSince }),
  };
}

function finish(
  previous: LiveOccupancy | undefined,
  assessed: AssessedReading,
  extra: {
    inputId: string;
    source: number;
    raw: number;
    rawCapacity: number;
    registered: number;
    byCategory: CategoryCount[];
    absolute: boolean;
  },
  extraFlags: IngestFlag[] = [],
): IngestOutcome {
  const flags: IngestFlag[] = [...extraFlags, ...assessed.flags];
  const values = { raw: extra.raw, cap: extra.rawCapacity, registered: extra.registered };
  const action = actionOf(flags, assessed.accepted);
  if (!assessed.accepted)
    return {
      ...rejected(flags, sentence(flags, values), { occupied: extra.raw, capacity: extra.rawCapacity }),
    };
  const clamped = assessed.occupied !== extra.raw;
  const unchangedSince =
    previous && previous.occupied === assessed.occupied
      ? (previous.unchangedSince ?? previous.observedAt)
      : assessed.observedAt;
  const next: LiveOccupancy = {
    facilityId: assessed.facilityId,
    capacity: assessed.capacity,
    occupied: assessed.occupied,
    observedAt: assessed.observedAt,
    source: extra.source,
    ...(clamped ? { rawOccupied: extra.raw } : {}),
    byCategory: extra.byCategory,
    flags: [...flags],
    unchangedSince,
    inputId: extra.inputId,
    ...(extra.absolute
      ? { lastAbsoluteAt: assessed.observedAt }
      : previous?.lastAbsoluteAt === undefined
        ? {}
        : { lastAbsoluteAt: previous.lastAbsoluteAt }),
    recent: withRecentPoint(previous?.recent ?? [], { at: assessed.observedAt, occupied: assessed.occupied }),
  };
  return {
    accepted: true,
    flags,
    action,
    reason: flags.length > 0 ? sentence(flags, values) : '',
    next,
    changed: isOccupancyChange(previous, next),
    rawOccupied: extra.raw,
    rawCapacity: extra.rawCapacity,
  };
}

export interface SnapshotInput {
  inputId: string;
  observedAt: number;
  reportedOccupied: number;
  /** 0 = not reported (proto3 default): the registered capacity is used without a mismatch flag. */
  reportedCapacity: number;
  source: number;
}

/** An absolute reading: checked against the previous accepted one (order, resend, gap, stuck). */
export function reduceSnapshot(
  previous: LiveOccupancy | undefined,
  facility: IngestFacility,
  input: SnapshotInput,
): IngestOutcome {
  const reportedCapacity = input.reportedCapacity > 0 ? input.reportedCapacity : facility.capacity;
  const assessed = assessReading(
    {
      facilityId: facility.facilityId,
      capacity: reportedCapacity,
      occupied: input.reportedOccupied,
      observedAt: input.observedAt,
    },
    previous ? asAssessed(previous) : undefined,
    facility.capacity,
  );
  return finish(previous, assessed, {
    inputId: input.inputId,
    source: input.source || Source.FACILITY_SYSTEM,
    raw: input.reportedOccupied,
    rawCapacity: reportedCapacity,
    registered: facility.capacity,
    byCategory: [],
    absolute: true,
  });
}

export interface CountInput {
  inputId: string;
  occurredAt: number;
  /** Entries positive, exits negative. */
  delta: number;
}

/**
 * A gate passage moves occupancy by its delta. Counters drift (a missed exit, a tailgater), so a
 * result outside [0, capacity] is clamped and flagged; the next absolute snapshot resets the drift.
 * Deltas commute, so a count arriving late still applies, unless an absolute snapshot taken after it
 * already includes it. Time order checks do not apply: the state's time is the latest input's.
 */
export function reduceCount(
  previous: LiveOccupancy | undefined,
  facility: IngestFacility,
  input: CountInput,
): IngestOutcome {
  if (!Number.isFinite(input.occurredAt)) return rejected(['invalid-time'], SENTENCES['invalid-time']({}));
  if (previous?.lastAbsoluteAt !== undefined && input.occurredAt <= previous.lastAbsoluteAt) {
    return rejected(['superseded'], SENTENCES.superseded({}));
  }
  const raw = (previous?.occupied ?? 0) + input.delta;
  const observedAt = Math.max(input.occurredAt, previous?.observedAt ?? Number.NEGATIVE_INFINITY);
  const assessed = assessReading(
    { facilityId: facility.facilityId, capacity: facility.capacity, occupied: raw, observedAt },
    undefined,
    facility.capacity,
  );
  return finish(previous, assessed, {
    inputId: input.inputId,
    source: Source.GATE_COUNTS,
    raw,
    rawCapacity: facility.capacity,
    registered: facility.capacity,
    byCategory: [],
    absolute: false,
  });
}

export interface BayCountInput {
  inputId: string;
  observedAt: number;
  /** Occupied bays per BayCategory enum value, over the facility's bays with a working sensor. */
  occupiedByCategory: ReadonlyMap<number, number>;
  /** Flags raised for the bay event itself (e.g. sensor-fault), recorded with the outcome. */
  eventFlags?: IngestFlag[];
}

/**
 * Occupancy from per-bay sensors: the number of bays currently reported occupied. More occupied
 * bays than registered capacity (sensors on bays the registry does not know) is clamped and flagged.
 */
export function reduceBayCounts(
  previous: LiveOccupancy | undefined,
  facility: IngestFacility,
  input: BayCountInput,
): IngestOutcome {
  let total = 0;
  for (const count of input.occupiedByCategory.values()) total += count;
  const observedAt = Math.max(input.observedAt, previous?.observedAt ?? Number.NEGATIVE_INFINITY);
  const assessed = assessReading(
    { facilityId: facility.facilityId, capacity: facility.capacity, occupied: total, observedAt },
    undefined,
    facility.capacity,
  );
  const byCategory: CategoryCount[] = [...facility.capacityByCategory.entries()].map(
    ([category, capacity]) => ({
      category,
      capacity,
      occupied: Math.min(capacity, input.occupiedByCategory.get(category) ?? 0),
    }),
  );
  return finish(
    previous,
    assessed,
    {
      inputId: input.inputId,
      source: Source.BAY_SENSORS,
      raw: total,
      rawCapacity: facility.capacity,
      registered: facility.capacity,
      byCategory,
      absolute: false,
    },
    input.eventFlags ?? [],
  );
}

/** An input rejected before any reading could be formed from it, with its own sentence. */
export function rejectedInput(flag: IngestFlag, reason?: string): IngestOutcome {
  return rejected([flag], reason ?? SENTENCES[flag]({}));
}
