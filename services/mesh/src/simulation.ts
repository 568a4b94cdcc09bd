import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daysBetween } from '@mobility/gtfs';
import { type Clock, createScaledClock, type Logger, systemClock } from '@mobility/runtime';
import {
  localTime,
  prepareWorld,
  registerCarParks,
  type Simulation,
  startSimulation,
  type World,
} from '@mobility/simulator';
import type { Mesh } from './mesh.js';
import type { StartFlags } from './start-flags.js';

export { parseStartFlags, START_USAGE, type StartFlags } from './start-flags.js';

/**
 * The clock of the run. Real time: the wall clock. Accelerated: simulated time starts at 06:00 (or
 * `startHour`) of the world's local day (the previous day if that is less than an hour ago), so a
 * fast run shows the morning filling up and simulated time stays behind the wall clock for a good
 * while (some consumers refuse events stamped far in their future).
 *
 * A real feed whose calendar does not cover that day (an old or future timetable) is run on the
 * same weekday inside its calendar, whole weeks away: every service acts on this clock, so the
 * buses, the matching and the feeds agree on a day the timetable has service.
 */
export function simulationClock(
  speed: number,
  timeZone: string,
  nowMs = Date.now(),
  startHour = 6,
  calendar?: { start: string | undefined; end: string | undefined },
): Clock {
  let startMs = nowMs;
  if (speed !== 1) {
    const local = localTime(timeZone, nowMs);
    startMs = nowMs - (local.secondsOfDay - startHour * 3600) * 1000;
    if (nowMs - startMs < 3_600_000) startMs -= 86_400_000;
  }
  const shiftDays = calendar ? weeksIntoCalendar(localTime(timeZone, startMs).date, calendar) : 0;
  if (shiftDays === 0) return speed === 1 ? systemClock : createScaledClock(startMs, speed);
  return createScaledClock(startMs + shiftDays * 86_400_000, speed);
}

/** Days (a multiple of 7) that move `date` into [start, end]; 0 when it is inside or unknown. */
export function weeksIntoCalendar(
  date: string,
  calendar: { start: string | undefined; end: string | undefined },
): number {
  const { start, end } = calendar;
  if (!start || !end || (start <= date && date <= end)) return 0;
  if (date > end) return -Math.ceil(daysBetween(end, date) / 7) * 7;
  return Math.ceil(daysBetween(date, start) / 7) * 7;
}

/** Environment variables pointing the services at the world's files; ones the user set are kept. */
export function pointServicesAt(world: World, env: NodeJS.ProcessEnv): string[] {
  const notes: string[] = [];
  const wanted: [string, string][] = [
    ['AVL_GTFS', world.files.gtfs],
    ['ROUTING_GTFS', world.files.gtfs],
    ['SIGNAL_INTERSECTIONS', world.files.intersections],
    ['ROUTING_PARK_AND_RIDE', world.files.parkAndRide],
  ];
  for (const [name, path] of wanted) {
    if (env[name]) notes.push(`${name} was set by you and is kept (the simulation uses ${path})`);
    else env[name] = path;
  }
  return notes;
}

export interface RunningWorld {
  world: World;
  simulation: Simulation;
  /** Car parks registered with the parking service (0 when it does not run here). */
  registeredCarParks: number;
  stop(): Promise<void>;
}

/** Prepares the world's files in a fresh temporary directory. */
export async function prepareWorldFiles(flags: StartFlags, nowMs = Date.now()): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'mobility-sim-'));
  const today = localTime('UTC', nowMs).date;
  return prepareWorld({
    dir,
    seed: flags.seed,
    size: flags.size,
    today,
    ...(flags.gtfs ? { gtfs: flags.gtfs } : {}),
  });
}

/** Registers the car parks with the mesh's parking service, then starts the drivers on the bus. */
export async function startWorld(
  mesh: Mesh,
  world: World,
  clock: Clock,
  logger: Logger,
  options: { tickMs?: number; detectorIntervalS?: number } = {},
): Promise<RunningWorld> {
  const parking = mesh.services.find((service) => service.name === 'parking');
  let registeredCarParks = 0;
  if (parking) {
    await registerCarParks({
      address: `127.0.0.1:${parking.grpcPort}`,
      authSecret: mesh.infrastructure.auth.secret,
      carParks: world.carParks,
      timeZone: world.timeZone,
    });
    registeredCarParks = world.carParks.length;
  }
  const simulation = startSimulation({
    bus: mesh.infrastructure.bus,
    clock,
    logger: logger.child({ component: 'simulation' }),
    seed: world.seed,
    timeZone: world.timeZone,
    network: world.network,
    detectors: world.detectors,
    // Without a parking service to register them with, gate counts would only be dead letters.
    carParks: parking ? world.carParks : [],
    ...(options.tickMs ? { tickMs: options.tickMs } : {}),
    ...(options.detectorIntervalS ? { detectorIntervalS: options.detectorIntervalS } : {}),
  });
  return {
    world,
    simulation,
    registeredCarParks,
    stop: async () => {
      await simulation.stop();
    },
  };
}
