import { bearingDeg, type LatLon } from './geometry.js';

/**
 * Signalised intersections in the signal service's config format (`parseIntersectionConfig` of
 * services/signal: the IntersectionModel contract), with safe timings derived from approach speed
 * and crossing width, and the detectors the simulation counts on.
 */

export interface SignalIntersection {
  id: string;
  name: string;
  location: LatLon;
  approaches: {
    id: string;
    name: string;
    bearingDeg: number;
    lanes: number;
    lengthM: number;
    detectorIds: string[];
    signalGroupIds: string[];
  }[];
  signalGroups: {
    id: string;
    movement: string;
    kind: 'vehicle' | 'pedestrian';
    minGreenS: number;
    maxGreenS: number;
    yellowS: number;
    allRedS: number;
    pedestrianWalkS?: number;
    pedestrianClearanceS?: number;
  }[];
  stages: { id: string; name: string; signalGroupIds: string[] }[];
  detectors: {
    id: string;
    approachId: string;
    kind: 'stop-line' | 'advance';
    distanceFromStopLineM: number;
  }[];
  plan: { cycleS: number; offsetS: number; splits: { stageId: string; greenS: number }[] };
}

/** What the simulation needs to count traffic on a detector (not part of the signal config). */
export interface DetectorSpec {
  intersectionId: string;
  detectorId: string;
  approachId: string;
  kind: 'stop-line' | 'advance';
  /** Mean vehicles per 15 minutes over a day (the demand profile shapes it hour by hour). */
  meanVolumePer15Min: number;
  /** Free-flow speed on the approach, m/s. */
  freeFlowSpeedMps: number;
}

/** One arm of a junction as the generator sees it. */
export interface ArmInput {
  /** Compass letter of where traffic comes FROM: 'S' = northbound traffic. */
  from: 'N' | 'E' | 'S' | 'W';
  /** The neighbouring junction the arm leads to. */
  neighbour: LatLon;
  street: string;
  arterial: boolean;
}

export interface IntersectionInput {
  id: string;
  location: LatLon;
  arms: ArmInput[];
  /** Pedestrian crossings on every arm (central junctions). */
  pedestrians: boolean;
  /** Progression along the main arterials: seconds of travel from the city's west edge. */
  progressionS: number;
  distance: (a: LatLon, b: LatLon) => number;
}

const TRAVEL = { N: 'southbound', S: 'northbound', E: 'westbound', W: 'eastbound' } as const;
const AXIS = { N: 'NS', S: 'NS', E: 'EW', W: 'EW' } as const;

/** Approach speeds (m/s): 50 km/h arterials, 40 km/h local streets. */
const ARTERIAL_SPEED_MPS = 13.9;
const LOCAL_SPEED_MPS = 11.1;
const LANE_WIDTH_M = 3.3;
/** Walking speed for pedestrian clearance (a common design value for mixed-ability crowds). */
const WALK_SPEED_MPS = 1.2;

/**
 * Yellow from the kinematic change-interval formula: reaction time plus the time to stop
 * comfortably at the approach speed (1 s + v / 2a with a = 3 m/s²), rounded up to whole seconds.
 */
function yellowFor(speedMps: number): number {
  return Math.ceil(1 + speedMps / (2 * 3.0));
}

/** All-red: time to clear the junction width plus a car length at the approach speed, at least 1 s. */
function allRedFor(speedMps: number, crossingM: number): number {
  return Math.max(1, Math.ceil((crossingM + 6) / speedMps));
}

export function buildIntersection(input: IntersectionInput): {
  intersection: SignalIntersection;
  detectors: DetectorSpec[];
} {
  const { id, arms } = input;
  const hasArterial = { NS: false, EW: false };
  for (const arm of arms) if (arm.arterial) hasArterial[AXIS[arm.from]] = true;
  const majorMajor = hasArterial.NS && hasArterial.EW;
  const lanesOf = (arm: ArmInput) => (arm.arterial ? 2 : 1);
  const crossingOf = (axis: 'NS' | 'EW') => {
    const crossing = arms.filter((arm) => AXIS[arm.from] !== axis);
    return crossing.reduce((sum, arm) => sum + lanesOf(arm), 0) * LANE_WIDTH_M + 4;
  };

  const intersection: SignalIntersection = {
    id,
    name: [...new Set(arms.map((arm) => arm.street))].join(' / '),
    location: input.location,
    approaches: [],
    signalGroups: [],
    stages: [],
    detectors: [],
    plan: { cycleS: 0, offsetS: 0, splits: [] },
  };
  const detectors: DetectorSpec[] = [];
  const stageGroups: Record<string, string[]> = { NS: [], EW: [], 'NS-left': [], 'EW-left': [] };

  for (const arm of arms) {
    const approachId = arm.from;
    const speed = arm.arterial ? ARTERIAL_SPEED_MPS : LOCAL_SPEED_MPS;
    const axis = AXIS[arm.from];
    const crossing = crossingOf(axis);
    const throughLanes = lanesOf(arm);
    const protectedLeft = majorMajor && arm.arterial;
    const lanes = throughLanes + (protectedLeft ? 1 : 0);
    const through = `${approachId}-through`;
    intersection.signalGroups.push({
      id: through,
      movement: `${approachId}-through-right${protectedLeft ? '' : '-left'}`,
      kind: 'vehicle',
      minGreenS: 7,
      maxGreenS: arm.arterial ? 60 : 40,
      yellowS: yellowFor(speed),
      allRedS: allRedFor(speed, crossing),
    });
    stageGroups[axis]?.push(through);
    const groupIds = [through];
    if (protectedLeft) {
      const left = `${approachId}-left`;
      intersection.signalGroups.push({
        id: left,
        movement: `${approachId}-left`,
        kind: 'vehicle',
        minGreenS: 5,
        maxGreenS: 25,
        yellowS: yellowFor(speed),
        allRedS: allRedFor(speed, crossing),
      });
      stageGroups[`${axis}-left`]?.push(left);
      groupIds.push(left);
    }
    const detectorIds: string[] = [];
    // Demand: an arterial lane carries about the SCATS mean, a local street a third of it.
    const perLaneVolume = arm.arterial ? 75 : 25;
    for (let lane = 1; lane <= lanes; lane++) {
      const detectorId = `${id}.${approachId}.SL${lane}`;
      detectorIds.push(detectorId);
      intersection.detectors.push({
        id: detectorId,
        approachId,
        kind: 'stop-line',
        distanceFromStopLineM: 0,
      });
      const isLeftLane = protectedLeft && lane === lanes;
      detectors.push({
        intersectionId: id,
        detectorId,
        approachId,
        kind: 'stop-line',
        meanVolumePer15Min: isLeftLane ? perLaneVolume * 0.35 : perLaneVolume,
        freeFlowSpeedMps: speed,
      });
    }
    if (arm.arterial) {
      const detectorId = `${id}.${approachId}.AD`;
      detectorIds.push(detectorId);
      intersection.detectors.push({ id: detectorId, approachId, kind: 'advance', distanceFromStopLineM: 60 });
      detectors.push({
        intersectionId: id,
        detectorId,
        approachId,
        kind: 'advance',
        meanVolumePer15Min: perLaneVolume * throughLanes * 1.1,
        freeFlowSpeedMps: speed,
      });
    }
    intersection.approaches.push({
      id: approachId,
      name: `${arm.street} ${TRAVEL[arm.from]}`,
      bearingDeg: Math.round(bearingDeg(arm.neighbour, input.location) * 10) / 10,
      lanes,
      lengthM: Math.round(input.distance(arm.neighbour, input.location)),
      detectorIds,
      signalGroupIds: groupIds,
    });
  }

  if (input.pedestrians) {
    // Pedestrians walking beside N-S traffic cross the E and W arms, so they go with the NS stage.
    for (const axis of ['NS', 'EW'] as const) {
      const crossedArms = arms.filter((arm) => AXIS[arm.from] !== axis);
      if (crossedArms.length === 0 || (stageGroups[axis]?.length ?? 0) === 0) continue;
      const widestM = Math.max(...crossedArms.map((arm) => lanesOf(arm) * 2 * LANE_WIDTH_M));
      const groupId = `P-${axis}`;
      intersection.signalGroups.push({
        id: groupId,
        movement: `${axis === 'NS' ? 'E-W arms' : 'N-S arms'} crossing`,
        kind: 'pedestrian',
        minGreenS: 7,
        maxGreenS: 60,
        yellowS: 0,
        allRedS: 2,
        pedestrianWalkS: 7,
        pedestrianClearanceS: Math.ceil(widestM / WALK_SPEED_MPS),
      });
      // Not listed on any approach: a stage serving an approach means its vehicles move, and a
      // crossing's walk light moves no vehicles.
      stageGroups[axis]?.push(groupId);
    }
  }

  // Stage order: NS lefts lead NS through, then EW lefts lead EW through.
  const order = ['NS-left', 'NS', 'EW-left', 'EW'] as const;
  const groupById = new Map(intersection.signalGroups.map((group) => [group.id, group]));
  const minGreen = (groupIds: string[]) =>
    Math.max(
      ...groupIds.map((groupId) => {
        const group = groupById.get(groupId);
        if (!group) return 0;
        return Math.max(group.minGreenS, (group.pedestrianWalkS ?? 0) + (group.pedestrianClearanceS ?? 0));
      }),
    );
  const weights: Record<(typeof order)[number], number> = {
    'NS-left': 0.12,
    NS: hasArterial.NS ? 0.5 : 0.35,
    'EW-left': 0.12,
    EW: hasArterial.EW ? 0.5 : 0.35,
  };
  const stages = order.filter((stage) => (stageGroups[stage]?.length ?? 0) > 0);
  const baseCycleGreenS = majorMajor ? 80 : hasArterial.NS || hasArterial.EW ? 55 : 40;
  const totalWeight = stages.reduce((sum, stage) => sum + weights[stage], 0);
  let intergreens = 0;
  for (const [index, stage] of stages.entries()) {
    const groupIds = stageGroups[stage] as string[];
    intersection.stages.push({ id: stage, name: stageName(stage), signalGroupIds: groupIds });
    const greenS = Math.max(minGreen(groupIds), Math.round((baseCycleGreenS * weights[stage]) / totalWeight));
    intersection.plan.splits.push({ stageId: stage, greenS });
    // The change after this stage: the longest yellow and all-red among the groups that end.
    const next = new Set(stageGroups[stages[(index + 1) % stages.length] as string]);
    const ending = groupIds.filter((groupId) => !next.has(groupId)).map((groupId) => groupById.get(groupId));
    intergreens +=
      Math.max(0, ...ending.map((group) => group?.yellowS ?? 0)) +
      Math.max(0, ...ending.map((group) => group?.allRedS ?? 0));
  }
  const cycleS = intersection.plan.splits.reduce((sum, split) => sum + split.greenS, 0) + intergreens;
  intersection.plan.cycleS = cycleS;
  intersection.plan.offsetS = Math.round(input.progressionS) % cycleS;
  return { intersection, detectors };
}

function stageName(stage: string): string {
  switch (stage) {
    case 'NS':
      return 'north-south through';
    case 'EW':
      return 'east-west through';
    case 'NS-left':
      return 'north-south protected left turns';
    default:
      return 'east-west protected left turns';
  }
}
