import { haversineMetres } from '@mobility/runtime/util';
import type { LatLon } from './geometry.js';
import { inventName } from './names.js';
import type { CarParkProfile } from './profiles.js';

/** A car park of the simulated city: where it is, how big, which stops it serves and how it fills. */
export interface CarPark {
  id: string;
  name: string;
  kind: 'garage' | 'park-and-ride';
  location: LatLon;
  capacity: number;
  /** Stops within a short walk (park-and-ride). */
  servedStopIds: string[];
  profile: CarParkProfile;
}

export interface CarParkInput {
  count: number;
  centre: LatLon;
  /** Radius of the built-up area, metres. */
  radiusM: number;
  stops: readonly { id: string; lat: number; lon: number }[];
  /** Stops at the outer ends of frequent routes: where park-and-ride lots go. */
  terminusStopIds: readonly string[];
  random: () => number;
}

const WALK_RADIUS_M = 400;
const MAX_SERVED_STOPS = 4;

/**
 * Garages around the centre and park-and-ride lots at the outer termini of frequent routes (about
 * a third of the total), each placed a short walk from a stop and listing the stops nearby.
 */
export function generateCarParks(input: CarParkInput): CarPark[] {
  const { random, stops } = input;
  const byId = new Map(stops.map((stop) => [stop.id, stop]));
  const outerTermini = input.terminusStopIds
    .map((id) => byId.get(id))
    .filter((stop): stop is NonNullable<typeof stop> => stop !== undefined)
    .map((stop) => ({
      stop,
      distance: haversineMetres(stop.lat, stop.lon, input.centre.lat, input.centre.lon),
    }))
    .sort((a, b) => b.distance - a.distance);
  const parkAndRide = Math.min(outerTermini.length, Math.floor(input.count / 3) || (input.count > 1 ? 1 : 0));
  const central = input.count - parkAndRide;
  const centralStops = stops
    .map((stop) => ({
      stop,
      distance: haversineMetres(stop.lat, stop.lon, input.centre.lat, input.centre.lon),
    }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, Math.max(central * 6, 1));
  const carParks: CarPark[] = [];
  const used = new Set<string>();
  const place = (anchor: { lat: number; lon: number }, kind: CarPark['kind']) => {
    // Within 60-150 m of the stop it is placed by, in a random direction.
    const angle = random() * 2 * Math.PI;
    const distanceM = 60 + random() * 90;
    const location = {
      lat: round6(anchor.lat + (distanceM * Math.cos(angle)) / 111_320),
      lon: round6(
        anchor.lon + (distanceM * Math.sin(angle)) / (111_320 * Math.cos((anchor.lat * Math.PI) / 180)),
      ),
    };
    // A coarse box first: the exact distance only for stops that can be within walking distance.
    const boxLat = WALK_RADIUS_M / 111_320;
    const boxLon = boxLat / Math.cos((location.lat * Math.PI) / 180);
    const served = stops
      .filter(
        (stop) => Math.abs(stop.lat - location.lat) < boxLat && Math.abs(stop.lon - location.lon) < boxLon,
      )
      .map((stop) => ({
        id: stop.id,
        distance: haversineMetres(stop.lat, stop.lon, location.lat, location.lon),
      }))
      .filter((entry) => entry.distance <= WALK_RADIUS_M)
      .sort((a, b) => a.distance - b.distance)
      .slice(0, MAX_SERVED_STOPS)
      .map((entry) => entry.id);
    const number = carParks.length + 1;
    carParks.push({
      id: `CP${String(number).padStart(3, '0')}`,
      name: `${inventName(random)} ${kind === 'garage' ? 'Garage' : 'Park & Ride'}`,
      kind,
      location,
      capacity:
        kind === 'garage' ? 250 + 50 * Math.floor(random() * 13) : 80 + 20 * Math.floor(random() * 16),
      servedStopIds: kind === 'park-and-ride' ? served : served.slice(0, 2),
      profile: kind === 'garage' ? 'central' : 'commuter',
    });
  };
  for (const { stop } of outerTermini) {
    if (carParks.length >= parkAndRide) break;
    if (used.has(stop.id)) continue;
    used.add(stop.id);
    place(stop, 'park-and-ride');
  }
  for (let k = 0; k < central && centralStops.length > 0; k++) {
    const { stop } = centralStops[
      Math.floor(random() * centralStops.length)
    ] as (typeof centralStops)[number];
    place(stop, 'garage');
  }
  return carParks;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
