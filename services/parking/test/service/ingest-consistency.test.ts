import { status } from '@grpc/grpc-js';
import { EventMeta } from '@mobility/contracts/common/v1/event';
import { Timestamp } from '@mobility/contracts/google/protobuf/timestamp';
import { FacilityCountEvent, GateDirection, OccupancySnapshot } from '@mobility/contracts/parking/v1/events';
import { OccupancySource } from '@mobility/contracts/parking/v1/facility';
import type { ParkingServiceClient } from '@mobility/contracts/parking/v1/service';
import { type DeliveredMessage, type Pool, silentLogger } from '@mobility/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngest, type Ingest } from '../../src/events/ingest.js';
import { loadLiveState } from '../../src/store/facility-live.js';
import { forecastHistory } from '../../src/store/history.js';
import { createLiveStore, type LiveStore } from '../../src/store/live.js';
import { bootParking, call, garage, type ParkingHarness } from './support.js';

const HOUR = 3_600_000;
let offset = 0;

/** A delivered message as the bus hands it to a handler. */
function delivered(topic: string, key: string, value: Uint8Array): DeliveredMessage {
  return { topic, partition: 0, offset: offset++, key, value, headers: {}, timestamp: Date.now() };
}

const snapshot = (facilityId: string, occupied: number, at: number, eventId: string) =>
  delivered(
    'parking.occupancy-snapshot.v1',
    facilityId,
    OccupancySnapshot.encode(
      OccupancySnapshot.fromPartial({
        meta: { eventId, occurredAt: new Date(at) },
        facilityId,
        reportedOccupied: occupied,
        reportedCapacity: 100,
        source: OccupancySource.FACILITY_SYSTEM,
      }),
    ).finish(),
  );

const count = (facilityId: string, vehicleCount: number, at: number, eventId: string) =>
  delivered(
    'parking.facility-count.v1',
    facilityId,
    FacilityCountEvent.encode(
      FacilityCountEvent.fromPartial({
        meta: { eventId, occurredAt: new Date(at) },
        facilityId,
        gateId: 'north',
        direction: GateDirection.ENTRY,
        vehicleCount,
      }),
    ).finish(),
  );

describe('ingest consistency (embedded)', () => {
  let harness: ParkingHarness;
  let db: Pool;
  let live: LiveStore;
  let operator: ParkingServiceClient;
  let publicClient: ParkingServiceClient;
  const ingestWith = (store: LiveStore): Ingest =>
    createIngest({ db, live: store, bus: harness.infrastructure.bus, logger: silentLogger() });
  const register = (facilityId: string, location = { lat: 52.4778, lon: -1.8989 }) =>
    call(operator, 'upsertFacility', {
      facility: garage(facilityId, { location }),
      change: { reason: 'test', ticketRef: '', idempotencyKey: '' },
    });
  const cached = async (facilityId: string) =>
    JSON.parse(
      (await harness.infrastructure.hotStateFor('parking').getString(`occupancy:${facilityId}`)) ?? 'null',
    ) as { occupied: number } | null;

  beforeAll(async () => {
    harness = await bootParking({}, silentLogger());
    db = await harness.infrastructure.storageFor('parking');
    live = createLiveStore(harness.infrastructure.hotStateFor('parking'), db);
    operator = await harness.client('operator', 'alice@tcc');
    publicClient = await harness.client('public', 'app:test');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('applies concurrent gate counts from two ingest instances without losing any', async () => {
    await register('RACE');
    const [a, b] = [ingestWith(live), ingestWith(live)];
    const start = Date.now() - HOUR;
    expect(await a.handleSnapshot(snapshot('RACE', 0, start, 'race-s'))).toBe('applied');
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).handleCount(count('RACE', 1, start + 60_000 + i, `race-${i}`)),
      ),
    );
    expect((await loadLiveState(db, 'RACE'))?.occupied).toBe(40);
    expect((await cached('RACE'))?.occupied).toBe(40);
  });

  it('refreshes hot state when a gate count is redelivered after a post-commit failure', async () => {
    await register('RETRY');
    let failed = false;
    const flaky: LiveStore = {
      ...live,
      async cache(state) {
        if (state.inputId === 'c-1' && !failed) {
          failed = true;
          throw new Error('hot state unavailable');
        }
        await live.cache(state);
      },
    };
    const ingest = ingestWith(flaky);
    const start = Date.now() - HOUR;
    await ingest.handleCount(count('RETRY', 1, start, 'c-0'));
    await expect(ingest.handleCount(count('RETRY', 2, start + 1_000, 'c-1'))).rejects.toThrow();
    expect(await ingest.handleCount(count('RETRY', 2, start + 1_000, 'c-1'))).toBe('redelivered');
    expect((await cached('RETRY'))?.occupied).toBe(3);
    await ingest.handleCount(count('RETRY', 4, start + 2_000, 'c-2'));
    expect((await cached('RETRY'))?.occupied).toBe(7);
    expect((await loadLiveState(db, 'RETRY'))?.occupied).toBe(7);
  });

  it('rejects a future-dated reading with a flag instead of freezing the facility', async () => {
    await register('FUTURE');
    const ingest = ingestWith(live);
    expect(await ingest.handleSnapshot(snapshot('FUTURE', 50, Date.now() + 24 * HOUR, 'f-1'))).toBe(
      'rejected',
    );
    expect(await ingest.handleSnapshot(snapshot('FUTURE', 10, Date.now() - 60_000, 'f-2'))).toBe('applied');
    const { rows } = await db.query<{ flags: string[]; action: string }>(
      "SELECT flags, action FROM data_quality_log WHERE facility_id = 'FUTURE'",
    );
    expect(rows).toEqual([{ flags: ['future-time'], action: 'rejected' }]);
    expect((await cached('FUTURE'))?.occupied).toBe(10);
  });

  it('records unreadable times and impossible counts as flags instead of dead-lettering them', async () => {
    await register('BAD');
    const ingest = ingestWith(live);
    // A timestamp decoding to no valid Date (seconds far beyond year 275760).
    const timestamp = Timestamp.encode({ seconds: 1e14, nanos: 0 }).finish();
    const meta = Buffer.concat([
      EventMeta.encode(EventMeta.fromPartial({ eventId: 'bad-time' })).finish(),
      Uint8Array.from([(2 << 3) | 2, timestamp.length]),
      timestamp,
    ]);
    const value = Buffer.concat([
      Uint8Array.from([(1 << 3) | 2, meta.length]),
      meta,
      FacilityCountEvent.encode(
        FacilityCountEvent.fromPartial({
          facilityId: 'BAD',
          direction: GateDirection.ENTRY,
          vehicleCount: 1,
        }),
      ).finish(),
    ]);
    expect(await ingest.handleCount(delivered('parking.facility-count.v1', 'BAD', value))).toBe('rejected');
    expect(await ingest.handleCount(count('BAD', 4_000_000_000, Date.now() - 60_000, 'huge'))).toBe(
      'rejected',
    );
    const { rows } = await db.query<{ input_id: string; flags: string[] }>(
      "SELECT input_id, flags FROM data_quality_log WHERE facility_id = 'BAD' ORDER BY input_id",
    );
    expect(rows).toEqual([
      { input_id: 'bad-time', flags: ['invalid-time'] },
      { input_id: 'huge', flags: ['malformed-input'] },
    ]);
    expect(await loadLiveState(db, 'BAD')).toBeUndefined();
  });

  it('refuses a facility capacity above a million', async () => {
    await expect(
      call(operator, 'upsertFacility', {
        facility: garage('HUGE', { capacity: 2_000_000 }),
        change: { reason: 'test', ticketRef: '', idempotencyKey: '' },
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it('stamps forecast inputs at the newest reading of each bucket, not its start', async () => {
    await register('BUCKET');
    const tenAm = Date.parse('2026-01-05T10:00:00Z');
    for (const [at, occupied] of [
      [tenAm, 0],
      [tenAm + 14 * 60_000, 100],
    ] as const) {
      await db.query(
        `INSERT INTO occupancy_history (facility_id, observed_at, occupied, capacity, source, input_id)
         VALUES ('BUCKET', $1, $2, 100, 1, $3)`,
        [new Date(at), occupied, `b-${at}`],
      );
    }
    const points = await forecastHistory(db, 'BUCKET', new Date(tenAm + 20 * 60_000));
    expect(points).toHaveLength(1);
    expect(points[0]?.at).toBeGreaterThanOrEqual(tenAm + 14 * 60_000);
  });

  describe('FindAvailable', () => {
    const spot = { lat: 52.6, lon: -1.7 };
    const find = (arrivalTime?: Date) =>
      call(publicClient, 'findAvailable', {
        destination: spot,
        maxWalkDistanceM: 300,
        category: 0,
        kinds: [],
        maxResults: 1,
        minAvailabilityProbability: 0,
        driveSpeedMps: 0,
        ...(arrivalTime ? { arrivalTime } : {}),
      });

    beforeAll(async () => {
      await register('STALE', spot);
      await ingestWith(live).handleSnapshot(snapshot('STALE', 80, Date.now() - 48 * HOUR, 'stale-1'));
    });

    it('does not treat a 48-hour-old reading as current and certain', async () => {
      const [option] = (await find()).options;
      expect(option?.facility?.facilityId).toBe('STALE');
      const fromCurrent = option?.advice?.summary.includes('from current occupancy') ?? false;
      // Either the forecast answers, or the old reading counts as uncertain.
      expect(!fromCurrent || (option?.availabilityProbability ?? 1) < 0.9).toBe(true);
    });

    it('answers an arrival a year ahead quickly, without pretending to know', async () => {
      const started = Date.now();
      const [option] = (await find(new Date(Date.now() + 365 * 24 * HOUR))).options;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(option?.advice?.summary).toMatch(/no occupancy data/);
    });
  });
});
