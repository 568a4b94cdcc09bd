import { type IntersectionModel, indexModel, stageMinGreenS, type TimingPlan } from '../model.js';
import type { Strategy } from '../strategy.js';
import { movementsOf, round1, SATURATION_FLOW_PER_LANE_VEH_PER_H, switchLossS } from './common.js';
import { decideFromSchedule, planSchedule } from './fixed.js';

export interface WebsterOptions {
  /** How often the plan is re-optimised from recent flows. */
  reoptimiseEveryS: number;
  minCycleS: number;
  maxCycleS: number;
  /** Flow ratio sum treated as saturated (Webster's formula diverges at 1). */
  maxFlowRatio: number;
}

const DEFAULTS: WebsterOptions = { reoptimiseEveryS: 300, minCycleS: 30, maxCycleS: 120, maxFlowRatio: 0.9 };

/**
 * Webster's method: cycle C = (1.5 L + 5) / (1 - Y) from the lost time L and the sum Y of each
 * stage's critical flow ratio, greens shared in proportion to the ratios. The plan is recomputed
 * every `reoptimiseEveryS` from the flows in the observation and runs as a fixed-time plan between.
 */
export function createWebsterStrategy(
  model: IntersectionModel,
  overrides: Partial<WebsterOptions> = {},
): Strategy {
  const options = { ...DEFAULTS, ...overrides };
  const index = indexModel(model);
  let plan: TimingPlan = model.plan;
  let compiled = planSchedule(index, plan);
  let nextOptimisationS: number | undefined;
  let lastReason = 'configured plan until the first flows arrive';

  return {
    name: 'webster',
    decide(observation) {
      // Replan only at a stage start so the schedule's cycle position stays consistent.
      if (nextOptimisationS === undefined) nextOptimisationS = observation.nowS + options.reoptimiseEveryS;
      if (observation.nowS >= nextOptimisationS && !observation.inTransition) {
        nextOptimisationS = observation.nowS + options.reoptimiseEveryS;
        const movements = movementsOf(index, observation);
        const stages = model.plan.splits.map((split) => split.stageId);
        const ratios = stages.map((stageId) => {
          let critical = 0;
          for (const groupId of index.stageById.get(stageId)?.signalGroupIds ?? []) {
            const movement = movements.get(groupId);
            if (!movement?.flowVehPerH) continue;
            const saturation = movement.saturationFlowVehPerH ?? SATURATION_FLOW_PER_LANE_VEH_PER_H;
            critical = Math.max(critical, movement.flowVehPerH / saturation);
          }
          return critical;
        });
        const sum = ratios.reduce((total, ratio) => total + ratio, 0);
        if (sum > 0) {
          const lostS = stages.reduce(
            (total, stageId, at) =>
              total +
              switchLossS(index, stages[(at + stages.length - 1) % stages.length] ?? stageId, stageId),
            0,
          );
          const y = Math.min(sum, options.maxFlowRatio);
          const cycle = Math.min(options.maxCycleS, Math.max(options.minCycleS, (1.5 * lostS + 5) / (1 - y)));
          const effective = Math.max(0, cycle - lostS);
          const splits = stages.map((stageId, at) => ({
            stageId,
            greenS: Math.max(
              stageMinGreenS(index, stageId),
              1,
              Math.round((effective * (ratios[at] ?? 0)) / sum),
            ),
          }));
          const cycleS = splits.reduce((total, split) => total + split.greenS, 0) + lostS;
          plan = { cycleS, offsetS: 0, splits };
          compiled = planSchedule(index, plan);
          // Place the running stage at its own elapsed green in the new cycle, so a replan never
          // cuts or repeats the stage that is on.
          const running = compiled.schedule.find((entry) => entry.stageId === observation.currentStageId);
          const runningGreen =
            splits.find((split) => split.stageId === observation.currentStageId)?.greenS ?? 0;
          const position = running
            ? Math.min(running.greenEndS - 1, running.greenEndS - runningGreen + observation.stageElapsedS)
            : 0;
          plan.offsetS = observation.nowS - position;
          lastReason = `Y=${round1(sum * 100) / 100}, L=${lostS}s gives cycle ${Math.round(cycleS)}s`;
        }
      }
      const decision = decideFromSchedule(
        compiled.schedule,
        compiled.cycleS,
        plan.offsetS,
        observation,
        'Webster plan',
      );
      decision.explanation.summary += ` (${lastReason})`;
      return decision;
    },
  };
}
