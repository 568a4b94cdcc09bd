import type { IntersectionModel } from './model.js';
import { type AdaptiveOptions, createAdaptiveStrategy } from './strategies/adaptive.js';
import { createFixedTimeStrategy } from './strategies/fixed.js';
import { createMaxPressureStrategy, type MaxPressureOptions } from './strategies/max-pressure.js';
import { createWebsterStrategy, type WebsterOptions } from './strategies/webster.js';

/**
 * What a control strategy sees each tick. Strategies are pure: same observation, same decision
 * (apart from their own remembered state, e.g. Webster's current plan).
 */

export type StrategyName = 'fixed' | 'webster' | 'max-pressure' | 'adaptive';
export const STRATEGY_NAMES: readonly StrategyName[] = ['fixed', 'webster', 'max-pressure', 'adaptive'];

export interface ApproachObservation {
  approachId: string;
  /** Stopped vehicles over the whole approach (all lanes, the full approach length). */
  queueVeh: number;
  /** Recent arrival rate at the approach (smoothed). */
  arrivalRateVehPerS: number;
  /** Moving vehicles on the approach that will reach the stop line soon (advance detection). */
  approachingVeh?: number;
  /** Vehicles that left upstream junctions towards this approach and have not arrived yet. */
  upstreamDeparturesVeh?: number;
  /** Stopped vehicles on the links this approach feeds (averaged over them). */
  downstreamQueueVeh?: number;
  /** Free storage left on the links this approach feeds, in vehicles (spillback when near 0). */
  downstreamSpaceVeh?: number;
  /** Share (0-1) of the approach's storage occupied: near 1 the queue is about to spill upstream. */
  occupancy?: number;
}

/**
 * Movement-level detail (one signal group) when the detectors allow it: max-pressure and the
 * adaptive controller prefer it over approach totals, because an approach feeding a protected
 * left and a through movement must not count its whole queue for both.
 */
export interface MovementObservation {
  signalGroupId: string;
  queueVeh: number;
  approachingVeh?: number;
  downstreamQueueVeh: number;
  downstreamSpaceVeh?: number;
  /** Arrival flow of the movement, for Webster. */
  flowVehPerH?: number;
  /** Saturation flow of the movement (all its lanes), veh/h; 1800 per lane when absent. */
  saturationFlowVehPerH?: number;
  /** Share (0-1) of the movement's approach storage occupied (see ApproachObservation.occupancy). */
  upstreamOccupancy?: number;
}

export interface PriorityRequest {
  approachId: string;
  etaS: number;
  lateS: number;
}

export interface IntersectionObservation {
  nowS: number;
  currentStageId: string;
  /** Seconds since the current stage turned green (0 while changing). */
  stageElapsedS: number;
  /** True while the safety guard shows yellow or all-red: strategies cannot change anything then. */
  inTransition: boolean;
  approaches: ApproachObservation[];
  movements?: MovementObservation[];
  /** Recent flow per approach, veh/h, for Webster. */
  recentFlowsVehPerH?: Record<string, number>;
  priorityRequests?: PriorityRequest[];
}

export interface StageScore {
  stageId: string;
  score: number;
}

/** Why a strategy decided what it did: a sentence plus the numbers it compared. */
export interface Explanation {
  summary: string;
  /** What the scores measure, e.g. 'pressure (veh)' or 'scheduled green left (s)'. */
  measure: string;
  scores: StageScore[];
}

export interface StageDecision {
  kind: 'hold' | 'switch';
  toStageId?: string;
  explanation: Explanation;
}

export interface Strategy {
  readonly name: StrategyName;
  decide(observation: IntersectionObservation): StageDecision;
}

export interface StrategyOptions {
  webster?: Partial<WebsterOptions>;
  maxPressure?: Partial<MaxPressureOptions>;
  adaptive?: Partial<AdaptiveOptions>;
}

export function createStrategy(
  name: StrategyName,
  model: IntersectionModel,
  options: StrategyOptions = {},
): Strategy {
  switch (name) {
    case 'fixed':
      return createFixedTimeStrategy(model);
    case 'webster':
      return createWebsterStrategy(model, options.webster);
    case 'max-pressure':
      return createMaxPressureStrategy(model, options.maxPressure);
    case 'adaptive':
      return createAdaptiveStrategy(model, options.adaptive);
  }
}

export function isStrategyName(value: string): value is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(value);
}
