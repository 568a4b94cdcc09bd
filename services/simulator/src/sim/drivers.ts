import { addDays, formatGtfsTime, serviceDayStart } from '@mobility/gtfs';
import type { Clock, EventBus, Logger, OutgoingMessage } from '@mobility/runtime';
import { seededRandom, zoneOffsetMs } from '@mobility/runtime/util';
import { hashText, planVehicleRun, type VehicleRun, vehicleStateAt } from '../domain/bus-model.js';
import type { CarPark } from '../domain/car-parks.js';
import type { DetectorSpec } from '../domain/intersections.js';
import type { SimNetwork, SimTrip } from '../domain/network.js';
import {
  carParkPopularity,
  detectorReading,
  expectedOccupied,
  gateCounts,
  type LocalTime,
} from '../domain/sensor-models.js';
import { detectorCountMessage, gateCountMessage, pingMessage, snapshotMessage, TOPICS } from './messages.js';

/**
 * The drivers: on every tick of the (real or accelerated) clock, buses report their positions,
 * detectors close their counting intervals and car-park gates report entries and exits, all
 * published on the mesh's bus exactly as field devices would.
 */

export interface SimulationOptions {
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  seed: number;
  /** Local time of the detectors and car parks (the bus network carries its own). */
  timeZone: string;
  network?: SimNetwork;
  detectors?: readonly DetectorSpec[];
  carParks?: readonly CarPark[];
  /** Wall-clock milliseconds between ticks (default 1000). */
  tickMs?: number;
  /** Simulated seconds per detector counting interval (default 60). */
  detectorIntervalS?: number;
  /** Simulated seconds per car-park gate-count batch (default 60). */
  parkingIntervalS?: number;
}

export interface SimulationStats {
  pings: number;
  detectorCounts: number;
  gateCounts: number;
  snapshots: number;
  activeVehicles: number;
  silentVehicles: number;
  /** Simulated time of the last tick, epoch ms. */
  simulatedAtMs: number;
}

export interface Simulation {
  stats(): SimulationStats;
  /** Runs one tick now (tests drive the simulation with a manual clock this way). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** At most this many intervals are caught up after a stall, so a paused laptop does not flood the bus. */
const MAX_CATCH_UP_INTERVALS = 5;
/** Workings are looked at from 10 minutes before their first departure until an hour after their end. */
const LOOK_AHEAD_S = 600;
const LOOK_BEHIND_S = 3600;

export function localTime(timeZone: string, atMs: number): LocalTime & { date: string } {
  const local = new Date(atMs + zoneOffsetMs(timeZone, atMs));
  const day = local.getUTCDay();
  const date = `${local.getUTCFullYear()}${String(local.getUTCMonth() + 1).padStart(2, '0')}${String(local.getUTCDate()).padStart(2, '0')}`;
  return {
    secondsOfDay: local.getUTCHours() * 3600 + local.getUTCMinutes() * 60 + local.getUTCSeconds(),
    weekend: day === 0 || day === 6,
    date,
  };
}

export function startSimulation(options: SimulationOptions): Simulation {
  const { bus, clock, logger, seed } = options;
  const tickMs = options.tickMs ?? 1000;
  const buses = options.network ? createBusDriver(options.network, seed) : undefined;
  const detectors = options.detectors?.length
    ? createDetectorDriver(options.detectors, options.timeZone, seed, options.detectorIntervalS ?? 60)
    : undefined;
  const parking = options.carParks?.length
    ? createParkingDriver(options.carParks, options.timeZone, seed, options.parkingIntervalS ?? 60)
    : undefined;
  const stats: SimulationStats = {
    pings: 0,
    detectorCounts: 0,
    gateCounts: 0,
    snapshots: 0,
    activeVehicles: 0,
    silentVehicles: 0,
    simulatedAtMs: clock.now(),
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function tick(): Promise<void> {
    const now = clock.now();
    stats.simulatedAtMs = now;
    const batches: { topic: string; messages: OutgoingMessage[] }[] = [];
    if (buses) {
      const pings = buses.advance(now);
      stats.pings += pings.length;
      stats.activeVehicles = buses.active();
      stats.silentVehicles = buses.silent(now);
      if (pings.length > 0) batches.push({ topic: TOPICS.pings, messages: pings });
    }
    if (detectors) {
      const counts = detectors.advance(now);
      stats.detectorCounts += counts.length;
      if (counts.length > 0) batches.push({ topic: TOPICS.detectorCounts, messages: counts });
    }
    if (parking) {
      const { snapshots, counts } = parking.advance(now);
      stats.snapshots += snapshots.length;
      stats.gateCounts += counts.length;
      if (snapshots.length > 0) batches.push({ topic: TOPICS.snapshots, messages: snapshots });
      if (counts.length > 0) batches.push({ topic: TOPICS.gateCounts, messages: counts });
    }
    if (batches.length > 0) await bus.publishBatch(batches);
  }

  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((error: unknown) => logger.error({ err: error }, 'simulation tick failed; continuing'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, tickMs);
      });
  };
  timer = setTimeout(loop, 0);
  logger.info(
    {
      trips: options.network?.trips.length ?? 0,
      detectors: options.detectors?.length ?? 0,
      carParks: options.carParks?.length ?? 0,
    },
    'simulation started',
  );

  return {
    stats: () => ({ ...stats }),
    tick: async () => {
      await running;
      await tick();
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      logger.info(stats, 'simulation stopped');
    },
  };
}

interface ActiveRun {
  run: VehicleRun;
  nextPingMs: number;
  sequence: number;
}

function createBusDriver(network: SimNetwork, seed: number) {
  const runs = new Map<string, ActiveRun>();
  const planned = new Set<string>();
  let lastRefreshMs = Number.NEGATIVE_INFINITY;

  /** Plans the vehicles due around `now` on yesterday's and today's service days. */
  function refresh(now: number): void {
    const today = localTime(network.timeZone, now).date;
    for (const serviceDate of [addDays(today, -1), today]) {
      const dayStartMs = serviceDayStart(serviceDate, network.timeZone);
      const offsetS = (now - dayStartMs) / 1000;
      const services = [...network.calendar.servicesOn(serviceDate)].sort();
      const dayWorkings = services.flatMap((id) => network.workingsByService.get(id) ?? []);
      // One vehicle a day always falls silent for a while (the case operators must notice).
      const silentOrdinal =
        dayWorkings.length > 0
          ? (dayWorkings[hashText(serviceDate, seed) % dayWorkings.length]?.ordinal ?? -1)
          : -1;
      for (const working of dayWorkings) {
        if (working.startS - LOOK_AHEAD_S > offsetS || working.endS + LOOK_BEHIND_S < offsetS) continue;
        const key = `${serviceDate}|${working.serviceId}|${working.key}`;
        if (planned.has(key)) continue;
        planned.add(key);
        let vehicleId = `bus-${1001 + working.ordinal}`;
        if (runs.has(vehicleId)) vehicleId = `${vehicleId}-2`;
        const run = planVehicleRun({
          vehicleId,
          working,
          trips: network.trips,
          dayStartMs,
          serviceDate,
          seed,
          forceSilent: working.ordinal === silentOrdinal,
        });
        if (run.disappearMs < now) continue;
        const random = seededRandom(hashText(vehicleId, seed));
        const firstPing = Math.max(
          run.appearMs + random() * run.pingIntervalS * 1000,
          now - run.pingIntervalS * 1000,
        );
        runs.set(vehicleId, { run, nextPingMs: firstPing, sequence: 0 });
      }
    }
    // Forget plans of days that are over, so a long run's memory stays flat.
    const yesterday = addDays(today, -1);
    for (const key of planned) if (key.slice(0, 8) < yesterday) planned.delete(key);
  }

  return {
    active: () => runs.size,
    silent: (now: number) =>
      [...runs.values()].filter(({ run }) => run.silent && run.silent.fromMs <= now && now < run.silent.toMs)
        .length,
    advance(now: number): OutgoingMessage[] {
      if (now - lastRefreshMs >= 30_000 || now < lastRefreshMs) {
        refresh(now);
        lastRefreshMs = now;
      }
      const messages: OutgoingMessage[] = [];
      for (const [vehicleId, active] of runs) {
        const { run } = active;
        const oldest = now - MAX_CATCH_UP_INTERVALS * run.pingIntervalS * 1000;
        if (active.nextPingMs < oldest) active.nextPingMs = oldest;
        while (active.nextPingMs <= now) {
          const at = active.nextPingMs;
          const jitter = seededRandom(hashText(`${vehicleId}|${active.sequence}`, seed));
          active.sequence++;
          active.nextPingMs += (run.pingIntervalS + (jitter() - 0.5) * 4) * 1000;
          if (run.silent && at >= run.silent.fromMs && at < run.silent.toMs) continue;
          const state = vehicleStateAt(run, network.trips, at);
          if (!state) continue;
          const trip = network.trips[state.tripIndex] as SimTrip;
          // GPS error: a few metres, and an accuracy figure to match.
          const errorM = 3 + jitter() * 6;
          const angle = jitter() * 2 * Math.PI;
          const lat = state.position.lat + (errorM * Math.cos(angle)) / 111_320;
          const lon =
            state.position.lon +
            (errorM * Math.sin(angle)) / (111_320 * Math.cos((state.position.lat * Math.PI) / 180));
          messages.push(
            pingMessage(
              {
                vehicleId,
                agencyId: network.agencyId,
                observedAtMs: Math.round(at),
                lat,
                lon,
                bearingDeg: state.bearingDeg,
                speedMps: state.speedMps,
                accuracyM: Math.round(errorM * 1.5),
                tripId: trip.tripId,
                routeId: trip.routeId,
                blockId: trip.blockId,
                serviceDate: run.serviceDate,
                startTime: formatGtfsTime(trip.departures[0] as number),
              },
              now,
            ),
          );
        }
        if (now > run.disappearMs) runs.delete(vehicleId);
      }
      return messages;
    },
  };
}

function createDetectorDriver(
  detectors: readonly DetectorSpec[],
  timeZone: string,
  seed: number,
  intervalS: number,
) {
  const intervalMs = intervalS * 1000;
  let lastClosed: number | undefined;
  return {
    advance(now: number): OutgoingMessage[] {
      const current = Math.floor(now / intervalMs);
      // The first tick only marks where counting starts: no partial interval is reported.
      if (lastClosed === undefined) {
        lastClosed = current - 1;
        return [];
      }
      const messages: OutgoingMessage[] = [];
      const from = Math.max(lastClosed + 1, current - MAX_CATCH_UP_INTERVALS);
      for (let interval = from; interval < current; interval++) {
        const startMs = interval * intervalMs;
        const at = localTime(timeZone, startMs);
        for (const spec of detectors) {
          const random = seededRandom(hashText(`${spec.detectorId}|${interval}`, seed));
          messages.push(
            detectorCountMessage(
              spec,
              detectorReading(spec, at, intervalS, random),
              startMs,
              intervalMs,
              now,
            ),
          );
        }
      }
      lastClosed = Math.max(lastClosed, current - 1);
      return messages;
    },
  };
}

function createParkingDriver(
  carParks: readonly CarPark[],
  timeZone: string,
  seed: number,
  intervalS: number,
) {
  const intervalMs = intervalS * 1000;
  const popularity = new Map(
    carParks.map((carPark) => [carPark.id, carParkPopularity(seededRandom(hashText(carPark.id, seed)))]),
  );
  const occupied = new Map<string, number>();
  let lastClosed: number | undefined;
  return {
    advance(now: number): { snapshots: OutgoingMessage[]; counts: OutgoingMessage[] } {
      const snapshots: OutgoingMessage[] = [];
      const counts: OutgoingMessage[] = [];
      const current = Math.floor(now / intervalMs);
      if (lastClosed === undefined) {
        // Start from the occupancy the profile expects now, reported once as an absolute reading.
        const at = localTime(timeZone, now);
        for (const carPark of carParks) {
          const value = expectedOccupied(carPark, popularity.get(carPark.id) ?? 1, at);
          occupied.set(carPark.id, value);
          snapshots.push(snapshotMessage(carPark.id, value, carPark.capacity, now, now));
        }
        // Gate counts start with the first whole interval after the snapshot.
        lastClosed = current;
        return { snapshots, counts };
      }
      const from = Math.max(lastClosed + 1, current - MAX_CATCH_UP_INTERVALS);
      for (let interval = from; interval < current; interval++) {
        const startMs = interval * intervalMs;
        const endMs = startMs + intervalMs;
        const at = localTime(timeZone, endMs);
        for (const carPark of carParks) {
          const random = seededRandom(hashText(`${carPark.id}|${interval}`, seed));
          const before = occupied.get(carPark.id) ?? 0;
          const result = gateCounts(carPark, popularity.get(carPark.id) ?? 1, before, at, intervalS, random);
          occupied.set(carPark.id, result.occupiedAfter);
          if (result.entries > 0)
            counts.push(gateCountMessage(carPark.id, 'entry', result.entries, startMs, endMs, now));
          if (result.exits > 0)
            counts.push(gateCountMessage(carPark.id, 'exit', result.exits, startMs, endMs, now));
        }
      }
      lastClosed = Math.max(lastClosed, current - 1);
      return { snapshots, counts };
    },
  };
}
