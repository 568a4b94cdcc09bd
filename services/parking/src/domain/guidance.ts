/**
 * Guidance to a free space: which facilities near a destination are likely to have a bay of the
 * needed kind when the driver gets there, ranked by a weighted score whose parts are all in the
 * answer. Pure: the caller brings facilities, their live state and (optionally) forecasts.
 */
import { Comparison, type Explanation, type Factor } from '@mobility/contracts/common/v1/explanation';
import { distanceMetres, type LatLon } from './geo.js';
import { occupancyRatio, type TargetBand } from './occupancy.js';
import {
  advisePrice,
  type PriceAdvice,
  type PricePolicy,
  priceOfStay,
  SFPARK_POLICY,
  type Tariff,
} from './pricing.js';
import { persistenceSigma, probabilityAtLeastOneFree, sigmaFromInterval } from './probability.js';

export const DEFAULT_MAX_WALK_M = 800;
export const DEFAULT_DRIVE_SPEED_MPS = 8.3;
export const DEFAULT_STAY_MINUTES = 60;
export const DEFAULT_MAX_RESULTS = 5;
/** Arrivals closer than this are answered from the live state: a forecast adds nothing but noise. */
export const NOWCAST_MINUTES = 5;

/** Score weights: a space on arrival matters most, then the walk, then the price. */
export const WEIGHTS = { availability: 0.6, walk: 0.3, price: 0.1 } as const;

export interface GuidanceFacility {
  facilityId: string;
  location: LatLon;
  capacity: number;
  /** Bays of the requested category (all bays when any category will do). */
  categoryCapacity: number;
  tariff: Tariff;
  band: TargetBand;
}

export interface CurrentState {
  occupied: number;
  capacity: number;
  /** Occupied bays of the requested category, when the source breaks occupancy down. */
  categoryOccupied?: number;
  /**
   * Minutes from the reading to the arrival: persistence uncertainty grows with the reading's age,
   * not with the drive alone. Defaults to the lead time (a reading taken now).
   */
  ageMinutes?: number;
  /** The reading is past its source's freshness limit: a forecast is preferred over it. */
  stale?: boolean;
}

export interface ArrivalForecast {
  expectedOccupied: number;
  lower: number;
  upper: number;
  /** Nominal coverage of [lower, upper]. */
  level: number;
  method: string;
}

/** Facilities within `maxWalkM` of the destination, nearest first. */
export function nearby<F extends { location: LatLon }>(
  facilities: readonly F[],
  destination: LatLon,
  maxWalkM: number,
): Array<{ facility: F; walkM: number }> {
  return facilities
    .map((facility) => ({ facility, walkM: distanceMetres(facility.location, destination) }))
    .filter((entry) => entry.walkM <= maxWalkM)
    .sort((a, b) => a.walkM - b.walkM);
}

/**
 * When the driver reaches a facility: the given arrival time, else the straight-line distance from
 * the origin at the assumed speed (an underestimate of road distance, so an early arrival, which errs
 * toward the better-known present), else now.
 */
export function estimateArrival(
  now: number,
  facility: LatLon,
  options: { arrivalTime?: number; origin?: LatLon; speedMps?: number },
): number {
  if (options.arrivalTime !== undefined && Number.isFinite(options.arrivalTime))
    return Math.max(now, options.arrivalTime);
  if (options.origin) {
    const speed = options.speedMps && options.speedMps > 0 ? options.speedMps : DEFAULT_DRIVE_SPEED_MPS;
    return now + (distanceMetres(options.origin, facility) / speed) * 1000;
  }
  return now;
}

export interface ArrivalExpectation {
  /** Expected free bays of the requested category; NaN when nothing is known. */
  expectedFree: number;
  /** Expected occupancy ratio of the whole facility (drives the price advice); NaN when unknown. */
  expectedRatio: number;
  probabilityFree: number;
  basis: 'forecast' | 'current' | 'unknown';
  method: string;
}

/**
 * Expected free bays of the category on arrival. Facility-level forecasts are shared out to the
 * category by its share of capacity, anchored on the category's current count when the source
 * reports one (a full EV row in a half-empty garage must still read as full).
 */
export function expectOnArrival(
  facility: GuidanceFacility,
  current: CurrentState | undefined,
  forecast: ArrivalForecast | undefined,
  leadMinutes: number,
): ArrivalExpectation {
  const capacity = current?.capacity ?? facility.capacity;
  const share = capacity > 0 ? Math.min(1, facility.categoryCapacity / capacity) : 0;
  let expectedOccupied: number;
  let sigma: number;
  let basis: ArrivalExpectation['basis'];
  let method: string;
  const preferForecast = leadMinutes >= NOWCAST_MINUTES || current?.stale === true;
  if (forecast && preferForecast && Number.isFinite(forecast.expectedOccupied)) {
    expectedOccupied = forecast.expectedOccupied;
    const fromInterval = sigmaFromInterval(forecast.lower, forecast.upper, forecast.level);
    sigma =
      Number.isFinite(fromInterval) && fromInterval > 0
        ? fromInterval
        : persistenceSigma(capacity, Math.max(leadMinutes, current?.ageMinutes ?? 0));
    basis = 'forecast';
    method = forecast.method;
  } else if (current) {
    expectedOccupied = current.occupied;
    sigma = persistenceSigma(capacity, current.ageMinutes ?? leadMinutes);
    basis = 'current';
    method = 'persistence';
  } else {
    return {
      expectedFree: Number.NaN,
      expectedRatio: Number.NaN,
      probabilityFree: Number.NaN,
      basis: 'unknown',
      method: 'none',
    };
  }
  let categoryOccupied: number;
  if (current?.categoryOccupied !== undefined && share < 1) {
    categoryOccupied = current.categoryOccupied + (expectedOccupied - current.occupied) * share;
  } else {
    categoryOccupied = expectedOccupied * share;
  }
  const expectedFree = Math.max(
    0,
    Math.min(facility.categoryCapacity, facility.categoryCapacity - categoryOccupied),
  );
  const categorySigma = Math.max(0.3, sigma * (share < 1 ? Math.sqrt(share) : 1));
  return {
    expectedFree,
    expectedRatio: occupancyRatio(expectedOccupied, capacity),
    probabilityFree: probabilityAtLeastOneFree(expectedFree, categorySigma),
    basis,
    method,
  };
}

export interface EvaluatedOption {
  facility: GuidanceFacility;
  walkM: number;
  arrivalAt: number;
  expectation: ArrivalExpectation;
  /** Price of the stay in minor units; undefined when the stay is not allowed there. */
  priceMinor: number | undefined;
}

export interface RankedOption extends EvaluatedOption {
  score: number;
  priceAdvice: PriceAdvice;
  explanation: Explanation;
}

/** Probability used for ranking when nothing is known: a coin flip, so known-good options win. */
const UNKNOWN_PROBABILITY = 0.5;

export function priceForStay(facility: GuidanceFacility, stayMinutes: number): number | undefined {
  return priceOfStay(facility.tariff, stayMinutes);
}

function factor(partial: Partial<Factor> & Pick<Factor, 'name' | 'value' | 'unit'>): Factor {
  return { comparison: Comparison.UNSPECIFIED, threshold: 0, satisfied: true, weight: 0, ...partial };
}

/**
 * Scores and orders the options: score = 0.6 * P(free bay on arrival) + 0.3 * (1 - walk / max walk)
 * + 0.1 * (1 - price / dearest price among the options). Each option's explanation lists those
 * parts with their weights, its price advice, and every other option with its score and why it
 * ranked lower.
 */
export function rankOptions(
  options: readonly EvaluatedOption[],
  context: {
    maxWalkM: number;
    stayMinutes: number;
    minProbability: number;
    maxResults: number;
    policy?: PricePolicy;
  },
): RankedOption[] {
  const policy = context.policy ?? SFPARK_POLICY;
  const dearest = Math.max(0, ...options.map((option) => option.priceMinor ?? 0));
  const scored = options.map((option) => {
    const probability = Number.isFinite(option.expectation.probabilityFree)
      ? option.expectation.probabilityFree
      : UNKNOWN_PROBABILITY;
    const walkScore = context.maxWalkM > 0 ? 1 - Math.min(1, option.walkM / context.maxWalkM) : 1;
    const priceScore = dearest > 0 ? 1 - (option.priceMinor ?? 0) / dearest : 1;
    const score = WEIGHTS.availability * probability + WEIGHTS.walk * walkScore + WEIGHTS.price * priceScore;
    const ratio = Number.isFinite(option.expectation.expectedRatio) ? option.expectation.expectedRatio : 0;
    const priceAdvice = advisePrice(option.facility.tariff, ratio, option.facility.band, policy);
    return { option, probability, walkScore, priceScore, score, priceAdvice };
  });
  const eligible = scored.filter((entry) => entry.probability >= context.minProbability);
  eligible.sort((a, b) => b.score - a.score || a.option.walkM - b.option.walkM);
  const top = eligible.slice(0, context.maxResults);
  const best = top[0];

  return top.map((entry, index) => {
    const { option } = entry;
    const ex = option.expectation;
    const factors: Factor[] = [
      factor({
        name: 'availability_probability',
        value: entry.probability,
        unit: 'ratio',
        comparison: Comparison.GREATER_OR_EQUAL,
        threshold: context.minProbability,
        satisfied: entry.probability >= context.minProbability,
        weight: WEIGHTS.availability,
      }),
      factor({
        name: 'expected_free_on_arrival',
        value: Number.isFinite(ex.expectedFree) ? ex.expectedFree : -1,
        unit: 'bays',
      }),
      factor({
        name: 'walk_distance_m',
        value: option.walkM,
        unit: 'm',
        comparison: Comparison.LESS_OR_EQUAL,
        threshold: context.maxWalkM,
        satisfied: option.walkM <= context.maxWalkM,
        weight: WEIGHTS.walk,
      }),
      factor({
        name: 'price_minor',
        value: option.priceMinor ?? 0,
        unit: option.facility.tariff.currency || 'minor',
        weight: WEIGHTS.price,
      }),
      factor({
        name: 'occupancy_above_target',
        value: Number.isFinite(ex.expectedRatio) ? ex.expectedRatio : -1,
        unit: 'ratio',
        comparison: Comparison.GREATER_THAN,
        threshold: option.facility.band.high,
        satisfied: Number.isFinite(ex.expectedRatio) && ex.expectedRatio > option.facility.band.high,
      }),
      factor({
        name: 'occupancy_below_target',
        value: Number.isFinite(ex.expectedRatio) ? ex.expectedRatio : -1,
        unit: 'ratio',
        comparison: Comparison.LESS_THAN,
        threshold: option.facility.band.low,
        satisfied: Number.isFinite(ex.expectedRatio) && ex.expectedRatio < option.facility.band.low,
      }),
    ];
    if (entry.priceAdvice.advisedHourlyMinor !== undefined) {
      factors.push(
        factor({
          name: 'advised_hourly_price_minor',
          value: entry.priceAdvice.advisedHourlyMinor,
          unit: option.facility.tariff.currency,
        }),
      );
    }
    if (entry.priceAdvice.currentHourlyMinor !== undefined) {
      factors.push(
        factor({
          name: 'current_hourly_price_minor',
          value: entry.priceAdvice.currentHourlyMinor,
          unit: option.facility.tariff.currency,
        }),
      );
    }
    const availability =
      ex.basis === 'unknown'
        ? 'no occupancy data yet (counted as a 50% chance)'
        : `${Math.round(entry.probability * 100)}% chance of a free bay on arrival (${ex.expectedFree.toFixed(1)} expected free, from ${ex.basis === 'forecast' ? `forecast ${ex.method}` : 'current occupancy'})`;
    const price =
      option.priceMinor === undefined
        ? 'price unknown'
        : `${(option.priceMinor / 100).toFixed(2)} ${option.facility.tariff.currency} for ${context.stayMinutes} min`;
    const rank =
      index === 0
        ? 'best option'
        : `rank ${index + 1}, score ${entry.score.toFixed(3)} vs ${best ? best.score.toFixed(3) : '-'} for ${best?.option.facility.facilityId}`;
    return {
      ...option,
      score: entry.score,
      priceAdvice: entry.priceAdvice,
      explanation: {
        decision: entry.priceAdvice.decision,
        strategy: 'sfpark_band@1+guidance_weighted@1',
        summary: `${rank}: ${availability}, ${Math.round(option.walkM)} m walk, ${price}. Price advice: ${entry.priceAdvice.reason}.`,
        factors,
        alternatives: scored.map((other) => ({
          option: `facility:${other.option.facility.facilityId}`,
          score: other.score,
          chosen: other.option.facility.facilityId === option.facility.facilityId,
          rejectedBecause:
            other.option.facility.facilityId === option.facility.facilityId
              ? undefined
              : other.probability < context.minProbability
                ? {
                    code: 'availability_below_minimum',
                    message: `P(free) ${other.probability.toFixed(2)} < ${context.minProbability}`,
                  }
                : other.score < entry.score
                  ? {
                      code: 'lower_score',
                      message: `score ${other.score.toFixed(3)} < ${entry.score.toFixed(3)}`,
                    }
                  : {
                      code: 'listed_separately',
                      message: `score ${other.score.toFixed(3)}: a separate option`,
                    },
          factors: [
            factor({
              name: 'availability_probability',
              value: other.probability,
              unit: 'ratio',
              weight: WEIGHTS.availability,
            }),
            factor({ name: 'walk_distance_m', value: other.option.walkM, unit: 'm', weight: WEIGHTS.walk }),
            factor({
              name: 'price_minor',
              value: other.option.priceMinor ?? 0,
              unit: other.option.facility.tariff.currency || 'minor',
              weight: WEIGHTS.price,
            }),
          ],
        })),
      },
    };
  });
}
