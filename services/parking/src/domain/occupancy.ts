/**
 * Live occupancy of a facility and the rules about it: its band against the target, whether a new
 * state is a change worth announcing, which way it is moving, and when it has gone stale.
 */

/** Occupancy level, numerically equal to the contract's OccupancyLevel enum. */
export const Level = { UNSPECIFIED: 0, LOW: 1, TARGET: 2, HIGH: 3, FULL: 4 } as const;
export type Level = (typeof Level)[keyof typeof Level];

/** Trend, numerically equal to the contract's OccupancyTrend enum. */
export const Trend = { UNSPECIFIED: 0, FILLING: 1, EMPTYING: 2, STABLE: 3 } as const;
export type Trend = (typeof Trend)[keyof typeof Trend];

/** SFpark's band: below 60% a block is under-used, above 80% drivers circle looking for a space. */
export const DEFAULT_TARGET = { low: 0.6, high: 0.8 } as const;

export interface TargetBand {
  low: number;
  high: number;
}

export interface CategoryCount {
  /** BayCategory enum value. */
  category: number;
  occupied: number;
  capacity: number;
}

/** The current validated state of one facility, as kept in hot state. */
export interface LiveOccupancy {
  facilityId: string;
  capacity: number;
  /** Always within [0, capacity]. */
  occupied: number;
  /** epoch ms of the observation behind this state */
  observedAt: number;
  /** OccupancySource enum value. */
  source: number;
  /** The impossible value a source reported, when it had to be clamped. */
  rawOccupied?: number;
  byCategory: CategoryCount[];
  /** Quality flags of the reading behind this state. */
  flags: string[];
  /** When the occupied value last changed (epoch ms), for stuck-sensor detection. */
  unchangedSince?: number;
  /** Event id (or bus position) of the input behind this state: a redelivery of it is a no-op. */
  inputId: string;
  /** Time of the last absolute reading (snapshot): gate counts older than it are already in it. */
  lastAbsoluteAt?: number;
  /** Recent (time, occupied) points, oldest first, for the trend. */
  recent: Array<{ at: number; occupied: number }>;
  /** Write counter of the authoritative row (facility_live): orders copies held in hot state. */
  revision?: number;
}

/** Reads the facility's band, falling back to SFpark's 60-80% when unset or nonsensical. */
export function targetBand(low: number | undefined, high: number | undefined): TargetBand {
  const valid = (value: number | undefined): value is number =>
    value !== undefined && Number.isFinite(value) && value > 0 && value < 1;
  if (valid(low) && valid(high) && low < high) return { low, high };
  return { ...DEFAULT_TARGET };
}

export function occupancyRatio(occupied: number, capacity: number): number {
  return capacity > 0 ? Math.min(1, Math.max(0, occupied / capacity)) : 0;
}

export function levelOf(occupied: number, capacity: number, band: TargetBand = DEFAULT_TARGET): Level {
  if (!(capacity > 0)) return Level.UNSPECIFIED;
  if (occupied >= capacity) return Level.FULL;
  const ratio = occupied / capacity;
  if (ratio > band.high) return Level.HIGH;
  if (ratio < band.low) return Level.LOW;
  return Level.TARGET;
}

/**
 * Whether `next` is worth an occupancy-changed event. The first state of a facility is (unknown ->
 * known); after that, only a different occupied count or capacity. A reading that repeats the value
 * is history, not news: announcing it would wake every consumer every 30 s for nothing.
 */
export function isOccupancyChange(previous: LiveOccupancy | undefined, next: LiveOccupancy): boolean {
  if (previous === undefined) return true;
  return previous.occupied !== next.occupied || previous.capacity !== next.capacity;
}

/** How long recent points are kept for the trend. */
export const TREND_WINDOW_MS = 30 * 60_000;
const TREND_MIN_SPAN_MS = 5 * 60_000;

/** Appends a point and drops those older than the trend window (keeping at least the newest two). */
export function withRecentPoint(
  recent: LiveOccupancy['recent'],
  point: { at: number; occupied: number },
): LiveOccupancy['recent'] {
  const points = [...recent.filter((p) => p.at < point.at), point];
  const cutoff = point.at - TREND_WINDOW_MS;
  const kept = points.filter((p) => p.at >= cutoff);
  return kept.length >= 2 ? kept : points.slice(-2);
}

/**
 * Filling, emptying or stable over the recent window: the change since the oldest point at least five
 * minutes back, against a dead band of 2% of capacity (at least one bay) so sensor flicker reads as
 * stable. Unknown when there is no such point.
 */
export function trendOf(recent: LiveOccupancy['recent'], capacity: number): Trend {
  const latest = recent.at(-1);
  if (!latest) return Trend.UNSPECIFIED;
  const reference = recent.find((point) => latest.at - point.at >= TREND_MIN_SPAN_MS);
  if (!reference) return Trend.UNSPECIFIED;
  const deadBand = Math.max(1, 0.02 * capacity);
  const delta = latest.occupied - reference.occupied;
  if (delta > deadBand) return Trend.FILLING;
  if (delta < -deadBand) return Trend.EMPTYING;
  return Trend.STABLE;
}

/** OccupancySource values (contract enum) with the reporting cadence expected of each. */
export const Source = {
  UNSPECIFIED: 0,
  BAY_SENSORS: 1,
  GATE_COUNTS: 2,
  FACILITY_SYSTEM: 3,
  SURVEY: 4,
  MODEL: 5,
} as const;

/**
 * After how long without a reading the state is stale. Absolute feeds report on a clock (Birmingham:
 * every ~30 min), so two missed reports is stale. Sensors and gates report only when something
 * moves; a quiet night is normal, so they go stale only after a long silence.
 */
export function staleAfterMs(source: number): number {
  switch (source) {
    case Source.FACILITY_SYSTEM:
      return 65 * 60_000;
    case Source.SURVEY:
      return 24 * 3_600_000;
    default:
      return 6 * 3_600_000;
  }
}

export function isStale(occupancy: LiveOccupancy, now: number): boolean {
  return now - occupancy.observedAt > staleAfterMs(occupancy.source);
}
