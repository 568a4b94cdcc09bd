import type { CarPark } from './car-parks.js';
import type { DetectorSpec } from './intersections.js';
import { carParkOccupancyShare, trafficFactor } from './profiles.js';

/**
 * Detector counts and car-park gate counts for one interval, drawn around the daily demand
 * profiles. Pure: the caller passes the local time and a random source.
 */

/** Poisson draw: exact (Knuth) for small means, normal approximation above. */
export function poisson(mean: number, random: () => number): number {
  if (!(mean > 0)) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  }
  const u = Math.max(random(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
}

export interface LocalTime {
  /** Seconds since local midnight. */
  secondsOfDay: number;
  weekend: boolean;
}

export interface DetectorReading {
  volume: number;
  occupancyRatio: number;
  meanSpeedMps?: number;
}

/** Seconds a passing vehicle occupies a loop (vehicle plus loop length at ~urban speed). */
const OCCUPIED_S_PER_VEHICLE = 0.6;

export function detectorReading(
  spec: DetectorSpec,
  at: LocalTime,
  intervalS: number,
  random: () => number,
): DetectorReading {
  const factor = trafficFactor(at.secondsOfDay + intervalS / 2, at.weekend);
  const dayScale = at.weekend ? 89 / 110 : 1;
  const mean = spec.meanVolumePer15Min * dayScale * factor * (intervalS / 900);
  const volume = poisson(mean, random);
  // Loops at the stop line also sit occupied by queued cars: more so the busier the approach.
  const load = Math.min(1, factor / 2);
  const queueShare = spec.kind === 'stop-line' ? 0.25 * load * load : 0;
  const occupancyRatio = Math.min(0.98, (volume * OCCUPIED_S_PER_VEHICLE) / intervalS + queueShare);
  const reading: DetectorReading = { volume, occupancyRatio: Math.round(occupancyRatio * 1000) / 1000 };
  if (spec.kind === 'advance' && volume > 0) {
    const speed = spec.freeFlowSpeedMps * (1 - 0.35 * load) * (0.92 + 0.16 * random());
    reading.meanSpeedMps = Math.round(speed * 10) / 10;
  }
  return reading;
}

/** Per car park, a fixed popularity so the lots of one city do not fill in lockstep. */
export function carParkPopularity(random: () => number): number {
  return 0.8 + 0.3 * random();
}

export interface GateCounts {
  entries: number;
  exits: number;
  occupiedAfter: number;
}

/** Expected occupied bays at a local time. */
export function expectedOccupied(carPark: CarPark, popularity: number, at: LocalTime): number {
  const share = Math.min(
    0.99,
    carParkOccupancyShare(carPark.profile, at.secondsOfDay, at.weekend) * popularity,
  );
  return Math.round(carPark.capacity * share);
}

/**
 * Entries and exits over an interval that move occupancy toward the profile, plus turnover (cars
 * leaving and others arriving) so a full car park still sees traffic at its gates.
 */
export function gateCounts(
  carPark: CarPark,
  popularity: number,
  occupiedBefore: number,
  intervalEnd: LocalTime,
  intervalS: number,
  random: () => number,
): GateCounts {
  const target = expectedOccupied(carPark, popularity, intervalEnd);
  const drift = target - occupiedBefore;
  const share = occupiedBefore / carPark.capacity;
  const turnoverRatePerHour = carPark.profile === 'central' ? 0.35 : 0.05;
  const turnover = poisson(
    occupiedBefore * turnoverRatePerHour * (intervalS / 3600) * Math.max(0.2, share),
    random,
  );
  let entries = (drift > 0 ? poisson(drift, random) : 0) + turnover;
  let exits = (drift < 0 ? poisson(-drift, random) : 0) + turnover;
  // Gates never report more cars out than are in, nor more in than fit.
  exits = Math.min(exits, occupiedBefore + entries);
  entries = Math.min(entries, carPark.capacity - occupiedBefore + exits);
  return { entries, exits, occupiedAfter: occupiedBefore + entries - exits };
}
