import { randomUUID } from 'node:crypto';
import { VehicleState } from '@mobility/contracts/avl/v1/service';
import { type RunningService, silentLogger, startService } from '@mobility/runtime';
import { realInfra } from '@mobility/runtime/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFeed, toNumber } from '../../src/feeds/gtfs-rt.js';
import { createAvlService } from '../../src/service.js';
import {
  type AvlHarness,
  alongStreet,
  bootAvl,
  FIXTURE,
  publishUntil,
  rawPing,
  waitFor,
  writeFixtureGtfs,
} from './support.js';

describe('avl service on Kafka, TimescaleDB and Redis', () => {
  const database = `avl_test_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Pool({ connectionString: realInfra.databaseUrl, max: 1 });
  const databaseUrl = () => {
    const url = new URL(realInfra.databaseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  // Unique per run: Kafka topics and Redis keys outlive the test database.
  const vehicleId = `int-${randomUUID().slice(0, 8)}`;
  const ingestGroup = `avl.int-${randomUUID().slice(0, 8)}`;
  const gtfsPath = writeFixtureGtfs();
  let harness: AvlHarness;
  let check: pg.Client;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    harness = await bootAvl(
      {
        KAFKA_BROKERS: realInfra.kafkaBrokers.join(','),
        DATABASE_URL: databaseUrl(),
        REDIS_URL: realInfra.redisUrl,
        MOBILITY_AUTH_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
      },
      silentLogger(),
      { gtfsPath, ingestGroup, ingestFromBeginning: false },
      FIXTURE.tripStartMs + 5 * 60_000,
    );
    check = new pg.Client({ connectionString: databaseUrl() });
    await check.connect();
  });
  afterAll(async () => {
    await check?.end();
    await harness?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  const rowCounts = async () => {
    const positions = await check.query(
      'SELECT count(*)::int AS n FROM avl.vehicle_positions WHERE vehicle_id = $1',
      [vehicleId],
    );
    const predictions = await check.query(
      'SELECT count(*)::int AS n FROM avl.stop_predictions WHERE vehicle_id = $1',
      [vehicleId],
    );
    return { positions: positions.rows[0]?.n as number, predictions: predictions.rows[0]?.n as number };
  };

  it('stores positions in a hypertable once, keeps the latest state in Redis, and survives redelivery', async () => {
    expect(harness.infrastructure.mode).toEqual({ bus: 'kafka', storage: 'postgresql', hotState: 'redis' });
    const hypertables = await check.query(
      "SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'avl' ORDER BY 1",
    );
    expect(hypertables.rows.map((row) => row.hypertable_name)).toEqual([
      'audit_log',
      'stop_predictions',
      'vehicle_positions',
    ]);

    const at = FIXTURE.tripStartMs + 4 * 60_000;
    const ping = rawPing(vehicleId, at, alongStreet(0.3), {
      reportedTripId: 'T1',
      reportedStartDate: FIXTURE.serviceDate,
    });
    // The consumer group may still be joining: publish until the first ping shows in the feed.
    await publishUntil(
      () => harness.publishPings([ping]),
      async () => {
        const feed = decodeFeed(
          new Uint8Array(
            await (await fetch(`${harness.baseUrl}/gtfs-rt/vehicle-positions.pb`)).arrayBuffer(),
          ),
        );
        return feed.entity.some((e) => e.id === vehicleId && toNumber(e.vehicle?.timestamp) === at / 1000);
      },
      'the ping in the feed',
    );
    const first = await waitFor(async () => {
      const counts = await rowCounts();
      return counts.positions === 1 && counts.predictions > 0 ? counts : undefined;
    }, 'position and prediction rows');

    const hot = await harness.infrastructure.hotStateFor('avl').get(`vehicle:${vehicleId}`);
    expect(hot).toBeDefined();
    const state = VehicleState.decode(hot as Buffer);
    expect(state.position?.trip?.tripId).toBe('T1');
    expect(state.position?.observedAt?.getTime()).toBe(at);

    // A new instance (fresh memory, as after a crash) gets the same ping again: no second row.
    await harness.service.stop();
    let again: RunningService | undefined;
    try {
      again = await startService(
        createAvlService({ gtfsPath, ingestGroup, ingestFromBeginning: false }),
        harness.infrastructure,
        { host: '127.0.0.1', grpcPort: 0, httpPort: 0, clock: harness.clock },
        silentLogger(),
      );
      const url = `http://127.0.0.1:${again.httpPort}/avl/status`;
      await publishUntil(
        () => harness.publishPings([ping]),
        async () => ((await (await fetch(url)).json()) as { accepted: number }).accepted > 0,
        'the redelivered ping processed',
      );
      expect(await rowCounts()).toEqual(first);
    } finally {
      await again?.stop();
    }
  });
});
