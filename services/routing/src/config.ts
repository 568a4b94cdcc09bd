import { accessSync, constants, statSync } from 'node:fs';
import { env, loadConfig } from '@mobility/runtime';
import { z } from 'zod';

/** A path that names a regular file this process can read; the message never echoes the path. */
function readableFile(what: string) {
  return z.string().refine(
    (path) => {
      try {
        accessSync(path, constants.R_OK);
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    { message: `must name a readable ${what} (file missing or unreadable)` },
  );
}

/**
 * The routing service's own variables. Both files are optional so the product runs with no data at
 * all (the embedded `pnpm start` has no feed yet): without a timetable the service still starts and
 * says so in health and in every PlanJourney answer.
 */
export const routingEnv = z.object({
  /** GTFS static feed (zip) to plan on. */
  ROUTING_GTFS: readableFile('GTFS zip').optional(),
  /**
   * Park-and-ride car parks (JSON, the shape of ParkingService.ListFacilities' response). Needed
   * because parking.occupancy-changed.v1 carries no location (see README, "Park-and-ride").
   */
  ROUTING_PARK_AND_RIDE: readableFile('park-and-ride facilities JSON').optional(),
  /** Default walking radius between stops for footpaths, metres (the timetable's transfer graph). */
  ROUTING_FOOTPATH_RADIUS_M: env.positiveInt(400),
  /**
   * Occupancy older than this is not trusted for "free spaces on arrival", minutes: a car park
   * whose sensors stopped reporting is treated as unknown, not as free.
   */
  ROUTING_PARKING_STALE_AFTER_MIN: env.positiveInt(120),
  /**
   * Minutes of departure (arrive-by: arrival) window each search covers, so a plan offers later
   * options too, not only the single earliest arrival; 0 = earliest arrival only.
   */
  ROUTING_SEARCH_WINDOW_MIN: z.coerce
    .number({ message: 'must be a whole number of minutes, 0..180' })
    .int('must be a whole number of minutes, 0..180')
    .min(0, 'must be a whole number of minutes, 0..180')
    .max(180, 'must be a whole number of minutes, 0..180')
    .default(30),
  /**
   * Set per replica (e.g. the pod name) when more than one routing replica runs: every replica keeps
   * the whole realtime and parking state in memory, so each must read every partition, and a shared
   * consumer group would split them. Unset: the groups are plain `routing.predictions` and
   * `routing.parking`.
   */
  ROUTING_REPLICA_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (max 63)')
    .optional(),
});

export type RoutingConfig = z.infer<typeof routingEnv>;

export function loadRoutingConfig(source: NodeJS.ProcessEnv = process.env): RoutingConfig {
  return loadConfig(routingEnv, source);
}
