/**
 * What the live controller reports, in the service's own terms; `../mapping.ts` turns these into the
 * contract's messages. Times are epoch milliseconds on the service clock.
 */
import type { ExplainedFactor } from '../domain/detector-health.js';
import type { TimingPlan } from '../domain/model.js';
import type { StrategyName } from '../domain/strategy.js';

export type PhaseChangeCause = 'plan' | 'adaptive' | 'transit-priority' | 'override' | 'clearance';

/** A decision explained: the rule that decided, a sentence, and the numbers compared. */
export interface DecisionExplanation {
  /** lower_snake_case decision, e.g. switch_stage, hold_stage, extend_green. */
  decision: string;
  /** Strategy or policy, e.g. adaptive, fixed, conditional_tsp, operator_override. */
  strategy: string;
  summary: string;
  /** What the stage scores measure, when stages were compared. */
  measure?: string;
  scores?: { stageId: string; score: number; chosen: boolean }[];
  factors: ExplainedFactor[];
}

/** Non-empty when the inputs behind a record came from a replay run (what-if studies). */
interface ReplayStamp {
  replayRunId?: string;
}

export interface PhaseChangeRecord extends ReplayStamp {
  intersectionId: string;
  atMs: number;
  colour: 'green' | 'yellow' | 'red-clearance';
  /** Stage green now, or being left during a change. */
  stageId: string;
  nextStageId?: string;
  /** Signal groups of the new interval (green: the stage's; change: those losing green). */
  groupIds: string[];
  previousGroupIds: string[];
  previousDurationS: number;
  plannedDurationS?: number;
  planId: string;
  mode: 'fixed-time' | 'adaptive' | 'manual';
  cause: PhaseChangeCause;
  explanation?: DecisionExplanation;
}

export interface AuditInfo {
  actorKind: 'operator' | 'service';
  actorId: string;
  reason: string;
  ticketRef?: string;
  changedAtMs: number;
}

export type OverrideAction =
  | { kind: 'hold-stage'; stageId: string }
  | { kind: 'strategy'; strategy: StrategyName };

export interface OverrideState {
  overrideId: string;
  action: OverrideAction;
  startedAtMs: number;
  expiresAtMs: number;
  audit: AuditInfo;
}

export interface PlanChangeRecord extends ReplayStamp {
  intersectionId: string;
  atMs: number;
  previousPlanId: string;
  planId: string;
  strategy: StrategyName;
  mode: 'fixed-time' | 'adaptive' | 'manual';
  plan: TimingPlan;
  cause: 'adaptive' | 'override-set' | 'override-ended';
  override?: OverrideState;
  /** Who ended an override (the operator, or the service when it expired). */
  endedBy?: AuditInfo;
  explanation?: DecisionExplanation;
}

export interface GrantRecord extends ReplayStamp {
  intersectionId: string;
  requestId: string;
  atMs: number;
  vehicleId: string;
  tripId: string;
  routeId: string;
  approachId: string;
  action: 'green-extension' | 'early-green';
  stageId: string;
  groupIds: string[];
  adjustmentS: number;
  scheduleDeviationS: number;
  timeSavedS: number;
  crossDelayVehS: number;
  /** event_id of the matched position that triggered it. */
  causationId: string;
  explanation: DecisionExplanation;
}
