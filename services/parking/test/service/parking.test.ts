import { status } from '@grpc/grpc-js';
import {
  BayState,
  FacilityCountEvent,
  GateDirection,
  OccupancyChanged,
  OccupancySnapshot,
  ParkingSensorEvent,
} from '@mobility/contracts/parking/v1/events';
import {
  BayCategory,
  FacilityKind,
  OccupancyLevel,
  OccupancySource,
  Pricing,
} from '@mobility/contracts/parking/v1/facility';
import type {
  ParkingServiceClient,
  StreamOccupancyChangesResponse,
} from '@mobility/contracts/parking/v1/service';
import { durationFromMs } from '@mobility/contracts/wkt';
import type { Pool } from '@mobility/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootParking,
  call,
  collect,
  garage,
  money,
  type ParkingHarness,
  recordingLogger,
  waitFor,
} from './support.js';

const PLATE = 'AB12CDE';

/** An NGSI-LD entity as JSON: id, type and attributes (Property, GeoProperty, Relationship). */
type LdEntity = { id: string; type: string } & Record<string, unknown>;
interface LdAttribute {
  type: string;
  value?: unknown;
  observedAt?: string;
  object?: unknown;
}
const attribute = (entity: LdEntity | undefined, name: string) => entity?.[name] as LdAttribute | undefined;
const HOUR = 3_600_000;

/** A ParkingSensorEvent as a vendor might send it: with an undeclared field 15 carrying a plate. */
function sensorBytesWithPlate(event: ParkingSensorEvent): Uint8Array {
  const plate = Buffer.from(PLATE, 'utf8');
  // Field 15, wire type 2 (length-delimited); appending a field to an encoded message is valid protobuf.
  const extra = Uint8Array.from([(15 << 3) | 2, plate.length, ...plate]);
  return Buffer.concat([ParkingSensorEvent.encode(event).finish(), extra]);
}

describe('parking service (embedded: in-process bus, PGlite, memory hot state)', () => {
  const logLines: string[] = [];
  let harness: ParkingHarness;
  let db: Pool;
  let operator: ParkingServiceClient;
  let publicClient: ParkingServiceClient;
  let planner: ParkingServiceClient;
  let changes: Awaited<ReturnType<typeof collect>>;
  // Aligned to half hours so history buckets line up with the readings below.
  const base = Math.floor(Date.now() / 1_800_000) * 1_800_000 - 2 * HOUR;

  const publish = async (topic: string, key: string, value: Uint8Array, headers?: Record<string, string>) =>
    harness.infrastructure.bus.publish(topic, [{ key, value, ...(headers ? { headers } : {}) }]);
  const snapshot = (facilityId: string, occupied: number, at: number, eventId: string, capacity = 100) =>
    OccupancySnapshot.encode(
      OccupancySnapshot.fromPartial({
        meta: { eventId, occurredAt: new Date(at) },
        facilityId,
        reportedOccupied: occupied,
        reportedCapacity: capacity,
        source: OccupancySource.FACILITY_SYSTEM,
      }),
    ).finish();
  const history = async (facilityId: string) =>
    (
      await db.query<{ occupied: number; raw_occupied: number | null; flags: string[] }>(
        'SELECT occupied, raw_occupied, flags FROM occupancy_history WHERE facility_id = $1 ORDER BY observed_at',
        [facilityId],
      )
    ).rows;
  const flagged = async (facilityId: string) =>
    (
      await db.query<{ flags: string[]; action: string; reason: string; topic: string }>(
        'SELECT flags, action, reason, topic FROM data_quality_log WHERE facility_id = $1 ORDER BY observed_at, recorded_at',
        [facilityId],
      )
    ).rows;
  const changesFor = (facilityId: string) =>
    changes.messages.filter((m) => m.key === facilityId).map((m) => OccupancyChanged.decode(m.value));
  const live = async (facilityId: string) => {
    const text = await harness.infrastructure.hotStateFor('parking').getString(`occupancy:${facilityId}`);
    return text ? (JSON.parse(text) as { occupied: number; capacity: number; inputId: string }) : undefined;
  };

  beforeAll(async () => {
    harness = await bootParking({}, recordingLogger(logLines));
    db = await harness.infrastructure.storageFor('parking');
    operator = await harness.client('operator', 'alice@tcc');
    publicClient = await harness.client('public', 'app:citymap');
    planner = await harness.client('planner', 'bob@planning');
    changes = await collect(harness.infrastructure, ['parking.occupancy-changed.v1'], 'parking-test.changes');
    const facilities = [
      garage('G1'),
      garage('S1', {
        occupancySource: OccupancySource.BAY_SENSORS,
        capacity: 3,
        capacityByCategory: [{ category: BayCategory.ACCESSIBLE, capacity: 1 }],
      }),
      garage('C1', { occupancySource: OccupancySource.GATE_COUNTS, capacity: 10, capacityByCategory: [] }),
    ];
    for (const facility of facilities) {
      await call(operator, 'upsertFacility', {
        facility,
        change: { reason: 'commissioning', ticketRef: 'T-1', idempotencyKey: '' },
      });
    }
  });
  afterAll(async () => {
    await changes?.stop();
    await harness?.close();
  });

  describe('facilities', () => {
    it('upserts as operator with a reason, audits it, and lists', async () => {
      const response = await call(operator, 'upsertFacility', {
        facility: garage('Z9', {
          name: 'Zone 9',
          kind: FacilityKind.ON_STREET_ZONE,
          location: { lat: 52.48, lon: -1.9 },
        }),
        change: { reason: 'new zone', ticketRef: '', idempotencyKey: '' },
      });
      expect(response.created).toBe(true);
      expect(response.facility?.lastChanged).toMatchObject({ actorId: 'alice@tcc', reason: 'new zone' });
      const again = await call(operator, 'upsertFacility', {
        facility: garage('Z9', {
          name: 'Zone 9b',
          kind: FacilityKind.ON_STREET_ZONE,
          location: { lat: 52.48, lon: -1.9 },
        }),
        change: { reason: 'rename', ticketRef: '', idempotencyKey: '' },
      });
      expect(again.created).toBe(false);
      const { rows } = await db.query(
        "SELECT subject, action, target, reason, outcome FROM audit_log WHERE target = 'Z9' ORDER BY at",
      );
      expect(rows).toEqual([
        {
          subject: 'alice@tcc',
          action: 'UpsertFacility',
          target: 'Z9',
          reason: 'new zone',
          outcome: 'succeeded',
        },
        {
          subject: 'alice@tcc',
          action: 'UpsertFacility',
          target: 'Z9',
          reason: 'rename',
          outcome: 'succeeded',
        },
      ]);
      const columns = await db.query(
        "SELECT accessible_capacity, ev_capacity FROM facilities WHERE facility_id = 'Z9'",
      );
      expect(columns.rows).toEqual([{ accessible_capacity: 6, ev_capacity: 4 }]);
      const list = await call(publicClient, 'listFacilities', {
        kinds: [FacilityKind.ON_STREET_ZONE],
      });
      expect(list.facilities.map((f) => [f.facilityId, f.name])).toEqual([['Z9', 'Zone 9b']]);
      const near = await call(publicClient, 'listFacilities', {
        near: { center: { lat: 52.4778, lon: -1.8989 }, radiusM: 50 },
        kinds: [],
      });
      expect(near.facilities.map((f) => f.facilityId).sort()).toEqual(['C1', 'G1', 'S1']);
    });

    it('refuses changes without a reason, from a non-operator, or with an invalid description', async () => {
      await expect(
        call(operator, 'upsertFacility', {
          facility: garage('X1'),
          change: { reason: ' ', ticketRef: '', idempotencyKey: '' },
        }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
      await expect(
        call(publicClient, 'upsertFacility', {
          facility: garage('X1'),
          change: { reason: 'x', ticketRef: '', idempotencyKey: '' },
        }),
      ).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
      await expect(
        call(operator, 'upsertFacility', {
          facility: garage('X1', { capacity: 0 }),
          change: { reason: 'x', ticketRef: '', idempotencyKey: '' },
        }),
      ).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('capacity must be at least 1'),
      });
      const { rows } = await db.query("SELECT outcome FROM audit_log WHERE target = 'X1'");
      expect(rows).toEqual([{ outcome: 'failed' }]);
    });
  });

  describe('ingest', () => {
    it('turns snapshots into live state, idempotent history and change events; dirty readings are clamped and flagged', async () => {
      await publish('parking.occupancy-snapshot.v1', 'G1', snapshot('G1', 40, base, 'g1-a'));
      await publish('parking.occupancy-snapshot.v1', 'G1', snapshot('G1', 40, base, 'g1-a')); // redelivery
      await publish('parking.occupancy-snapshot.v1', 'G1', snapshot('G1', 40, base + 15 * 60_000, 'g1-b')); // no change
      await publish('parking.occupancy-snapshot.v1', 'G1', snapshot('G1', 130, base + 30 * 60_000, 'g1-c')); // above capacity
      await publish('parking.occupancy-snapshot.v1', 'G1', snapshot('G1', 55, base + 20 * 60_000, 'g1-late')); // out of order
      await publish('parking.occupancy-snapshot.v1', 'G1', snapshot('G1', 90, base + 45 * 60_000, 'g1-d'));
      await waitFor(async () => (await live('G1'))?.inputId === 'g1-d', 'G1 to reach the last snapshot');

      expect(await history('G1')).toEqual([
        { occupied: 40, raw_occupied: null, flags: [] },
        { occupied: 40, raw_occupied: null, flags: [] },
        { occupied: 100, raw_occupied: 130, flags: ['above-capacity'] },
        { occupied: 90, raw_occupied: null, flags: [] },
      ]);
      expect(await live('G1')).toMatchObject({ occupied: 90, capacity: 100 });
      const events = await waitFor(async () => {
        const list = changesFor('G1');
        return list.length >= 3 ? list : undefined;
      }, 'G1 change events');
      // 40 (first), 100 (clamped), 90: the repeated 40 and the rejected late reading announce nothing.
      expect(events.map((e) => [e.previousOccupied, e.occupancy?.occupied])).toEqual([
        [0, 40],
        [40, 100],
        [100, 90],
      ]);
      expect(events[1]?.occupancy).toMatchObject({ rawOccupied: 130, level: OccupancyLevel.FULL });
      expect(events[2]?.occupancy?.level).toBe(OccupancyLevel.HIGH);
      expect(events[2]?.meta).toMatchObject({ producer: 'parking', causationId: 'g1-d' });
      expect(await flagged('G1')).toEqual([
        expect.objectContaining({ flags: ['out-of-order'], action: 'rejected' }),
        expect.objectContaining({
          flags: ['above-capacity'],
          action: 'clamped',
          reason: expect.stringContaining('130'),
        }),
      ]);
    });

    it('counts bays from sensor events and drops any plate a sensor sends', async () => {
      const event = (
        bayId: string,
        state: BayState,
        at: number,
        eventId: string,
        category = BayCategory.GENERAL,
      ) =>
        ParkingSensorEvent.fromPartial({
          meta: { eventId, occurredAt: new Date(at) },
          facilityId: 'S1',
          bayId,
          sensorId: `sensor-${bayId}`,
          state,
          category,
        });
      const send = (e: ParkingSensorEvent) =>
        publish('parking.sensor-event.v1', 'S1', sensorBytesWithPlate(e));
      await send(event('b1', BayState.OCCUPIED, base, 's-1'));
      await send(event('b2', BayState.OCCUPIED, base + 60_000, 's-2', BayCategory.ACCESSIBLE));
      await send(event('b2', BayState.OCCUPIED, base + 60_000, 's-2', BayCategory.ACCESSIBLE)); // redelivery
      await send(event('b3', BayState.OCCUPIED, base + 120_000, 's-3'));
      await send(event('b1', BayState.FREE, base + 180_000, 's-4'));
      await send(event('b3', BayState.FAULT, base + 240_000, 's-5'));
      await waitFor(async () => (await live('S1'))?.inputId === 's-5', 'S1 to process the fault');

      expect(await live('S1')).toMatchObject({
        occupied: 1,
        byCategory: [{ category: BayCategory.ACCESSIBLE, capacity: 1, occupied: 1 }],
      });
      expect((await history('S1')).map((row) => row.occupied)).toEqual([1, 2, 3, 2, 1]);
      expect(await flagged('S1')).toEqual([
        expect.objectContaining({ flags: ['sensor-fault'], action: 'accepted' }),
      ]);
      const { rows: bays } = await db.query(
        "SELECT bay_id, state, sensor_id FROM bay_state WHERE facility_id = 'S1' ORDER BY bay_id",
      );
      expect(bays).toEqual([
        { bay_id: 'b1', state: 'free', sensor_id: 'sensor-b1' },
        { bay_id: 'b2', state: 'occupied', sensor_id: 'sensor-b2' },
        { bay_id: 'b3', state: 'fault', sensor_id: 'sensor-b3' },
      ]);

      // The plate went in with every event: it must be nowhere now.
      const { rows: tables } = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      );
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(['bay_state', 'occupancy_history', 'data_quality_log']),
      );
      for (const { table_name } of tables) {
        const { rows } = await db.query(`SELECT * FROM "${table_name}"`);
        expect(JSON.stringify(rows), `table ${table_name}`).not.toContain(PLATE);
      }
      const hotState = harness.infrastructure.hotStateFor('parking');
      for (const key of await hotState.keys('')) expect(await hotState.getString(key)).not.toContain(PLATE);
      await waitFor(async () => changesFor('S1').length >= 5 || undefined, 'S1 changes');
      for (const message of changes.messages)
        expect(Buffer.from(message.value).toString('latin1')).not.toContain(PLATE);
      expect(logLines.join('\n')).not.toContain(PLATE);
      // Sanity: the plate really was on the wire.
      expect(
        Buffer.from(sensorBytesWithPlate(event('b1', BayState.FREE, base, 'x'))).toString('latin1'),
      ).toContain(PLATE);
    });

    it('applies gate counts once each, clamps drift below zero and flags it', async () => {
      const count = (direction: GateDirection, vehicleCount: number, at: number, eventId: string) =>
        FacilityCountEvent.encode(
          FacilityCountEvent.fromPartial({
            meta: { eventId, occurredAt: new Date(at) },
            facilityId: 'C1',
            gateId: 'north',
            direction,
            vehicleCount,
          }),
        ).finish();
      await publish('parking.facility-count.v1', 'C1', count(GateDirection.ENTRY, 5, base, 'c-1'));
      await publish('parking.facility-count.v1', 'C1', count(GateDirection.EXIT, 2, base + 60_000, 'c-2'));
      await publish('parking.facility-count.v1', 'C1', count(GateDirection.EXIT, 2, base + 60_000, 'c-2')); // redelivery
      await publish(
        'parking.facility-count.v1',
        'C1',
        count(GateDirection.UNSPECIFIED, 1, base + 90_000, 'c-bad'),
      );
      await publish('parking.facility-count.v1', 'C1', count(GateDirection.EXIT, 9, base + 120_000, 'c-3'));
      await waitFor(async () => (await live('C1'))?.inputId === 'c-3', 'C1 to apply the last count');
      expect((await history('C1')).map((r) => [r.occupied, r.raw_occupied])).toEqual([
        [5, null],
        [3, null],
        [0, -6],
      ]);
      expect((await flagged('C1')).map((r) => [r.flags, r.action])).toEqual([
        [['malformed-input'], 'rejected'],
        [['negative'], 'clamped'],
      ]);
    });

    it('records inputs for unregistered facilities and dead-letters undecodable ones', async () => {
      await publish('parking.occupancy-snapshot.v1', 'NOPE', snapshot('NOPE', 3, base, 'n-1'));
      await waitFor(async () => (await flagged('NOPE')).length > 0 || undefined, 'unknown facility flag');
      expect(await flagged('NOPE')).toEqual([
        expect.objectContaining({ flags: ['unknown-facility'], action: 'rejected' }),
      ]);
      const dlq = await collect(
        harness.infrastructure,
        ['dlq.parking.occupancy-snapshots.v1'],
        'parking-test.dlq',
      );
      try {
        await publish(
          'parking.occupancy-snapshot.v1',
          'junk',
          Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
        );
        const [dead] = await waitFor(
          async () => (dlq.messages.length > 0 ? dlq.messages : undefined),
          'dead letter',
        );
        expect(dead?.key).toBe('junk');
        expect(dead?.headers['dlq-source-topic']).toBe('parking.occupancy-snapshot.v1');
      } finally {
        await dlq.stop();
      }
      // The service keeps working after the poison message.
      await publish('parking.occupancy-snapshot.v1', 'G1', snapshot('G1', 80, base + 60 * 60_000, 'g1-e'));
      await waitFor(async () => (await live('G1'))?.inputId === 'g1-e', 'G1 after the poison message');
    });
  });

  describe('gRPC reads', () => {
    it('serves current occupancy to the public, NOT_FOUND for unknown facilities', async () => {
      const response = await call(publicClient, 'getOccupancy', { facilityIds: ['G1', 'C1'] });
      expect(
        response.occupancies.map((o) => [o.facilityId, o.occupancy?.occupied, o.occupancy?.free]),
      ).toEqual([
        ['C1', 0, 10],
        ['G1', 80, 20],
      ]);
      await expect(
        call(publicClient, 'getOccupancy', { facilityIds: ['G1', 'ghost'] }),
      ).rejects.toMatchObject({
        code: status.NOT_FOUND,
        details: expect.stringContaining('ghost'),
      });
    });

    it('aggregates history into buckets for planners only', async () => {
      const request = {
        facilityId: 'G1',
        from: new Date(base),
        to: new Date(base + 2 * HOUR),
        bucket: durationFromMs(30 * 60_000),
      };
      const response = await call(planner, 'getOccupancyHistory', request);
      expect(
        response.buckets.map((b) => [
          (b.bucketStart?.getTime() ?? Number.NaN) - base,
          b.samples,
          b.minOccupied,
          b.maxOccupied,
        ]),
      ).toEqual([
        [0, 2, 40, 40],
        [30 * 60_000, 2, 90, 100],
        [60 * 60_000, 1, 80, 80],
      ]);
      expect(response.buckets[1]?.meanOccupied).toBeCloseTo(95);
      await expect(call(publicClient, 'getOccupancyHistory', request)).rejects.toMatchObject({
        code: status.PERMISSION_DENIED,
      });
      await expect(
        call(planner, 'getOccupancyHistory', { ...request, bucket: durationFromMs(1000) }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    });

    it('forecasts from stored history with intervals, and says why it cannot', async () => {
      await call(operator, 'upsertFacility', {
        // Out of walking range of the guidance test below: its seeded day cycle would make the
        // ranking there depend on the hour the suite runs.
        facility: garage('F1', { location: { lat: 52.55, lon: -1.95 } }),
        change: { reason: 'forecast test', ticketRef: '', idempotencyKey: '' },
      });
      await expect(
        call(publicClient, 'getForecast', { facilityId: 'F1', horizons: [] }),
      ).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
      });
      // Three weeks of a daily cycle (busy 09:00-17:00 UTC), written straight to history.
      await db.query(
        `INSERT INTO occupancy_history (facility_id, observed_at, occupied, capacity, source, input_id)
         SELECT 'F1', t, CASE WHEN extract(hour FROM t AT TIME ZONE 'UTC') BETWEEN 9 AND 16 THEN 85 ELSE 20 END, 100, 3, 'seed'
         FROM generate_series(date_trunc('day', now()) - interval '21 days', now() - interval '1 minute', interval '15 minutes') AS t`,
      );
      const response = await call(publicClient, 'getForecast', { facilityId: 'F1', horizons: [] });
      expect(response.points.map((p) => p.horizon?.seconds)).toEqual([900, 1800, 3600, 7200]);
      for (const point of response.points) {
        expect(point.occupiedLower).toBeLessThanOrEqual(point.expectedOccupied + 1e-6);
        expect(point.occupiedUpper).toBeGreaterThanOrEqual(point.expectedOccupied - 1e-6);
        expect(point.expectedFree).toBeCloseTo(100 - point.expectedOccupied, 3);
        expect(point.intervalCoverage).toBeGreaterThan(0);
        expect(point.probabilityFull).toBeGreaterThanOrEqual(0);
      }
      const target = response.points[3]?.targetTime?.getTime() ?? 0;
      const expected = response.points[3]?.expectedOccupied ?? 0;
      // The profile is learned: two hours ahead lands on the busy (85) or quiet (20) level of that
      // time. Near 09:00 and 17:00 the forecast may sit between the two, so it is bounded by the
      // levels a quarter of an hour either side of the target.
      const level = (ms: number) => {
        const hour = new Date(ms).getUTCHours();
        return hour >= 9 && hour <= 16 ? 85 : 20;
      };
      const around = [level(target - 15 * 60_000), level(target), level(target + 15 * 60_000)];
      expect(expected).toBeGreaterThan(Math.min(...around) - 10);
      expect(expected).toBeLessThan(Math.max(...around) + 10);
      await expect(
        call(publicClient, 'getForecast', { facilityId: 'ghost', horizons: [] }),
      ).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
      await expect(
        call(publicClient, 'getForecast', {
          facilityId: 'F1',
          horizons: [durationFromMs(-60_000)],
        }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    });

    it('finds nearby facilities with a free bay of the needed kind, ranked and explained', async () => {
      const destination = { lat: 52.4779, lon: -1.899 };
      await call(operator, 'upsertFacility', {
        facility: garage('EV2', {
          location: { lat: 52.4795, lon: -1.899 },
          capacity: 50,
          capacityByCategory: [{ category: BayCategory.EV_CHARGING, capacity: 10 }],
          pricing: Pricing.fromPartial({
            steps: [{ maxStay: durationFromMs(8 * HOUR), price: money('GBP', 150) }],
          }),
        }),
        change: { reason: 'guidance test', ticketRef: '', idempotencyKey: '' },
      });
      await call(operator, 'upsertFacility', {
        facility: garage('FAR', { location: { lat: 52.5, lon: -1.9 } }),
        change: { reason: 'guidance test', ticketRef: '', idempotencyKey: '' },
      });
      await publish(
        'parking.occupancy-snapshot.v1',
        'EV2',
        snapshot('EV2', 10, Date.now() - 60_000, 'ev2-1', 50),
      );
      await waitFor(async () => (await live('EV2'))?.inputId === 'ev2-1', 'EV2 state');

      const response = await call(publicClient, 'findAvailable', {
        destination,
        maxWalkDistanceM: 500,
        category: BayCategory.EV_CHARGING,
        kinds: [],
        maxResults: 0,
        minAvailabilityProbability: 0,
        driveSpeedMps: 0,
      });
      const ids = response.options.map((o) => o.facility?.facilityId);
      // FAR is beyond the walk; S1 and C1 have no EV bays.
      expect(ids).not.toContain('FAR');
      expect(ids).not.toContain('S1');
      expect(ids).toEqual(expect.arrayContaining(['EV2', 'G1']));
      const ev2 = response.options.find((o) => o.facility?.facilityId === 'EV2');
      const g1 = response.options.find((o) => o.facility?.facilityId === 'G1');
      expect(ev2?.expectedFreeOnArrival).toBeGreaterThan(
        g1?.expectedFreeOnArrival ?? Number.POSITIVE_INFINITY,
      );
      expect(ids[0]).toBe('EV2');
      expect(ev2?.estimatedPrice).toEqual({ currencyCode: 'GBP', amountMinor: 150 });
      // EV2 at 20% is under the band: advice to lower, with the reason.
      expect(ev2?.advice).toMatchObject({
        decision: 'lower_price',
        strategy: expect.stringContaining('sfpark_band'),
      });
      expect(ev2?.advice?.summary).toMatch(/lower hourly rate 1\.50 GBP -> 1\.00 GBP/);
      expect(ev2?.advice?.alternatives.map((a) => a.option)).toEqual(
        expect.arrayContaining(['facility:EV2', 'facility:G1']),
      );
      // G1 at 80/100 within band: hold.
      expect(g1?.advice?.decision).toBe('hold_price');

      // Arrival 3 hours out from an origin uses the forecast path and reports the arrival time.
      const later = await call(publicClient, 'findAvailable', {
        destination,
        maxWalkDistanceM: 500,
        category: BayCategory.UNSPECIFIED,
        kinds: [],
        maxResults: 1,
        minAvailabilityProbability: 0,
        driveSpeedMps: 0,
        arrivalTime: new Date(Date.now() + 3 * HOUR),
      });
      expect(later.options).toHaveLength(1);
      expect(
        Math.abs((later.options[0]?.arrivalTime?.getTime() ?? 0) - (Date.now() + 3 * HOUR)),
      ).toBeLessThan(60_000);

      await expect(
        call(publicClient, 'findAvailable', {
          destination: { lat: 123, lon: 0 },
          maxWalkDistanceM: 0,
          category: 0,
          kinds: [],
          maxResults: 0,
          minAvailabilityProbability: 0,
          driveSpeedMps: 0,
        }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    });

    it('streams the current state, then changes as they happen', async () => {
      const stream = publicClient.streamOccupancyChanges({ facilityIds: ['G1'] });
      const received: StreamOccupancyChangesResponse[] = [];
      stream.on('data', (message: StreamOccupancyChangesResponse) => received.push(message));
      stream.on('error', () => undefined);
      try {
        await waitFor(async () => received.length >= 1 || undefined, 'initial state');
        expect(received[0]?.change).toMatchObject({ facilityId: 'G1', occupancy: { occupied: 80 } });
        await publish('parking.occupancy-snapshot.v1', 'G1', snapshot('G1', 70, base + 75 * 60_000, 'g1-f'));
        await publish('parking.occupancy-snapshot.v1', 'EV2', snapshot('EV2', 12, Date.now(), 'ev2-2', 50));
        await waitFor(async () => received.length >= 2 || undefined, 'streamed change');
        expect(received[1]?.change).toMatchObject({
          facilityId: 'G1',
          previousOccupied: 80,
          occupancy: { occupied: 70 },
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(received.every((m) => m.change?.facilityId === 'G1')).toBe(true);
      } finally {
        stream.cancel();
      }
    });
  });

  describe('open data', () => {
    it('publishes availability as NGSI-LD OffStreetParking / OnStreetParking / ParkingSpot without a token', async () => {
      const url = `http://127.0.0.1:${harness.service.httpPort}`;
      const response = await fetch(`${url}/ngsi-ld/v1/entities?type=OffStreetParking`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/ld\+json/);
      expect(response.headers.get('link')).toBe(
        '<https://creativecommons.org/licenses/by/4.0/>; rel="license"',
      );
      expect(response.headers.get('last-modified')).toBeTruthy();
      const entities = (await response.json()) as LdEntity[];
      expect(entities.every((e) => e.type === 'OffStreetParking')).toBe(true);
      const g1 = entities.find((e) => e.id === 'urn:ngsi-ld:OffStreetParking:G1');
      expect(g1).toMatchObject({
        '@context': expect.arrayContaining([expect.stringContaining('dataModel.Parking')]),
        totalSpotNumber: { type: 'Property', value: 100 },
        availableSpotNumber: { type: 'Property', value: 30 },
        occupiedSpotNumber: { type: 'Property', value: 70 },
        occupancy: { type: 'Property', value: 0.7 },
        location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [-1.8989, 52.4778] } },
        category: {
          type: 'Property',
          value: expect.arrayContaining([
            'parkingGarage',
            'feeCharged',
            'forDisabled',
            'forElectricalCharging',
          ]),
        },
        status: { type: 'Property', value: ['spacesAvailable'] },
      });
      expect(new Date(attribute(g1, 'availableSpotNumber')?.observedAt ?? 0).getTime()).toBe(
        base + 75 * 60_000,
      );
      expect(attribute(g1, 'priceRatePerMinute')?.value).toBeCloseTo(3 / 60);

      const spots = (await (await fetch(`${url}/ngsi-ld/v1/entities?type=ParkingSpot`)).json()) as LdEntity[];
      expect(spots.map((s) => [s.id, attribute(s, 'status')?.value])).toEqual([
        ['urn:ngsi-ld:ParkingSpot:S1:b1', 'free'],
        ['urn:ngsi-ld:ParkingSpot:S1:b2', 'occupied'],
        ['urn:ngsi-ld:ParkingSpot:S1:b3', 'unknown'],
      ]);
      expect(spots[0]?.refParkingSite).toEqual({
        type: 'Relationship',
        object: 'urn:ngsi-ld:OffStreetParking:S1',
      });

      const zone = await fetch(
        `${url}/ngsi-ld/v1/entities/${encodeURIComponent('urn:ngsi-ld:OnStreetParking:Z9')}`,
      );
      expect(zone.status).toBe(200);
      expect(((await zone.json()) as { type: string }).type).toBe('OnStreetParking');
      expect((await fetch(`${url}/ngsi-ld/v1/entities/urn:ngsi-ld:OffStreetParking:ghost`)).status).toBe(404);
      expect((await fetch(`${url}/ngsi-ld/v1/entities?type=Vehicle`)).status).toBe(400);

      const dataset = (await (await fetch(`${url}/open-data/parking.jsonld`)).json()) as {
        type: string;
        license: string;
        dateModified: string;
        '@graph': unknown[];
      };
      expect(dataset).toMatchObject({
        type: 'Dataset',
        license: 'https://creativecommons.org/licenses/by/4.0/',
      });
      expect(Number.isNaN(Date.parse(dataset.dateModified))).toBe(false);
      expect(dataset['@graph'].length).toBeGreaterThan(5);
    });
  });
});
