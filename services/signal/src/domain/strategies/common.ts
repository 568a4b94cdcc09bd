import { intergreenS, type ModelIndex, stageMaxGreenS, stageMinGreenS } from '../model.js';
import type {
  Explanation,
  IntersectionObservation,
  MovementObservation,
  StageDecision,
  StageScore,
} from '../strategy.js';

export function holdDecision(explanation: Explanation): StageDecision {
  return { kind: 'hold', explanation };
}

export function switchDecision(toStageId: string, explanation: Explanation): StageDecision {
  return { kind: 'switch', toStageId, explanation };
}

export const SATURATION_FLOW_PER_LANE_VEH_PER_H = 1800;

/**
 * The demand of every signal group, as movements. When the observation has no movement detail,
 * each approach's figures are given to every group of that approach (the best available guess).
 */
export function movementsOf(
  index: ModelIndex,
  observation: IntersectionObservation,
): Map<string, MovementObservation> {
  const movements = new Map<string, MovementObservation>();
  if (observation.movements && observation.movements.length > 0) {
    for (const movement of observation.movements) movements.set(movement.signalGroupId, movement);
    return movements;
  }
  // A group released on several approaches (e.g. north and south through) sums their figures.
  for (const approach of observation.approaches) {
    const model = index.approachById.get(approach.approachId);
    if (!model) continue;
    const flow = observation.recentFlowsVehPerH?.[approach.approachId];
    for (const groupId of model.signalGroupIds) {
      const movement = movements.get(groupId) ?? {
        signalGroupId: groupId,
        queueVeh: 0,
        downstreamQueueVeh: 0,
        saturationFlowVehPerH: 0,
      };
      movement.queueVeh += approach.queueVeh;
      movement.downstreamQueueVeh += approach.downstreamQueueVeh ?? 0;
      movement.saturationFlowVehPerH =
        (movement.saturationFlowVehPerH ?? 0) + SATURATION_FLOW_PER_LANE_VEH_PER_H * model.lanes;
      if (approach.approachingVeh !== undefined)
        movement.approachingVeh = (movement.approachingVeh ?? 0) + approach.approachingVeh;
      if (approach.downstreamSpaceVeh !== undefined) {
        movement.downstreamSpaceVeh = Math.min(
          movement.downstreamSpaceVeh ?? Number.POSITIVE_INFINITY,
          approach.downstreamSpaceVeh,
        );
      }
      if (flow !== undefined) movement.flowVehPerH = (movement.flowVehPerH ?? 0) + flow;
      if (approach.occupancy !== undefined) {
        movement.upstreamOccupancy = Math.max(movement.upstreamOccupancy ?? 0, approach.occupancy);
      }
      movements.set(groupId, movement);
    }
  }
  return movements;
}

export function stageIds(index: ModelIndex): string[] {
  return index.model.stages.map((stage) => stage.id);
}

/** Scores sorted best first, ties broken by stage order so decisions are deterministic. */
export function ranked(scores: StageScore[]): StageScore[] {
  return [...scores].sort((a, b) => b.score - a.score);
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function describeScores(scores: readonly StageScore[]): string {
  return scores.map((score) => `${score.stageId}=${round1(score.score)}`).join(', ');
}

/** True when the guard would accept a change now: green, past min green. */
export function mayChange(index: ModelIndex, observation: IntersectionObservation): boolean {
  return (
    !observation.inTransition &&
    observation.stageElapsedS >= stageMinGreenS(index, observation.currentStageId)
  );
}

export function reachedMaxGreen(
  index: ModelIndex,
  observation: IntersectionObservation,
  fallbackS: number,
): boolean {
  const max = stageMaxGreenS(index, observation.currentStageId) ?? fallbackS;
  return observation.stageElapsedS >= max;
}

/** Seconds lost to a change: yellow + all-red plus start-up lost time of the new stage. */
export function switchLossS(
  index: ModelIndex,
  fromStageId: string,
  toStageId: string,
  startupLossS = 2,
): number {
  const { yellowS, allRedS } = intergreenS(index, fromStageId, toStageId);
  return yellowS + allRedS + (yellowS + allRedS > 0 ? startupLossS : 0);
}
