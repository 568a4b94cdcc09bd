/**
 * Helpers for the well-known types as ts-proto generates them: Timestamp is a `Date` (useDate=true),
 * Duration is `{ seconds, nanos }`. Durations are converted through milliseconds because every
 * clock in the mesh (Date, setTimeout, Kafka timestamps) counts milliseconds.
 */
import type { Duration } from './gen/google/protobuf/duration.js';

/** A Duration of `ms` milliseconds (sign carried by both parts, as the protobuf spec requires). */
export function durationFromMs(ms: number): Duration {
  let seconds = Math.trunc(ms / 1_000);
  let nanos = Math.round((ms - seconds * 1_000) * 1_000_000);
  // Rounding can carry a full second into nanos; renormalise to |nanos| < 1e9.
  if (Math.abs(nanos) >= 1_000_000_000) {
    seconds += Math.sign(nanos);
    nanos -= Math.sign(nanos) * 1_000_000_000;
  }
  // `|| 0` turns -0 into 0 so that equal durations compare equal.
  return { seconds: seconds || 0, nanos: nanos || 0 };
}

/** A Duration of `s` seconds (fractions allowed). */
export function durationFromSeconds(s: number): Duration {
  return durationFromMs(s * 1_000);
}

/** Milliseconds in a Duration; an absent Duration counts as zero. */
export function durationToMs(duration: Duration | undefined): number {
  return duration === undefined ? 0 : duration.seconds * 1_000 + duration.nanos / 1_000_000;
}

/** Seconds in a Duration; an absent Duration counts as zero. */
export function durationToSeconds(duration: Duration | undefined): number {
  return durationToMs(duration) / 1_000;
}
