/**
 * From the service's records and the intersection model to the contract's messages. Signal groups
 * are numbered by position (phase_number = group index + 1), as the contract allows for non-NEMA
 * controllers; the group ids ride along in `signal_group_ids`.
 */
import { ActorKind, type AuditStamp } from '@mobility/contracts/common/v1/audit';
import { Comparison, type Explanation, type Factor } from '@mobility/contracts/common/v1/explanation';
import {
  AlarmState,
  DetectorAlarm,
  DetectorAlarmKind,
  PhaseChangeCause,
  PhaseChanged,
  PlanChangeCause,
  PlanChanged,
  PriorityAction,
  PriorityGranted,
} from '@mobility/contracts/signal/v1/events';
import {
  ControlMode,
  DetectorKind,
  Intersection,
  IntersectionStatus,
  Override,
  SignalColor,
  TimingPlan as TimingPlanMessage,
  TravelDirection,
} from '@mobility/contracts/signal/v1/intersection';
import { durationFromSeconds } from '@mobility/contracts/wkt';
import type { ControllerStatus } from './control/intersection-controller.js';
import type {
  AuditInfo,
  DecisionExplanation,
  GrantRecord,
  OverrideState,
  PhaseChangeRecord,
  PlanChangeRecord,
} from './control/records.js';
import type { AlarmChange, AlarmKind, ExplainedFactor } from './domain/detector-health.js';
import { type IntersectionModel, indexModel, intergreenS, type TimingPlan } from './domain/model.js';

export const PRODUCER = 'signal';

export function phaseNumbers(model: IntersectionModel, groupIds: readonly string[]): number[] {
  const position = new Map(model.signalGroups.map((group, index) => [group.id, index + 1]));
  return groupIds.map((id) => position.get(id) ?? 0).filter((n) => n > 0);
}

export function groupIdsOfPhases(model: IntersectionModel, numbers: readonly number[]): string[] {
  return numbers.map((n) => model.signalGroups[n - 1]?.id).filter((id): id is string => id !== undefined);
}

const COMPARISONS: Record<NonNullable<ExplainedFactor['comparison']>, Comparison> = {
  '<': Comparison.LESS_THAN,
  '<=': Comparison.LESS_OR_EQUAL,
  '>': Comparison.GREATER_THAN,
  '>=': Comparison.GREATER_OR_EQUAL,
};

export function toFactor(factor: ExplainedFactor): Factor {
  return {
    name: factor.name,
    value: Number.isFinite(factor.value) ? factor.value : 0,
    unit: factor.unit,
    comparison: factor.comparison ? COMPARISONS[factor.comparison] : Comparison.UNSPECIFIED,
    threshold: factor.threshold ?? 0,
    satisfied: factor.satisfied ?? true,
    weight: 0,
  };
}

export function toExplanation(explanation: DecisionExplanation): Explanation {
  return {
    decision: explanation.decision,
    strategy: explanation.strategy,
    summary: explanation.summary,
    factors: explanation.factors.map(toFactor),
    alternatives: (explanation.scores ?? []).map((score) => ({
      option: `stage:${score.stageId}`,
      score: Number.isFinite(score.score) ? score.score : 0,
      chosen: score.chosen,
      ...(score.chosen
        ? {}
        : {
            rejectedBecause: {
              code: 'lower_score',
              message: `${explanation.measure ?? 'score'} ${score.score.toFixed(1)} for stage ${score.stageId}`,
            },
          }),
      factors: [],
    })),
  };
}

const COLOURS: Record<PhaseChangeRecord['colour'], SignalColor> = {
  green: SignalColor.GREEN,
  yellow: SignalColor.YELLOW,
  'red-clearance': SignalColor.RED_CLEARANCE,
};

const CAUSES: Record<PhaseChangeRecord['cause'], PhaseChangeCause> = {
  plan: PhaseChangeCause.PLAN,
  adaptive: PhaseChangeCause.ADAPTIVE,
  'transit-priority': PhaseChangeCause.TRANSIT_PRIORITY,
  override: PhaseChangeCause.OVERRIDE,
  clearance: PhaseChangeCause.CLEARANCE,
};

const MODES: Record<ControllerStatus['mode'], ControlMode> = {
  'fixed-time': ControlMode.FIXED_TIME,
  adaptive: ControlMode.ADAPTIVE,
  manual: ControlMode.MANUAL,
};

export const controlModeOf = (mode: ControllerStatus['mode']): ControlMode => MODES[mode];

/** Deterministic ids: re-running the same second yields the same event id (idempotent consumers). */
export const phaseChangeEventId = (record: PhaseChangeRecord) =>
  `phase:${record.intersectionId}:${record.atMs}:${record.colour}:${record.stageId}`;

export function toPhaseChanged(
  model: IntersectionModel,
  record: PhaseChangeRecord,
  producedAtMs: number,
): PhaseChanged {
  return PhaseChanged.fromPartial({
    meta: {
      eventId: phaseChangeEventId(record),
      occurredAt: new Date(record.atMs),
      producedAt: new Date(producedAtMs),
      producer: PRODUCER,
      replayRunId: record.replayRunId ?? '',
    },
    intersectionId: record.intersectionId,
    phaseNumbers: phaseNumbers(model, record.groupIds),
    color: COLOURS[record.colour],
    previousPhaseNumbers: phaseNumbers(model, record.previousGroupIds),
    previousDuration: durationFromSeconds(record.previousDurationS),
    ...(record.plannedDurationS === undefined
      ? {}
      : { plannedDuration: durationFromSeconds(record.plannedDurationS) }),
    planId: record.planId,
    mode: MODES[record.mode],
    cause: CAUSES[record.cause],
    ...(record.explanation ? { explanation: toExplanation(record.explanation) } : {}),
    stageId: record.stageId,
    nextStageId: record.nextStageId ?? '',
    signalGroupIds: record.groupIds,
  });
}

export function toAuditStamp(audit: AuditInfo): AuditStamp {
  return {
    actorKind: audit.actorKind === 'operator' ? ActorKind.OPERATOR : ActorKind.SERVICE,
    actorId: audit.actorId,
    reason: audit.reason,
    ticketRef: audit.ticketRef ?? '',
    changedAt: new Date(audit.changedAtMs),
  };
}

/** A stage plan as per-phase splits: each group gets the split (green + change) of its stage. */
export function toTimingPlan(
  model: IntersectionModel,
  planId: string,
  plan: TimingPlan,
  mode: ControlMode,
): TimingPlanMessage {
  const index = indexModel(model);
  const splits = new Map<number, number>();
  plan.splits.forEach((split, position) => {
    const next = plan.splits[(position + 1) % plan.splits.length]?.stageId ?? split.stageId;
    const { yellowS, allRedS } = intergreenS(index, split.stageId, next);
    for (const phase of phaseNumbers(model, index.stageById.get(split.stageId)?.signalGroupIds ?? [])) {
      splits.set(phase, (splits.get(phase) ?? 0) + split.greenS + yellowS + allRedS);
    }
  });
  return TimingPlanMessage.fromPartial({
    planId,
    name: planId,
    cycleLength: durationFromSeconds(plan.cycleS),
    offset: durationFromSeconds(plan.offsetS),
    splits: [...splits].map(([phaseNumber, seconds]) => ({
      phaseNumber,
      split: durationFromSeconds(seconds),
    })),
    mode,
  });
}

export function toOverride(model: IntersectionModel, override: OverrideState): Override {
  const action =
    override.action.kind === 'hold-stage'
      ? {
          action: {
            $case: 'holdPhases' as const,
            value: {
              stageId: override.action.stageId,
              phaseNumbers: phaseNumbers(
                model,
                model.stages.find((s) => s.id === (override.action as { stageId: string }).stageId)
                  ?.signalGroupIds ?? [],
              ),
            },
          },
        }
      : { action: { $case: 'forcePlanId' as const, value: override.action.strategy } };
  return Override.fromPartial({
    overrideId: override.overrideId,
    action,
    startedAt: new Date(override.startedAtMs),
    expiresAt: new Date(override.expiresAtMs),
    audit: toAuditStamp(override.audit),
  });
}

const PLAN_CAUSES: Record<PlanChangeRecord['cause'], PlanChangeCause> = {
  adaptive: PlanChangeCause.ADAPTIVE,
  'override-set': PlanChangeCause.OVERRIDE_SET,
  'override-ended': PlanChangeCause.OVERRIDE_ENDED,
};

export const planChangeEventId = (record: PlanChangeRecord) =>
  `plan:${record.intersectionId}:${record.atMs}:${record.cause}:${record.override?.overrideId ?? record.planId}`;

export function toPlanChanged(
  model: IntersectionModel,
  record: PlanChangeRecord,
  producedAtMs: number,
): PlanChanged {
  const mode = MODES[record.mode];
  const audit: AuditInfo = record.endedBy ??
    record.override?.audit ?? {
      actorKind: 'service',
      actorId: PRODUCER,
      reason: record.explanation?.summary ?? 'automatic plan change',
      changedAtMs: record.atMs,
    };
  return PlanChanged.fromPartial({
    meta: {
      eventId: planChangeEventId(record),
      occurredAt: new Date(record.atMs),
      producedAt: new Date(producedAtMs),
      producer: PRODUCER,
      replayRunId: record.replayRunId ?? '',
    },
    intersectionId: record.intersectionId,
    previousPlanId: record.previousPlanId,
    plan: toTimingPlan(model, record.planId, record.plan, mode),
    mode,
    cause: PLAN_CAUSES[record.cause],
    effectiveAt: new Date(record.atMs),
    ...(record.cause === 'override-set' && record.override
      ? { expiresAt: new Date(record.override.expiresAtMs) }
      : {}),
    ...(record.override ? { override: toOverride(model, record.override) } : {}),
    audit: toAuditStamp(audit),
    ...(record.explanation ? { explanation: toExplanation(record.explanation) } : {}),
  });
}

export function toPriorityGranted(
  model: IntersectionModel,
  grant: GrantRecord,
  producedAtMs: number,
): PriorityGranted {
  return PriorityGranted.fromPartial({
    meta: {
      eventId: `tsp:${grant.requestId}:${grant.atMs}`,
      occurredAt: new Date(grant.atMs),
      producedAt: new Date(producedAtMs),
      producer: PRODUCER,
      causationId: grant.causationId,
      replayRunId: grant.replayRunId ?? '',
    },
    intersectionId: grant.intersectionId,
    requestId: grant.requestId,
    vehicleId: grant.vehicleId,
    tripId: grant.tripId,
    routeId: grant.routeId,
    action: grant.action === 'green-extension' ? PriorityAction.GREEN_EXTENSION : PriorityAction.EARLY_GREEN,
    phaseNumber: phaseNumbers(model, grant.groupIds)[0] ?? 0,
    adjustment: durationFromSeconds(grant.adjustmentS),
    scheduleDeviationS: grant.scheduleDeviationS,
    estimatedTimeSavedS: grant.timeSavedS,
    estimatedCrossDelayVehS: grant.crossDelayVehS,
    explanation: toExplanation(grant.explanation),
  });
}

const ALARM_KINDS: Record<AlarmKind, DetectorAlarmKind> = {
  'stuck-on': DetectorAlarmKind.STUCK_ON,
  'no-activity': DetectorAlarmKind.NO_ACTIVITY,
  'erratic-counts': DetectorAlarmKind.ERRATIC_COUNTS,
  'communication-lost': DetectorAlarmKind.COMMUNICATION_LOST,
};

export function toDetectorAlarm(
  intersectionId: string,
  change: AlarmChange,
  producedAtMs: number,
  replayRunId = '',
): DetectorAlarm {
  return DetectorAlarm.fromPartial({
    meta: {
      eventId: `alarm:${change.alarmId}:${change.state}`,
      occurredAt: new Date(change.atMs),
      producedAt: new Date(producedAtMs),
      producer: PRODUCER,
      replayRunId,
    },
    intersectionId,
    detectorId: change.detectorId,
    alarmId: change.alarmId,
    kind: ALARM_KINDS[change.kind],
    state: change.state === 'raised' ? AlarmState.RAISED : AlarmState.CLEARED,
    since: new Date(change.sinceMs),
    explanation: {
      decision: change.state === 'raised' ? 'raise_alarm' : 'clear_alarm',
      strategy: 'detector_health',
      summary: change.explanation.summary,
      factors: change.explanation.factors.map(toFactor),
      alternatives: [],
    },
  });
}

const DETECTOR_KINDS: Record<string, DetectorKind> = {
  'stop-line': DetectorKind.STOP_BAR,
  presence: DetectorKind.STOP_BAR,
  advance: DetectorKind.ADVANCE,
  count: DetectorKind.ADVANCE,
};

/** Eight-point direction of travel from a bearing. */
export function travelDirection(bearingDeg: number | undefined): TravelDirection {
  if (bearingDeg === undefined) return TravelDirection.UNSPECIFIED;
  const directions = [
    TravelDirection.NORTHBOUND,
    TravelDirection.NORTHEASTBOUND,
    TravelDirection.EASTBOUND,
    TravelDirection.SOUTHEASTBOUND,
    TravelDirection.SOUTHBOUND,
    TravelDirection.SOUTHWESTBOUND,
    TravelDirection.WESTBOUND,
    TravelDirection.NORTHWESTBOUND,
  ];
  return directions[Math.round((((bearingDeg % 360) + 360) % 360) / 45) % 8] ?? TravelDirection.UNSPECIFIED;
}

export function toIntersection(
  model: IntersectionModel,
  plans: { planId: string; plan: TimingPlan; mode: ControlMode }[],
): Intersection {
  return Intersection.fromPartial({
    intersectionId: model.id,
    name: model.name,
    ...(model.location ? { location: model.location } : {}),
    approaches: model.approaches.map((approach) => ({
      approachId: approach.id,
      direction: travelDirection(approach.bearingDeg),
      streetName: approach.name,
      phaseNumbers: phaseNumbers(model, approach.signalGroupIds),
      laneCount: approach.lanes,
    })),
    phases: model.signalGroups.map((group, position) => ({
      phaseNumber: position + 1,
      name: group.movement || group.id,
      minGreen: durationFromSeconds(group.minGreenS),
      ...(group.maxGreenS === undefined ? {} : { maxGreen: durationFromSeconds(group.maxGreenS) }),
      yellow: durationFromSeconds(group.yellowS),
      redClearance: durationFromSeconds(group.allRedS),
      ...(group.pedestrianWalkS !== undefined || group.pedestrianClearanceS !== undefined
        ? {
            pedestrianTime: durationFromSeconds(
              (group.pedestrianWalkS ?? 0) + (group.pedestrianClearanceS ?? 0),
            ),
          }
        : {}),
      ring: 1,
    })),
    detectors: model.detectors.map((detector) => ({
      detectorId: detector.id,
      approachId: detector.approachId,
      kind: DETECTOR_KINDS[detector.kind] ?? DetectorKind.UNSPECIFIED,
      lane: 0,
      distanceFromStopBarM: detector.distanceFromStopLineM ?? 0,
      phaseNumber:
        phaseNumbers(
          model,
          model.approaches.find((a) => a.id === detector.approachId)?.signalGroupIds ?? [],
        )[0] ?? 0,
    })),
    plans: plans.map((p) => toTimingPlan(model, p.planId, p.plan, p.mode)),
    stages: model.stages.map((stage) => ({
      stageId: stage.id,
      name: stage.name,
      phaseNumbers: phaseNumbers(model, stage.signalGroupIds),
    })),
  });
}

export function toStatus(model: IntersectionModel, status: ControllerStatus): IntersectionStatus {
  const index = indexModel(model);
  const state = status.state;
  const groupIds =
    state.phase === 'green'
      ? (index.stageById.get(state.stageId)?.signalGroupIds ?? [])
      : Object.entries(state.colours)
          .filter(([, colour]) => colour === 'yellow' || (state.phase === 'all-red' && colour === 'red'))
          .map(([id]) => id)
          .filter((id) => index.stageById.get(state.stageId)?.signalGroupIds.includes(id));
  return IntersectionStatus.fromPartial({
    intersectionId: model.id,
    mode: MODES[status.mode],
    activePlanId: status.planId,
    activePhaseNumbers: phaseNumbers(model, groupIds),
    color:
      state.phase === 'green'
        ? SignalColor.GREEN
        : state.phase === 'yellow'
          ? SignalColor.YELLOW
          : SignalColor.RED_CLEARANCE,
    intervalStartedAt: new Date(state.sinceS * 1000),
    ...(status.override ? { override: toOverride(model, status.override) } : {}),
    lastUpdateAt: new Date(status.lastTickMs),
    alarmedDetectorIds: status.alarmedDetectorIds,
    stageId: state.stageId,
    strategy: status.strategy,
  });
}
