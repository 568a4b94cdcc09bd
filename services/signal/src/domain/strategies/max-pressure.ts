import { type IntersectionModel, indexModel } from '../model.js';
import type { Strategy } from '../strategy.js';
import { describeScores, holdDecision, mayChange, movementsOf, ranked, switchDecision } from './common.js';

export interface MaxPressureOptions {
  /** Seconds between decisions once min green has run (the classic control interval). */
  decisionIntervalS: number;
}

const DEFAULTS: MaxPressureOptions = { decisionIntervalS: 1 };

/**
 * Max-pressure (Varaiya): each decision picks the stage with the largest sum, over the movements it
 * releases, of upstream queue minus downstream queue. It keeps the current stage on a tie.
 */
export function createMaxPressureStrategy(
  model: IntersectionModel,
  overrides: Partial<MaxPressureOptions> = {},
): Strategy {
  const options = { ...DEFAULTS, ...overrides };
  const index = indexModel(model);
  let lastDecisionS = Number.NEGATIVE_INFINITY;
  return {
    name: 'max-pressure',
    decide(observation) {
      const movements = movementsOf(index, observation);
      const scores = model.stages.map((stage) => ({
        stageId: stage.id,
        score: stage.signalGroupIds.reduce((total, groupId) => {
          const movement = movements.get(groupId);
          return movement ? total + movement.queueVeh - movement.downstreamQueueVeh : total;
        }, 0),
      }));
      const measure = 'pressure: upstream minus downstream queue (veh)';
      const current = scores.find((score) => score.stageId === observation.currentStageId);
      const best = ranked(scores)[0];
      if (!mayChange(index, observation) || observation.nowS - lastDecisionS < options.decisionIntervalS) {
        return holdDecision({ summary: 'min green or change interval running', measure, scores });
      }
      lastDecisionS = observation.nowS;
      if (!best || !current || best.score <= current.score) {
        return holdDecision({
          summary: `${observation.currentStageId} keeps green: highest pressure (${describeScores(scores)})`,
          measure,
          scores,
        });
      }
      return switchDecision(best.stageId, {
        summary: `${best.stageId} has the highest pressure (${describeScores(scores)})`,
        measure,
        scores,
      });
    },
  };
}
