import { XMLParser } from 'fast-xml-parser';
import type { Approach, IntersectionModel, SignalGroup, Stage } from '../domain/model.js';

/**
 * Import of a SUMO network's signalised junctions as intersection models (pure: text in, models out).
 *
 * - Signal groups: links (connection indices of a tlLogic) from the same incoming edge that are green
 *   in exactly the same phases always show the same colour, so each such set is one group.
 * - Stages: the program's green phases (any G/g, no yellow), in program order; the fixed-time plan
 *   is the program itself (greens = green phase durations, cycle = sum of all phases).
 * - Timings per group: minimum green = the phase's minDur, else min(duration, `defaultMinGreenS`);
 *   maximum green = maxDur when given; yellow = longest yellow phase showing the group yellow;
 *   all-red = the red-only phases that follow its yellow before the next green.
 * - Approaches: the incoming edges. Queues are counted over the whole edge and, when the edge is
 *   short (some signal lanes are under 10 m), over upstream edges feeding it, up to
 *   `minApproachLengthM`, stopping at other signalised junctions.
 * The XML parser drops comments, so commented-out phases in a net never become phases.
 */

export interface SumoLink {
  index: number;
  fromEdge: string;
  fromLane: string;
  toEdge: string;
  toLane: string;
}

export interface SumoPhase {
  durationS: number;
  state: string;
  minDurS?: number;
  maxDurS?: number;
}

export interface SumoSignal {
  tlsId: string;
  programId: string;
  offsetS: number;
  phases: SumoPhase[];
  links: SumoLink[];
  linkCount: number;
  model: IntersectionModel;
  /** Link indices of every signal group. */
  groupLinks: Map<string, number[]>;
  /** The program's state string for each stage (its green phase). */
  stageStates: Map<string, string>;
  /** Phase index in the program of each stage. */
  stagePhaseIndex: Map<string, number>;
  /** Edges whose vehicles count for each approach (the incoming edge first). */
  approachEdges: Map<string, string[]>;
}

export interface SumoNetwork {
  signals: SumoSignal[];
  /** Lane ids, length and edge of every lane of every normal edge. */
  lanes: Map<string, { edge: string; lengthM: number }>;
  edgeLanes: Map<string, string[]>;
}

export interface NetworkImportOptions {
  defaultMinGreenS: number;
  minApproachLengthM: number;
  /** Yellow used for a group the program never shows yellow (it still needs one to end green). */
  defaultYellowS: number;
}

const DEFAULT_OPTIONS: NetworkImportOptions = {
  defaultMinGreenS: 5,
  minApproachLengthM: 100,
  defaultYellowS: 3,
};

type XmlNode = Record<string, unknown>;

const LIST_ELEMENTS = new Set(['edge', 'lane', 'tlLogic', 'phase', 'connection', 'junction', 'param']);

export function parseSumoNetwork(xml: string, overrides: Partial<NetworkImportOptions> = {}): SumoNetwork {
  const options = { ...DEFAULT_OPTIONS, ...overrides };
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (name) => LIST_ELEMENTS.has(name),
  });
  const document = parser.parse(xml) as XmlNode;
  const net = document.net as XmlNode | undefined;
  if (!net) throw new Error('not a SUMO network: no <net> element');

  const lanes = new Map<string, { edge: string; lengthM: number }>();
  const edgeLanes = new Map<string, string[]>();
  const edgeLength = new Map<string, number>();
  const edgeFrom = new Map<string, string>();
  const edgeTo = new Map<string, string>();
  for (const edge of list(net.edge)) {
    const edgeId = text(edge.id);
    if (edge.function === 'internal') continue;
    const ids: string[] = [];
    let longest = 0;
    for (const lane of list(edge.lane)) {
      const laneId = text(lane.id);
      const lengthM = Number(lane.length);
      lanes.set(laneId, { edge: edgeId, lengthM });
      ids.push(laneId);
      longest = Math.max(longest, lengthM);
    }
    edgeLanes.set(edgeId, ids);
    edgeLength.set(edgeId, longest);
    edgeFrom.set(edgeId, text(edge.from));
    edgeTo.set(edgeId, text(edge.to));
  }

  const signalJunctions = new Set(
    list(net.junction)
      .filter((junction) => String(junction.type ?? '').includes('traffic_light'))
      .map((junction) => text(junction.id)),
  );
  // Upstream feeders of each edge over non-internal connections.
  const feeders = new Map<string, Set<string>>();
  const linksByTls = new Map<string, SumoLink[]>();
  for (const connection of list(net.connection)) {
    const from = text(connection.from);
    const to = text(connection.to);
    if (from.startsWith(':') || to.startsWith(':')) continue;
    if (!feeders.has(to)) feeders.set(to, new Set());
    feeders.get(to)?.add(from);
    if (connection.tl === undefined || connection.linkIndex === undefined) continue;
    const tlsId = text(connection.tl);
    const link: SumoLink = {
      index: Number(connection.linkIndex),
      fromEdge: from,
      fromLane: `${from}_${text(connection.fromLane)}`,
      toEdge: to,
      toLane: `${to}_${text(connection.toLane)}`,
    };
    if (!linksByTls.has(tlsId)) linksByTls.set(tlsId, []);
    linksByTls.get(tlsId)?.push(link);
  }

  const approachChain = (incoming: string): string[] => {
    const chain = [incoming];
    let frontier = [incoming];
    let length = edgeLength.get(incoming) ?? 0;
    while (length < options.minApproachLengthM && frontier.length > 0) {
      const next: string[] = [];
      for (const edge of frontier) {
        const junction = edgeFrom.get(edge);
        if (junction !== undefined && signalJunctions.has(junction)) continue;
        for (const feeder of feeders.get(edge) ?? []) {
          // A U-turn from the opposite direction is not part of this approach.
          const reverse =
            edgeFrom.get(feeder) === edgeTo.get(edge) && edgeTo.get(feeder) === edgeFrom.get(edge);
          if (chain.includes(feeder) || reverse) continue;
          chain.push(feeder);
          next.push(feeder);
        }
      }
      if (next.length === 0) break;
      length += Math.max(...next.map((edge) => edgeLength.get(edge) ?? 0));
      frontier = next;
    }
    return chain;
  };

  const signals: SumoSignal[] = [];
  for (const logic of list(net.tlLogic)) {
    const tlsId = text(logic.id);
    const links = (linksByTls.get(tlsId) ?? []).sort((a, b) => a.index - b.index);
    const phases: SumoPhase[] = list(logic.phase).map((phase) => {
      const parsed: SumoPhase = { durationS: Number(phase.duration), state: text(phase.state) };
      if (phase.minDur !== undefined) parsed.minDurS = Number(phase.minDur);
      if (phase.maxDur !== undefined) parsed.maxDurS = Number(phase.maxDur);
      return parsed;
    });
    if (phases.length === 0 || links.length === 0) continue;
    signals.push(
      buildSignal(
        tlsId,
        text(logic.programID ?? '0'),
        Number(logic.offset ?? 0),
        phases,
        links,
        approachChain,
        edgeLanes,
        options,
      ),
    );
  }
  return { signals, lanes, edgeLanes };
}

const isGreen = (char: string | undefined) => char === 'G' || char === 'g';
const isYellow = (char: string | undefined) => char === 'y' || char === 'Y';

function buildSignal(
  tlsId: string,
  programId: string,
  offsetS: number,
  phases: SumoPhase[],
  links: SumoLink[],
  approachChain: (edge: string) => string[],
  edgeLanes: Map<string, string[]>,
  options: NetworkImportOptions,
): SumoSignal {
  const linkCount = Math.max(phases[0]?.state.length ?? 0, ...links.map((link) => link.index + 1));
  const stagePhases = phases
    .map((phase, index) => ({ phase, index }))
    .filter(({ phase }) => [...phase.state].some(isGreen) && ![...phase.state].some(isYellow));

  const stages: Stage[] = [];
  const stageStates = new Map<string, string>();
  const stagePhaseIndex = new Map<string, number>();
  for (const { phase, index } of stagePhases) {
    const stageId = `p${index}`;
    stages.push({ id: stageId, name: `phase ${index}`, signalGroupIds: [] });
    stageStates.set(stageId, phase.state);
    stagePhaseIndex.set(stageId, index);
  }

  // Group links by incoming edge and the set of stages that show them green.
  const groupLinks = new Map<string, number[]>();
  const groupKeys = new Map<string, string>();
  const groupEdge = new Map<string, string>();
  const linkByIndex = new Map(links.map((link) => [link.index, link]));
  for (let index = 0; index < linkCount; index++) {
    const link = linkByIndex.get(index);
    if (!link) continue;
    const pattern = stagePhases.map(({ phase }) => (isGreen(phase.state[index]) ? '1' : '0')).join('');
    if (!pattern.includes('1')) continue;
    const key = `${link.fromEdge}|${pattern}`;
    let groupId = groupKeys.get(key);
    if (groupId === undefined) {
      groupId = `${tlsId}:${groupKeys.size}`;
      groupKeys.set(key, groupId);
      groupLinks.set(groupId, []);
      groupEdge.set(groupId, link.fromEdge);
    }
    groupLinks.get(groupId)?.push(index);
  }

  const signalGroups: SignalGroup[] = [];
  for (const [groupId, indices] of groupLinks) {
    const first = indices[0] ?? 0;
    const greenIn = stagePhases.filter(({ phase }) => isGreen(phase.state[first]));
    for (const { index } of greenIn)
      stages.find((stage) => stage.id === `p${index}`)?.signalGroupIds.push(groupId);
    const minGreenS = Math.min(
      ...greenIn.map(({ phase }) => phase.minDurS ?? Math.min(phase.durationS, options.defaultMinGreenS)),
    );
    const maxima = greenIn.map(({ phase }) => phase.maxDurS);
    let yellowS = 0;
    let allRedS = 0;
    phases.forEach((phase, index) => {
      if (!isYellow(phase.state[first])) return;
      yellowS = Math.max(yellowS, phase.durationS);
      // Red-only phases right after the yellow, before anything turns green again, are all-red.
      let redS = 0;
      for (let next = index + 1; next < index + phases.length; next++) {
        const following = phases[next % phases.length];
        if (!following || [...following.state].some((char) => isGreen(char) || isYellow(char))) break;
        redS += following.durationS;
      }
      allRedS = Math.max(allRedS, redS);
    });
    const toEdges = [...new Set(indices.map((index) => linkByIndex.get(index)?.toEdge ?? '?'))];
    const group: SignalGroup = {
      id: groupId,
      movement: `${groupEdge.get(groupId)} -> ${toEdges.join('/')}`,
      kind: 'vehicle',
      minGreenS,
      yellowS: yellowS > 0 ? yellowS : options.defaultYellowS,
      allRedS,
    };
    if (maxima.every((max) => max !== undefined)) {
      group.maxGreenS = Math.max(minGreenS, ...(maxima as number[]));
    }
    signalGroups.push(group);
  }

  const approaches: Approach[] = [];
  const approachEdges = new Map<string, string[]>();
  const incoming = [...new Set(links.map((link) => link.fromEdge))];
  for (const edge of incoming) {
    const groups = [...groupEdge].filter(([, from]) => from === edge).map(([groupId]) => groupId);
    if (groups.length === 0) continue;
    const chain = approachChain(edge);
    approachEdges.set(edge, chain);
    approaches.push({
      id: edge,
      name: edge,
      lanes: edgeLanes.get(edge)?.length ?? 1,
      detectorIds: [],
      signalGroupIds: groups,
    });
  }

  const usedStages = stages.filter((stage) => stage.signalGroupIds.length > 0);
  const model: IntersectionModel = {
    id: tlsId,
    name: tlsId,
    approaches,
    signalGroups,
    stages: usedStages,
    detectors: [],
    plan: {
      cycleS: phases.reduce((total, phase) => total + phase.durationS, 0),
      offsetS,
      splits: usedStages.map((stage) => ({
        stageId: stage.id,
        greenS: phases[stagePhaseIndex.get(stage.id) ?? 0]?.durationS ?? 1,
      })),
    },
  };
  return {
    tlsId,
    programId,
    offsetS,
    phases,
    links,
    linkCount,
    model,
    groupLinks,
    stageStates,
    stagePhaseIndex,
    approachEdges,
  };
}

function list(value: unknown): XmlNode[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}
