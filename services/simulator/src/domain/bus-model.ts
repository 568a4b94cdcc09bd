import { seededRandom } from '@mobility/runtime/util';
import { bearingDeg, type LatLon, pointAlong } from './geometry.js';
import type { SimTrip, VehicleWorking } from './network.js';

/**
 * How a simulated bus actually runs a working: the timetable with realistic noise, decided in
 * advance from a seed so a run can be repeated, and read back as a position at any instant.
 *
 * The noise model, per trip:
 * - departure from the first stop: on time or a little late; now and then much later (a late
 *   driver change), which makes the bus catch its leader's passengers — bunching;
 * - running between stops: scheduled time with a per-trip and per-segment traffic factor, and
 *   occasional slowdowns (an incident, a blocked lane) and signal stops;
 * - dwell: most stops have someone to board, dwell grows with lateness (more people waiting);
 * - holding: a bus never leaves more than a minute early, nor early at all at a timing stop;
 * - layover at the terminus before the next trip, if time allows.
 * And per working, sometimes a silent spell: the bus keeps driving but its AVL unit sends nothing.
 */

export interface RealisedTrip {
  tripIndex: number;
  /** Actual arrival and departure at each stop, epoch ms. */
  arrivalsMs: number[];
  departuresMs: number[];
  /** Per segment k (stop k to k+1): a stop at a signal, as share of the distance and seconds. */
  pauses: { at: number; seconds: number }[];
}

export interface VehicleRun {
  vehicleId: string;
  working: VehicleWorking;
  /** Epoch ms of the service day's time origin (GTFS "noon minus 12 h"). */
  dayStartMs: number;
  serviceDate: string;
  /** The bus appears at its first terminus this early, and leaves the map after its last arrival. */
  appearMs: number;
  disappearMs: number;
  /** When its AVL unit is silent (it still drives). */
  silent?: { fromMs: number; toMs: number };
  /** Seconds between pings, fixed per unit. */
  pingIntervalS: number;
  realised: RealisedTrip[];
}

export interface VehicleState {
  position: LatLon;
  bearingDeg: number;
  speedMps: number;
  /** The trip being run, or the next one while waiting at a terminus. */
  tripIndex: number;
  phase: 'pull-out' | 'in-service' | 'layover';
}

export interface NoiseSettings {
  /** Chance that a trip starts 3-10 minutes late (bunching). */
  lateStartChance: number;
  /** Chance that a segment is slowed down heavily (incident). */
  slowdownChance: number;
  /** Chance a working has a silent spell; one working per day is always silent for a while. */
  silentChance: number;
}

export const DEFAULT_NOISE: NoiseSettings = {
  lateStartChance: 0.05,
  slowdownChance: 0.015,
  silentChance: 0.03,
};

const MIN_LAYOVER_MS = 60_000;

/** A 32-bit hash of text, to derive per-vehicle seeds from the run's seed. */
export function hashText(text: string, seed = 0): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normal draw (Box-Muller). */
function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
function exponential(random: () => number, mean: number): number {
  return -Math.log(Math.max(random(), 1e-12)) * mean;
}

/**
 * Decides how a vehicle runs its whole working on one service day. `forceSilent` makes this the
 * day's designated silent vehicle.
 */
export function planVehicleRun(input: {
  vehicleId: string;
  working: VehicleWorking;
  trips: readonly SimTrip[];
  dayStartMs: number;
  serviceDate: string;
  seed: number;
  forceSilent?: boolean;
  noise?: NoiseSettings;
}): VehicleRun {
  const { working, trips, dayStartMs } = input;
  const noise = input.noise ?? DEFAULT_NOISE;
  const random = seededRandom(
    hashText(`${input.serviceDate}|${working.serviceId}|${working.key}`, input.seed),
  );
  const tripFactorSigma = 0.06;
  const realised: RealisedTrip[] = [];
  let readyMs = Number.NEGATIVE_INFINITY;
  for (const tripIndex of working.tripIndices) {
    const trip = trips[tripIndex] as SimTrip;
    const scheduled = (seconds: number) => dayStartMs + seconds * 1000;
    const n = trip.stopIds.length;
    const arrivalsMs: number[] = new Array(n);
    const departuresMs: number[] = new Array(n);
    const pauses: { at: number; seconds: number }[] = [];
    let startDelayS = exponential(random, 25);
    if (random() < noise.lateStartChance) startDelayS += 180 + random() * 420;
    const firstDeparture = Math.max(scheduled(trip.departures[0] as number), readyMs) + startDelayS * 1000;
    arrivalsMs[0] = Math.min(firstDeparture, Math.max(readyMs, scheduled(trip.arrivals[0] as number)));
    departuresMs[0] = firstDeparture;
    const tripFactor = Math.exp(normal(random) * tripFactorSigma);
    for (let k = 1; k < n; k++) {
      const scheduledRunS = Math.max(5, (trip.arrivals[k] as number) - (trip.departures[k - 1] as number));
      let factor = tripFactor * Math.exp(normal(random) * 0.12);
      if (random() < noise.slowdownChance) factor *= 1.8 + random() * 1.5;
      // About 85 % of the scheduled running time is spent moving; dwell makes up the rest.
      let runS = scheduledRunS * 0.85 * factor;
      const pause =
        random() < 0.3 ? { at: 0.3 + random() * 0.6, seconds: 8 + random() * 30 } : { at: 0, seconds: 0 };
      runS += pause.seconds;
      pauses.push(pause);
      arrivalsMs[k] = (departuresMs[k - 1] as number) + runS * 1000;
      const latenessS = Math.max(
        0,
        ((arrivalsMs[k] as number) - scheduled(trip.arrivals[k] as number)) / 1000,
      );
      const scheduledDwellS = (trip.departures[k] as number) - (trip.arrivals[k] as number);
      let dwellS = random() < 0.75 ? 5 + exponential(random, 10) + Math.min(60, latenessS * 0.03) : 0;
      dwellS = Math.max(dwellS, scheduledDwellS * 0.8);
      let departure = (arrivalsMs[k] as number) + dwellS * 1000;
      // Drivers do not leave a stop more than a minute early, nor early at all where the timetable
      // holds them (a scheduled dwell marks a timing stop).
      const holdUntil = scheduled(trip.departures[k] as number) - (scheduledDwellS > 0 ? 0 : 60_000);
      departure = Math.max(departure, holdUntil);
      departuresMs[k] = k === n - 1 ? (arrivalsMs[k] as number) : departure;
    }
    readyMs = (arrivalsMs[n - 1] as number) + MIN_LAYOVER_MS;
    realised.push({ tripIndex, arrivalsMs, departuresMs, pauses });
  }
  const firstTrip = realised[0] as RealisedTrip;
  const lastTrip = realised[realised.length - 1] as RealisedTrip;
  const appearMs = (firstTrip.departuresMs[0] as number) - (120 + random() * 240) * 1000;
  const disappearMs = (lastTrip.arrivalsMs[lastTrip.arrivalsMs.length - 1] as number) + 60_000;
  const run: VehicleRun = {
    vehicleId: input.vehicleId,
    working,
    dayStartMs,
    serviceDate: input.serviceDate,
    appearMs,
    disappearMs,
    pingIntervalS: 10 + Math.floor(random() * 21),
    realised,
  };
  if (input.forceSilent || random() < noise.silentChance) {
    const span = disappearMs - appearMs;
    const fromMs = appearMs + span * (0.1 + random() * 0.4);
    run.silent = { fromMs, toMs: fromMs + (10 + random() * 25) * 60_000 };
  }
  return run;
}

/** Where the bus is and what it does at `atMs`; undefined outside [appearMs, disappearMs]. */
export function vehicleStateAt(
  run: VehicleRun,
  trips: readonly SimTrip[],
  atMs: number,
): VehicleState | undefined {
  if (atMs < run.appearMs || atMs > run.disappearMs) return undefined;
  for (let r = 0; r < run.realised.length; r++) {
    const realised = run.realised[r] as RealisedTrip;
    const trip = trips[realised.tripIndex] as SimTrip;
    const n = trip.stopIds.length;
    const start = realised.departuresMs[0] as number;
    const end = realised.arrivalsMs[n - 1] as number;
    if (atMs < start) {
      // Waiting at (or driving empty to) this trip's first stop.
      const previous = r > 0 ? (run.realised[r - 1] as RealisedTrip) : undefined;
      const here = pointAlong(trip.line, trip.stopDistM[0] as number);
      if (!previous) return still(here, realised.tripIndex, 'pull-out');
      const previousTrip = trips[previous.tripIndex] as SimTrip;
      const from = pointAlong(
        previousTrip.line,
        previousTrip.stopDistM[previousTrip.stopDistM.length - 1] as number,
      );
      const leftMs = previous.arrivalsMs[previous.arrivalsMs.length - 1] as number;
      return deadhead(from, here, leftMs, start, atMs, realised.tripIndex);
    }
    if (atMs <= end) return inService(trip, realised, atMs);
  }
  const last = run.realised[run.realised.length - 1] as RealisedTrip;
  const lastTrip = trips[last.tripIndex] as SimTrip;
  return still(
    pointAlong(lastTrip.line, lastTrip.stopDistM[lastTrip.stopDistM.length - 1] as number),
    last.tripIndex,
    'layover',
  );
}

function still(
  point: LatLon & { bearingDeg: number },
  tripIndex: number,
  phase: VehicleState['phase'],
): VehicleState {
  return {
    position: { lat: point.lat, lon: point.lon },
    bearingDeg: point.bearingDeg,
    speedMps: 0,
    tripIndex,
    phase,
  };
}

/** Between trips ending and starting at different places: a straight empty run over the whole layover. */
function deadhead(
  from: LatLon & { bearingDeg: number },
  to: LatLon & { bearingDeg: number },
  leftMs: number,
  startMs: number,
  atMs: number,
  tripIndex: number,
): VehicleState {
  // Spread over the whole gap: a tight turn between distant termini must not look like a jump.
  const gapMs = Math.max(1, startMs - leftMs);
  const share = Math.min(1, Math.max(0, (atMs - leftMs) / gapMs));
  if (share >= 1 || (from.lat === to.lat && from.lon === to.lon)) return still(to, tripIndex, 'layover');
  const dLat = to.lat - from.lat;
  const dLon = to.lon - from.lon;
  const metres = Math.hypot(dLat * 111_320, dLon * 111_320 * Math.cos((from.lat * Math.PI) / 180));
  return {
    position: { lat: from.lat + dLat * share, lon: from.lon + dLon * share },
    bearingDeg: bearingDeg(from, to),
    speedMps: metres / (gapMs / 1000),
    tripIndex,
    phase: 'layover',
  };
}

function inService(trip: SimTrip, realised: RealisedTrip, atMs: number): VehicleState {
  const n = trip.stopIds.length;
  for (let k = 0; k < n; k++) {
    const arrival = realised.arrivalsMs[k] as number;
    const departure = realised.departuresMs[k] as number;
    if (atMs <= departure || k === n - 1) {
      if (atMs >= arrival || k === 0) {
        const point = pointAlong(trip.line, trip.stopDistM[k] as number);
        return still(point, realised.tripIndex, 'in-service');
      }
      // Between stop k-1 and k, with an optional stop at a signal on the way.
      const leave = realised.departuresMs[k - 1] as number;
      const pause = realised.pauses[k - 1] ?? { at: 0, seconds: 0 };
      const fromM = trip.stopDistM[k - 1] as number;
      const toM = trip.stopDistM[k] as number;
      const movingMs = Math.max(1, arrival - leave - pause.seconds * 1000);
      const pauseStartMs = leave + pause.at * movingMs;
      let movedMs = atMs - leave;
      let speedMps = (toM - fromM) / (movingMs / 1000);
      if (pause.seconds > 0 && atMs > pauseStartMs) {
        if (atMs < pauseStartMs + pause.seconds * 1000) {
          movedMs = pauseStartMs - leave;
          speedMps = 0;
        } else movedMs -= pause.seconds * 1000;
      }
      const along = fromM + (toM - fromM) * Math.min(1, movedMs / movingMs);
      const point = pointAlong(trip.line, along);
      return {
        position: { lat: point.lat, lon: point.lon },
        bearingDeg: point.bearingDeg,
        speedMps,
        tripIndex: realised.tripIndex,
        phase: 'in-service',
      };
    }
  }
  return still(pointAlong(trip.line, trip.stopDistM[n - 1] as number), realised.tripIndex, 'in-service');
}
