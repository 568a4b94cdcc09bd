import {
  endingGroups,
  groupMinGreenS,
  type IntersectionModel,
  indexModel,
  intergreenS,
  type ModelIndex,
  type SignalColour,
  type SignalGroup,
  type SignalState,
  stageMinGreenS,
} from './model.js';
import type { StageDecision } from './strategy.js';

/**
 * The safety guard is the ONLY place that turns stage requests into signal colours. Whatever a
 * strategy, an operator override or a priority request asks, it
 * - keeps a stage green at least its minimum green (including pedestrian walk + clearance),
 * - ends every group that loses green with its full yellow, then the all-red of the change,
 * - starts the requested stage only after that.
 * Requests during a change are refused; unknown stages are refused. The guard also runs an
 * independent monitor over what it shows, so a bug in the guard itself is counted, not hidden.
 */

export interface RefusedRequest {
  atS: number;
  toStageId: string;
  reason: string;
}

export interface SafetyGuard {
  /** Asks for a change; may be refused or deferred (until min green has run), never made unsafe. */
  request(decision: StageDecision, nowS: number): void;
  /** Advances green → yellow → all-red → green as time passes; call at least once per second. */
  step(nowS: number): SignalState;
  state(): SignalState;
  /** Safety rules broken by what the guard has shown: always 0 unless the guard has a bug. */
  violations(): number;
  /** Stage change asked for and not yet started (waiting for min green or in the change). */
  pendingStageId(): string | undefined;
  /** Most recent refusals, newest last (bounded). */
  refusals(): readonly RefusedRequest[];
}

const MAX_REMEMBERED_REFUSALS = 50;

export function createSafetyGuard(
  model: IntersectionModel,
  initialStageId: string,
  startS: number,
): SafetyGuard {
  const index = indexModel(model);
  if (!index.stageById.has(initialStageId)) {
    throw new Error(`intersection ${model.id}: unknown initial stage '${initialStageId}'`);
  }
  let current: SignalState = greenState(index, initialStageId, startS);
  let pending: string | undefined;
  const refused: RefusedRequest[] = [];
  const monitor = createSignalMonitor(model);
  monitor.observe(current, startS);

  const refuse = (atS: number, toStageId: string, reason: string) => {
    refused.push({ atS, toStageId, reason });
    if (refused.length > MAX_REMEMBERED_REFUSALS) refused.shift();
  };

  return {
    request(decision, nowS) {
      if (decision.kind !== 'switch' || decision.toStageId === undefined) return;
      const target = decision.toStageId;
      if (!index.stageById.has(target)) {
        refuse(nowS, target, 'unknown stage');
        return;
      }
      if (current.phase !== 'green') {
        refuse(nowS, target, `changing to ${current.nextStageId ?? '?'} already`);
        return;
      }
      // A later request replaces an earlier one still waiting for min green; asking for the
      // running stage cancels the wait.
      pending = target === current.stageId ? undefined : target;
    },

    step(nowS) {
      // Loop so a zero-length yellow or all-red does not cost a tick; bounded by the three phases.
      for (let guard = 0; guard < 3; guard++) {
        const next = advance(index, current, pending, nowS);
        if (next === current) break;
        if (next.phase === 'green' && next.stageId === pending) pending = undefined;
        current = next;
      }
      monitor.observe(current, nowS);
      return current;
    },

    state: () => current,
    violations: () => monitor.violations(),
    pendingStageId: () => pending,
    refusals: () => refused,
  };
}

function advance(
  index: ModelIndex,
  state: SignalState,
  pending: string | undefined,
  nowS: number,
): SignalState {
  const elapsed = nowS - state.sinceS;
  if (state.phase === 'green') {
    if (pending === undefined || pending === state.stageId) return state;
    if (elapsed < stageMinGreenS(index, state.stageId)) return state;
    const { yellowS, allRedS } = intergreenS(index, state.stageId, pending);
    if (yellowS > 0) return changeState(index, state.stageId, pending, 'yellow', nowS);
    if (allRedS > 0) return changeState(index, state.stageId, pending, 'all-red', nowS);
    return greenState(index, pending, nowS);
  }
  const target = state.nextStageId ?? state.stageId;
  const { yellowS, allRedS } = intergreenS(index, state.stageId, target);
  if (state.phase === 'yellow') {
    if (elapsed < yellowS) return state;
    if (allRedS > 0) return changeState(index, state.stageId, target, 'all-red', nowS);
    return greenState(index, target, nowS);
  }
  if (elapsed < allRedS) return state;
  return greenState(index, target, nowS);
}

function greenState(index: ModelIndex, stageId: string, nowS: number): SignalState {
  const green = new Set(index.stageById.get(stageId)?.signalGroupIds ?? []);
  const colours: Record<string, SignalColour> = {};
  for (const group of index.model.signalGroups) colours[group.id] = green.has(group.id) ? 'green' : 'red';
  return { stageId, phase: 'green', sinceS: nowS, colours };
}

function changeState(
  index: ModelIndex,
  fromStageId: string,
  toStageId: string,
  phase: 'yellow' | 'all-red',
  nowS: number,
): SignalState {
  const from = new Set(index.stageById.get(fromStageId)?.signalGroupIds ?? []);
  const ending = new Set(endingGroups(index, fromStageId, toStageId).map((group) => group.id));
  const colours: Record<string, SignalColour> = {};
  for (const group of index.model.signalGroups) {
    if (ending.has(group.id)) colours[group.id] = phase === 'yellow' ? 'yellow' : 'red';
    else colours[group.id] = from.has(group.id) ? 'green' : 'red';
  }
  return { stageId: fromStageId, nextStageId: toStageId, phase, sinceS: nowS, colours };
}

/**
 * Checks a sequence of shown signal states against the model's rules, without knowing how they
 * were produced. Two groups conflict when no stage shows them green together.
 * Rules: a group leaves green only through yellow (when it has one) and only after its minimum
 * green; yellow lasts at least its yellowS and ends in red; a group turns green only when every
 * conflicting group is red and has been red for that group's all-red time; conflicting groups are
 * never shown non-red together.
 */
export interface SignalMonitor {
  observe(state: SignalState, nowS: number): void;
  violations(): number;
  /** Descriptions of the first violations (bounded), for test failure messages and logs. */
  details(): readonly string[];
}

export function createSignalMonitor(model: IntersectionModel): SignalMonitor {
  const groups = model.signalGroups;
  const conflicts = conflictSets(model);
  const colour = new Map<string, SignalColour>();
  const since = new Map<string, number>();
  let count = 0;
  const details: string[] = [];
  const flag = (text: string) => {
    count++;
    if (details.length < 20) details.push(text);
  };

  return {
    observe(state, nowS) {
      const previousColour = new Map(colour);
      const previousSince = new Map(since);
      for (const group of groups) {
        const next = state.colours[group.id] ?? 'red';
        if (colour.get(group.id) !== next) {
          // The first state shown is the established one the guard starts from (its initial
          // stage): a group red in it has long been cleared; one green in it starts its green now.
          const firstSeen = !colour.has(group.id);
          colour.set(group.id, next);
          since.set(group.id, firstSeen && next === 'red' ? Number.NEGATIVE_INFINITY : nowS);
        }
      }
      for (const group of groups) {
        const previous = previousColour.get(group.id);
        const next = colour.get(group.id) ?? 'red';
        if (previous === undefined || previous === next) continue;
        checkChange(group, previous, next, nowS - (previousSince.get(group.id) ?? nowS), nowS, flag);
        if (next !== 'green') continue;
        // Judged on the new state: a conflicting group must be red now, for at least its all-red.
        for (const other of conflicts.get(group.id) ?? []) {
          const otherColour = colour.get(other.id) ?? 'red';
          const redFor = nowS - (since.get(other.id) ?? Number.NEGATIVE_INFINITY);
          if (otherColour !== 'red' || redFor < other.allRedS) {
            flag(`${nowS}s: ${group.id} green while conflicting ${other.id} ${otherColour} for ${redFor}s`);
          }
        }
      }
      for (const group of groups) {
        if (colour.get(group.id) === 'red') continue;
        for (const other of conflicts.get(group.id) ?? []) {
          if (other.id > group.id && colour.get(other.id) !== 'red') {
            flag(`${nowS}s: conflicting ${group.id} and ${other.id} both not red`);
          }
        }
      }
    },
    violations: () => count,
    details: () => details,
  };
}

function checkChange(
  group: SignalGroup,
  previous: SignalColour,
  next: SignalColour,
  held: number,
  nowS: number,
  flag: (text: string) => void,
): void {
  if (previous === 'green') {
    if (held < groupMinGreenS(group))
      flag(`${nowS}s: ${group.id} green only ${held}s < min ${groupMinGreenS(group)}s`);
    if (next === 'red' && group.yellowS > 0) flag(`${nowS}s: ${group.id} green to red without yellow`);
  } else if (previous === 'yellow') {
    if (next === 'green') flag(`${nowS}s: ${group.id} yellow back to green`);
    if (held < group.yellowS) flag(`${nowS}s: ${group.id} yellow only ${held}s < ${group.yellowS}s`);
  }
}

function conflictSets(model: IntersectionModel): Map<string, SignalGroup[]> {
  const together = new Map<string, Set<string>>();
  for (const group of model.signalGroups) together.set(group.id, new Set([group.id]));
  for (const stage of model.stages) {
    for (const a of stage.signalGroupIds) for (const b of stage.signalGroupIds) together.get(a)?.add(b);
  }
  const conflicts = new Map<string, SignalGroup[]>();
  for (const group of model.signalGroups) {
    const compatible = together.get(group.id) ?? new Set<string>();
    conflicts.set(
      group.id,
      model.signalGroups.filter((other) => !compatible.has(other.id)),
    );
  }
  return conflicts;
}
