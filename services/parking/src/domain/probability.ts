/**
 * Turning a prediction interval into probabilities a driver can use ("will there be a space?"). The
 * forecast gives a central interval of occupied bays at a nominal level; treating the error as
 * normal with the spread that interval implies is crude but monotone and explainable.
 */

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 via erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === Number.POSITIVE_INFINITY) return 1;
  if (z === Number.NEGATIVE_INFINITY) return 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** z such that a central interval of the normal covers `level` (inverse by bisection; level in (0,1)). */
export function centralZ(level: number): number {
  if (!(level > 0 && level < 1)) return Number.NaN;
  const target = 0.5 + level / 2;
  let low = 0;
  let high = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < target) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Standard deviation implied by a central interval [lower, upper] of nominal coverage `level`. */
export function sigmaFromInterval(lower: number, upper: number, level: number): number {
  const z = centralZ(level);
  if (!Number.isFinite(z) || !(upper >= lower)) return Number.NaN;
  return (upper - lower) / (2 * z);
}

/**
 * P(at least one free bay) when free bays are ~ N(expectedFree, sigma), with a continuity correction
 * (one bay is "free >= 0.5"). A zero spread means certainty either way.
 */
export function probabilityAtLeastOneFree(expectedFree: number, sigma: number): number {
  if (!Number.isFinite(expectedFree)) return Number.NaN;
  if (!(sigma > 0)) return expectedFree >= 0.5 ? 1 : 0;
  return normalCdf((expectedFree - 0.5) / sigma);
}

/** P(full) = P(no free bay); the complement of the above. */
export function probabilityFull(expectedFree: number, sigma: number): number {
  const free = probabilityAtLeastOneFree(expectedFree, sigma);
  return Number.isFinite(free) ? 1 - free : Number.NaN;
}

/**
 * Spread of a "nowcast" (current state carried to a near arrival) when no forecast is available: a
 * few bays, growing with the square root of the lead time as arrivals and departures accumulate.
 */
export function persistenceSigma(capacity: number, leadMinutes: number): number {
  return Math.max(0.5, 0.03 * capacity * Math.sqrt(Math.max(leadMinutes, 1) / 15));
}
