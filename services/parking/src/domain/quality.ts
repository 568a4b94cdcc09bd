/**
 * Data-quality rules for occupancy readings. Real feeds (the Birmingham car parks among them) report
 * occupancy above capacity, negative counts, repeated rows, rows out of order, long silences and
 * sensors frozen on one value. A reading is never allowed to crash ingest: it is either clamped into
 * a usable value or rejected, and in both cases the reasons are kept as flags so planners can see
 * how dirty a source is.
 */

export type QualityFlag =
  /** occupied > capacity: clamped to capacity (a count that missed exits, or a wrong capacity). */
  | 'above-capacity'
  /** occupied < 0: clamped to 0. */
  | 'negative'
  /** the reading's capacity differs from the registered capacity: the registered one is used. */
  | 'capacity-mismatch'
  /** capacity missing, non-finite or not positive and nothing registered: rejected. */
  | 'invalid-capacity'
  /** occupied or capacity is not a finite number: rejected. */
  | 'non-numeric'
  /** observedAt is not a finite epoch: rejected. */
  | 'invalid-time'
  /** same time as the previous reading: rejected (a resend). */
  | 'duplicate'
  /** older than the previous reading: rejected (late arrival; live state must not go back). */
  | 'out-of-order'
  /** more than `gapMs` since the previous reading: accepted, flagged for consumers of history. */
  | 'gap'
  /** identical value for longer than `stuckMs` while the facility is neither empty nor full. */
  | 'stuck';

export interface RawReading {
  facilityId: string;
  capacity: number;
  occupied: number;
  /** epoch ms */
  observedAt: number;
}

export interface AssessedReading {
  facilityId: string;
  capacity: number;
  /** clamped to [0, capacity] */
  occupied: number;
  observedAt: number;
  flags: QualityFlag[];
  /** false = reject, keep only the flag record */
  accepted: boolean;
  /**
   * When the value last changed (epoch ms). Carried from reading to reading so a frozen sensor can be
   * recognised without keeping a history window; absent on readings from older callers.
   */
  unchangedSince?: number;
}

export interface QualityOptions {
  /** Silence longer than this between two readings is a gap. Default 2 h (the feed cadence is ~30 min). */
  gapMs?: number;
  /** The same value for longer than this is a stuck sensor. Default 4 h. */
  stuckMs?: number;
}

const DEFAULT_GAP_MS = 2 * 60 * 60 * 1000;
const DEFAULT_STUCK_MS = 4 * 60 * 60 * 1000;

/** Flags that make a reading unusable; any other flag leaves it accepted. */
export const REJECTING_FLAGS: ReadonlySet<QualityFlag> = new Set<QualityFlag>([
  'invalid-capacity',
  'non-numeric',
  'invalid-time',
  'duplicate',
  'out-of-order',
]);

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * Assesses one reading against the previous accepted reading of the same facility and, when known,
 * the facility's registered capacity. Pure and total: any input, however malformed, yields a result.
 * `previous` should be the last *accepted* reading (a rejected one carries no trustworthy time or value).
 */
export function assessReading(
  reading: RawReading,
  previous?: AssessedReading,
  registeredCapacity?: number,
  options: QualityOptions = {},
): AssessedReading {
  const gapMs = options.gapMs ?? DEFAULT_GAP_MS;
  const stuckMs = options.stuckMs ?? DEFAULT_STUCK_MS;
  const flags: QualityFlag[] = [];
  const facilityId = String(reading?.facilityId ?? '');
  const rawOccupied = reading?.occupied;
  const rawCapacity = reading?.capacity;
  const observedAt = reading?.observedAt;

  // A capacity below one whole space cannot hold a vehicle, so it counts as no capacity at all.
  const registered =
    isFiniteNumber(registeredCapacity) && registeredCapacity >= 1
      ? Math.floor(registeredCapacity)
      : undefined;
  let capacity: number | undefined;
  if (registered !== undefined) {
    capacity = registered;
    // A non-numeric reported capacity is a mismatch too, but the registered value rescues it.
    if (!isFiniteNumber(rawCapacity) || Math.floor(rawCapacity) !== registered) {
      flags.push('capacity-mismatch');
    }
  } else if (isFiniteNumber(rawCapacity) && rawCapacity >= 1) {
    capacity = Math.floor(rawCapacity);
  } else {
    flags.push(isFiniteNumber(rawCapacity) ? 'invalid-capacity' : 'non-numeric');
  }

  if (!isFiniteNumber(rawOccupied)) flags.push('non-numeric');
  if (!isFiniteNumber(observedAt)) flags.push('invalid-time');

  let occupied = 0;
  if (isFiniteNumber(rawOccupied)) {
    occupied = Math.round(rawOccupied);
    if (occupied < 0) {
      flags.push('negative');
      occupied = 0;
    } else if (capacity !== undefined && occupied > capacity) {
      flags.push('above-capacity');
      occupied = capacity;
    }
  }

  const time = isFiniteNumber(observedAt) ? observedAt : Number.NaN;
  let unchangedSince = time;
  const comparable =
    previous?.accepted === true &&
    isFiniteNumber(previous.observedAt) &&
    isFiniteNumber(time) &&
    previous.facilityId === facilityId;
  if (comparable) {
    if (time === previous.observedAt) flags.push('duplicate');
    else if (time < previous.observedAt) flags.push('out-of-order');
    else {
      if (time - previous.observedAt > gapMs) flags.push('gap');
      if (occupied === previous.occupied && isFiniteNumber(rawOccupied)) {
        unchangedSince = previous.unchangedSince ?? previous.observedAt;
        // An empty or full car park legitimately holds its value for hours (nights, peaks).
        const atBound = occupied === 0 || (capacity !== undefined && occupied === capacity);
        if (!atBound && time - unchangedSince > stuckMs) flags.push('stuck');
      }
    }
  }

  const unique = [...new Set(flags)];
  const accepted = capacity !== undefined && !unique.some((flag) => REJECTING_FLAGS.has(flag));
  const assessed: AssessedReading = {
    facilityId,
    capacity: capacity ?? 0,
    occupied: capacity === undefined ? 0 : occupied,
    observedAt: isFiniteNumber(observedAt) ? observedAt : 0,
    flags: unique,
    accepted,
  };
  if (isFiniteNumber(unchangedSince)) assessed.unchangedSince = unchangedSince;
  return assessed;
}
