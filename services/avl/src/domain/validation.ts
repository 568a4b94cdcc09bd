/**
 * Ping validation: pure checks that decide whether a raw position report may enter matching.
 *
 * Two layers, because they run in different places:
 * - `checkPing` looks at one ping alone (ids, coordinates, clock skew, staleness). Edges run it as
 *   soon as a ping is parsed, so an HTTP caller gets a per-item answer at once.
 * - `createPingValidator` adds what needs the vehicle's history (duplicates, out-of-order, GPS
 *   jumps). It runs where one vehicle's pings arrive in order: the raw-ping consumer.
 *
 * Time comes in as a number (the service's clock), so a replay or an accelerated simulation gets
 * the same verdicts as live traffic at the same simulated moment.
 */
import { haversineMetres } from '@mobility/runtime/util';

/** Why a ping is refused; the lower_snake_case names of `PingRejectionReason` in the contract. */
export type RejectionReason =
  | 'malformed'
  | 'missing_vehicle_id'
  | 'invalid_coordinates'
  | 'outside_service_area'
  | 'timestamp_in_future'
  | 'stale'
  | 'duplicate'
  | 'out_of_order'
  | 'implausible_jump';

export const REJECTION_REASONS: readonly RejectionReason[] = [
  'malformed',
  'missing_vehicle_id',
  'invalid_coordinates',
  'outside_service_area',
  'timestamp_in_future',
  'stale',
  'duplicate',
  'out_of_order',
  'implausible_jump',
];

/** A ping as parsed from any source, before validation. Only operational fields; never a person. */
export interface PingCandidate {
  vehicleId: string;
  /** Device time of the fix, epoch ms (NaN when unreadable). */
  observedAtMs: number;
  lat: number;
  lon: number;
  bearingDeg?: number;
  speedMps?: number;
}

export interface ServiceArea {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

export interface ValidationLimits {
  /** How far ahead of the service clock a device clock may run (GPS time is good; phones drift). */
  maxAheadMs: number;
  /** Older fixes are stale: GTFS-rt best practice treats positions over 90 s old as outdated, and
   * a backlog older than this is history, not live state. */
  maxAgeMs: number;
  /** Fastest believable ground speed between two fixes of one vehicle (m/s). */
  maxSpeedMps: number;
  /** Jumps shorter than this never count as implausible: GPS noise at a standstill. */
  jumpToleranceM: number;
  /** The network's extent plus a margin; absent = anywhere on Earth. */
  serviceArea?: ServiceArea;
}

export const DEFAULT_LIMITS: ValidationLimits = {
  maxAheadMs: 60_000,
  maxAgeMs: 10 * 60_000,
  // 50 m/s = 180 km/h: above any bus, still below a jump across town in one 30 s ping interval.
  maxSpeedMps: 50,
  jumpToleranceM: 200,
};

export type Verdict = { ok: true } | { ok: false; reason: RejectionReason; message: string };

const ACCEPT: Verdict = { ok: true };
const reject = (reason: RejectionReason, message: string): Verdict => ({ ok: false, reason, message });

function isCoordinate(lat: number, lon: number): boolean {
  return (
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180 &&
    // (0, 0) is in the Gulf of Guinea: a receiver without a fix, not a bus.
    !(lat === 0 && lon === 0)
  );
}

/** The checks that need only the ping and the clock. */
export function checkPing(
  ping: PingCandidate,
  nowMs: number,
  limits: ValidationLimits = DEFAULT_LIMITS,
): Verdict {
  if (ping.vehicleId.trim() === '') return reject('missing_vehicle_id', 'ping has no vehicle id');
  if (!isCoordinate(ping.lat, ping.lon)) {
    return reject('invalid_coordinates', `coordinates (${ping.lat}, ${ping.lon}) are not a position fix`);
  }
  const area = limits.serviceArea;
  if (
    area &&
    (ping.lat < area.minLat || ping.lat > area.maxLat || ping.lon < area.minLon || ping.lon > area.maxLon)
  ) {
    return reject('outside_service_area', `(${ping.lat}, ${ping.lon}) is outside the service area`);
  }
  if (!Number.isFinite(ping.observedAtMs) || ping.observedAtMs <= 0) {
    return reject('malformed', 'ping has no readable timestamp');
  }
  const aheadMs = ping.observedAtMs - nowMs;
  if (aheadMs > limits.maxAheadMs) {
    return reject(
      'timestamp_in_future',
      `ping is ${Math.round(aheadMs / 1000)} s ahead of the service clock`,
    );
  }
  if (-aheadMs > limits.maxAgeMs) {
    return reject(
      'stale',
      `ping is ${Math.round(-aheadMs / 1000)} s old (limit ${limits.maxAgeMs / 1000} s)`,
    );
  }
  return ACCEPT;
}

/** The last accepted fix of a vehicle: all the history the stateful checks need. */
export interface LastFix {
  observedAtMs: number;
  lat: number;
  lon: number;
}

/** The checks against the vehicle's previous accepted fix. */
export function checkAgainstPrevious(
  ping: PingCandidate,
  previous: LastFix | undefined,
  limits: ValidationLimits = DEFAULT_LIMITS,
): Verdict {
  if (!previous) return ACCEPT;
  if (ping.observedAtMs === previous.observedAtMs) {
    return reject('duplicate', `vehicle ${ping.vehicleId} already reported a fix at this time`);
  }
  if (ping.observedAtMs < previous.observedAtMs) {
    return reject(
      'out_of_order',
      `ping is ${Math.round((previous.observedAtMs - ping.observedAtMs) / 1000)} s older than the vehicle's latest`,
    );
  }
  const metres = haversineMetres(previous.lat, previous.lon, ping.lat, ping.lon);
  const seconds = (ping.observedAtMs - previous.observedAtMs) / 1000;
  if (metres > limits.jumpToleranceM && metres / seconds > limits.maxSpeedMps) {
    return reject(
      'implausible_jump',
      `moved ${Math.round(metres)} m in ${seconds.toFixed(1)} s (${Math.round(metres / seconds)} m/s, limit ${limits.maxSpeedMps} m/s)`,
    );
  }
  return ACCEPT;
}

/**
 * Per-vehicle validation state, in memory. `check` decides without changing anything; `accept`
 * records a fix once its effects are stored, so a ping whose processing failed and is retried is
 * not mistaken for its own duplicate.
 */
export interface PingValidator {
  check(ping: PingCandidate, nowMs: number): Verdict;
  accept(ping: PingCandidate): void;
  /** The last accepted fix of a vehicle. */
  last(vehicleId: string): LastFix | undefined;
  /** Forgets vehicles silent since before `cutoffMs` (bounded memory). */
  forgetBefore(cutoffMs: number): void;
}

/** `limits` may be a function: the service area is known only once the static feed is loaded. */
export function createPingValidator(
  limits: ValidationLimits | (() => ValidationLimits) = DEFAULT_LIMITS,
): PingValidator {
  const limitsNow = typeof limits === 'function' ? limits : () => limits;
  const lastFix = new Map<string, LastFix>();
  return {
    check(ping, nowMs) {
      const current = limitsNow();
      const alone = checkPing(ping, nowMs, current);
      if (!alone.ok) return alone;
      return checkAgainstPrevious(ping, lastFix.get(ping.vehicleId), current);
    },
    accept(ping) {
      const previous = lastFix.get(ping.vehicleId);
      if (previous && previous.observedAtMs >= ping.observedAtMs) return;
      lastFix.set(ping.vehicleId, { observedAtMs: ping.observedAtMs, lat: ping.lat, lon: ping.lon });
    },
    last: (vehicleId) => lastFix.get(vehicleId),
    forgetBefore(cutoffMs) {
      for (const [vehicleId, fix] of lastFix) if (fix.observedAtMs < cutoffMs) lastFix.delete(vehicleId);
    },
  };
}

/** The network's bounding box widened by `marginM`, for `ValidationLimits.serviceArea`. */
export function serviceAreaAround(
  points: Iterable<{ lat: number; lon: number }>,
  marginM = 20_000,
): ServiceArea | undefined {
  let minLat = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  let minLon = Number.POSITIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  for (const { lat, lon } of points) {
    if (!isCoordinate(lat, lon)) continue;
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
  }
  if (!Number.isFinite(minLat)) return undefined;
  const dLat = marginM / 111_320;
  const midLat = ((minLat + maxLat) / 2) * (Math.PI / 180);
  const dLon = marginM / (111_320 * Math.max(Math.cos(midLat), 0.01));
  return {
    minLat: Math.max(-90, minLat - dLat),
    maxLat: Math.min(90, maxLat + dLat),
    minLon: Math.max(-180, minLon - dLon),
    maxLon: Math.min(180, maxLon + dLon),
  };
}
