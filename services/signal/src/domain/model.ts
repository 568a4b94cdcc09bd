/**
 * The intersection model every part of the signal service works on. All durations are seconds.
 *
 * A signal group is one set of signal heads that always show the same colour (a movement such as
 * "N-through" or a pedestrian crossing). A stage is a set of signal groups that are green together;
 * control strategies choose stages, the safety guard turns stage requests into group colours.
 */

export type SignalGroupKind = 'vehicle' | 'pedestrian' | 'bus';
export type DetectorKind = 'stop-line' | 'advance' | 'presence' | 'count';

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface Approach {
  id: string;
  name: string;
  /** Direction of travel INTO the junction, degrees clockwise from north. */
  bearingDeg?: number;
  lanes: number;
  lengthM?: number;
  detectorIds: string[];
  signalGroupIds: string[];
}

export interface SignalGroup {
  id: string;
  /** Human description of what the group releases, e.g. 'N-through' or 'E-crossing'. */
  movement: string;
  kind: SignalGroupKind;
  minGreenS: number;
  maxGreenS?: number;
  yellowS: number;
  allRedS: number;
  /** Pedestrian groups: the walk interval the guard never cuts short. */
  pedestrianWalkS?: number;
  /** Pedestrian groups: flashing-don't-walk clearance that follows the walk interval. */
  pedestrianClearanceS?: number;
}

export interface Stage {
  id: string;
  name: string;
  /** Groups shown green while the stage runs. */
  signalGroupIds: string[];
}

export interface Detector {
  id: string;
  approachId: string;
  kind: DetectorKind;
  distanceFromStopLineM?: number;
}

export interface StageSplit {
  stageId: string;
  greenS: number;
}

/** Fixed-time plan: stages run in the order of `splits`, each for its green plus its intergreen. */
export interface TimingPlan {
  cycleS: number;
  offsetS: number;
  splits: StageSplit[];
}

export interface IntersectionModel {
  id: string;
  name: string;
  location?: GeoPoint;
  approaches: Approach[];
  signalGroups: SignalGroup[];
  stages: Stage[];
  detectors: Detector[];
  plan: TimingPlan;
}

/** Colour of one signal group. `yellow` is the vehicle change interval; pedestrians see it as clearance. */
export type SignalColour = 'green' | 'yellow' | 'red';

/** Whether the junction is showing a stage or changing between two. */
export type SignalPhaseKind = 'green' | 'yellow' | 'all-red';

export interface SignalState {
  /** Stage whose groups are green, or that was green before the current change interval. */
  stageId: string;
  /** Stage being changed to while `phase` is yellow or all-red. */
  nextStageId?: string;
  phase: SignalPhaseKind;
  /** When the current phase (green, yellow or all-red) began. */
  sinceS: number;
  /** Colour per signal group id. */
  colours: Record<string, SignalColour>;
}

/** Lookup tables built once per model, so strategies and the guard never scan arrays per tick. */
export interface ModelIndex {
  readonly model: IntersectionModel;
  readonly groupById: ReadonlyMap<string, SignalGroup>;
  readonly stageById: ReadonlyMap<string, Stage>;
  readonly approachById: ReadonlyMap<string, Approach>;
  /** Approaches served (partly) by each stage: any of the approach's groups is green in the stage. */
  readonly approachesByStage: ReadonlyMap<string, readonly string[]>;
}

export function indexModel(model: IntersectionModel): ModelIndex {
  const groupById = new Map(model.signalGroups.map((group) => [group.id, group]));
  const stageById = new Map(model.stages.map((stage) => [stage.id, stage]));
  const approachById = new Map(model.approaches.map((approach) => [approach.id, approach]));
  const approachesByStage = new Map<string, string[]>();
  for (const stage of model.stages) {
    const green = new Set(stage.signalGroupIds);
    approachesByStage.set(
      stage.id,
      model.approaches
        .filter((approach) => approach.signalGroupIds.some((id) => green.has(id)))
        .map((approach) => approach.id),
    );
  }
  return { model, groupById, stageById, approachById, approachesByStage };
}

/**
 * Minimum green of a stage: the longest minimum among its groups, including a pedestrian group's
 * walk plus clearance, because the stage cannot end before every group it released may end.
 */
export function stageMinGreenS(index: ModelIndex, stageId: string): number {
  const stage = index.stageById.get(stageId);
  if (!stage) return 0;
  let longest = 0;
  for (const groupId of stage.signalGroupIds) {
    const group = index.groupById.get(groupId);
    if (group) longest = Math.max(longest, groupMinGreenS(group));
  }
  return longest;
}

/** Longest green the stage may be held, if every one of its groups declares a maximum. */
export function stageMaxGreenS(index: ModelIndex, stageId: string): number | undefined {
  const stage = index.stageById.get(stageId);
  if (!stage || stage.signalGroupIds.length === 0) return undefined;
  let shortest = Number.POSITIVE_INFINITY;
  for (const groupId of stage.signalGroupIds) {
    const max = index.groupById.get(groupId)?.maxGreenS;
    if (max === undefined) return undefined;
    shortest = Math.min(shortest, max);
  }
  return Math.max(shortest, stageMinGreenS(index, stageId));
}

export function groupMinGreenS(group: SignalGroup): number {
  const pedestrian = (group.pedestrianWalkS ?? 0) + (group.pedestrianClearanceS ?? 0);
  return Math.max(group.minGreenS, pedestrian);
}

/**
 * Groups that lose green going from one stage to the other: they need yellow then all-red. Groups
 * green in both stages stay green through the change.
 */
export function endingGroups(index: ModelIndex, fromStageId: string, toStageId: string): SignalGroup[] {
  const from = index.stageById.get(fromStageId);
  const to = new Set(index.stageById.get(toStageId)?.signalGroupIds ?? []);
  const ending: SignalGroup[] = [];
  for (const groupId of from?.signalGroupIds ?? []) {
    if (to.has(groupId)) continue;
    const group = index.groupById.get(groupId);
    if (group) ending.push(group);
  }
  return ending;
}

/** Yellow and all-red of a change: the longest among the groups that lose green (0 if none do). */
export function intergreenS(
  index: ModelIndex,
  fromStageId: string,
  toStageId: string,
): { yellowS: number; allRedS: number } {
  let yellowS = 0;
  let allRedS = 0;
  for (const group of endingGroups(index, fromStageId, toStageId)) {
    yellowS = Math.max(yellowS, group.yellowS);
    allRedS = Math.max(allRedS, group.allRedS);
  }
  return { yellowS, allRedS };
}
