import { type GetOccupancyResponse, ParkingServiceClient } from '@mobility/contracts/parking/v1/service';
import { type GetFeedInfoResponse, RoutingServiceClient } from '@mobility/contracts/routing/v1/service';
import { decodeFeed, type FeedMessage, validateFeed } from '@mobility/gtfs-rt';
import {
  type Clock,
  createClient,
  issueToken,
  loadConfig,
  type ServiceDefinition,
  silentLogger,
} from '@mobility/runtime';
import type { World } from '@mobility/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshEnv } from '../src/config.js';
import { type Mesh, startMesh } from '../src/mesh.js';
import { SERVICES } from '../src/services.js';
import {
  parseStartFlags,
  pointServicesAt,
  prepareWorldFiles,
  type RunningWorld,
  simulationClock,
  startWorld,
} from '../src/simulation.js';
import type { MeshSnapshot } from '../src/status/snapshot.js';

/**
 * The default experience end to end: every service registered in services.ts, in embedded mode,
 * fed by the simulated town on an accelerated clock (20x: six simulated minutes in 18 seconds),
 * starting in the morning peak. Detectors count per two simulated minutes here (one in live runs) to
 * keep the embedded databases of a loaded two-core CI machine ahead of the accelerated stream. Each registered service must show that events reached it; the
 * checks below are keyed by service name, and a service with no specific check must at least be
 * healthy, so the test stays valid as services are added.
 */
const SPEED = 20;
const SIMULATED_MINUTES = 6;
const DETECTOR_INTERVAL_S = 120;
const registered = SERVICES.map((definition: ServiceDefinition) => definition.name);

let mesh: Mesh;
let world: World;
let running: RunningWorld;
let clock: Clock;
let startedAtMs: number;
const savedEnv = { ...process.env };

async function status(): Promise<MeshSnapshot> {
  return (await (await fetch(`${mesh.status.url}status.json`)).json()) as MeshSnapshot;
}
async function appended(topic: string): Promise<number> {
  return (await status()).topics.find((entry) => entry.name === topic)?.appended ?? 0;
}
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
function serviceUrl(name: string, path: string): string {
  const service = mesh.services.find((entry) => entry.name === name);
  if (!service) throw new Error(`${name} does not run`);
  return `http://127.0.0.1:${service.httpPort}${path}`;
}

beforeAll(async () => {
  world = await prepareWorldFiles(parseStartFlags(['--size', 'town', '--seed', '1']));
  pointServicesAt(world, process.env);
  clock = simulationClock(SPEED, world.timeZone, Date.now(), 7);
  const config = loadConfig(meshEnv, {
    MESH_HTTP_PORT: '0',
    MESH_GRPC_BASE_PORT: '0',
    MESH_HTTP_BASE_PORT: '0',
  });
  mesh = await startMesh(config, SERVICES, silentLogger(), { clock });
  running = await startWorld(mesh, world, clock, silentLogger(), {
    tickMs: 200,
    detectorIntervalS: DETECTOR_INTERVAL_S,
  });
  startedAtMs = clock.now();
  await waitFor(
    `${SIMULATED_MINUTES} simulated minutes`,
    async () => clock.now() - startedAtMs >= SIMULATED_MINUTES * 60_000,
  );
}, 300_000);

afterAll(async () => {
  await running?.stop();
  await mesh?.stop();
  await world?.dispose();
  process.env = savedEnv;
}, 180_000);

describe(`the embedded mesh fed by the simulated town (${registered.join(', ')})`, () => {
  it('publishes bus pings, detector counts and car-park gate counts on the bus', async () => {
    const stats = running.simulation.stats();
    expect(stats.activeVehicles).toBeGreaterThan(5);
    expect(stats.pings).toBeGreaterThan(stats.activeVehicles * 5);
    expect(await appended('avl.raw-ping.v1')).toBeGreaterThanOrEqual(stats.pings);
    // Every detector closed at least two counting intervals.
    expect(await appended('signal.detector-count.v1')).toBeGreaterThanOrEqual(world.detectors.length * 2);
    expect(await appended('parking.facility-count.v1')).toBeGreaterThan(0);
    expect(await appended('parking.occupancy-snapshot.v1')).toBe(world.carParks.length);
  });

  it('every registered service is healthy', async () => {
    const snapshot = await status();
    for (const name of registered)
      expect(snapshot.services.find((service) => service.name === name)?.health, name).toBe('SERVING');
  });

  it.runIf(registered.includes('parking'))(
    'parking: occupancy of the registered car parks changes',
    async () => {
      await waitFor(
        'occupancy changes',
        async () => (await appended('parking.occupancy-changed.v1')) > world.carParks.length,
      );
      const parking = mesh.services.find((service) => service.name === 'parking');
      const token = await issueToken(
        { subject: 'test', role: 'public', ttlSeconds: 60 },
        mesh.infrastructure.auth.secret,
      );
      const client = createClient(ParkingServiceClient, `127.0.0.1:${parking?.grpcPort}`, {
        defaultDeadlineMs: 5_000,
        token,
      });
      try {
        const response = await new Promise<GetOccupancyResponse>((resolve, reject) =>
          client.getOccupancy({ facilityIds: world.carParks.map((c) => c.id) }, (error, value) =>
            error ? reject(error) : resolve(value),
          ),
        );
        // Morning: every car park has cars in it, none more than it holds.
        expect(response.occupancies).toHaveLength(world.carParks.length);
        for (const entry of response.occupancies) {
          const capacity = world.carParks.find((c) => c.id === entry.facilityId)?.capacity ?? 0;
          expect(entry.occupancy?.occupied).toBeGreaterThan(0);
          expect(entry.occupancy?.occupied).toBeLessThanOrEqual(capacity);
        }
      } finally {
        client.close();
      }
    },
    120_000,
  );

  it.runIf(registered.includes('signal'))(
    'signal: the generated intersections change phase',
    async () => {
      await waitFor(
        'phase changes',
        async () => (await appended('signal.phase-changed.v1')) > world.intersections.length,
      );
    },
    120_000,
  );

  it.runIf(registered.includes('archive'))(
    'archive: simulated events are archived',
    async () => {
      const pool = await mesh.infrastructure.storageFor('archive');
      await waitFor('archived rows', async () => {
        const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM archived_events_raw');
        return Number(rows[0]?.n) > 0;
      });
    },
    120_000,
  );

  it.runIf(registered.includes('avl'))(
    'avl: positions are matched and the GTFS-realtime feeds carry the buses with zero checker errors',
    async () => {
      await waitFor('matched positions', async () => (await appended('avl.position-matched.v1')) > 0);
      const gtfs = world.feed;
      const fetchFeed = async (name: string): Promise<FeedMessage> => {
        const response = await fetch(serviceUrl('avl', `/gtfs-rt/${name}.pb`));
        expect(response.status).toBe(200);
        return decodeFeed(new Uint8Array(await response.arrayBuffer()));
      };
      let positions = await fetchFeed('vehicle-positions');
      await waitFor('vehicles in the feed', async () => {
        positions = await fetchFeed('vehicle-positions');
        return (positions.entity ?? []).filter((entity) => entity.vehicle).length >= 5;
      });
      const updates = await fetchFeed('trip-updates');
      const alerts = await fetchFeed('alerts');
      const nowS = Math.round(clock.now() / 1000);
      const reports = {
        'vehicle-positions': validateFeed({ feed: positions, gtfs, companion: updates, nowS }),
        'trip-updates': validateFeed({ feed: updates, gtfs, companion: positions, nowS }),
        alerts: validateFeed({ feed: alerts, gtfs, nowS }),
      };
      for (const [name, report] of Object.entries(reports))
        expect({
          feed: name,
          errors: report.errors,
          notices: report.notices.filter((n) => n.severity === 'error').slice(0, 5),
        }).toEqual({
          feed: name,
          errors: {},
          notices: [],
        });
      expect(updates.entity?.length ?? 0).toBeGreaterThan(0);
    },
    240_000,
  );

  it.runIf(registered.includes('routing'))(
    'routing: plans on the generated timetable and park-and-ride lots, with realtime from AVL',
    async () => {
      const routing = mesh.services.find((service) => service.name === 'routing');
      const token = await issueToken(
        { subject: 'test', role: 'public', ttlSeconds: 60 },
        mesh.infrastructure.auth.secret,
      );
      const client = createClient(RoutingServiceClient, `127.0.0.1:${routing?.grpcPort}`, {
        defaultDeadlineMs: 5_000,
        token,
      });
      const feedInfo = () =>
        new Promise<GetFeedInfoResponse>((resolve, reject) =>
          client.getFeedInfo({}, (error, value) => (error ? reject(error) : resolve(value))),
        );
      try {
        const info = await feedInfo();
        expect(info.stopCount).toBe(world.feed.stops.length);
        expect(info.tripCount).toBe(world.feed.trips.length);
        expect(info.parkAndRideCount).toBe(world.carParks.filter((c) => c.kind === 'park-and-ride').length);
        // Trip predictions reach routing only through AVL.
        if (registered.includes('avl'))
          await waitFor('realtime in routing', async () => (await feedInfo()).realtimeTripCount > 0);
      } finally {
        client.close();
      }
    },
    120_000,
  );
});
