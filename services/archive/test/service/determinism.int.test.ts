import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { OccupancyChanged, OccupancySnapshot } from '@mobility/contracts/parking/v1/events';
import { Facility, FacilityKind, OccupancySource } from '@mobility/contracts/parking/v1/facility';
import { ParkingServiceClient } from '@mobility/contracts/parking/v1/service';
import { parkingService } from '@mobility/parking';
import {
  connectInfrastructure,
  createClient,
  type Infrastructure,
  issueToken,
  loadConfig,
  type NamespacedBus,
  namespacedBus,
  namespacedServiceName,
  type RunningService,
  silentLogger,
  startService,
  withInfrastructure,
} from '@mobility/runtime';
import { realInfra } from '@mobility/runtime/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayNamespace } from '../../src/domain/replay.js';
import { executeReplay, planReplay } from '../../src/replay/engine.js';
import { archiveService } from '../../src/service.js';
import { archivedCount, collect, TEST_SECRET, waitFor } from './support.js';

const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);
const FACILITY = 'det-garage';
const INPUT_TOPIC = 'parking.occupancy-snapshot.v1';
const OUTPUT_TOPIC = 'parking.occupancy-changed.v1';

/** A morning of readings every 10 min, including a repeat, a negative and an over-capacity one. */
const readings = [10, 25, 25, 60, -4, 120, 185, 199, 150, 150, 90, 40, 220, 75, 30];

function snapshots() {
  return readings.map((occupied, index) => {
    const at = new Date(T0 + index * 600_000);
    return {
      key: FACILITY,
      timestamp: at.getTime(),
      value: OccupancySnapshot.encode(
        OccupancySnapshot.fromPartial({
          meta: { eventId: `det-${index}`, occurredAt: at, producer: 'facility-system' },
          facilityId: FACILITY,
          reportedOccupied: occupied,
          reportedCapacity: 200,
          source: OccupancySource.FACILITY_SYSTEM,
        }),
      ).finish(),
    };
  });
}

/**
 * Replaying the same window twice into fresh namespaces, each with its own parking service, gives
 * the same outputs: same changes, same order, same values, same event ids; only the wall-clock
 * produced_at and the run's own id differ.
 */
describe('replay determinism with the parking service', () => {
  let infrastructure: Infrastructure;
  let archive: RunningService;
  let liveBus: NamespacedBus;
  let db: pg.Pool;
  const id = randomUUID().slice(0, 8);
  const database = `archive_det_${id}`;
  // Its own namespace for the live side too: the shared broker's topics and groups stay out of it.
  const live = `dtest.a${id}`;
  const admin = new pg.Pool({ connectionString: realInfra.databaseUrl, max: 1 });
  const started: RunningService[] = [];

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(realInfra.databaseUrl);
    url.pathname = `/${database}`;
    infrastructure = await connectInfrastructure(
      loadConfig(withInfrastructure({}), {
        KAFKA_BROKERS: realInfra.kafkaBrokers.join(','),
        DATABASE_URL: url.toString(),
        REDIS_URL: realInfra.redisUrl,
        MOBILITY_AUTH_SECRET: TEST_SECRET,
      }),
      { clientId: 'determinism', logger: silentLogger() },
    );
    liveBus = namespacedBus(infrastructure.bus, live);
    archive = await startService(
      archiveService,
      infrastructure,
      { host: '127.0.0.1', grpcPort: 0, httpPort: 0, namespace: live },
      silentLogger(),
    );
    db = (await infrastructure.storageFor(namespacedServiceName(live, 'archive'))) as pg.Pool;
    await liveBus.publish(INPUT_TOPIC, snapshots());
    await waitFor(
      async () => (await archivedCount(db, [INPUT_TOPIC])) >= readings.length,
      'the inputs archived',
    );
  }, 90_000);
  afterAll(async () => {
    for (const service of started) await service.stop();
    await archive?.stop();
    await infrastructure?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  /** One what-if run: a parking service on the run's namespace, then the replay, then its outputs. */
  async function replayOnce(): Promise<OccupancyChanged[]> {
    const run = await planReplay(db, {
      from: T0,
      to: T0 + 3 * 3_600_000,
      topics: [INPUT_TOPIC],
      speed: 0,
      requestedBy: 'test',
      reason: 'determinism',
    });
    // The replay publishes inside the live side's namespace: `dtest.<id>.replay.<run-id>.*`.
    const namespace = `${live}.${replayNamespace(run.runId)}`;
    const parking = await startService(
      parkingService,
      infrastructure,
      { host: '127.0.0.1', grpcPort: 0, httpPort: 0, namespace },
      silentLogger(),
    );
    started.push(parking);
    // Reference data is not an event: each what-if instance is told about the facility first.
    const token = await issueToken(
      { subject: 'planner@test', role: 'operator', ttlSeconds: 600 },
      infrastructure.auth.secret,
    );
    const client = createClient(ParkingServiceClient, `127.0.0.1:${parking.grpcPort}`, {
      defaultDeadlineMs: 10_000,
      token,
    });
    await new Promise<void>((resolve, reject) =>
      client.upsertFacility(
        {
          facility: Facility.fromPartial({
            facilityId: FACILITY,
            name: 'Determinism garage',
            kind: FacilityKind.GARAGE,
            location: { lat: 52.48, lon: -1.9 },
            capacity: 200,
            occupancySource: OccupancySource.FACILITY_SYSTEM,
            timeZone: 'Europe/London',
          }),
          change: { reason: 'what-if setup', ticketRef: '', idempotencyKey: '' },
        },
        new Metadata(),
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    client.close();

    const outputs = await collect(
      namespacedBus(infrastructure.bus, namespace),
      [OUTPUT_TOPIC],
      'determinism.watch',
    );
    const final = await executeReplay({ db, bus: liveBus, logger: silentLogger() }, run.runId);
    expect(final.state).toBe('completed');
    expect(final.publishedEvents).toBe(readings.length);
    const lastInput = `det-${readings.length - 1}`;
    await waitFor(
      async () =>
        outputs.messages.some((m) => OccupancyChanged.decode(m.value).meta?.causationId === lastInput),
      'the change caused by the last reading',
    );
    await outputs.stop();
    return outputs.messages.map((message) => {
      const change = OccupancyChanged.decode(message.value);
      expect(change.meta?.replayRunId).toBe(run.runId);
      // Wall-clock and run identity are the only fields allowed to differ between runs.
      return {
        ...change,
        meta: change.meta ? { ...change.meta, producedAt: undefined, replayRunId: '' } : undefined,
      };
    });
  }

  it('recomputes identical outputs from the same window in two fresh namespaces, leaving live topics alone', async () => {
    const first = await replayOnce();
    const second = await replayOnce();
    expect(first.length).toBeGreaterThan(5);
    expect(second).toEqual(first);
    // Dirty readings were clamped the same way both times.
    expect(first.map((change) => change.occupancy?.occupied)).toContain(0);
    expect(first.map((change) => change.occupancy?.occupied)).toContain(200);
    const [liveOutputs] = await liveBus.describeTopics([OUTPUT_TOPIC]);
    expect(liveOutputs?.partitions.reduce((sum, partition) => sum + partition.high, 0)).toBe(0);
  }, 120_000);
});
