import { haversineMetres } from '@mobility/runtime/util';
import type { LatLon } from './geometry.js';
import { runningTimeFactor } from './profiles.js';
import type { SizeParameters } from './sizes.js';
import { isArterial, nodeIndex, type StreetGrid, streetName } from './street-grid.js';

/**
 * Bus network of a generated city: routes along the streets, stops shared by every route passing
 * the same corner in the same direction (so transfers exist), a timetable by time band and day
 * type, and vehicle blocks chaining trips with layovers at the termini.
 *
 * Trips are kept compact (pattern + start time); stop times are derived on demand, so a large city's
 * millions of stop times exist only as text in the feed being written.
 */

export interface TransitStop {
  id: string;
  code: string;
  name: string;
  lat: number;
  lon: number;
  /** 1 accessible, 2 not (GTFS wheelchair_boarding). */
  wheelchairBoarding: 1 | 2;
}

export type RouteKind = 'frequent' | 'local';

export interface TransitRoute {
  id: string;
  shortName: string;
  longName: string;
  kind: RouteKind;
  color: string;
  textColor: string;
}

export interface TransitPattern {
  /** Also the shape id. */
  id: string;
  routeId: string;
  directionId: 0 | 1;
  headsign: string;
  stopIds: string[];
  /** Distance of each stop along the shape, metres. */
  stopDistM: number[];
  /** Whether the stop is a timepoint (buses do not leave it early). */
  timepoints: boolean[];
  /** Free-flow running seconds from each stop to the next (length = stops - 1). */
  segmentRunS: number[];
  shape: LatLon[];
  shapeDistM: number[];
}

export type ServiceId = 'WD' | 'SA' | 'SU';

export interface TransitTrip {
  id: string;
  routeId: string;
  serviceId: ServiceId;
  patternIndex: number;
  blockId: string;
  /** Departure from the first stop, seconds after service-day start (may pass 24 h). */
  startS: number;
}

export interface TransitNetwork {
  stops: TransitStop[];
  routes: TransitRoute[];
  patterns: TransitPattern[];
  trips: TransitTrip[];
}

type Direction = 'N' | 'E' | 'S' | 'W';
type Node = readonly [number, number];

/** Headway bands: [from, to) in seconds of the service day, headway in seconds. */
type Bands = readonly (readonly [number, number, number])[];
const H = 3600;
const M = 60;
const TIMETABLE: Record<RouteKind, Record<ServiceId, Bands>> = {
  frequent: {
    WD: [
      [5 * H, 6.5 * H, 20 * M],
      [6.5 * H, 9.5 * H, 8 * M],
      [9.5 * H, 15.5 * H, 12 * M],
      [15.5 * H, 18.5 * H, 8 * M],
      [18.5 * H, 21 * H, 15 * M],
      [21 * H, 24.5 * H, 30 * M],
    ],
    SA: [
      [6 * H, 9 * H, 20 * M],
      [9 * H, 19 * H, 12 * M],
      [19 * H, 24.5 * H, 30 * M],
    ],
    SU: [
      [7 * H, 10 * H, 30 * M],
      [10 * H, 19 * H, 15 * M],
      [19 * H, 24 * H, 30 * M],
    ],
  },
  local: {
    WD: [
      [6 * H, 9 * H, 30 * M],
      [9 * H, 15 * H, 60 * M],
      [15 * H, 19 * H, 30 * M],
      [19 * H, 21 * H, 60 * M],
    ],
    SA: [[8 * H, 18 * H, 60 * M]],
    SU: [],
  },
};
/** The city's first frequent route also runs all night, hourly (times past 24:00 of the service day). */
const NIGHT_BANDS: Bands = [[24.5 * H, 29 * H, 60 * M]];

/** Scheduled bus speeds including stops and signals, m/s, before the time-of-day factor. */
const ARTERIAL_BUS_SPEED_MPS = 21 / 3.6;
const LOCAL_BUS_SPEED_MPS = 17 / 3.6;
const MIN_LAYOVER_S = 5 * M;
const TIMEPOINT_EVERY = 5;

const STEP: Record<Direction, readonly [number, number]> = { E: [1, 0], W: [-1, 0], N: [0, 1], S: [0, -1] };

function directionOf(from: Node, to: Node): Direction {
  if (to[0] > from[0]) return 'E';
  if (to[0] < from[0]) return 'W';
  return to[1] > from[1] ? 'N' : 'S';
}

/** The street a step runs along: east-west steps follow a row, north-south ones a column. */
function alongStreet(grid: StreetGrid, node: Node, direction: Direction): string {
  return direction === 'E' || direction === 'W'
    ? streetName(grid, 'row', node[1])
    : streetName(grid, 'column', node[0]);
}
function crossStreet(grid: StreetGrid, node: Node, direction: Direction): string {
  return direction === 'E' || direction === 'W'
    ? streetName(grid, 'column', node[0])
    : streetName(grid, 'row', node[1]);
}

function isArterialStep(grid: StreetGrid, node: Node, direction: Direction): boolean {
  return direction === 'E' || direction === 'W'
    ? isArterial(grid, 'row', node[1])
    : isArterial(grid, 'column', node[0]);
}

/** Straight runs along arterials, cut into routes of at most `maxNodes`, overlapping by two nodes. */
function arterialPaths(grid: StreetGrid, maxNodes: number): Node[][] {
  const paths: Node[][] = [];
  const cut = (line: Node[]) => {
    if (line.length <= maxNodes) return void paths.push(line);
    const pieces = Math.ceil((line.length - 2) / (maxNodes - 2));
    const length = Math.ceil((line.length - 2) / pieces) + 2;
    for (let start = 0; start + 2 < line.length; start += length - 2)
      paths.push(line.slice(start, start + length));
  };
  for (const j of [...grid.arterialRows].sort((a, b) => a - b))
    cut(Array.from({ length: grid.columns }, (_, i) => [i, j] as const));
  for (const i of [...grid.arterialColumns].sort((a, b) => a - b))
    cut(Array.from({ length: grid.rows }, (_, j) => [i, j] as const));
  return paths.filter((path) => path.length >= 3);
}

/** A winding local route: a staircase between two random corners, runs of 2-4 blocks per turn. */
function localPath(grid: StreetGrid, maxNodes: number, random: () => number): Node[] {
  const span = Math.max(4, Math.floor(maxNodes / 2));
  const i0 = Math.floor(random() * grid.columns);
  const j0 = Math.floor(random() * grid.rows);
  const clamp = (value: number, max: number) => Math.min(max - 1, Math.max(0, value));
  const i1 = clamp(i0 + Math.round((random() - 0.5) * 2 * span), grid.columns);
  const j1 = clamp(j0 + Math.round((random() - 0.5) * 2 * span), grid.rows);
  const path: Node[] = [[i0, j0]];
  let [i, j] = [i0, j0];
  let horizontal = random() < 0.5;
  while (i !== i1 || j !== j1) {
    const run = 2 + Math.floor(random() * 3);
    for (let k = 0; k < run; k++) {
      if (horizontal && i !== i1) i += Math.sign(i1 - i);
      else if (!horizontal && j !== j1) j += Math.sign(j1 - j);
      else break;
      path.push([i, j]);
    }
    horizontal = !horizontal;
  }
  return path;
}

export interface TransitInput {
  grid: StreetGrid;
  size: SizeParameters;
  /** Share of arterial routes (those nearest the centre) given the frequent timetable. */
  frequentShare: number;
  random: () => number;
}

export function generateTransit({ grid, size, frequentShare, random }: TransitInput): TransitNetwork {
  const stops = new Map<string, TransitStop>();
  const network: TransitNetwork = { stops: [], routes: [], patterns: [], trips: [] };
  const centreDistance = (path: Node[]) => {
    const middle = path[Math.floor(path.length / 2)] as Node;
    const index = nodeIndex(grid, middle[0], middle[1]);
    return Math.hypot(grid.eastM[index] as number, grid.northM[index] as number);
  };
  const arterial = arterialPaths(grid, size.maxRouteNodes).sort(
    (a, b) => centreDistance(a) - centreDistance(b),
  );
  const frequentCount = Math.max(1, Math.round(arterial.length * frequentShare));
  const routePaths: { path: Node[]; kind: RouteKind }[] = [
    ...arterial.map((path, k) => ({ path, kind: (k < frequentCount ? 'frequent' : 'local') as RouteKind })),
    ...Array.from({ length: size.localRoutes }, () => ({
      path: localPath(grid, size.maxRouteNodes, random),
      kind: 'local' as RouteKind,
    })).filter(({ path }) => path.length >= 4),
  ];

  const stopAt = (node: Node, direction: Direction): TransitStop => {
    const id = `S${node[0]}-${node[1]}-${direction}`;
    let stop = stops.get(id);
    if (!stop) {
      // Near-side kerb stop: 15 m before the corner, 7 m right of the centre line.
      const index = nodeIndex(grid, node[0], node[1]);
      const [di, dj] = STEP[direction];
      const ahead = { east: 0, north: 0 };
      const neighbour = [node[0] - di, node[1] - dj] as const;
      const inside =
        neighbour[0] >= 0 && neighbour[0] < grid.columns && neighbour[1] >= 0 && neighbour[1] < grid.rows;
      const other = inside
        ? nodeIndex(grid, neighbour[0], neighbour[1])
        : nodeIndex(grid, node[0] + di, node[1] + dj);
      const sign = inside ? 1 : -1;
      const dx = sign * ((grid.eastM[index] as number) - (grid.eastM[other] as number));
      const dy = sign * ((grid.northM[index] as number) - (grid.northM[other] as number));
      const length = Math.hypot(dx, dy) || 1;
      ahead.east = dx / length;
      ahead.north = dy / length;
      const metresPerDegreeLon = 111_320 * Math.cos(((grid.lats[index] as number) * Math.PI) / 180);
      const east = -15 * ahead.east + 7 * ahead.north;
      const north = -15 * ahead.north - 7 * ahead.east;
      stop = {
        id,
        code: String(10_000 + stops.size),
        name: `${alongStreet(grid, node, direction)} / ${crossStreet(grid, node, direction)}`,
        lat: round6((grid.lats[index] as number) + north / 111_320),
        lon: round6((grid.lons[index] as number) + east / metresPerDegreeLon),
        wheelchairBoarding: random() < 0.9 ? 1 : 2,
      };
      stops.set(id, stop);
    }
    return stop;
  };

  let nightRouteChosen = false;
  for (const [routeIndex, { path, kind }] of routePaths.entries()) {
    const routeId = `R${routeIndex + 1}`;
    const shortName = String(kind === 'frequent' ? routeIndex + 1 : 100 + routeIndex);
    const first = path[0] as Node;
    const last = path[path.length - 1] as Node;
    const firstDirection = directionOf(first, path[1] as Node);
    const lastDirection = directionOf(path[path.length - 2] as Node, last);
    const endName = (node: Node, direction: Direction) => crossStreet(grid, node, direction);
    const patternIndices: number[] = [];
    for (const directionId of [0, 1] as const) {
      const nodes = directionId === 0 ? path : [...path].reverse();
      patternIndices.push(network.patterns.length);
      network.patterns.push(
        buildPattern(
          grid,
          nodes,
          `${routeId}-${directionId}`,
          routeId,
          directionId,
          stopAt,
          (node, direction) => endName(node, direction),
        ),
      );
    }
    network.routes.push({
      id: routeId,
      shortName,
      longName: `${endName(first, firstDirection)} - ${endName(last, lastDirection)}`,
      kind,
      color: kind === 'frequent' ? 'C8102E' : '00778B',
      textColor: 'FFFFFF',
    });
    const night: boolean = kind === 'frequent' && !nightRouteChosen;
    nightRouteChosen ||= night;
    scheduleRoute(network, routeId, kind, patternIndices as [number, number], night, random);
  }
  network.stops = [...stops.values()];
  return network;
}

function buildPattern(
  grid: StreetGrid,
  nodes: readonly Node[],
  id: string,
  routeId: string,
  directionId: 0 | 1,
  stopAt: (node: Node, direction: Direction) => TransitStop,
  endName: (node: Node, direction: Direction) => string,
): TransitPattern {
  const shape: LatLon[] = [];
  const shapeDistM: number[] = [];
  const stopIds: string[] = [];
  const stopDistM: number[] = [];
  const segmentRunS: number[] = [];
  let runSinceStop = 0;
  for (const [k, node] of nodes.entries()) {
    const index = nodeIndex(grid, node[0], node[1]);
    const point = { lat: grid.lats[index] as number, lon: grid.lons[index] as number };
    let along = 0;
    if (k > 0) {
      const previous = shape[k - 1] as LatLon;
      const step = haversineMetres(previous.lat, previous.lon, point.lat, point.lon);
      along = (shapeDistM[k - 1] as number) + step;
      const direction = directionOf(nodes[k - 1] as Node, node);
      runSinceStop +=
        step / (isArterialStep(grid, node, direction) ? ARTERIAL_BUS_SPEED_MPS : LOCAL_BUS_SPEED_MPS);
    }
    shape.push(point);
    shapeDistM.push(round1(along));
    // Stops at every other corner (by a global parity, so parallel routes share them) and both ends.
    const isEnd = k === 0 || k === nodes.length - 1;
    if (isEnd || (node[0] + node[1]) % 2 === 0) {
      const direction =
        k === 0 ? directionOf(node, nodes[1] as Node) : directionOf(nodes[k - 1] as Node, node);
      const stop = stopAt(node, direction);
      if (stopIds.length > 0) segmentRunS.push(runSinceStop);
      stopIds.push(stop.id);
      stopDistM.push(round1(along));
      runSinceStop = 0;
    }
  }
  const timepoints = stopIds.map((_, k) => k === 0 || k === stopIds.length - 1 || k % TIMEPOINT_EVERY === 0);
  const lastNode = nodes[nodes.length - 1] as Node;
  return {
    id,
    routeId,
    directionId,
    headsign: endName(lastNode, directionOf(nodes[nodes.length - 2] as Node, lastNode)),
    stopIds,
    stopDistM,
    timepoints,
    segmentRunS,
    shape,
    shapeDistM,
  };
}

/** Arrival and departure seconds at each stop of a trip (arrival = departure: dwell is in the running time). */
export function tripTimes(pattern: TransitPattern, trip: TransitTrip): number[] {
  const weekend = trip.serviceId !== 'WD';
  const factor = runningTimeFactor(trip.startS % 86_400, weekend);
  const times = [trip.startS];
  let t = trip.startS;
  for (const run of pattern.segmentRunS) {
    t += run * factor;
    times.push(Math.round(t));
  }
  return times;
}

function scheduleRoute(
  network: TransitNetwork,
  routeId: string,
  kind: RouteKind,
  patterns: readonly [number, number],
  night: boolean,
  random: () => number,
): void {
  for (const serviceId of ['WD', 'SA', 'SU'] as const) {
    const bands = [...TIMETABLE[kind][serviceId], ...(night ? NIGHT_BANDS : [])];
    if (bands.length === 0) continue;
    const phase = random();
    const departures: { patternIndex: number; startS: number; endS: number }[] = [];
    for (const [d, patternIndex] of patterns.entries()) {
      const pattern = network.patterns[patternIndex] as TransitPattern;
      for (const [from, to, headway] of bands) {
        // Directions offset by half a headway, routes by a random phase, on whole minutes.
        const offset = Math.round((((phase + d * 0.5) % 1) * headway) / M) * M;
        for (let startS = from + offset; startS < to; startS += headway) {
          const probe: TransitTrip = { id: '', routeId, serviceId, patternIndex, blockId: '', startS };
          const times = tripTimes(pattern, probe);
          departures.push({ patternIndex, startS, endS: times[times.length - 1] as number });
        }
      }
    }
    departures.sort((a, b) => a.startS - b.startS);
    // Blocks: a vehicle waiting at the trip's first stop takes it once its layover is over.
    const vehicles: { at: number; freeAtS: number; blockId: string }[] = [];
    for (const departure of departures) {
      const pattern = network.patterns[departure.patternIndex] as TransitPattern;
      let vehicle = vehicles
        .filter((v) => v.at === pattern.directionId && v.freeAtS <= departure.startS)
        .sort((a, b) => a.freeAtS - b.freeAtS)[0];
      if (!vehicle) {
        vehicle = {
          at: pattern.directionId,
          freeAtS: 0,
          blockId: `${routeId}-${serviceId}-B${vehicles.length + 1}`,
        };
        vehicles.push(vehicle);
      }
      const runS = departure.endS - departure.startS;
      vehicle.at = 1 - pattern.directionId;
      vehicle.freeAtS = departure.endS + Math.max(MIN_LAYOVER_S, Math.round(runS * 0.1));
      network.trips.push({
        id: `${routeId}-${serviceId}-${pattern.directionId}-${hhmm(departure.startS)}`,
        routeId,
        serviceId,
        patternIndex: departure.patternIndex,
        blockId: vehicle.blockId,
        startS: departure.startS,
      });
    }
  }
}

function hhmm(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
