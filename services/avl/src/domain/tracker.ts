import { haversineMetres } from '@mobility/runtime/util';
import { type PredictionPhase, TravelTimeModel } from './learning.js';
import {
  instanceKey,
  instanceMs,
  type ScheduledStop,
  scheduledSecondsAt,
  type TransitNetwork,
  type TripInstance,
} from './network.js';
import { angleBetween, bearingAt, type Projection, project, projectAhead, projectAll } from './polyline.js';
import { MAX_INTERPOLATION_MS, TripProgress } from './progress.js';
import type {
  MatchedPosition,
  StopPrediction,
  TrackerUpdate,
  TripPredictionResult,
  VehiclePing,
  VehicleSnapshot,
  VehicleStopStatus,
} from './types.js';

export interface TrackerOptions {
  /** A ping further than this from its trip's shape is not matched (deadhead, detour), metres. */
  maxOffShapeM?: number;
  /** expire() drops vehicles silent for longer than this, ms. */
  silenceMs?: number;
  /** Predict that a vehicle running early waits at timepoints until the scheduled departure. */
  holdAtTimepoints?: boolean;
  /** Predict the vehicle's next trip once its current trip ends within this many seconds. */
  nextTripWithinS?: number;
}

export interface Tracker {
  observe(ping: VehiclePing): TrackerUpdate;
  vehicles(): VehicleSnapshot[];
  vehicle(id: string): VehicleSnapshot | undefined;
  /** Drops vehicles silent for too long; returns their ids. */
  expire(nowMs: number): string[];
  /** Learned travel, dwell and residual statistics as plain JSON (persist and restore at start). */
  exportLearning(): unknown;
  /** Restores exportLearning() output; malformed input is ignored and learning starts afresh. */
  importLearning(state: unknown): void;
}

/** One trip a vehicle might be running, followed ping by ping. */
interface Hypothesis {
  instance: TripInstance;
  key: string;
  progress: TripProgress;
  /** Misfit (lower is likelier): geometric part + schedule part. */
  cost: number;
  /** Fast-moving mean of the geometric misfit (off the shape, against its direction). */
  geoCost: number;
  /** Slow-moving mean of the schedule misfit: lateness is judged over many minutes, not a ping. */
  devCost: number;
  lastCost: number;
  offM: number;
  pings: number;
  /** Raw projected distance of the last ping, to see a vehicle going backwards. */
  lastRawDistM: number;
  /** Taken over from the previous trip of the same vehicle (block continuity). */
  inherited: boolean;
  /** When the vehicle finished its previous trip (for learning turnaround at the terminal). */
  readySinceMs?: number;
  /** The departure from the first stop has been learned from. */
  learnedDeparture?: boolean;
  /** At the last ping the vehicle was waiting near this trip's start before its departure. */
  layover: boolean;
}

interface PendingOutcome {
  phase: PredictionPhase;
  key: string;
  stopIndex: number;
  issuedMs: number;
  learnedMs: number;
  naiveMs: number;
  publishedMs: number;
}

interface VehicleState {
  id: string;
  lastPing: VehiclePing;
  hypotheses: Hypothesis[];
  chosen: Hypothesis | undefined;
  matched: MatchedPosition | null;
  predictions: TripPredictionResult[];
  pending: PendingOutcome[];
  lastPendingMs: number;
  pings: number;
  /** Trips this vehicle has finished (never candidates again); the last few only. */
  done: string[];
}

interface Claim {
  vehicleId: string;
  atMs: number;
  cost: number;
}

/** A trip counts as finished this close to its last stop (buses stop short at terminals). */
const FINISH_MARGIN_M = 100;
/** A vehicle this close to a trip's start, before its scheduled time, is laying over. */
const LAYOVER_ZONE_M = 700;
const CANDIDATE_RADIUS_M = 150;
const MAX_HYPOTHESES = 12;
/** Seconds of lateness that cost as much as one unit of misfit (lateness is common, earliness not). */
const LATE_SCALE_S = 600;
/** Metres one vehicle may lead another on a later trip before the order check intervenes. */
const ORDER_SLACK_M = 300;
/** How much worse (in summed misfit) a swap that restores order may be and still be made. */
const ORDER_PENALTY = 1.5;
const GEO_EWMA = 0.3;
const DEV_EWMA = 0.05;
const SWITCH_MARGIN = 0.6;
const CLAIM_PENALTY = 3;
const BLOCK_BONUS = 2;
const CLAIM_TTL_MS = 5 * 60_000;
/** Horizons (s) at which the tracker keeps its own predictions to learn from their outcome. */
const LEARNING_HORIZONS_S = [90, 270, 540, 1260, 2400];
const PENDING_EVERY_MS = 60_000;

/**
 * The per-vehicle state machine: places each ping on a trip (the one the ping names, or the likeliest
 * one from position, heading, time, the vehicle's history and its block), learns stop-to-stop times
 * as vehicles reach stops, and predicts the rest of the current trip and the next one.
 *
 * Work per ping is bounded: candidate trips come from a spatial grid of shapes and a time window,
 * projections search a window around the vehicle's last position, and at most MAX_HYPOTHESES trips
 * are followed per vehicle.
 */
export function createTracker(network: TransitNetwork, options: TrackerOptions = {}): Tracker {
  const maxOffShapeM = options.maxOffShapeM ?? 200;
  const silenceMs = options.silenceMs ?? 20 * 60_000;
  // Off by default: on the WMATA trace, predicting holds at timepoints made predictions worse
  // (drivers there do not wait out early running), so holding is left to feeds that need it.
  const holdAtTimepoints = options.holdAtTimepoints ?? false;
  const nextTripWithinS = options.nextTripWithinS ?? 2400;
  const model = new TravelTimeModel();
  const states = new Map<string, VehicleState>();
  const claims = new Map<string, Claim>();
  /** Vehicles by the shape of their chosen trip (for the order check between them). */
  const byShape = new Map<string, Set<string>>();

  const deviationS = (instance: TripInstance, atMs: number, distM: number): number =>
    (atMs - instance.dayStartMs) / 1000 - scheduledSecondsAt(instance, distM);

  const inLayover = (instance: TripInstance, atMs: number, distM: number): boolean =>
    distM - (instance.trip.stops[0] as ScheduledStop).distM < LAYOVER_ZONE_M &&
    deviationS(instance, atMs, distM) < 0;

  /**
   * Misfit of a ping at a place on a trip, roughly a negative log-likelihood: distance off the
   * shape, heading against the shape, and lateness (buses run late far more often than early; a
   * vehicle laying over at the start is not "early", it waits for its departure).
   */
  function pingCost(
    instance: TripInstance,
    ping: VehiclePing,
    projection: Projection,
    previousRaw: number,
    inherited = false,
  ): { geo: number; dev: number } {
    const { shape } = instance.trip;
    const layover = inLayover(instance, ping.timestampMs, projection.distM);
    // Vehicles lay over wherever the terminal has room, often off the shape itself; more so a
    // vehicle that has just finished the block's previous trip there.
    const scale = layover ? (inherited ? 400 : 100) : 35;
    let geo = Math.min((projection.offM / scale) ** 2, 12);
    if (ping.bearingDeg !== undefined && (ping.speedMps ?? 0) >= 2) {
      const angle = angleBetween(ping.bearingDeg, bearingAt(shape, projection.distM));
      geo += angle > 100 ? 3 : (angle / 70) ** 2;
    }
    if (projection.distM < previousRaw - 50) geo += 2;
    const deviation = deviationS(instance, ping.timestampMs, projection.distM);
    let dev: number;
    if (layover) dev = -deviation / 600;
    else dev = deviation >= 0 ? deviation / LATE_SCALE_S : Math.min((deviation / 240) ** 2, 30);
    return { geo, dev };
  }

  function newHypothesis(
    instance: TripInstance,
    projection: Projection,
    ping: VehiclePing,
    cost: { geo: number; dev: number },
  ): Hypothesis {
    const progress = new TripProgress(instance.trip.stops);
    progress.update(ping.timestampMs, projection.distM);
    return {
      instance,
      key: instanceKey(instance),
      progress,
      cost: cost.geo + cost.dev,
      geoCost: cost.geo,
      devCost: cost.dev,
      lastCost: cost.geo + cost.dev,
      offM: projection.offM,
      pings: 1,
      lastRawDistM: projection.distM,
      inherited: false,
      layover: inLayover(instance, ping.timestampMs, projection.distM),
    };
  }

  /** Moves a hypothesis forward with a ping; returns the stops reached. */
  function advance(hypothesis: Hypothesis, ping: VehiclePing, elapsedS: number): number[] {
    const { shape } = hypothesis.instance.trip;
    const anchor = hypothesis.progress.distM;
    const from = Math.max(0, anchor - 150);
    const reach = Math.max(300, Math.min(elapsedS, 600) * 25);
    const projection = projectAhead(shape, ping.lat, ping.lon, from, anchor + reach, anchor);
    const cost = pingCost(
      hypothesis.instance,
      ping,
      projection,
      hypothesis.lastRawDistM,
      hypothesis.inherited,
    );
    hypothesis.geoCost = (1 - GEO_EWMA) * hypothesis.geoCost + GEO_EWMA * cost.geo;
    hypothesis.devCost = (1 - DEV_EWMA) * hypothesis.devCost + DEV_EWMA * cost.dev;
    hypothesis.cost = hypothesis.geoCost + hypothesis.devCost;
    hypothesis.lastCost = cost.geo + cost.dev;
    hypothesis.offM = projection.offM;
    hypothesis.lastRawDistM = projection.distM;
    hypothesis.layover = inLayover(hypothesis.instance, ping.timestampMs, projection.distM);
    hypothesis.pings++;
    // Off the shape, the projection says nothing about progress.
    if (projection.offM > maxOffShapeM) return [];
    return hypothesis.progress.update(ping.timestampMs, projection.distM);
  }

  /** Adds hypotheses for trips scheduled near the ping that the vehicle is not yet considering. */
  function discover(state: VehicleState, ping: VehiclePing): void {
    const known = new Set([...state.hypotheses.map((hypothesis) => hypothesis.key), ...state.done]);
    const byShape = new Map<string, Projection[]>();
    const instances = network.candidateTrips(ping.lat, ping.lon, ping.timestampMs, {
      radiusM: CANDIDATE_RADIUS_M,
      lateS: 3000,
      earlyS: 2400,
    });
    for (const instance of instances) {
      const key = instanceKey(instance);
      if (known.has(key)) continue;
      const { shape } = instance.trip;
      let projections = byShape.get(shape.id);
      if (!projections) {
        projections = projectAll(shape, ping.lat, ping.lon, CANDIDATE_RADIUS_M);
        byShape.set(shape.id, projections);
      }
      let best: { projection: Projection; cost: { geo: number; dev: number } } | undefined;
      for (const projection of projections) {
        const cost = pingCost(instance, ping, projection, -Infinity);
        if (!best || cost.geo + cost.dev < best.cost.geo + best.cost.dev) best = { projection, cost };
      }
      if (!best) continue;
      // A newcomer has one ping of evidence against the others' history: a small handicap.
      state.hypotheses.push(
        newHypothesis(instance, best.projection, ping, { geo: best.cost.geo + 0.3, dev: best.cost.dev }),
      );
      known.add(key);
    }
  }

  function effectiveCost(state: VehicleState, hypothesis: Hypothesis, atMs: number): number {
    let cost = hypothesis.cost;
    if (hypothesis.inherited && (hypothesis.lastCost < 3 || hypothesis.layover)) cost -= BLOCK_BONUS;
    // A vehicle in the middle of a trip that still fits does not start laying over for another.
    const chosen = state.chosen;
    if (
      hypothesis.layover &&
      !hypothesis.inherited &&
      chosen &&
      chosen !== hypothesis &&
      !chosen.layover &&
      chosen.lastCost < 4
    ) {
      cost += 2;
    }
    const claim = claims.get(hypothesis.key);
    if (
      claim &&
      claim.vehicleId !== state.id &&
      atMs - claim.atMs < CLAIM_TTL_MS &&
      !(hypothesis.cost < claim.cost - 0.5)
    ) {
      cost += CLAIM_PENALTY;
    }
    return cost;
  }

  function choose(state: VehicleState, atMs: number): void {
    let best: Hypothesis | undefined;
    let bestCost = Infinity;
    for (const hypothesis of state.hypotheses) {
      const cost = effectiveCost(state, hypothesis, atMs);
      if (cost < bestCost) {
        best = hypothesis;
        bestCost = cost;
      }
    }
    const current = state.chosen && state.hypotheses.includes(state.chosen) ? state.chosen : undefined;
    // The longer a trip has fitted, the more it takes to leave it (unless the vehicle left its shape).
    const margin =
      current && current.lastCost < 4 ? SWITCH_MARGIN + Math.min(1.5, current.pings / 20) : SWITCH_MARGIN;
    if (current && best && effectiveCost(state, current, atMs) <= bestCost + margin) best = current;
    setChosen(state, best, atMs);
    if (best && !best.layover) keepOrder(state, best, atMs);
    // Keep the likeliest few.
    if (state.hypotheses.length > MAX_HYPOTHESES) {
      state.hypotheses.sort((a, b) => effectiveCost(state, a, atMs) - effectiveCost(state, b, atMs));
      state.hypotheses.length = MAX_HYPOTHESES;
      if (state.chosen && !state.hypotheses.includes(state.chosen)) state.hypotheses.push(state.chosen);
    }
  }

  function setChosen(state: VehicleState, hypothesis: Hypothesis | undefined, atMs: number): void {
    if (state.chosen && state.chosen !== hypothesis) {
      const claim = claims.get(state.chosen.key);
      if (claim?.vehicleId === state.id) claims.delete(state.chosen.key);
      byShape.get(state.chosen.instance.trip.shape.id)?.delete(state.id);
    }
    state.chosen = hypothesis;
    if (hypothesis) {
      claims.set(hypothesis.key, { vehicleId: state.id, atMs, cost: hypothesis.cost });
      const shapeId = hypothesis.instance.trip.shape.id;
      let riders = byShape.get(shapeId);
      if (!riders) {
        riders = new Set();
        byShape.set(shapeId, riders);
      }
      riders.add(state.id);
    }
  }

  /**
   * Buses on one line rarely overtake: a vehicle on an earlier trip of the same shape should be
   * further along. When two vehicles' trips contradict their order, and each already follows the
   * other's trip as a hypothesis, swap them if that costs little more (or less) than keeping them,
   * unless both trips were inherited from their blocks.
   */
  function keepOrder(state: VehicleState, chosen: Hypothesis, atMs: number): void {
    const riders = byShape.get(chosen.instance.trip.shape.id);
    if (!riders) return;
    const startOf = (hypothesis: Hypothesis) =>
      instanceMs(hypothesis.instance, hypothesis.instance.trip.startS);
    for (const otherId of riders) {
      if (otherId === state.id) continue;
      const other = states.get(otherId);
      const theirs = other?.chosen;
      if (!other || !theirs || theirs.layover || atMs - other.lastPing.timestampMs > 120_000) continue;
      const mineEarlier = startOf(chosen) < startOf(theirs);
      const gapM = chosen.progress.distM - theirs.progress.distM;
      const contradicts = mineEarlier ? gapM < -ORDER_SLACK_M : gapM > ORDER_SLACK_M;
      if (!contradicts) continue;
      // Two vehicles that each came off the previous trip of their own block keep their blocks:
      // block continuity is stronger evidence than order, and buses do overtake when bunched.
      if (chosen.inherited && theirs.inherited) continue;
      const mineAsTheirs = state.hypotheses.find((hypothesis) => hypothesis.key === theirs.key);
      const theirsAsMine = other.hypotheses.find((hypothesis) => hypothesis.key === chosen.key);
      if (!mineAsTheirs || !theirsAsMine) continue;
      const keep = chosen.cost + theirs.cost;
      const swap = mineAsTheirs.cost + theirsAsMine.cost;
      if (swap > keep + ORDER_PENALTY) continue;
      setChosen(other, theirsAsMine, atMs);
      setChosen(state, mineAsTheirs, atMs);
      return;
    }
  }

  /** The trip the vehicle runs after this one: next in its block, else the likeliest departure nearby. */
  function successor(state: VehicleState, instance: TripInstance, readyMs: number): TripInstance | undefined {
    const inBlock = network.nextInBlock(instance);
    if (inBlock) return inBlock;
    const { trip } = instance;
    const end = trip.stops[trip.stops.length - 1] as ScheduledStop;
    const terminal = network.stops.get(end.stopId);
    if (!terminal) return undefined;
    let best: TripInstance | undefined;
    let bestScore = Infinity;
    for (const candidate of network.candidateTrips(terminal.stopLat, terminal.stopLon, readyMs, {
      radiusM: 400,
      lateS: 600,
      earlyS: 3600,
    })) {
      const first = candidate.trip.stops[0] as ScheduledStop;
      const firstStop = network.stops.get(first.stopId);
      if (
        !firstStop ||
        haversineMetres(firstStop.stopLat, firstStop.stopLon, terminal.stopLat, terminal.stopLon) > 400
      )
        continue;
      const key = instanceKey(candidate);
      const claim = claims.get(key);
      if (
        candidate.trip === trip ||
        (claim && claim.vehicleId !== state.id && readyMs - claim.atMs < CLAIM_TTL_MS)
      )
        continue;
      const startMs = instanceMs(candidate, first.departureS);
      const score = Math.abs(startMs - readyMs) / 1000 + (candidate.trip.routeId === trip.routeId ? 0 : 600);
      if (startMs >= readyMs - 600_000 && score < bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    return best;
  }

  function learnFromStops(hypothesis: Hypothesis, reached: readonly number[], atMs: number): void {
    const { instance, progress } = hypothesis;
    const stops = instance.trip.stops;
    for (const index of reached) {
      if (index < 1) continue;
      const previous = stops[index - 1] as ScheduledStop;
      const stop = stops[index] as ScheduledStop;
      const startMs = index === 1 ? progress.departedFirstMs : (progress.arrivals[index - 1] as number);
      const endMs = progress.arrivals[index] as number;
      if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) continue;
      if ((progress.spans[index] as number) > MAX_INTERPOLATION_MS) continue;
      const scheduledS = stop.arrivalS - (index === 1 ? previous.departureS : previous.arrivalS);
      const observedS = (endMs - startMs) / 1000;
      // A layover or a detour inside a segment is not travel time.
      if (observedS > 3 * Math.max(scheduledS, 30) + 240) continue;
      // Time spent before the trip's scheduled start is waiting, not travel.
      if (startMs < instanceMs(instance, (stops[0] as ScheduledStop).departureS) - 60_000) continue;
      model.observeSegment(
        `${previous.stopId}>${stop.stopId}`,
        Math.max(scheduledS, 0),
        observedS,
        (startMs - instance.dayStartMs) / 1000,
        atMs,
      );
    }
  }

  function learnDeparture(hypothesis: Hypothesis): void {
    const { instance, progress } = hypothesis;
    if (!progress.sawFirstStop || !Number.isFinite(progress.departedFirstMs)) return;
    const scheduledMs = instanceMs(instance, (instance.trip.stops[0] as ScheduledStop).departureS);
    const readyMs = hypothesis.readySinceMs ?? progress.firstMs;
    if (readyMs < scheduledMs - 60_000)
      model.observeDepartureLag((progress.departedFirstMs - scheduledMs) / 1000);
    else if (hypothesis.readySinceMs !== undefined)
      model.observeTurnaround((progress.departedFirstMs - readyMs) / 1000);
  }

  function resolvePending(state: VehicleState, hypothesis: Hypothesis, reached: readonly number[]): void {
    if (reached.length === 0 || state.pending.length === 0) return;
    const remaining: PendingOutcome[] = [];
    for (const outcome of state.pending) {
      if (outcome.key !== hypothesis.key || !reached.includes(outcome.stopIndex)) {
        remaining.push(outcome);
        continue;
      }
      const actualMs = hypothesis.progress.arrivals[outcome.stopIndex] as number;
      if ((hypothesis.progress.spans[outcome.stopIndex] as number) > MAX_INTERPOLATION_MS) continue;
      if (actualMs < outcome.issuedMs) continue;
      model.observeOutcome(
        outcome.phase,
        (outcome.publishedMs - outcome.issuedMs) / 1000,
        actualMs,
        outcome.learnedMs,
        outcome.naiveMs,
        outcome.publishedMs,
      );
    }
    state.pending = remaining;
  }

  interface Forecast {
    phase: PredictionPhase;
    /** Stop indices predicted, in order. */
    indices: number[];
    learnedMs: number[];
    naiveMs: number[];
    publishedMs: number[];
    /** Departure from the first predicted stop when it is the trip's first stop. */
    departureMs?: number;
    endMs: number;
  }

  /**
   * Predicts the rest of a trip from a vehicle at distance d at time t (or, for a next trip, from
   * the moment it is ready at the terminal). Learned stop-to-stop times carry it forward; a vehicle
   * early at the start waits for its departure, and (optionally) at timepoints; the result is blended
   * with "schedule + current delay" with the weight its past outcomes earned at that horizon.
   */
  function forecast(
    instance: TripInstance,
    distM: number,
    passedIndex: number,
    fromMs: number,
    nowMs: number,
    delayS: number,
    isNextTrip: boolean,
  ): Forecast {
    const stops = instance.trip.stops;
    const segment = (index: number, atMs: number): number => {
      const from = stops[index] as ScheduledStop;
      const to = stops[index + 1] as ScheduledStop;
      const scheduledS = Math.max(0, to.arrivalS - (index === 0 ? from.departureS : from.arrivalS));
      return model.segmentSeconds(
        `${from.stopId}>${to.stopId}`,
        scheduledS,
        (atMs - instance.dayStartMs) / 1000,
        atMs,
      );
    };
    const layover = inLayover(instance, fromMs, distM);
    const phase: PredictionPhase = isNextTrip ? 'next_trip' : layover ? 'layover' : 'running';
    const result: Forecast = {
      phase,
      indices: [],
      learnedMs: [],
      naiveMs: [],
      publishedMs: [],
      endMs: fromMs,
    };
    let leaveMs = fromMs;
    if (layover) {
      const scheduledHereMs = instance.dayStartMs + scheduledSecondsAt(instance, distM) * 1000;
      leaveMs = Math.max(fromMs, scheduledHereMs + model.departureLagS() * 1000);
    }
    // Internally a vehicle waiting at its start is not "early": its delay counts from zero.
    const blendDelayS = layover
      ? Math.max(0, (leaveMs - instanceMs(instance, scheduledSecondsAt(instance, distM))) / 1000)
      : delayS;
    const next = Math.max(1, passedIndex + 1);
    if (passedIndex <= 0 && distM <= (stops[0] as ScheduledStop).distM + 30) {
      result.departureMs = leaveMs;
    }
    let atMs = leaveMs;
    for (let index = next; index < stops.length; index++) {
      const previous = stops[index - 1] as ScheduledStop;
      const stop = stops[index] as ScheduledStop;
      let travelS = segment(index - 1, atMs);
      if (index === next) {
        const span = stop.distM - previous.distM;
        const done = span > 0 ? Math.min(1, Math.max(0, (distM - previous.distM) / span)) : 1;
        travelS *= 1 - done;
      }
      atMs += travelS * 1000;
      const scheduledMs = instanceMs(instance, stop.arrivalS);
      const naiveMs = scheduledMs + blendDelayS * 1000;
      const { biasS, weight } = model.blend(phase, (atMs - nowMs) / 1000);
      result.indices.push(index);
      result.learnedMs.push(atMs);
      result.naiveMs.push(naiveMs);
      result.publishedMs.push(Math.max(nowMs, atMs + biasS * 1000 + weight * (naiveMs - atMs)));
      // Early at a timepoint: the driver waits for the scheduled departure.
      if (holdAtTimepoints && stop.timepoint && index < stops.length - 1) {
        atMs = Math.max(atMs, instanceMs(instance, stop.departureS));
      }
    }
    result.endMs = result.publishedMs.at(-1) ?? leaveMs;
    return result;
  }

  function toResult(
    state: VehicleState,
    instance: TripInstance,
    forecasted: Forecast,
    nowMs: number,
    delayS: number,
    isNextTrip: boolean,
  ): TripPredictionResult {
    const stops = instance.trip.stops;
    const predictions: StopPrediction[] = [];
    if (forecasted.departureMs !== undefined) {
      const first = stops[0] as ScheduledStop;
      predictions.push({
        stopSequence: first.stopSequence,
        stopId: first.stopId,
        departureMs: Math.round(forecasted.departureMs),
        uncertaintyS: model.uncertaintyS(forecasted.phase, (forecasted.departureMs - nowMs) / 1000),
        scheduledDepartureMs: instanceMs(instance, first.departureS),
      });
    }
    forecasted.indices.forEach((index, i) => {
      const stop = stops[index] as ScheduledStop;
      const arrivalMs = Math.round(forecasted.publishedMs[i] as number);
      const prediction: StopPrediction = {
        stopSequence: stop.stopSequence,
        stopId: stop.stopId,
        arrivalMs,
        uncertaintyS: model.uncertaintyS(forecasted.phase, (arrivalMs - nowMs) / 1000),
        scheduledArrivalMs: instanceMs(instance, stop.arrivalS),
      };
      if (index < stops.length - 1) {
        const held =
          holdAtTimepoints && stop.timepoint
            ? Math.max(arrivalMs, instanceMs(instance, stop.departureS))
            : arrivalMs;
        prediction.departureMs = Math.round(held);
        prediction.scheduledDepartureMs = instanceMs(instance, stop.departureS);
      }
      predictions.push(prediction);
    });
    const result: TripPredictionResult = {
      tripId: instance.trip.tripId,
      routeId: instance.trip.routeId,
      startDate: instance.startDate,
      vehicleId: state.id,
      generatedAtMs: nowMs,
      isNextTrip,
      currentDelayS: Math.round(delayS),
      stops: predictions,
    };
    if (instance.trip.directionId !== undefined) result.directionId = instance.trip.directionId;
    if (instance.startTime !== undefined) result.startTime = instance.startTime;
    return result;
  }

  function rememberForLearning(state: VehicleState, key: string, forecasted: Forecast, nowMs: number): void {
    for (const target of LEARNING_HORIZONS_S) {
      let best = -1;
      let bestGap = Infinity;
      forecasted.publishedMs.forEach((published, i) => {
        const gap = Math.abs((published - nowMs) / 1000 - target);
        if (gap < bestGap) {
          best = i;
          bestGap = gap;
        }
      });
      if (best < 0 || bestGap > target / 2) continue;
      state.pending.push({
        phase: forecasted.phase,
        key,
        stopIndex: forecasted.indices[best] as number,
        issuedMs: nowMs,
        learnedMs: forecasted.learnedMs[best] as number,
        naiveMs: forecasted.naiveMs[best] as number,
        publishedMs: forecasted.publishedMs[best] as number,
      });
    }
    // Bounded memory: outcomes never resolved (trip abandoned) age out.
    if (state.pending.length > 400) state.pending.splice(0, state.pending.length - 400);
  }

  function matchedPosition(
    state: VehicleState,
    hypothesis: Hypothesis,
    ping: VehiclePing,
    given: boolean,
  ): MatchedPosition {
    const { instance, progress } = hypothesis;
    const stops = instance.trip.stops;
    const distM = progress.distM;
    const passed = Math.max(0, progress.passedIndex);
    const passedStop = stops[passed] as ScheduledStop;
    const nextStop = (stops[Math.min(passed + 1, stops.length - 1)] as ScheduledStop) ?? passedStop;
    let status: VehicleStopStatus = 'IN_TRANSIT_TO';
    let stop = nextStop;
    if (distM - passedStop.distM < 25 && (ping.speedMps ?? 0) < 1.5) {
      status = 'STOPPED_AT';
      stop = passedStop;
    } else if (progress.passedIndex < 0 || nextStop.distM - distM < 100) {
      status = progress.passedIndex < 0 ? 'IN_TRANSIT_TO' : 'INCOMING_AT';
      if (progress.passedIndex < 0) stop = stops[0] as ScheduledStop;
    }
    const matched: MatchedPosition = {
      vehicleId: state.id,
      timestampMs: ping.timestampMs,
      lat: ping.lat,
      lon: ping.lon,
      tripId: instance.trip.tripId,
      routeId: instance.trip.routeId,
      startDate: instance.startDate,
      shapeDistM: Math.round(distM * 10) / 10,
      offShapeM: Math.round(hypothesis.offM * 10) / 10,
      stopSequence: stop.stopSequence,
      stopId: stop.stopId,
      status,
      scheduleDeviationS: Math.round(deviationS(instance, ping.timestampMs, distM)),
      assignment: given ? 'given' : 'inferred',
      confidence: given ? 1 : confidenceOf(state, hypothesis, ping.timestampMs),
    };
    if (ping.bearingDeg !== undefined) matched.bearingDeg = ping.bearingDeg;
    if (ping.speedMps !== undefined) matched.speedMps = ping.speedMps;
    if (instance.trip.directionId !== undefined) matched.directionId = instance.trip.directionId;
    if (instance.startTime !== undefined) matched.startTime = instance.startTime;
    return matched;
  }

  /** Softmax share of the chosen hypothesis among those followed. */
  function confidenceOf(state: VehicleState, hypothesis: Hypothesis, atMs: number): number {
    const chosenCost = effectiveCost(state, hypothesis, atMs);
    let total = 0;
    for (const other of state.hypotheses)
      total += Math.exp(-2 * (effectiveCost(state, other, atMs) - chosenCost));
    return Math.round((1 / Math.max(1, total)) * 100) / 100;
  }

  function givenInstance(ping: VehiclePing): TripInstance | undefined {
    if (ping.tripId === undefined || !network.trips.has(ping.tripId)) return undefined;
    if (ping.startDate !== undefined && /^\d{8}$/.test(ping.startDate)) {
      return network.instance(ping.tripId, ping.startDate, ping.startTime);
    }
    return network.instanceAt(ping.tripId, ping.timestampMs);
  }

  function observe(ping: VehiclePing): TrackerUpdate {
    let state = states.get(ping.vehicleId);
    if (state && ping.timestampMs <= state.lastPing.timestampMs) return { matched: null, predictions: [] };
    const elapsedS = state ? (ping.timestampMs - state.lastPing.timestampMs) / 1000 : 0;
    if (!state) {
      state = {
        id: ping.vehicleId,
        lastPing: ping,
        hypotheses: [],
        chosen: undefined,
        matched: null,
        predictions: [],
        pending: [],
        lastPendingMs: -Infinity,
        pings: 0,
        done: [],
      };
      states.set(ping.vehicleId, state);
    }
    state.pings++;
    const given = givenInstance(ping);
    let reachedByChosen: number[] = [];
    if (given) {
      const key = instanceKey(given);
      let hypothesis = state.chosen?.key === key ? state.chosen : undefined;
      if (!hypothesis) {
        const previous = state.chosen;
        const shape = given.trip.shape;
        const projection = project(shape, ping.lat, ping.lon, 0, previous ? LAYOVER_ZONE_M : Infinity);
        hypothesis = newHypothesis(given, projection, ping, { geo: 0, dev: 0 });
        if (previous && network.nextInBlock(previous.instance)?.trip === given.trip) {
          hypothesis.readySinceMs = previous.progress.atMs;
        }
        state.hypotheses = [hypothesis];
        setChosen(state, hypothesis, ping.timestampMs);
      } else {
        reachedByChosen = advance(hypothesis, ping, elapsedS);
        claims.set(key, { vehicleId: state.id, atMs: ping.timestampMs, cost: 0 });
      }
    } else {
      const reachedBy = new Map<Hypothesis, number[]>();
      for (const hypothesis of state.hypotheses)
        reachedBy.set(hypothesis, advance(hypothesis, ping, elapsedS));
      // Trips that ended are replaced by what the vehicle does next.
      const chosen = state.chosen;
      if (chosen && finished(chosen)) {
        const next = successor(state, chosen.instance, chosen.progress.atMs);
        if (next) {
          const nextKey = instanceKey(next);
          let successorHypothesis = state.hypotheses.find((hypothesis) => hypothesis.key === nextKey);
          if (!successorHypothesis) {
            const projection = project(next.trip.shape, ping.lat, ping.lon, 0, LAYOVER_ZONE_M);
            successorHypothesis = newHypothesis(next, projection, ping, {
              geo: Math.min(chosen.geoCost, 1),
              dev: Math.min(chosen.devCost, 1),
            });
            state.hypotheses.push(successorHypothesis);
          }
          successorHypothesis.inherited = true;
          successorHypothesis.readySinceMs = chosen.progress.atMs;
        }
      }
      for (const hypothesis of state.hypotheses) {
        if (!finished(hypothesis)) continue;
        state.done.push(hypothesis.key);
        if (state.done.length > 20) state.done.shift();
      }
      state.hypotheses = state.hypotheses.filter((hypothesis) => !finished(hypothesis));
      const current = state.chosen && state.hypotheses.includes(state.chosen) ? state.chosen : undefined;
      const needsSearch =
        !current ||
        current.lastCost > 4 ||
        current.offM > maxOffShapeM ||
        state.pings % 10 === 0 ||
        state.hypotheses.length < 2;
      if (needsSearch) discover(state, ping);
      state.hypotheses = state.hypotheses.filter((hypothesis) => hypothesis.offM <= 3 * maxOffShapeM);
      choose(state, ping.timestampMs);
      reachedByChosen = state.chosen ? (reachedBy.get(state.chosen) ?? []) : [];
    }
    state.lastPing = ping;

    const hypothesis = state.chosen;
    // A vehicle already on a trip keeps it through a detour; a newcomer must be near its shape.
    if (!hypothesis || (hypothesis.pings <= 1 && hypothesis.offM > maxOffShapeM)) {
      state.matched = null;
      state.predictions = [];
      return { matched: null, predictions: [] };
    }
    learnFromStops(hypothesis, reachedByChosen, ping.timestampMs);
    if (!hypothesis.learnedDeparture && Number.isFinite(hypothesis.progress.departedFirstMs)) {
      hypothesis.learnedDeparture = true;
      learnDeparture(hypothesis);
    }
    resolvePending(state, hypothesis, reachedByChosen);

    const matched = matchedPosition(state, hypothesis, ping, given !== undefined);
    const nowMs = ping.timestampMs;
    const predictions: TripPredictionResult[] = [];
    const learnNow = nowMs - state.lastPendingMs >= PENDING_EVERY_MS;
    let endMs = nowMs;
    if (!finished(hypothesis)) {
      const forecasted = forecast(
        hypothesis.instance,
        hypothesis.progress.distM,
        hypothesis.progress.passedIndex,
        nowMs,
        nowMs,
        matched.scheduleDeviationS,
        false,
      );
      predictions.push(
        toResult(state, hypothesis.instance, forecasted, nowMs, matched.scheduleDeviationS, false),
      );
      if (learnNow) rememberForLearning(state, hypothesis.key, forecasted, nowMs);
      endMs = forecasted.endMs;
    }
    if (endMs - nowMs <= nextTripWithinS * 1000) {
      const next = given
        ? network.nextInBlock(hypothesis.instance)
        : successor(state, hypothesis.instance, Math.max(endMs, nowMs));
      if (next) {
        const first = next.trip.stops[0] as ScheduledStop;
        const readyMs = endMs + (finished(hypothesis) ? 0 : model.turnaroundS() * 1000);
        const scheduledStartMs = instanceMs(next, first.departureS);
        const leaveMs = Math.max(readyMs, scheduledStartMs + model.departureLagS() * 1000);
        const forecasted = forecast(next, first.distM, 0, leaveMs, nowMs, matched.scheduleDeviationS, true);
        forecasted.departureMs = leaveMs;
        predictions.push(toResult(state, next, forecasted, nowMs, matched.scheduleDeviationS, true));
        if (learnNow) rememberForLearning(state, instanceKey(next), forecasted, nowMs);
      }
    }
    if (learnNow) state.lastPendingMs = nowMs;
    state.matched = matched;
    state.predictions = predictions;
    return { matched, predictions };
  }

  /** At the last stop, or near it and gone off the shape (into the terminal's layover area). */
  function finished(hypothesis: Hypothesis): boolean {
    const stops = hypothesis.instance.trip.stops;
    const remainingM = (stops[stops.length - 1] as ScheduledStop).distM - hypothesis.progress.distM;
    return (
      remainingM <= FINISH_MARGIN_M || (remainingM < 500 && hypothesis.offM > 60 && hypothesis.pings > 2)
    );
  }

  const snapshot = (state: VehicleState): VehicleSnapshot => ({
    vehicleId: state.id,
    lastPing: state.lastPing,
    matched: state.matched,
    predictions: state.predictions,
  });

  return {
    observe,
    vehicles: () => [...states.values()].map(snapshot),
    vehicle(id) {
      const state = states.get(id);
      return state ? snapshot(state) : undefined;
    },
    expire(nowMs) {
      const dropped: string[] = [];
      for (const [id, state] of states) {
        if (nowMs - state.lastPing.timestampMs <= silenceMs) continue;
        setChosen(state, undefined, nowMs);
        states.delete(id);
        dropped.push(id);
      }
      return dropped;
    },
    exportLearning: () => model.export(),
    importLearning(state) {
      model.import(state);
    },
  };
}
