import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addDays, type GtfsFeed, readGtfsFile, readGtfsZip } from '@mobility/gtfs';
import { seededRandom } from '@mobility/runtime/util';
import type { CarPark } from '../domain/car-parks.js';
import { type City, cityGtfsZip, generateCity } from '../domain/city.js';
import type { DetectorSpec, SignalIntersection } from '../domain/intersections.js';
import { buildSimNetwork, type SimNetwork } from '../domain/network.js';
import type { CitySize } from '../domain/sizes.js';
import { deriveSurroundings } from '../domain/surroundings.js';

/**
 * The world a simulation runs in, with its files on disk for the services to load: a generated
 * city, or a real GTFS feed with schematic signals and car parks derived around it.
 */
export interface World {
  origin: 'generated' | 'feed';
  /** A one-line description for people. */
  summary: string;
  seed: number;
  timeZone: string;
  network: SimNetwork;
  /** The static feed as read (the checker of GTFS-rt feeds produced from the run needs it). */
  feed: GtfsFeed;
  intersections: SignalIntersection[];
  detectors: DetectorSpec[];
  carParks: CarPark[];
  files: {
    dir: string;
    /** The GTFS zip the buses run (the generated one, or the user's own). */
    gtfs: string;
    /** Signal config (SIGNAL_INTERSECTIONS format). */
    intersections: string;
    /** Park-and-ride lots as `{"facilities": [...]}` (ROUTING_PARK_AND_RIDE format). */
    parkAndRide: string;
  };
  city?: City;
  /** Removes the files written for this world (never the user's own feed). */
  dispose(): Promise<void>;
}

export interface WorldOptions {
  /** Directory to write into (created; removed again by dispose). */
  dir: string;
  seed: number;
  /** Generated city of this size, unless `gtfs` names a real feed. */
  size: CitySize;
  gtfs?: string;
  /** Today, YYYYMMDD: the generated timetable runs from a week before it for a year. */
  today: string;
  /** Signals and car parks derived around a real feed (defaults 12 and 6). */
  feedIntersections?: number;
  feedCarParks?: number;
}

/** Feeds whose stops cannot be matched to times, or without trips, cannot be simulated. */
export class UnusableFeedError extends Error {
  override name = 'UnusableFeedError';
}

export async function prepareWorld(options: WorldOptions): Promise<World> {
  await mkdir(options.dir, { recursive: true });
  try {
    return await writeWorld(options);
  } catch (error) {
    // Nothing half-written is left behind (the directory is the world's own).
    await rm(options.dir, { recursive: true, force: true });
    throw error;
  }
}

async function writeWorld(options: WorldOptions): Promise<World> {
  const files = {
    dir: options.dir,
    gtfs: options.gtfs ?? join(options.dir, 'city.gtfs.zip'),
    intersections: join(options.dir, 'intersections.json'),
    parkAndRide: join(options.dir, 'park-and-ride.json'),
  };
  const dispose = () => rm(options.dir, { recursive: true, force: true });
  let world: Omit<World, 'files' | 'dispose'>;
  if (options.gtfs) {
    let feed: GtfsFeed;
    try {
      feed = await readGtfsFile(options.gtfs);
    } catch (error) {
      throw new UnusableFeedError(`cannot read GTFS feed ${options.gtfs}: ${(error as Error).message}`);
    }
    const network = buildSimNetwork(feed);
    if (network.trips.length === 0)
      throw new UnusableFeedError(`GTFS feed ${options.gtfs} has no usable trips`);
    const surroundings = deriveSurroundings(
      network,
      new Map(feed.stops.map((stop) => [stop.stopId, stop.stopName])),
      {
        intersections: options.feedIntersections ?? 12,
        carParks: options.feedCarParks ?? 6,
        random: seededRandom(options.seed),
      },
    );
    world = {
      origin: 'feed',
      summary: `GTFS feed ${options.gtfs}: ${network.trips.length} trips (${network.withoutShape} on stop-to-stop lines, ${network.skipped} left out), ${surroundings.intersections.length} derived signals, ${surroundings.carParks.length} derived car parks`,
      seed: options.seed,
      timeZone: network.timeZone,
      network,
      feed,
      ...surroundings,
    };
  } else {
    const startDate = addDays(options.today, -7);
    const city = generateCity({ seed: options.seed, size: options.size, startDate });
    const zip = cityGtfsZip(city);
    await writeFile(files.gtfs, zip);
    const feed = readGtfsZip(zip);
    const network = buildSimNetwork(feed);
    world = {
      origin: 'generated',
      summary: `generated ${options.size} "${city.name}" (seed ${options.seed}): ${city.transit.stops.length} stops, ${city.transit.routes.length} routes, ${city.transit.trips.length} trips, ${city.intersections.length} signals, ${city.carParks.length} car parks`,
      seed: options.seed,
      timeZone: city.timeZone,
      network,
      feed,
      intersections: city.intersections,
      detectors: city.detectors,
      carParks: city.carParks,
      city,
    };
  }
  await writeFile(
    files.intersections,
    `${JSON.stringify({ intersections: world.intersections }, null, 1)}\n`,
  );
  await writeFile(
    files.parkAndRide,
    `${JSON.stringify({ facilities: world.carParks.filter((c) => c.kind === 'park-and-ride').map((c) => facilityJson(c, world.timeZone)) }, null, 1)}\n`,
  );
  return { ...world, files, dispose };
}

/** A car park in the parking contract's JSON form (Facility). */
export function facilityJson(carPark: CarPark, timeZone: string) {
  return {
    facilityId: carPark.id,
    name: carPark.name,
    kind: carPark.kind === 'garage' ? 'FACILITY_KIND_GARAGE' : 'FACILITY_KIND_PARK_AND_RIDE',
    location: carPark.location,
    capacity: carPark.capacity,
    servedStopIds: carPark.servedStopIds,
    occupancySource: 'OCCUPANCY_SOURCE_GATE_COUNTS',
    open24h: true,
    timeZone,
  };
}
