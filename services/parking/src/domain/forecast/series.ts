import type { OccupancyObservation } from './types.js';

/**
 * The observations a forecast issued at `issuedAt` may use: finite, with a positive capacity, at or
 * before the issue instant, ascending. This cut is the single place the no-look-ahead rule is enforced
 * for every method, so it runs on every call whatever the caller passed.
 */
export function knownAt(history: readonly OccupancyObservation[], issuedAt: number): OccupancyObservation[] {
  let sorted = true;
  for (let index = 1; index < history.length; index++) {
    if ((history[index] as OccupancyObservation).at < (history[index - 1] as OccupancyObservation).at) {
      sorted = false;
      break;
    }
  }
  const ordered = sorted ? history : [...history].sort((a, b) => a.at - b.at);
  const end = upperBound(ordered, issuedAt);
  const usable: OccupancyObservation[] = [];
  for (let index = 0; index < end; index++) {
    const observation = ordered[index] as OccupancyObservation;
    if (
      Number.isFinite(observation.at) &&
      Number.isFinite(observation.occupied) &&
      Number.isFinite(observation.capacity) &&
      observation.capacity > 0
    ) {
      usable.push(observation);
    }
  }
  return usable;
}

/** Index of the first observation later than `at` (observations ascending). */
export function upperBound(observations: readonly OccupancyObservation[], at: number): number {
  let low = 0;
  let high = observations.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((observations[mid] as OccupancyObservation).at <= at) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The observation closest in time to `at`, if one lies within `toleranceMs`. */
export function nearestObservation(
  observations: readonly OccupancyObservation[],
  at: number,
  toleranceMs: number,
): OccupancyObservation | undefined {
  const after = upperBound(observations, at);
  let best: OccupancyObservation | undefined;
  for (const index of [after - 1, after]) {
    const candidate = observations[index];
    if (candidate === undefined) continue;
    const distance = Math.abs(candidate.at - at);
    if (distance <= toleranceMs && (best === undefined || distance < Math.abs(best.at - at)))
      best = candidate;
  }
  return best;
}

export const clamp = (value: number, low: number, high: number): number =>
  Math.min(high, Math.max(low, value));
