import { type IntersectionModel, indexModel } from '../model.js';
import type { IntersectionObservation, MovementObservation, Strategy } from '../strategy.js';
import {
  describeScores,
  holdDecision,
  mayChange,
  movementsOf,
  ranked,
  reachedMaxGreen,
  round1,
  switchDecision,
  switchLossS,
} from './common.js';

export interface AdaptiveOptions {
  /** Weight of vehicles still moving towards the stop line (arrival look-ahead). */
  lookAheadWeight: number;
  /** Weight of the downstream queue subtracted from a movement's demand (pressure). */
  downstreamWeight: number;
  /** Free downstream storage (veh) below which a movement counts as blocked (spillback). */
  spillbackSpaceVeh: number;
  /** Extra demand (veh) another stage needs per second of switching loss before we change. */
  switchMarginVehPerLossS: number;
  /** Fixed part of the switching margin (veh). */
  switchMarginVeh: number;
  /** Weight per minute of waiting on a stage's queued vehicles, so light approaches are not starved. */
  waitWeightPerMin: number;
  /** Longest green when the model gives no maximum (as SUMO's actuated default maxDur). */
  maxGreenS: number;
  /** Stopped vehicles (on the running stage's movements) above which its queue is still clearing. */
  clearingQueueVeh: number;
  /** While the running stage's queue clears, another stage must exceed its score by this factor. */
  clearingDominance: number;
  /** Approach occupancy above which its queue is about to spill back upstream (or off the network). */
  spillbackOccupancy: number;
  /** Extra weight on a nearly full approach's queue at 100 % occupancy (linear from the threshold). */
  spillbackBoost: number;
}

export const ADAPTIVE_DEFAULTS: AdaptiveOptions = {
  lookAheadWeight: 0.5,
  downstreamWeight: 1,
  spillbackSpaceVeh: 1,
  switchMarginVehPerLossS: 0.1,
  switchMarginVeh: 0,
  waitWeightPerMin: 0.5,
  maxGreenS: 50,
  clearingQueueVeh: 2,
  clearingDominance: 3,
  spillbackOccupancy: 0.7,
  spillbackBoost: 1,
};

/**
 * Our adaptive controller: max-pressure extended with
 * - arrival look-ahead: moving vehicles near the stop line count (partly) as demand, so a platoon
 *   about to arrive keeps or earns green;
 * - spillback protection: a movement whose exit is full adds no demand (its green would be wasted
 *   and would block the junction), and a nearly full approach weighs more before it spills back
 *   into the junction (or network entry) upstream;
 * - queue clearance: a running stage still discharging a standing queue is only interrupted by a
 *   clearly dominant stage (the start-up loss is already paid);
 * - switch-loss hysteresis: another stage must beat the running one by a margin that grows with the
 *   yellow + all-red + start-up time the change would waste;
 * - waiting-time aging, so low-volume approaches are served within bounded time;
 * - gap-out: a running stage with nothing left to serve yields at once.
 */
export function createAdaptiveStrategy(
  model: IntersectionModel,
  overrides: Partial<AdaptiveOptions> = {},
): Strategy {
  const options = { ...ADAPTIVE_DEFAULTS, ...overrides };
  const index = indexModel(model);
  const lastGreenS = new Map<string, number>();

  const movementDemand = (movement: MovementObservation | undefined): number => {
    if (!movement) return 0;
    if (movement.downstreamSpaceVeh !== undefined && movement.downstreamSpaceVeh < options.spillbackSpaceVeh)
      return 0;
    // A nearly full approach hides part of its queue upstream and soon blocks the junction (or the
    // network entry) behind it: its queue weighs more.
    const occupancy = movement.upstreamOccupancy ?? 0;
    const boost =
      occupancy > options.spillbackOccupancy
        ? 1 +
          (options.spillbackBoost * (occupancy - options.spillbackOccupancy)) /
            (1 - options.spillbackOccupancy)
        : 1;
    const demand = boost * movement.queueVeh + options.lookAheadWeight * (movement.approachingVeh ?? 0);
    return demand - options.downstreamWeight * movement.downstreamQueueVeh;
  };

  const stageScores = (observation: IntersectionObservation) => {
    const movements = movementsOf(index, observation);
    return model.stages.map((stage) => {
      let pressure = 0;
      let queued = 0;
      for (const groupId of stage.signalGroupIds) {
        const movement = movements.get(groupId);
        pressure += movementDemand(movement);
        queued += movement?.queueVeh ?? 0;
      }
      const waitingS =
        stage.id === observation.currentStageId
          ? 0
          : observation.nowS - (lastGreenS.get(stage.id) ?? observation.nowS);
      const aging = options.waitWeightPerMin * queued * (Math.min(waitingS, 180) / 60);
      return { stageId: stage.id, score: pressure + aging, served: pressure > 0 || queued > 0, queued };
    });
  };

  return {
    name: 'adaptive',
    decide(observation) {
      if (!observation.inTransition) lastGreenS.set(observation.currentStageId, observation.nowS);
      const detailed = stageScores(observation);
      const scores = detailed.map(({ stageId, score }) => ({ stageId, score }));
      const measure = 'pressure with look-ahead and waiting (veh)';
      if (!mayChange(index, observation)) {
        return holdDecision({ summary: 'min green or change interval running', measure, scores });
      }
      const current = detailed.find((score) => score.stageId === observation.currentStageId);
      const others = ranked(scores.filter((score) => score.stageId !== observation.currentStageId));
      const best = others[0];
      if (!best || !current) return holdDecision({ summary: 'single stage', measure, scores });
      const margin =
        options.switchMarginVeh +
        options.switchMarginVehPerLossS * switchLossS(index, current.stageId, best.stageId);
      if (reachedMaxGreen(index, observation, options.maxGreenS) && best.score > 0) {
        return switchDecision(best.stageId, {
          summary: `${current.stageId} reached max green; ${best.stageId} next (${describeScores(scores)})`,
          measure,
          scores,
        });
      }
      if (!current.served && best.score > 0) {
        return switchDecision(best.stageId, {
          summary: `${current.stageId} has no demand left; ${best.stageId} next (${describeScores(scores)})`,
          measure,
          scores,
        });
      }
      // Queue-clearance: while the running stage still discharges a standing queue, changing would
      // waste the start-up already paid; only a clearly dominant stage interrupts it.
      const clearing = current.queued > options.clearingQueueVeh;
      if (clearing && best.score <= options.clearingDominance * current.score + margin) {
        return holdDecision({
          summary: `${current.stageId} keeps green while its queue of ${round1(current.queued)} clears (${describeScores(scores)})`,
          measure,
          scores,
        });
      }
      if (best.score > current.score + margin) {
        return switchDecision(best.stageId, {
          summary: `${best.stageId} beats ${current.stageId} by more than the switch margin ${round1(margin)} (${describeScores(scores)})`,
          measure,
          scores,
        });
      }
      return holdDecision({
        summary: `${current.stageId} keeps green: no stage beats it by the switch margin ${round1(margin)} (${describeScores(scores)})`,
        measure,
        scores,
      });
    },
  };
}
