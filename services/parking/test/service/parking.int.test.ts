import { randomUUID } from 'node:crypto';
import {
  FacilityCountEvent,
  GateDirection,
  OccupancyChanged,
  OccupancySnapshot,
} from '@mobility/contracts/parking/v1/events';
import { silentLogger } from '@mobility/runtime';
import { realInfra } from '@mobility/runtime/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngest } from '../../src/events/ingest.js';
import { createLiveStore } from '../../src/store/live.js';
import { bootParking, call, collect, garage, type ParkingHarness, waitFor } from './support.js';

describe('parking service on Kafka, TimescaleDB and Redis', () => {
  const database = `parking_test_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Pool({ connectionString: realInfra.databaseUrl, max: 1 });
  const databaseUrl = () => {
    const url = new URL(realInfra.databaseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  // Unique per run: Kafka topics and Redis keys outlive the test database.
  const facilityId = `int-${randomUUID().slice(0, 8)}`;
  let harness: ParkingHarness;
  let check: pg.Client;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    harness = await bootParking(
      {
        KAFKA_BROKERS: realInfra.kafkaBrokers.join(','),
        DATABASE_URL: databaseUrl(),
        REDIS_URL: realInfra.redisUrl,
        MOBILITY_AUTH_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
      },
      silentLogger(),
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

  it('ingests snapshots into a hypertable once each, and announces only real changes', async () => {
    const operator = await harness.client('operator', 'alice@tcc');
    await call(operator, 'upsertFacility', {
      facility: garage(facilityId),
      change: { reason: 'integration test', ticketRef: '', idempotencyKey: '' },
    });
    const changes = await collect(
      harness.infrastructure,
      ['parking.occupancy-changed.v1'],
      `parking-int.${facilityId}`,
    );
    const base = Date.now() - 3_600_000;
    const snapshot = (occupied: number, minutes: number, eventId: string) => ({
      key: facilityId,
      value: OccupancySnapshot.encode(
        OccupancySnapshot.fromPartial({
          meta: { eventId, occurredAt: new Date(base + minutes * 60_000) },
          facilityId,
          reportedOccupied: occupied,
          reportedCapacity: 100,
        }),
      ).finish(),
    });
    try {
      await harness.infrastructure.bus.publish('parking.occupancy-snapshot.v1', [
        snapshot(40, 0, `${facilityId}-a`),
        snapshot(40, 0, `${facilityId}-a`), // redelivered
        snapshot(40, 15, `${facilityId}-b`), // same value
        snapshot(-3, 30, `${facilityId}-c`), // negative: clamped
        snapshot(70, 45, `${facilityId}-d`),
      ]);
      const live = harness.infrastructure.hotStateFor('parking');
      await waitFor(
        async () => (await live.getString(`occupancy:${facilityId}`))?.includes(`${facilityId}-d`),
        'the last snapshot in Redis',
        60_000,
      );

      const { rows: hypertables } = await check.query(
        "SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'parking' ORDER BY 1",
      );
      expect(hypertables.map((row) => row.hypertable_name)).toEqual(
        expect.arrayContaining(['audit_log', 'data_quality_log', 'gate_count_inputs', 'occupancy_history']),
      );
      const { rows: history } = await check.query(
        'SELECT occupied, raw_occupied FROM parking.occupancy_history WHERE facility_id = $1 ORDER BY observed_at',
        [facilityId],
      );
      expect(history).toEqual([
        { occupied: 40, raw_occupied: null },
        { occupied: 40, raw_occupied: null },
        { occupied: 0, raw_occupied: -3 },
        { occupied: 70, raw_occupied: null },
      ]);
      const { rows: flags } = await check.query(
        'SELECT flags, action FROM parking.data_quality_log WHERE facility_id = $1',
        [facilityId],
      );
      expect(flags).toEqual([{ flags: ['negative'], action: 'clamped' }]);
      const { rows: retention } = await check.query(
        "SELECT keep::text AS keep FROM parking.mobility_retention WHERE table_name LIKE '%occupancy_history'",
      );
      expect(retention).toEqual([{ keep: '3 years' }]);

      // The topic is shared with earlier runs and other tests: only this facility's events count.
      const ours = () => changes.messages.filter((m) => m.key === facilityId);
      const events = await waitFor(
        async () => (ours().length >= 3 ? ours() : undefined),
        'three occupancy changes on Kafka',
        60_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(ours().map((m) => OccupancyChanged.decode(m.value).occupancy?.occupied)).toEqual([40, 0, 70]);
      expect(OccupancyChanged.decode(events[2]?.value ?? new Uint8Array()).previousOccupied).toBe(0);

      const occupancy = await call(operator, 'getOccupancy', { facilityIds: [facilityId] });
      expect(occupancy.occupancies[0]?.occupancy).toMatchObject({ occupied: 70, free: 30 });
    } finally {
      await changes.stop();
    }
  });

  it('loses no gate count when two replicas process one facility at once', async () => {
    const raceId = `${facilityId}-race`;
    const operator = await harness.client('operator', 'alice@tcc');
    await call(operator, 'upsertFacility', {
      facility: garage(raceId),
      change: { reason: 'integration test', ticketRef: '', idempotencyKey: '' },
    });
    const { infrastructure } = harness;
    const db = await infrastructure.storageFor('parking');
    const live = createLiveStore(infrastructure.hotStateFor('parking'), db);
    // Two ingests with their own in-process state, as on two pods.
    const replicas = [0, 1].map(() =>
      createIngest({ db, live, bus: infrastructure.bus, logger: silentLogger() }),
    );
    const start = Date.now() - 3_600_000;
    const message = (value: Uint8Array, offset: number) => ({
      topic: 'parking.facility-count.v1',
      partition: 0,
      offset,
      key: raceId,
      value,
      headers: {},
      timestamp: start,
    });
    await replicas[0]?.handleSnapshot({
      ...message(
        OccupancySnapshot.encode(
          OccupancySnapshot.fromPartial({
            meta: { eventId: `${raceId}-s`, occurredAt: new Date(start) },
            facilityId: raceId,
            reportedOccupied: 0,
            reportedCapacity: 100,
          }),
        ).finish(),
        0,
      ),
      topic: 'parking.occupancy-snapshot.v1',
    });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        replicas[i % 2]?.handleCount(
          message(
            FacilityCountEvent.encode(
              FacilityCountEvent.fromPartial({
                meta: { eventId: `${raceId}-${i}`, occurredAt: new Date(start + 60_000 + i) },
                facilityId: raceId,
                gateId: 'north',
                direction: GateDirection.ENTRY,
                vehicleCount: 1,
              }),
            ).finish(),
            i + 1,
          ),
        ),
      ),
    );
    const { rows } = await check.query(
      "SELECT state->>'occupied' AS occupied FROM parking.facility_live WHERE facility_id = $1",
      [raceId],
    );
    expect(rows).toEqual([{ occupied: '40' }]);
    const cached = await infrastructure.hotStateFor('parking').getString(`occupancy:${raceId}`);
    expect(JSON.parse(cached ?? '{}')).toMatchObject({ occupied: 40 });
  });
});
