/**
 * Conditional transit signal priority (TSP). Pure: no I/O, times in seconds or milliseconds as named.
 *
 * Only a LATE bus gets priority (conditional TSP: an on-time bus gains nothing worth the cost to
 * everyone else), only when it is close to the junction and heading into it, and only in bounded
 * amounts: a green extension of at most `maxExtensionS` when its green would end before it
 * arrives, or an early green that cuts the running stage short by at most `maxEarlyGreenS` when it
 * would arrive on red. At most `maxGrantsPerCycle` grants per cycle and a cooldown between grants
 * keep cross traffic from being starved by a stream of buses. The controller sends the resulting
 * hold/switch through the safety guard like any other decision, so minimum greens, yellow and
 * all-red are never cut.
 */
import { haversineMetres } from '@mobility/runtime/util';
import type { ExplainedFactor } from './detector-health.js';
import type { IntersectionModel } from './model.js';

export interface PriorityOptions {
  /** Schedule deviation above which a bus counts as late, seconds. */
  lateThresholdS: number;
  /** Only buses this close to the junction centre request priority. */
  maxDistanceM: number;
  /** Buses closer than this are in the junction already: too late to help. */
  minDistanceM: number;
  /** Largest angle between the bus heading and an approach's direction of travel. */
  bearingToleranceDeg: number;
  /** Longest green extension. */
  maxExtensionS: number;
  /** Longest cut of a running stage for an early green. */
  maxEarlyGreenS: number;
  /** Grants per intersection per cycle. */
  maxGrantsPerCycle: number;
  /** Minimum time between two grants at one intersection. */
  cooldownS: number;
  /** Assumed speed when the ping has none (urban bus cruising speed). */
  defaultSpeedMps: number;
  /** Time after the estimated arrival the bus is given to clear the stop line. */
  clearanceMarginS: number;
  /** Saturation flow per lane, veh/s, for vehicles held back by an early green (1800 veh/h). */
  saturationVehPerSPerLane: number;
}

export const DEFAULT_PRIORITY: PriorityOptions = {
  lateThresholdS: 120,
  maxDistanceM: 300,
  minDistanceM: 10,
  bearingToleranceDeg: 45,
  maxExtensionS: 15,
  maxEarlyGreenS: 15,
  maxGrantsPerCycle: 1,
  cooldownS: 120,
  defaultSpeedMps: 8,
  clearanceMarginS: 2,
  saturationVehPerSPerLane: 0.5,
};

/** A matched bus position, reduced to what priority needs. */
export interface BusPosition {
  vehicleId: string;
  tripId: string;
  routeId: string;
  lat: number;
  lon: number;
  bearingDeg?: number;
  speedMps?: number;
  /** Positive = late. */
  scheduleDeviationS: number;
}

export interface ApproachMatch {
  approachId: string;
  distanceM: number;
  etaS: number;
  /** Angle between the bus heading and the approach's direction of travel. */
  headingDifferenceDeg: number;
}

/** Initial great-circle bearing from a to b, degrees clockwise from north. */
export function bearingDeg(from: { lat: number; lon: number }, to: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const phi1 = from.lat * rad;
  const phi2 = to.lat * rad;
  const dLon = (to.lon - from.lon) * rad;
  const y = Math.sin(dLon) * Math.cos(phi2);
  const x = Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(dLon);
  return (((Math.atan2(y, x) / rad) % 360) + 360) % 360;
}

export function angleBetweenDeg(a: number, b: number): number {
  const difference = Math.abs((((a - b) % 360) + 360) % 360);
  return difference > 180 ? 360 - difference : difference;
}

/**
 * The approach a bus is on, if it is within reach and heading into the junction: its heading (or,
 * without one, the direction towards the junction) must point at the junction and match the
 * approach's direction of travel. Undefined when the bus is elsewhere or moving away.
 */
export function matchApproach(
  model: IntersectionModel,
  bus: BusPosition,
  options: PriorityOptions = DEFAULT_PRIORITY,
): ApproachMatch | undefined {
  if (!model.location) return undefined;
  const distanceM = haversineMetres(bus.lat, bus.lon, model.location.lat, model.location.lon);
  if (distanceM > options.maxDistanceM || distanceM < options.minDistanceM) return undefined;
  const towardJunction = bearingDeg(bus, model.location);
  const heading = bus.bearingDeg ?? towardJunction;
  // Moving away from (or past) the junction: its heading does not point at it.
  if (angleBetweenDeg(heading, towardJunction) > 90) return undefined;
  let best: ApproachMatch | undefined;
  for (const approach of model.approaches) {
    if (approach.bearingDeg === undefined) continue;
    const difference = angleBetweenDeg(heading, approach.bearingDeg);
    if (difference > options.bearingToleranceDeg) continue;
    if (best && best.headingDifferenceDeg <= difference) continue;
    const speed = bus.speedMps !== undefined && bus.speedMps > 1 ? bus.speedMps : options.defaultSpeedMps;
    best = { approachId: approach.id, distanceM, etaS: distanceM / speed, headingDifferenceDeg: difference };
  }
  return best;
}

/** The live situation the priority decision is taken in. */
export interface PrioritySituation {
  nowS: number;
  /** Stage green now, or the stage being left during a change. */
  currentStageId: string;
  phase: 'green' | 'yellow' | 'all-red';
  nextStageId?: string;
  /** Seconds the current stage has been green (0 during a change). */
  stageElapsedS: number;
  /** The current stage's minimum green (the guard would refuse to end it earlier). */
  currentMinGreenS: number;
  /** The current stage's maximum green, when declared. */
  currentMaxGreenS?: number;
  /** What the strategy wants this tick. */
  strategyWantsSwitch: boolean;
  /** Stages that serve the bus's approach. */
  busStageIds: readonly string[];
  /** Planned green per stage (the configured plan) and the cycle, for the estimates. */
  plannedGreenS: Readonly<Record<string, number>>;
  cycleS: number;
  /** Intergreen (yellow + all-red) of a change into the bus's stage. */
  intergreenS: number;
  /** Live estimates per approach and the approaches each stage serves. */
  approaches: readonly { approachId: string; queueVeh: number; arrivalRateVehPerS: number; lanes: number }[];
  approachesByStage: ReadonlyMap<string, readonly string[]>;
  /** Grants at this intersection so far, most recent last (seconds). */
  recentGrantsS: readonly number[];
}

export interface PriorityRequestState {
  approachId: string;
  /** Estimated arrival at the stop line, on the controller clock (seconds). */
  arrivalS: number;
  lateS: number;
}

export interface PriorityExplanation {
  summary: string;
  factors: ExplainedFactor[];
}

export type PriorityDecision =
  | { kind: 'none'; reason: string }
  | {
      kind: 'green-extension';
      /** Hold the bus's stage green until this time. */
      holdUntilS: number;
      adjustmentS: number;
      stageId: string;
      timeSavedS: number;
      crossDelayVehS: number;
      explanation: PriorityExplanation;
    }
  | {
      kind: 'early-green';
      /** Switch to this stage now. */
      stageId: string;
      adjustmentS: number;
      timeSavedS: number;
      crossDelayVehS: number;
      explanation: PriorityExplanation;
    };

const none = (reason: string): PriorityDecision => ({ kind: 'none', reason });

/** Whether a bus is late enough to ask at all; the first gate, before any geometry. */
export function isLate(scheduleDeviationS: number, options: PriorityOptions = DEFAULT_PRIORITY): boolean {
  return scheduleDeviationS > options.lateThresholdS;
}

/**
 * Decides whether a pending request is served this tick, and how. "none" leaves the request
 * pending (e.g. the bus's green is not about to end yet); the caller drops it once the bus is past.
 */
export function decidePriority(
  request: PriorityRequestState,
  situation: PrioritySituation,
  options: PriorityOptions = DEFAULT_PRIORITY,
): PriorityDecision {
  const { nowS } = situation;
  const untilArrivalS = request.arrivalS - nowS;
  if (untilArrivalS < -options.clearanceMarginS) return none('the bus has passed');
  const sinceLast = situation.recentGrantsS.at(-1);
  if (sinceLast !== undefined && nowS - sinceLast < options.cooldownS) {
    return none(`cooldown: last grant ${(nowS - sinceLast).toFixed(0)} s ago, ${options.cooldownS} s needed`);
  }
  const inCycle = situation.recentGrantsS.filter((t) => nowS - t < situation.cycleS).length;
  if (inCycle >= options.maxGrantsPerCycle) return none(`${inCycle} grants in the last cycle already`);
  if (situation.phase !== 'green') return none('the signal is changing; decide at the next green');

  const busStages = new Set(situation.busStageIds);
  const served = (stageId: string) => new Set(situation.approachesByStage.get(stageId) ?? []);
  const lateFactor: ExplainedFactor = {
    name: 'schedule_deviation_s',
    value: request.lateS,
    unit: 's',
    comparison: '>',
    threshold: options.lateThresholdS,
    satisfied: request.lateS > options.lateThresholdS,
  };
  const grantsFactor: ExplainedFactor = {
    name: 'grants_in_cycle',
    value: inCycle,
    unit: 'grants',
    comparison: '<',
    threshold: options.maxGrantsPerCycle,
    satisfied: true,
  };

  if (busStages.has(situation.currentStageId)) {
    // The bus's green is running. Only act if the strategy is about to end it before the bus is through.
    if (!situation.strategyWantsSwitch) return none('the bus stage stays green anyway');
    const neededS = Math.max(0, untilArrivalS) + options.clearanceMarginS;
    if (neededS > options.maxExtensionS) {
      return none(
        `the bus needs ${neededS.toFixed(0)} s more green, above the ${options.maxExtensionS} s bound`,
      );
    }
    if (
      situation.currentMaxGreenS !== undefined &&
      situation.stageElapsedS + neededS > situation.currentMaxGreenS
    ) {
      return none('an extension would exceed the stage maximum green');
    }
    const greenApproaches = served(situation.currentStageId);
    // Each vehicle waiting on a red approach waits the extension longer; arrivals during it wait on average half.
    const crossDelayVehS = situation.approaches
      .filter((a) => !greenApproaches.has(a.approachId))
      .reduce((sum, a) => sum + a.queueVeh * neededS + (a.arrivalRateVehPerS * neededS * neededS) / 2, 0);
    // Without it the bus would stop and wait the rest of the cycle for its next green.
    const plannedGreen = situation.plannedGreenS[situation.currentStageId] ?? 0;
    const timeSavedS = Math.max(0, situation.cycleS - plannedGreen - neededS);
    return {
      kind: 'green-extension',
      holdUntilS: nowS + neededS,
      adjustmentS: neededS,
      stageId: situation.currentStageId,
      timeSavedS,
      crossDelayVehS,
      explanation: {
        summary: `late bus (${request.lateS} s) arrives in ${Math.max(0, untilArrivalS).toFixed(0)} s: green extended ${neededS.toFixed(0)} s instead of ending now`,
        factors: [
          lateFactor,
          {
            name: 'extension_s',
            value: neededS,
            unit: 's',
            comparison: '<=',
            threshold: options.maxExtensionS,
            satisfied: true,
          },
          grantsFactor,
          { name: 'estimated_time_saved_s', value: timeSavedS, unit: 's' },
          { name: 'estimated_cross_delay_veh_s', value: crossDelayVehS, unit: 'veh*s' },
        ],
      },
    };
  }

  // The bus faces red. Cut the running stage short if that brings its green forward usefully.
  const bestStage = [...busStages][0];
  if (bestStage === undefined) return none('no stage serves the bus approach');
  if (situation.stageElapsedS < situation.currentMinGreenS) {
    return none('the running stage has not had its minimum green yet');
  }
  const plannedCurrent = situation.plannedGreenS[situation.currentStageId] ?? situation.currentMinGreenS;
  const remainingS = Math.max(0, plannedCurrent - situation.stageElapsedS);
  const cutS = Math.min(remainingS, options.maxEarlyGreenS);
  if (cutS < 1) return none('the running stage ends by itself now');
  const plannedStartS = nowS + remainingS + situation.intergreenS;
  // The bus only gains if it would otherwise reach the stop line before its planned green.
  const timeSavedS = Math.min(cutS, Math.max(0, plannedStartS - request.arrivalS));
  if (timeSavedS < 1) return none('the bus arrives after its green would start anyway');
  const cutApproaches = served(situation.currentStageId);
  const redWaitS = Math.max(0, situation.cycleS - plannedCurrent);
  // Vehicles that would have crossed in the cut seconds now wait for the stage's next green.
  const crossDelayVehS = situation.approaches
    .filter((a) => cutApproaches.has(a.approachId))
    .reduce((sum, a) => {
      const wouldCross = Math.min(
        a.queueVeh + a.arrivalRateVehPerS * cutS,
        options.saturationVehPerSPerLane * a.lanes * cutS,
      );
      return sum + wouldCross * redWaitS;
    }, 0);
  return {
    kind: 'early-green',
    stageId: bestStage,
    adjustmentS: cutS,
    timeSavedS,
    crossDelayVehS,
    explanation: {
      summary: `late bus (${request.lateS} s) faces red: stage ${situation.currentStageId} cut ${cutS.toFixed(0)} s short so stage ${bestStage} starts early`,
      factors: [
        lateFactor,
        {
          name: 'early_green_s',
          value: cutS,
          unit: 's',
          comparison: '<=',
          threshold: options.maxEarlyGreenS,
          satisfied: true,
        },
        grantsFactor,
        { name: 'estimated_time_saved_s', value: timeSavedS, unit: 's' },
        { name: 'estimated_cross_delay_veh_s', value: crossDelayVehS, unit: 'veh*s' },
      ],
    },
  };
}
