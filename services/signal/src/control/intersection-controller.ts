/**
 * The live controller of one intersection: once per second on the service clock it builds the
 * observation from detector estimates, asks the strategy (or applies the operator override or a
 * transit priority grant), passes the decision through the safety guard, and reports every interval
 * the guard starts. Synchronous and free of I/O: the runner publishes and stores what it returns.
 *
 * Every change of what the signals show goes through `guard.request` / `guard.step`; nothing here
 * sets a colour, so no strategy, override or priority grant can cut a minimum green, a yellow or an
 * all-red.
 */
import {
  type CountObservation,
  createDetectorHealthMonitor,
  DEFAULT_DETECTOR_HEALTH,
  type DetectorHealthMonitor,
  type DetectorHealthOptions,
  detectorLanes,
} from '../domain/detector-health.js';
import {
  endingGroups,
  type IntersectionModel,
  indexModel,
  intergreenS,
  type ModelIndex,
  type SignalState,
  stageMaxGreenS,
  stageMinGreenS,
  type TimingPlan,
} from '../domain/model.js';
import {
  type BusPosition,
  DEFAULT_PRIORITY,
  decidePriority,
  isLate,
  matchApproach,
  type PriorityDecision,
  type PriorityOptions,
} from '../domain/priority.js';
import { createSafetyGuard, type SafetyGuard } from '../domain/safety.js';
import {
  createStrategy,
  type Explanation,
  type IntersectionObservation,
  type StageDecision,
  type Strategy,
  type StrategyName,
  type StrategyOptions,
} from '../domain/strategy.js';
import {
  type ApproachEstimate,
  type ApproachEstimator,
  createApproachEstimator,
} from './approach-estimator.js';
import type {
  DecisionExplanation,
  GrantRecord,
  OverrideState,
  PhaseChangeCause,
  PhaseChangeRecord,
  PlanChangeRecord,
} from './records.js';

export interface ControllerOptions {
  strategy: StrategyName;
  strategyOptions?: StrategyOptions;
  /** Builds strategies (default the domain's createStrategy); tests substitute their own. */
  strategyFactory?: typeof createStrategy;
  priority?: PriorityOptions;
  health?: DetectorHealthOptions;
}

export interface TickResult {
  phaseChanges: PhaseChangeRecord[];
  planChanges: PlanChangeRecord[];
  grants: GrantRecord[];
}

export interface ControllerStatus {
  intersectionId: string;
  strategy: StrategyName;
  state: SignalState;
  override?: OverrideState;
  lastTickMs: number;
  alarmedDetectorIds: string[];
  planId: string;
  mode: 'fixed-time' | 'adaptive' | 'manual';
}

interface PendingPriority {
  requestId: string;
  bus: BusPosition;
  approachId: string;
  arrivalS: number;
  causationId: string;
  /** Drop the request after this time whatever happened (bus passed or stopped reporting). */
  expiresS: number;
}

interface ActiveExtension {
  stageId: string;
  holdUntilS: number;
  requestId: string;
}

/** Why the running change happened, kept until the new stage's green is announced. */
interface ChangeCause {
  cause: PhaseChangeCause;
  explanation?: DecisionExplanation;
}

const MAX_TRACKED_GRANTS = 16;
/** Seconds of arrivals counted as "approaching": about an advance loop's distance at urban speed. */
const APPROACH_LOOK_AHEAD_S = 8;
/** A priority request is forgotten this long after the bus's estimated arrival. */
const PRIORITY_REQUEST_GRACE_S = 30;

export interface IntersectionController {
  readonly model: IntersectionModel;
  readonly index: ModelIndex;
  readonly health: DetectorHealthMonitor;
  readonly detectorLanes: ReadonlyMap<string, number>;
  /** Validated count: updates health (returns its alarm changes) and the estimates. */
  observeCount(count: CountObservation): ReturnType<DetectorHealthMonitor['observe']>;
  /** A matched bus position; returns why it was not queued, or the request id. */
  requestPriority(
    bus: BusPosition,
    nowMs: number,
    causationId: string,
  ): { queued: true; requestId: string; approachId: string } | { queued: false; reason: string };
  setOverride(override: OverrideState, nowMs: number): PlanChangeRecord;
  clearOverride(
    nowMs: number,
    ended: 'cleared' | 'expired',
    audit: OverrideState['audit'],
  ): PlanChangeRecord | undefined;
  /**
   * The replay run the latest input came from ('' for live input); records produced afterwards
   * carry it, so outputs recomputed from a replay are never mistaken for live ones.
   */
  noteReplayRun(replayRunId: string): void;
  /** Runs one control second at `nowMs` (whole seconds). */
  tick(nowMs: number): TickResult;
  status(): ControllerStatus;
  /** The timing plan in force (the configured one, or the strategy's current re-plan). */
  plan(): TimingPlan;
  approachEstimates(nowMs: number): ApproachEstimate[];
  /** Safety rules broken so far (the guard's own monitor): 0 unless there is a bug. */
  violations(): number;
}

const causeOfStrategy = (name: StrategyName): PhaseChangeCause =>
  name === 'fixed' || name === 'webster' ? 'plan' : 'adaptive';

const modeOfStrategy = (name: StrategyName): 'fixed-time' | 'adaptive' =>
  name === 'fixed' || name === 'webster' ? 'fixed-time' : 'adaptive';

/** A strategy explanation in the service's terms: scores become the compared alternatives. */
export function fromStrategyExplanation(
  decision: StageDecision,
  strategy: string,
  currentStageId: string,
): DecisionExplanation {
  const explanation: Explanation = decision.explanation;
  const chosen = decision.kind === 'switch' ? decision.toStageId : currentStageId;
  return {
    decision: decision.kind === 'switch' ? 'switch_stage' : 'hold_stage',
    strategy,
    summary: explanation.summary,
    measure: explanation.measure,
    scores: explanation.scores.map((score) => ({ ...score, chosen: score.stageId === chosen })),
    factors: [],
  };
}

export function createIntersectionController(
  model: IntersectionModel,
  startMs: number,
  options: ControllerOptions,
): IntersectionController {
  const index = indexModel(model);
  const priorityOptions = options.priority ?? DEFAULT_PRIORITY;
  const firstStage = model.plan.splits[0]?.stageId ?? model.stages[0]?.id;
  if (firstStage === undefined) throw new Error(`intersection ${model.id} has no stage`);
  const startS = Math.floor(startMs / 1000);
  const guard: SafetyGuard = createSafetyGuard(model, firstStage, startS);
  const estimator: ApproachEstimator = createApproachEstimator(model);
  const lanes = detectorLanes(model.detectors, new Map(model.approaches.map((a) => [a.id, a.lanes])));
  const health = createDetectorHealthMonitor(
    model.detectors.map((d) => ({ id: d.id, lanes: lanes.get(d.id) ?? 1 })),
    startMs,
    options.health ?? DEFAULT_DETECTOR_HEALTH,
  );
  let strategyName: StrategyName = options.strategy;
  const buildStrategy = options.strategyFactory ?? createStrategy;
  let strategy: Strategy = buildStrategy(strategyName, model, options.strategyOptions);
  /** The strategy the intersection returns to when an override that replaced it ends. */
  const scheduledStrategy = options.strategy;
  let override: OverrideState | undefined;
  let lastTickS = startS;
  let replayRunId = '';
  const stamp = <T extends { replayRunId?: string }>(record: T): T =>
    replayRunId === '' ? record : { ...record, replayRunId };
  let lastState: SignalState = guard.state();
  let changeCause: ChangeCause = { cause: causeOfStrategy(strategyName) };
  const pending = new Map<string, PendingPriority>();
  let extension: ActiveExtension | undefined;
  const grantTimesS: number[] = [];
  let lastPlanKey = planKey(currentPlan());
  const plannedGreenS = Object.fromEntries(model.plan.splits.map((s) => [s.stageId, s.greenS]));

  function currentPlan(): TimingPlan {
    const dynamic = (strategy as { currentPlan?: () => TimingPlan }).currentPlan;
    return typeof dynamic === 'function' ? dynamic.call(strategy) : model.plan;
  }

  function planId(): string {
    if (override) return `override:${override.overrideId}`;
    return strategyName;
  }

  function mode(): ControllerStatus['mode'] {
    if (override?.action.kind === 'hold-stage') return 'manual';
    return modeOfStrategy(strategyName);
  }

  function planChange(
    nowMs: number,
    cause: PlanChangeRecord['cause'],
    previousPlanId: string,
    extra: Partial<PlanChangeRecord> = {},
  ): PlanChangeRecord {
    return stamp({
      intersectionId: model.id,
      atMs: nowMs,
      previousPlanId,
      planId: planId(),
      strategy: strategyName,
      mode: mode(),
      plan: currentPlan(),
      cause,
      ...extra,
    });
  }

  function observation(
    nowS: number,
    state: SignalState,
    estimates: ApproachEstimate[],
  ): IntersectionObservation {
    const inTransition = state.phase !== 'green';
    const requests = [...pending.values()].map((request) => ({
      approachId: request.approachId,
      etaS: Math.max(0, request.arrivalS - nowS),
      lateS: request.bus.scheduleDeviationS,
    }));
    return {
      nowS,
      currentStageId: state.stageId,
      stageElapsedS: inTransition ? 0 : nowS - state.sinceS,
      inTransition,
      approaches: estimates.map((e) => ({
        approachId: e.approachId,
        queueVeh: e.queueVeh,
        arrivalRateVehPerS: e.arrivalRateVehPerS,
        // Counts give no per-vehicle positions: the vehicles expected within the look-ahead stand in.
        approachingVeh: e.arrivalRateVehPerS * APPROACH_LOOK_AHEAD_S,
      })),
      recentFlowsVehPerH: Object.fromEntries(estimates.map((e) => [e.approachId, e.flowVehPerH])),
      ...(requests.length > 0 ? { priorityRequests: requests } : {}),
    };
  }

  /** The operator's hold, as a decision the guard will carry out within its rules. */
  function overrideDecision(state: SignalState, held: OverrideState & { action: { kind: 'hold-stage' } }) {
    const target = held.action.stageId;
    const explanation: DecisionExplanation = {
      decision: target === state.stageId ? 'hold_stage' : 'switch_stage',
      strategy: 'operator_override',
      summary: `operator ${held.audit.actorId} holds stage ${target}: ${held.audit.reason}`,
      factors: [],
    };
    const decision: StageDecision =
      target === state.stageId && state.phase === 'green'
        ? { kind: 'hold', explanation: { summary: explanation.summary, measure: 'override', scores: [] } }
        : {
            kind: 'switch',
            toStageId: target,
            explanation: { summary: explanation.summary, measure: 'override', scores: [] },
          };
    return { decision, explanation };
  }

  function applyPriority(
    nowS: number,
    state: SignalState,
    strategyDecision: StageDecision,
    estimates: ApproachEstimate[],
    nowMs: number,
  ): { decision: StageDecision; explanation: DecisionExplanation; grant?: GrantRecord } | undefined {
    // A running extension holds the bus's green until the bus is through.
    if (extension) {
      if (state.phase === 'green' && state.stageId === extension.stageId && nowS < extension.holdUntilS) {
        const summary = `transit priority: green held until ${extension.holdUntilS - nowS} s from now for request ${extension.requestId}`;
        return {
          decision: { kind: 'hold', explanation: { summary, measure: 'priority', scores: [] } },
          explanation: { decision: 'extend_green', strategy: 'conditional_tsp', summary, factors: [] },
        };
      }
      extension = undefined;
    }
    for (const [id, request] of pending) if (nowS > request.expiresS) pending.delete(id);
    const next = [...pending.values()].sort((a, b) => a.arrivalS - b.arrivalS)[0];
    if (!next) return undefined;
    const busStageIds = model.stages
      .filter((stage) => (index.approachesByStage.get(stage.id) ?? []).includes(next.approachId))
      .map((stage) => stage.id);
    const target = busStageIds[0] ?? state.stageId;
    const maxGreen = stageMaxGreenS(index, state.stageId);
    const decision: PriorityDecision = decidePriority(
      { approachId: next.approachId, arrivalS: next.arrivalS, lateS: next.bus.scheduleDeviationS },
      {
        nowS,
        currentStageId: state.stageId,
        phase: state.phase,
        ...(state.nextStageId === undefined ? {} : { nextStageId: state.nextStageId }),
        stageElapsedS: state.phase === 'green' ? nowS - state.sinceS : 0,
        currentMinGreenS: stageMinGreenS(index, state.stageId),
        ...(maxGreen === undefined ? {} : { currentMaxGreenS: maxGreen }),
        strategyWantsSwitch:
          strategyDecision.kind === 'switch' && strategyDecision.toStageId !== state.stageId,
        busStageIds,
        plannedGreenS,
        cycleS: model.plan.cycleS,
        intergreenS: (() => {
          const { yellowS, allRedS } = intergreenS(index, state.stageId, target);
          return yellowS + allRedS;
        })(),
        approaches: estimates,
        approachesByStage: index.approachesByStage,
        recentGrantsS: grantTimesS,
      },
      priorityOptions,
    );
    if (decision.kind === 'none') {
      if (decision.reason === 'the bus has passed') pending.delete(next.requestId);
      return undefined;
    }
    pending.delete(next.requestId);
    grantTimesS.push(nowS);
    if (grantTimesS.length > MAX_TRACKED_GRANTS) grantTimesS.shift();
    const explanation: DecisionExplanation = {
      decision: decision.kind === 'green-extension' ? 'extend_green' : 'early_green',
      strategy: 'conditional_tsp',
      summary: decision.explanation.summary,
      factors: decision.explanation.factors,
    };
    const grant = stamp<GrantRecord>({
      intersectionId: model.id,
      requestId: next.requestId,
      atMs: nowMs,
      vehicleId: next.bus.vehicleId,
      tripId: next.bus.tripId,
      routeId: next.bus.routeId,
      approachId: next.approachId,
      action: decision.kind,
      stageId: decision.stageId,
      groupIds: index.stageById.get(decision.stageId)?.signalGroupIds ?? [],
      adjustmentS: decision.adjustmentS,
      scheduleDeviationS: next.bus.scheduleDeviationS,
      timeSavedS: decision.timeSavedS,
      crossDelayVehS: decision.crossDelayVehS,
      causationId: next.causationId,
      explanation,
    });
    const summary = decision.explanation.summary;
    if (decision.kind === 'green-extension') {
      extension = { stageId: decision.stageId, holdUntilS: decision.holdUntilS, requestId: next.requestId };
      return {
        decision: { kind: 'hold', explanation: { summary, measure: 'priority', scores: [] } },
        explanation,
        grant,
      };
    }
    return {
      decision: {
        kind: 'switch',
        toStageId: decision.stageId,
        explanation: { summary, measure: 'priority', scores: [] },
      },
      explanation,
      grant,
    };
  }

  function describeTransition(previous: SignalState, next: SignalState, nowMs: number): PhaseChangeRecord {
    const durationS = next.sinceS - previous.sinceS;
    const groupsIn = (state: SignalState): string[] => {
      if (state.phase === 'green') return index.stageById.get(state.stageId)?.signalGroupIds ?? [];
      return endingGroups(index, state.stageId, state.nextStageId ?? state.stageId).map((g) => g.id);
    };
    const { yellowS, allRedS } = intergreenS(index, next.stageId, next.nextStageId ?? next.stageId);
    const colour = next.phase === 'green' ? 'green' : next.phase === 'yellow' ? 'yellow' : 'red-clearance';
    const clearance = next.phase === 'all-red';
    const record: PhaseChangeRecord = {
      intersectionId: model.id,
      atMs: nowMs,
      colour,
      stageId: next.stageId,
      ...(next.nextStageId === undefined ? {} : { nextStageId: next.nextStageId }),
      groupIds: groupsIn(next),
      previousGroupIds: groupsIn(previous),
      previousDurationS: Math.max(0, durationS),
      ...(next.phase === 'yellow' ? { plannedDurationS: yellowS } : {}),
      ...(next.phase === 'all-red' ? { plannedDurationS: allRedS } : {}),
      ...(next.phase === 'green'
        ? { plannedDurationS: plannedGreenS[next.stageId] ?? stageMinGreenS(index, next.stageId) }
        : {}),
      planId: planId(),
      mode: mode(),
      cause: clearance ? 'clearance' : changeCause.cause,
      ...(clearance || !changeCause.explanation ? {} : { explanation: changeCause.explanation }),
    };
    return stamp(record);
  }

  const controller: IntersectionController = {
    model,
    index,
    health,
    detectorLanes: lanes,

    observeCount(count) {
      const changes = health.observe(count);
      estimator.observe(count, health.isSuspect(count.detectorId));
      return changes;
    },

    noteReplayRun(runId) {
      replayRunId = runId;
    },

    requestPriority(bus, nowMs, causationId) {
      if (!isLate(bus.scheduleDeviationS, priorityOptions)) {
        return { queued: false, reason: `not late enough (${bus.scheduleDeviationS} s)` };
      }
      const match = matchApproach(model, bus, priorityOptions);
      if (!match) return { queued: false, reason: 'not approaching this intersection' };
      const nowS = nowMs / 1000;
      // One request per bus and trip at a time: a newer ping refines the arrival estimate.
      const requestId = `${model.id}:${bus.vehicleId}:${bus.tripId}`;
      const arrivalS = nowS + match.etaS;
      pending.set(requestId, {
        requestId,
        bus,
        approachId: match.approachId,
        arrivalS,
        causationId,
        expiresS: arrivalS + PRIORITY_REQUEST_GRACE_S,
      });
      return { queued: true, requestId, approachId: match.approachId };
    },

    setOverride(next, nowMs) {
      const previousPlanId = planId();
      override = next;
      if (next.action.kind === 'strategy') {
        strategyName = next.action.strategy;
        strategy = buildStrategy(strategyName, model, options.strategyOptions);
      }
      extension = undefined;
      return planChange(nowMs, 'override-set', previousPlanId, { override: next });
    },

    clearOverride(nowMs, ended, audit) {
      if (!override) return undefined;
      const previousPlanId = planId();
      const ending = override;
      override = undefined;
      if (ending.action.kind === 'strategy' && strategyName !== scheduledStrategy) {
        strategyName = scheduledStrategy;
        strategy = buildStrategy(strategyName, model, options.strategyOptions);
      }
      return planChange(nowMs, 'override-ended', previousPlanId, {
        override: ending,
        endedBy: { ...audit, reason: ended === 'expired' ? 'override expired' : audit.reason },
      });
    },

    tick(nowMs) {
      const nowS = Math.floor(nowMs / 1000);
      const result: TickResult = { phaseChanges: [], planChanges: [], grants: [] };
      if (nowS <= lastTickS) return result;
      if (override && override.expiresAtMs <= nowMs) {
        const ended = controller.clearOverride(nowMs, 'expired', {
          actorKind: 'service',
          actorId: 'signal',
          reason: 'override expired',
          changedAtMs: nowMs,
        });
        if (ended) result.planChanges.push(ended);
      }
      const before = guard.state();
      estimator.advance(nowS - lastTickS, greenGroups(before), nowMs);
      lastTickS = nowS;
      const estimates = estimator.estimates(nowMs);

      let decision: StageDecision;
      let explanation: DecisionExplanation;
      let cause: PhaseChangeCause;
      if (override?.action.kind === 'hold-stage') {
        const held = overrideDecision(before, override as OverrideState & { action: { kind: 'hold-stage' } });
        decision = held.decision;
        explanation = held.explanation;
        cause = 'override';
      } else {
        const strategic = strategy.decide(observation(nowS, before, estimates));
        decision = strategic;
        explanation = fromStrategyExplanation(strategic, strategyName, before.stageId);
        cause = override ? 'override' : causeOfStrategy(strategyName);
        const prioritised = applyPriority(nowS, before, strategic, estimates, nowMs);
        if (prioritised) {
          decision = prioritised.decision;
          explanation = prioritised.explanation;
          cause = 'transit-priority';
          if (prioritised.grant) result.grants.push(prioritised.grant);
        }
      }
      if (decision.kind === 'switch' && decision.toStageId !== undefined && before.phase === 'green') {
        const alreadyRequested = guard.pendingStageId() === decision.toStageId;
        guard.request(decision, nowS);
        // The cause of a change is the decision that asked for it first, not a later repeat.
        if (!alreadyRequested && guard.pendingStageId() === decision.toStageId)
          changeCause = { cause, explanation };
      } else if (
        decision.kind === 'hold' &&
        before.phase === 'green' &&
        guard.pendingStageId() !== undefined
      ) {
        // Holding cancels a change still waiting for minimum green.
        guard.request({ kind: 'switch', toStageId: before.stageId, explanation: decision.explanation }, nowS);
      }

      const after = guard.step(nowS);
      if (after !== lastState) {
        const changed =
          after.phase !== lastState.phase ||
          after.stageId !== lastState.stageId ||
          after.sinceS !== lastState.sinceS;
        if (changed) result.phaseChanges.push(describeTransition(lastState, after, nowS * 1000));
        lastState = after;
      }

      const key = planKey(currentPlan());
      if (key !== lastPlanKey) {
        lastPlanKey = key;
        result.planChanges.push(
          planChange(nowS * 1000, 'adaptive', planId(), {
            explanation: {
              decision: 'replan',
              strategy: strategyName,
              summary: explanation.summary,
              factors: [],
            },
          }),
        );
      }
      return result;
    },

    status() {
      return {
        intersectionId: model.id,
        strategy: strategyName,
        state: guard.state(),
        ...(override ? { override } : {}),
        lastTickMs: lastTickS * 1000,
        alarmedDetectorIds: health.alarmedDetectorIds(),
        planId: planId(),
        mode: mode(),
      };
    },

    plan: () => currentPlan(),
    approachEstimates: (nowMs) => estimator.estimates(nowMs),
    violations: () => guard.violations(),
  };
  return controller;

  function greenGroups(state: SignalState): Set<string> {
    return new Set(
      Object.entries(state.colours)
        .filter(([, colour]) => colour === 'green' || colour === 'yellow')
        .map(([id]) => id),
    );
  }
}

function planKey(plan: TimingPlan): string {
  return JSON.stringify([plan.cycleS, plan.splits.map((s) => [s.stageId, s.greenS])]);
}
