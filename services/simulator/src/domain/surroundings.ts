import { haversineMetres } from '@mobility/runtime/util';
import { type CarPark, generateCarParks } from './car-parks.js';
import type { LatLon } from './geometry.js';
import { buildIntersection, type DetectorSpec, type SignalIntersection } from './intersections.js';
import type { SimNetwork } from './network.js';

/**
 * Signals and car parks for a real feed, which says nothing about either. They are placed where a
 * feed does tell something: the busiest stops (most trips through them) stand for the busiest
 * junctions, and the outer ends of the busiest routes for park-and-ride sites. The junction layout
 * is schematic (four arms on the compass points): enough to exercise the signal service, not a
 * model of the real streets.
 */
export interface Surroundings {
  intersections: SignalIntersection[];
  detectors: DetectorSpec[];
  carParks: CarPark[];
  centre: LatLon;
}

const MIN_JUNCTION_SPACING_M = 400;
const ARM_LENGTH_M = 150;

export function deriveSurroundings(
  network: SimNetwork,
  stopNames: ReadonlyMap<string, string>,
  options: { intersections: number; carParks: number; random: () => number },
): Surroundings {
  const tripsThrough = new Map<string, number>();
  const firstStops = new Map<string, number>();
  for (const trip of network.trips) {
    for (const stopId of trip.stopIds) tripsThrough.set(stopId, (tripsThrough.get(stopId) ?? 0) + 1);
    const first = trip.stopIds[0] as string;
    firstStops.set(first, (firstStops.get(first) ?? 0) + 1);
  }
  const busiest = [...tripsThrough.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([id]) => ({ id, at: network.stops.get(id) as LatLon }))
    .filter((stop) => stop.at !== undefined);
  const chosen: { id: string; at: LatLon }[] = [];
  for (const stop of busiest) {
    if (chosen.length >= options.intersections) break;
    if (
      chosen.every(
        (other) =>
          haversineMetres(other.at.lat, other.at.lon, stop.at.lat, stop.at.lon) >= MIN_JUNCTION_SPACING_M,
      )
    )
      chosen.push(stop);
  }
  const centre = chosen.length
    ? {
        lat: chosen.reduce((sum, stop) => sum + stop.at.lat, 0) / chosen.length,
        lon: chosen.reduce((sum, stop) => sum + stop.at.lon, 0) / chosen.length,
      }
    : { lat: 0, lon: 0 };
  const intersections: SignalIntersection[] = [];
  const detectors: DetectorSpec[] = [];
  const distance = (a: LatLon, b: LatLon) => haversineMetres(a.lat, a.lon, b.lat, b.lon);
  for (const [k, stop] of chosen.entries()) {
    const name = stopNames.get(stop.id) || stop.id;
    const offset = (north: number, east: number): LatLon => ({
      lat: stop.at.lat + north / 111_320,
      lon: stop.at.lon + east / (111_320 * Math.cos((stop.at.lat * Math.PI) / 180)),
    });
    // The busier half get arterial arms both ways; the rest a main road crossing a side street.
    const major = k < Math.ceil(chosen.length / 2);
    const built = buildIntersection({
      id: `J${k + 1}`,
      location: stop.at,
      arms: [
        { from: 'S', neighbour: offset(-ARM_LENGTH_M, 0), street: `${name} (north-south)`, arterial: true },
        { from: 'N', neighbour: offset(ARM_LENGTH_M, 0), street: `${name} (north-south)`, arterial: true },
        { from: 'W', neighbour: offset(0, -ARM_LENGTH_M), street: `${name} (east-west)`, arterial: major },
        { from: 'E', neighbour: offset(0, ARM_LENGTH_M), street: `${name} (east-west)`, arterial: major },
      ],
      pedestrians: true,
      progressionS: 0,
      distance,
    });
    intersections.push(built.intersection);
    detectors.push(...built.detectors);
  }
  const termini = [...firstStops.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  const stops = [...network.stops.entries()].map(([id, at]) => ({ id, lat: at.lat, lon: at.lon }));
  const carParks = generateCarParks({
    count: options.carParks,
    centre,
    radiusM: 0,
    stops,
    terminusStopIds: termini.slice(0, 50),
    random: options.random,
  });
  return { intersections, detectors, carParks, centre };
}
