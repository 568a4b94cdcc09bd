import { readFile } from 'node:fs/promises';
import { Facility } from '@mobility/contracts/parking/v1/facility';
import { ConfigError } from '@mobility/runtime';

/** A car park routing may drive to: what the planner needs, nothing about its tariff or bays. */
export interface ParkAndRideSite {
  readonly facilityId: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly capacity: number;
  /** GTFS stop_ids reachable on foot from the car park; empty = the planner walks to nearby stops. */
  readonly servedStopIds: readonly string[];
}

/**
 * Reads the park-and-ride file named by ROUTING_PARK_AND_RIDE: `{"facilities": [Facility, ...]}` in
 * proto3 JSON, i.e. exactly what ParkingService.ListFacilities answers, so an operator can dump the
 * parking service's registry into it. The file exists because parking.occupancy-changed.v1 carries
 * occupancy only, not where the car park is.
 */
export async function loadParkAndRideSites(path: string): Promise<ParkAndRideSite[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`ROUTING_PARK_AND_RIDE is not valid JSON (${(error as Error).name})`]);
  }
  return parseParkAndRideSites(parsed);
}

export function parseParkAndRideSites(document: unknown): ParkAndRideSite[] {
  const list =
    typeof document === 'object' && document !== null && 'facilities' in document
      ? (document as { facilities: unknown }).facilities
      : undefined;
  if (!Array.isArray(list)) {
    throw new ConfigError(['ROUTING_PARK_AND_RIDE must be a JSON object {"facilities": [...]}']);
  }
  const problems: string[] = [];
  const sites: ParkAndRideSite[] = [];
  const seen = new Set<string>();
  list.forEach((entry: unknown, index) => {
    let facility: Facility;
    try {
      facility = Facility.fromJSON(entry);
    } catch {
      problems.push(`ROUTING_PARK_AND_RIDE facilities[${index}] is not a parking Facility`);
      return;
    }
    const { facilityId, location } = facility;
    if (!facilityId) problems.push(`ROUTING_PARK_AND_RIDE facilities[${index}] has no facilityId`);
    else if (seen.has(facilityId))
      problems.push(`ROUTING_PARK_AND_RIDE facilities[${index}] repeats facilityId ${facilityId}`);
    if (!location || !validCoordinate(location.lat, location.lon)) {
      problems.push(`ROUTING_PARK_AND_RIDE facilities[${index}] has no valid location {lat, lon}`);
    }
    if (!facilityId || !location || seen.has(facilityId) || !validCoordinate(location.lat, location.lon)) {
      return;
    }
    seen.add(facilityId);
    sites.push({
      facilityId,
      name: facility.name || facilityId,
      lat: location.lat,
      lon: location.lon,
      capacity: facility.capacity,
      servedStopIds: facility.servedStopIds,
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return sites;
}

function validCoordinate(lat: number, lon: number): boolean {
  // (0, 0) is the proto default of an unset point, never a car park.
  return (
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180 &&
    !(lat === 0 && lon === 0)
  );
}
