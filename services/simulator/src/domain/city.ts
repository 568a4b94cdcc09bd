import { haversineMetres, seededRandom } from '@mobility/runtime/util';
import { type CarPark, generateCarParks } from './car-parks.js';
import type { LatLon } from './geometry.js';
import { endDateAfter, type FeedDescription, gtfsFiles, zipGtfs } from './gtfs-writer.js';
import { buildIntersection, type DetectorSpec, type SignalIntersection } from './intersections.js';
import { type CitySize, SIZE_PARAMETERS } from './sizes.js';
import { generateStreetGrid, isArterial, nodeIndex, type StreetGrid, streetName } from './street-grid.js';
import { generateTransit, type TransitNetwork } from './transit.js';

export interface CityOptions {
  seed: number;
  size: CitySize;
  /** First day of the timetable, YYYYMMDD. */
  startDate: string;
  /** Days the timetable is valid (default 365). */
  validDays?: number;
  /** Default: a point in open country (47.0 N, 8.0 E) with Europe/Zurich time. */
  centre?: LatLon;
  timeZone?: string;
}

/** A generated city: everything the simulation and the services need, from one seed. */
export interface City {
  name: string;
  seed: number;
  size: CitySize;
  centre: LatLon;
  timeZone: string;
  grid: StreetGrid;
  intersections: SignalIntersection[];
  detectors: DetectorSpec[];
  transit: TransitNetwork;
  feed: FeedDescription;
  carParks: CarPark[];
}

export const DEFAULT_CENTRE: LatLon = { lat: 47.0, lon: 8.0 };
export const DEFAULT_TIME_ZONE = 'Europe/Zurich';

/** Share of arterial routes with the frequent timetable, by size (big cities have many thin routes). */
const FREQUENT_SHARE: Record<CitySize, number> = { town: 1, small: 0.6, medium: 0.3, large: 0.1 };

/**
 * Generates a coherent city from a seed: the same options always give the same city, byte for byte
 * (every random draw comes from one seeded generator, in a fixed order).
 */
export function generateCity(options: CityOptions): City {
  const random = seededRandom(options.seed);
  const size = SIZE_PARAMETERS[options.size];
  const centre = options.centre ?? DEFAULT_CENTRE;
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const grid = generateStreetGrid(centre, size, random);
  const { intersections, detectors } = generateIntersections(grid, size.centralShare);
  const transit = generateTransit({ grid, size, frequentShare: FREQUENT_SHARE[options.size], random });
  const name = `${grid.columnNames[0]?.split(' ')[0] ?? 'Sim'} City`;
  const termini = transit.patterns
    .filter((pattern) => transit.routes.find((route) => route.id === pattern.routeId)?.kind === 'frequent')
    .map((pattern) => pattern.stopIds[0] as string);
  const carParks = generateCarParks({
    count: size.carParks,
    centre,
    radiusM: grid.radiusM,
    stops: transit.stops,
    terminusStopIds: termini,
    random,
  });
  const feed: FeedDescription = {
    agencyId: 'SIM',
    agencyName: `${name} Transit (simulated)`,
    agencyUrl: 'https://example.org/simulated-transit',
    timeZone,
    lang: 'en',
    startDate: options.startDate,
    endDate: endDateAfter(options.startDate, options.validDays ?? 365),
    version: `sim-${options.size}-${options.seed}-${options.startDate}`,
  };
  return {
    name,
    seed: options.seed,
    size: options.size,
    centre,
    timeZone,
    grid,
    intersections,
    detectors,
    transit,
    feed,
    carParks,
  };
}

/** The city's GTFS feed as a zip archive. */
export function cityGtfsZip(city: City): Uint8Array {
  return zipGtfs(gtfsFiles(city.transit, city.feed));
}

/** The signal service's config file (SIGNAL_INTERSECTIONS) for the city, as JSON. */
export function intersectionConfigJson(city: City): string {
  return `${JSON.stringify({ intersections: city.intersections }, null, 1)}\n`;
}

/**
 * Signals at every crossing of two arterials, and at arterial crossings with side streets in the
 * centre; pedestrian crossings at the central ones. Coordinated for progression along the rows.
 */
function generateIntersections(
  grid: StreetGrid,
  centralShare: number,
): { intersections: SignalIntersection[]; detectors: DetectorSpec[] } {
  const intersections: SignalIntersection[] = [];
  const detectors: DetectorSpec[] = [];
  const centralRadiusM = grid.radiusM * centralShare;
  const distance = (a: LatLon, b: LatLon) => haversineMetres(a.lat, a.lon, b.lat, b.lon);
  const westEdgeM = Math.min(...grid.eastM);
  for (let j = 1; j < grid.rows - 1; j++) {
    for (let i = 1; i < grid.columns - 1; i++) {
      const arterialRow = isArterial(grid, 'row', j);
      const arterialColumn = isArterial(grid, 'column', i);
      if (!arterialRow && !arterialColumn) continue;
      const index = nodeIndex(grid, i, j);
      const central = Math.hypot(grid.eastM[index] as number, grid.northM[index] as number) <= centralRadiusM;
      if (!(arterialRow && arterialColumn) && !central) continue;
      const at = (di: number, dj: number) => {
        const k = nodeIndex(grid, i + di, j + dj);
        return { lat: grid.lats[k] as number, lon: grid.lons[k] as number };
      };
      const row = { street: streetName(grid, 'row', j), arterial: arterialRow };
      const column = { street: streetName(grid, 'column', i), arterial: arterialColumn };
      const { intersection, detectors: own } = buildIntersection({
        id: `I${i}-${j}`,
        location: at(0, 0),
        arms: [
          { from: 'S', neighbour: at(0, -1), ...column },
          { from: 'N', neighbour: at(0, 1), ...column },
          { from: 'W', neighbour: at(-1, 0), ...row },
          { from: 'E', neighbour: at(1, 0), ...row },
        ],
        pedestrians: central,
        progressionS: ((grid.eastM[index] as number) - westEdgeM) / 13.9,
        distance,
      });
      intersections.push(intersection);
      detectors.push(...own);
    }
  }
  return { intersections, detectors };
}
