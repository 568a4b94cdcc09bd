import type { TransitNetwork } from '../domain/network.js';
import { project } from '../domain/polyline.js';
import { MAX_INTERPOLATION_MS, TripProgress } from '../domain/progress.js';
import { createTracker, type TrackerOptions } from '../domain/tracker.js';
import type { VehiclePing } from '../domain/types.js';
import {
  createPingValidator,
  DEFAULT_LIMITS,
  type PingCandidate,
  serviceAreaAround,
} from '../domain/validation.js';
import type { TracePing } from './pings-csv.js';
import { AccuracyTally, MBTA_BINS, mbtaBinIndex } from './score.js';

export interface ReplayOptions {
  /** Hide trip ids (and route, start date/time) from the tracker, which must then infer trips. */
  stripTripIds?: boolean;
  tracker?: TrackerOptions;
  /** Pings of a vehicle's first seconds on a trip not counted in trip_match_pct. */
  matchGraceS?: number;
}

export interface ReplayResult {
  pings: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  matchedPings: number;
  tripMatchEligible: number;
  tripMatchCorrect: number;
  predictionsIssued: number;
  /** Predictions with an observed outcome within 0-30 min. */
  scored: { model: AccuracyTally; baseline: AccuracyTally };
  byBin: { name: string; model: AccuracyTally; baseline: AccuracyTally }[];
  byPhase: Record<Phase, { model: AccuracyTally; baseline: AccuracyTally }>;
  /** Share of scored predictions whose |error| was within the stated uncertainty. */
  uncertaintyCoverage: number;
}

/** One published prediction, kept until its outcome is known. */
interface Issued {
  issuedMs: number;
  predictedMs: number;
  naiveMs: number;
  uncertaintyS: number;
  /** What the vehicle was doing when the prediction was issued. */
  phase: Phase;
}

/** Running its trip, waiting at the start of it, or still finishing the trip before. */
export type Phase = 'running' | 'layover' | 'next_trip';

const stopKey = (tripId: string, startDate: string, stopSequence: number) =>
  `${tripId}|${startDate}|${stopSequence}`;

/**
 * Replays a trace in timestamp order through validation and the real tracker, keeps every stop
 * prediction it publishes, then scores each against the actual time the vehicle reached the stop.
 * Actual times come from the trace itself (each ping placed on the trip the trace names), reading
 * the instant the distance along the shape passed the stop's, interpolated between the pings on
 * either side; a trip's first stop is scored on its departure. Predictions issued at or after the
 * actual time are not scored (they were not forecasts), nor those beyond a 30-minute horizon.
 *
 * Cadence: the tracker publishes, at every accepted ping, predictions for every remaining stop of
 * the current trip and (when it ends within 40 min) of the next one; each counts, as riders see
 * each. The baseline is "schedule + current delay" for exactly the same (issue time, stop) pairs.
 */
export function replayTrace(
  network: TransitNetwork,
  trace: readonly TracePing[],
  options: ReplayOptions = {},
): ReplayResult {
  const graceMs = (options.matchGraceS ?? 120) * 1000;
  const ordered = [...trace].sort((a, b) => a.timestampMs - b.timestampMs || a.line - b.line);
  const area = serviceAreaAround(
    [...network.stops.values()].map((stop) => ({ lat: stop.stopLat, lon: stop.stopLon })),
  );
  const validator = createPingValidator({ ...DEFAULT_LIMITS, ...(area ? { serviceArea: area } : {}) });
  const tracker = createTracker(network, options.tracker);
  const rejectedByReason: Record<string, number> = {};
  const accepted: TracePing[] = [];
  const issued = new Map<string, Issued[]>();
  const firstOnTrip = new Map<string, number>();
  let predictionsIssued = 0;
  let matchedPings = 0;
  let tripMatchEligible = 0;
  let tripMatchCorrect = 0;
  let clockMs = -Infinity;
  for (const ping of ordered) {
    clockMs = Math.max(clockMs, ping.timestampMs);
    const candidate: PingCandidate = {
      vehicleId: ping.vehicleId,
      observedAtMs: ping.timestampMs,
      lat: ping.lat,
      lon: ping.lon,
    };
    const verdict = validator.check(candidate, clockMs);
    if (!verdict.ok) {
      rejectedByReason[verdict.reason] = (rejectedByReason[verdict.reason] ?? 0) + 1;
      continue;
    }
    validator.accept(candidate);
    accepted.push(ping);
    const update = tracker.observe(toVehiclePing(ping, options.stripTripIds ?? false));
    if (update.matched) matchedPings++;
    if (ping.tripId !== undefined) {
      const tripOfVehicle = `${ping.vehicleId}|${ping.tripId}`;
      const first = firstOnTrip.get(tripOfVehicle) ?? ping.timestampMs;
      firstOnTrip.set(tripOfVehicle, first);
      if (ping.timestampMs - first >= graceMs) {
        tripMatchEligible++;
        if (update.matched?.tripId === ping.tripId) tripMatchCorrect++;
      }
    }
    for (const trip of update.predictions) {
      const layover = trip.stops[0]?.arrivalMs === undefined;
      const phase: Phase = trip.isNextTrip ? 'next_trip' : layover ? 'layover' : 'running';
      for (const stop of trip.stops) {
        const predictedMs = stop.arrivalMs ?? stop.departureMs;
        const scheduledMs =
          stop.arrivalMs !== undefined ? stop.scheduledArrivalMs : stop.scheduledDepartureMs;
        if (predictedMs === undefined || scheduledMs === undefined) continue;
        predictionsIssued++;
        const key = stopKey(trip.tripId, trip.startDate, stop.stopSequence);
        let list = issued.get(key);
        if (!list) {
          list = [];
          issued.set(key, list);
        }
        list.push({
          issuedMs: trip.generatedAtMs,
          predictedMs,
          naiveMs: scheduledMs + trip.currentDelayS * 1000,
          uncertaintyS: stop.uncertaintyS,
          phase,
        });
      }
    }
  }

  const actual = actualStopTimes(network, accepted);
  const scored = { model: new AccuracyTally(), baseline: new AccuracyTally() };
  const byBin = MBTA_BINS.map((bin) => ({
    name: bin.name,
    model: new AccuracyTally(),
    baseline: new AccuracyTally(),
  }));
  const byPhase = {
    running: { model: new AccuracyTally(), baseline: new AccuracyTally() },
    layover: { model: new AccuracyTally(), baseline: new AccuracyTally() },
    next_trip: { model: new AccuracyTally(), baseline: new AccuracyTally() },
  };
  let covered = 0;
  for (const [key, list] of issued) {
    const actualMs = actual.get(key);
    if (actualMs === undefined) continue;
    for (const prediction of list) {
      const horizonS = (actualMs - prediction.issuedMs) / 1000;
      const bin = byBin[mbtaBinIndex(horizonS)];
      if (!bin || horizonS <= 0) continue;
      const errorS = (actualMs - prediction.predictedMs) / 1000;
      const baselineErrorS = (actualMs - prediction.naiveMs) / 1000;
      scored.model.add(horizonS, errorS);
      scored.baseline.add(horizonS, baselineErrorS);
      bin.model.add(horizonS, errorS);
      bin.baseline.add(horizonS, baselineErrorS);
      byPhase[prediction.phase].model.add(horizonS, errorS);
      byPhase[prediction.phase].baseline.add(horizonS, baselineErrorS);
      if (Math.abs(errorS) <= prediction.uncertaintyS) covered++;
    }
  }
  return {
    pings: trace.length,
    rejected: trace.length - accepted.length,
    rejectedByReason,
    matchedPings,
    tripMatchEligible,
    tripMatchCorrect,
    predictionsIssued,
    scored,
    byBin,
    byPhase,
    uncertaintyCoverage: scored.model.count > 0 ? covered / scored.model.count : Number.NaN,
  };
}

function toVehiclePing(ping: TracePing, strip: boolean): VehiclePing {
  const vehiclePing: VehiclePing = {
    vehicleId: ping.vehicleId,
    timestampMs: ping.timestampMs,
    lat: ping.lat,
    lon: ping.lon,
  };
  if (ping.bearingDeg !== undefined) vehiclePing.bearingDeg = ping.bearingDeg;
  if (ping.speedMps !== undefined) vehiclePing.speedMps = ping.speedMps;
  if (strip) return vehiclePing;
  if (ping.tripId !== undefined) vehiclePing.tripId = ping.tripId;
  if (ping.routeId !== undefined) vehiclePing.routeId = ping.routeId;
  if (ping.startDate !== undefined) vehiclePing.startDate = ping.startDate;
  if (ping.startTime !== undefined) vehiclePing.startTime = ping.startTime;
  return vehiclePing;
}

/**
 * When each vehicle actually reached each stop of the trips the trace names: the pings of one
 * vehicle on one trip, placed on the trip's shape with the same monotonic progress the tracker
 * uses. Crossings interpolated over a silence longer than MAX_INTERPOLATION_MS are left out.
 */
export function actualStopTimes(network: TransitNetwork, pings: readonly TracePing[]): Map<string, number> {
  const progressByTrip = new Map<string, { progress: TripProgress; tripId: string; startDate: string }>();
  const lastTripOfVehicle = new Map<string, string>();
  for (const ping of pings) {
    if (ping.tripId === undefined) continue;
    const instance =
      ping.startDate !== undefined
        ? network.instance(ping.tripId, ping.startDate, ping.startTime)
        : network.instanceAt(ping.tripId, ping.timestampMs);
    if (!instance) continue;
    const key = `${ping.vehicleId}|${ping.tripId}|${instance.startDate}`;
    let entry = progressByTrip.get(key);
    const { shape } = instance.trip;
    if (!entry) {
      entry = {
        progress: new TripProgress(instance.trip.stops),
        tripId: ping.tripId,
        startDate: instance.startDate,
      };
      progressByTrip.set(key, entry);
      // A vehicle coming off its previous trip starts this one at the terminal, not anywhere.
      const fromPrevious = lastTripOfVehicle.has(ping.vehicleId);
      const projection = project(shape, ping.lat, ping.lon, 0, fromPrevious ? 700 : Infinity);
      if (projection.offM <= 200) entry.progress.update(ping.timestampMs, projection.distM);
      lastTripOfVehicle.set(ping.vehicleId, key);
      continue;
    }
    lastTripOfVehicle.set(ping.vehicleId, key);
    const { progress } = entry;
    const start = Number.isNaN(progress.distM) ? 0 : Math.max(0, progress.distM - 150);
    const reach = Number.isNaN(progress.distM) ? Infinity : progress.distM + 3000;
    const projection = project(shape, ping.lat, ping.lon, start, reach);
    if (projection.offM <= 200) progress.update(ping.timestampMs, projection.distM);
  }
  const actual = new Map<string, number>();
  for (const { progress, tripId, startDate } of progressByTrip.values()) {
    const trip = network.trips.get(tripId);
    if (!trip) continue;
    const first = trip.stops[0];
    if (first && progress.sawFirstStop && Number.isFinite(progress.departedFirstMs)) {
      actual.set(stopKey(tripId, startDate, first.stopSequence), progress.departedFirstMs);
    }
    for (let index = 1; index < trip.stops.length; index++) {
      const at = progress.arrivals[index] as number;
      if (!Number.isFinite(at) || (progress.spans[index] as number) > MAX_INTERPOLATION_MS) continue;
      actual.set(
        stopKey(tripId, startDate, (trip.stops[index] as { stopSequence: number }).stopSequence),
        at,
      );
    }
  }
  return actual;
}
