import {
  type IntersectionModel,
  indexModel,
  intergreenS,
  type ModelIndex,
  type TimingPlan,
} from '../model.js';
import type { IntersectionObservation, StageDecision, Strategy } from '../strategy.js';
import { holdDecision, switchDecision } from './common.js';

interface ScheduledStage {
  stageId: string;
  /** Cycle second at which the stage is asked for (its change interval starts here). */
  requestAtS: number;
  /** Cycle second at which its green is due to end. */
  greenEndS: number;
}

/**
 * A fixed-time schedule: stages in plan order, each asked for when the previous one's green ends,
 * so the change interval between them belongs to the cycle. Positions are relative to the plan
 * offset, which keeps coordinated neighbours in step.
 */
export function planSchedule(
  index: ModelIndex,
  plan: TimingPlan,
): { schedule: ScheduledStage[]; cycleS: number } {
  const schedule: ScheduledStage[] = [];
  let at = 0;
  plan.splits.forEach((split, position) => {
    const previous = plan.splits[(position + plan.splits.length - 1) % plan.splits.length];
    const change = previous
      ? intergreenS(index, previous.stageId, split.stageId)
      : { yellowS: 0, allRedS: 0 };
    const requestAtS = at;
    at += change.yellowS + change.allRedS + split.greenS;
    schedule.push({ stageId: split.stageId, requestAtS, greenEndS: at });
  });
  // A configured cycle longer than the splits leaves slack at the end of the last green.
  const cycleS = Math.max(plan.cycleS, at);
  const last = schedule[schedule.length - 1];
  if (last) last.greenEndS = cycleS;
  return { schedule, cycleS };
}

export function decideFromSchedule(
  schedule: readonly ScheduledStage[],
  cycleS: number,
  offsetS: number,
  observation: IntersectionObservation,
  label: string,
): StageDecision {
  const position = (((observation.nowS - offsetS) % cycleS) + cycleS) % cycleS;
  const due =
    schedule.find((entry) => position >= entry.requestAtS && position < entry.greenEndS) ?? schedule[0];
  const scores = schedule.map((entry) => ({
    stageId: entry.stageId,
    score: entry === due ? Math.max(0, entry.greenEndS - position) : 0,
  }));
  const explanation = (summary: string) => ({ summary, measure: 'scheduled time left (s)', scores });
  if (!due) return holdDecision(explanation(`${label}: empty plan`));
  if (observation.inTransition || due.stageId === observation.currentStageId) {
    return holdDecision(
      explanation(`${label}: cycle second ${Math.floor(position)} of ${cycleS} belongs to ${due.stageId}`),
    );
  }
  return switchDecision(
    due.stageId,
    explanation(`${label}: cycle second ${Math.floor(position)} of ${cycleS} starts ${due.stageId}`),
  );
}

export function createFixedTimeStrategy(model: IntersectionModel): Strategy {
  const index = indexModel(model);
  const { schedule, cycleS } = planSchedule(index, model.plan);
  return {
    name: 'fixed',
    decide: (observation) =>
      decideFromSchedule(schedule, cycleS, model.plan.offsetS, observation, 'fixed-time plan'),
  };
}
