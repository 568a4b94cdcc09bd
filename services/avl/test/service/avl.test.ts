import { gunzipSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import {
  PingRejected,
  PingRejectionReason,
  RawVehiclePing,
  VehiclePositionMatched,
} from '@mobility/contracts/avl/v1/events';
import {
  AlertCause,
  AlertEffect,
  type CreateServiceAlertResponse,
  type GetTripPredictionsResponse,
  type GetVehicleResponse,
  type ListVehiclesResponse,
} from '@mobility/contracts/avl/v1/service';
import { healthCheck, type Pool, startService } from '@mobility/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFeed, toNumber } from '../../src/feeds/gtfs-rt.js';
import { AVL_GRPC_SERVICE, createAvlService } from '../../src/service.js';
import {
  type AvlHarness,
  alongStreet,
  bootAvl,
  call,
  collect,
  FIXTURE,
  rawPing,
  recordingLogger,
  waitFor,
  writeFixtureGtfs,
} from './support.js';

const DRIVER = 'DRV-BADGE-90210';
const T = FIXTURE.tripStartMs;

async function feed(harness: AvlHarness, name: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.baseUrl}/gtfs-rt/${name}.pb`, { headers });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { response, bytes };
}

async function vehicleInFeed(harness: AvlHarness, vehicleId: string, timestampS: number) {
  const { bytes } = await feed(harness, 'vehicle-positions');
  const entity = decodeFeed(bytes).entity.find((e) => e.vehicle?.vehicle?.id === vehicleId);
  return toNumber(entity?.vehicle?.timestamp) === timestampS ? entity : undefined;
}

/** A ping encoded with an extra undeclared field 30 carrying a driver badge, as a vendor might send. */
function bytesWithDriver(ping: RawVehiclePing): Uint8Array {
  const badge = Buffer.from(DRIVER, 'utf8');
  const extra = Uint8Array.from([(30 << 3) | 2, 1, badge.length, ...badge]);
  // Field 30 needs a two-byte tag (30 << 3 = 240 > 127): 0xf2 0x01.
  extra[0] = 0xf2;
  return Buffer.concat([RawVehiclePing.encode(ping).finish(), extra]);
}

describe('avl service (embedded: in-process bus, PGlite, memory hot state)', () => {
  const logLines: string[] = [];
  let harness: AvlHarness;
  let db: Pool;
  let rejected: Awaited<ReturnType<typeof collect>>;
  let matched: Awaited<ReturnType<typeof collect>>;

  beforeAll(async () => {
    harness = await bootAvl({}, recordingLogger(logLines), { gtfsPath: writeFixtureGtfs() }, T + 2 * 60_000);
    db = await harness.infrastructure.storageFor('avl');
    rejected = await collect(harness.infrastructure, ['avl.ping-rejected.v1'], 'avl-test.rejected');
    matched = await collect(harness.infrastructure, ['avl.position-matched.v1'], 'avl-test.matched');
    // Booting the embedded database is the slow part on a loaded machine.
  }, 180_000);
  afterAll(async () => {
    await rejected?.stop();
    await matched?.stop();
    await harness?.close();
  });

  it('without a static feed starts anyway, reports NOT_SERVING for AvlService and serves empty, valid feeds', async () => {
    // A second instance on the same infrastructure (booting another embedded database is slow).
    const bare = await startService(
      createAvlService({ ingestGroup: 'avl.test-bare', ingestFromBeginning: false }),
      harness.infrastructure,
      { host: '127.0.0.1', grpcPort: 0, httpPort: 0, clock: harness.clock },
      recordingLogger([]),
    );
    try {
      expect(await healthCheck(`127.0.0.1:${bare.grpcPort}`, { service: AVL_GRPC_SERVICE })).toBe(
        'NOT_SERVING',
      );
      for (const name of ['vehicle-positions', 'trip-updates', 'alerts']) {
        const response = await fetch(`http://127.0.0.1:${bare.httpPort}/gtfs-rt/${name}.pb`);
        expect(response.status).toBe(200);
        const message = decodeFeed(new Uint8Array(await response.arrayBuffer()));
        expect(message.header.gtfsRealtimeVersion).toBe('2.0');
        expect(message.entity).toHaveLength(0);
      }
    } finally {
      await bare.stop();
    }
  });

  it('loads the static feed and reports its bad rows by file and line, without failing', async () => {
    const body = (await (await fetch(`${harness.baseUrl}/avl/gtfs-issues`)).json()) as {
      loaded: boolean;
      issues: { file: string; line: number; message: string }[];
    };
    expect(body.loaded).toBe(true);
    expect(body.issues).toContainEqual(expect.objectContaining({ file: 'stop_times.txt', line: 9 }));
    const { rows } = await db.query('SELECT count(*)::int AS n FROM gtfs_trips');
    expect(rows[0]?.n).toBe(2);
    expect(await healthCheck(`127.0.0.1:${harness.service.grpcPort}`, { service: AVL_GRPC_SERVICE })).toBe(
      'SERVING',
    );
  });

  it('matches a ping from the bus, serves it in the feed, stores it once and keeps it in hot state', async () => {
    const at = T + 90_000;
    await harness.publishPings([
      rawPing('bus-1', at, alongStreet(0.1), {
        reportedTripId: 'T1',
        reportedStartDate: FIXTURE.serviceDate,
      }),
    ]);
    const entity = await waitFor(() => vehicleInFeed(harness, 'bus-1', at / 1000), 'bus-1 in the feed');
    expect(entity.vehicle?.trip).toMatchObject({
      tripId: 'T1',
      routeId: 'R1',
      startDate: '20260216',
      startTime: '08:00:00',
    });
    const { rows } = await db.query<{ trip_id: string }>(
      'SELECT trip_id FROM vehicle_positions WHERE vehicle_id = $1',
      ['bus-1'],
    );
    expect(rows).toEqual([{ trip_id: 'T1' }]);
    const operator = await harness.client('public');
    const response = await call<unknown, GetVehicleResponse>(operator, 'getVehicle', { vehicleId: 'bus-1' });
    expect(response.vehicle?.position?.trip?.tripId).toBe('T1');
    const event = await waitFor(
      async () =>
        matched.messages
          .map((m) => VehiclePositionMatched.decode(m.value))
          .find((p) => p.vehicleId === 'bus-1'),
      'matched position event',
    );
    expect(event.trip?.tripId).toBe('T1');
  });

  it('publishes stop-level predictions in trip-updates.pb and through GetTripPredictions, and streams positions', async () => {
    const client = await harness.client('public');
    const stream = client.streamPositions({ routeIds: ['R1'], vehicleIds: [], skipSnapshot: false });
    const streamed: VehiclePositionMatched[] = [];
    stream.on('data', (message: { position?: VehiclePositionMatched }) => {
      if (message.position) streamed.push(message.position);
    });
    stream.on('error', () => {});
    try {
      // The snapshot: bus-1's latest position.
      await waitFor(
        async () => streamed.some((p) => p.vehicleId === 'bus-1'),
        'bus-1 in the stream snapshot',
      );
      const at = T + 118_000;
      await harness.publishPings([
        rawPing('bus-1', at, alongStreet(0.16), {
          reportedTripId: 'T1',
          reportedStartDate: FIXTURE.serviceDate,
        }),
      ]);
      const update = await waitFor(async () => {
        const message = decodeFeed((await feed(harness, 'trip-updates')).bytes);
        return message.entity.find((e) => e.id === 'T1:20260216')?.tripUpdate ?? undefined;
      }, 'T1 in trip-updates.pb');
      expect(update.vehicle?.id).toBe('bus-1');
      const sequences = (update.stopTimeUpdate ?? []).map((u) => u.stopSequence ?? 0);
      expect(sequences.length).toBeGreaterThan(0);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(sequences).not.toContain(1); // the first stop is behind the bus
      const predictions = await call<unknown, GetTripPredictionsResponse>(client, 'getTripPredictions', {
        tripId: 'T1',
        startDate: '',
      });
      expect(predictions.prediction?.vehicleId).toBe('bus-1');
      expect(predictions.prediction?.stopTimePredictions.length).toBeGreaterThan(0);
      await expect(
        call(client, 'getTripPredictions', { tripId: 'NOPE', startDate: '' }),
      ).rejects.toMatchObject({ code: status.NOT_FOUND });
      await waitFor(
        async () => streamed.some((p) => p.vehicleId === 'bus-1' && p.observedAt?.getTime() === at),
        'the new position streamed',
      );
    } finally {
      stream.cancel();
    }
  });

  it('dead-letters duplicates, out-of-order, jumps and garbage with the reason, and counts them', async () => {
    const at = T + 100_000;
    const first = rawPing('bus-2', at, alongStreet(0.2));
    await harness.publishPings([
      first,
      rawPing('bus-2', at, alongStreet(0.2)), // duplicate
      rawPing('bus-2', at - 10_000, alongStreet(0.19)), // out of order
      rawPing('bus-2', at + 5_000, { lat: 38.95, lon: -77.03 }), // 5.5 km in 5 s
    ]);
    await harness.infrastructure.bus.publish('avl.raw-ping.v1', [
      { key: 'junk', value: Uint8Array.from([0xff, 0xff, 0xff]) },
    ]);
    const reasons = await waitFor(async () => {
      const found = rejected.messages.map((m) => PingRejected.decode(m.value));
      return found.length >= 4 ? found : undefined;
    }, 'four rejections');
    expect(reasons.map((r) => r.reason).sort()).toEqual(
      [
        PingRejectionReason.MALFORMED,
        PingRejectionReason.DUPLICATE,
        PingRejectionReason.OUT_OF_ORDER,
        PingRejectionReason.IMPLAUSIBLE_JUMP,
      ].sort(),
    );
    const jump = reasons.find((r) => r.reason === PingRejectionReason.IMPLAUSIBLE_JUMP);
    expect(jump?.detail?.code).toBe('implausible_jump');
    expect(jump?.detail?.message).toMatch(/m in 5\.0 s/);
    const statusBody = (await (await fetch(`${harness.baseUrl}/avl/status`)).json()) as {
      rejected: Record<string, number>;
    };
    expect(statusBody.rejected).toMatchObject({
      duplicate: 1,
      out_of_order: 1,
      implausible_jump: 1,
      malformed: 1,
    });
  });

  it('takes authenticated HTTP batches with a per-item answer, and keeps no driver id anywhere', async () => {
    const url = `${harness.baseUrl}/avl/pings`;
    const at = (T + 110_000) / 1000;
    const body = JSON.stringify([
      {
        vehicle_id: 'bus-3',
        timestamp: at,
        lat: 38.9,
        lon: -77.045,
        trip_id: 'T1',
        driver_id: DRIVER,
        operator_name: 'Jane Roe',
      },
      { vehicle_id: 'bus-4', timestamp: at, lat: 200, lon: -77.045 },
      { timestamp: at, lat: 38.9, lon: -77.045 },
      { vehicle_id: 'bus-5', timestamp: at + 3600, lat: 38.9, lon: -77.045 },
    ]);
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${await harness.token('public')}` })).status).toBe(403);
    const response = await post({ authorization: `Bearer ${await harness.token('agency')}` });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      accepted: number;
      results: { status: string; reason?: string }[];
    };
    expect(answer.accepted).toBe(1);
    expect(answer.results.map((r) => r.reason ?? r.status)).toEqual([
      'accepted',
      'invalid_coordinates',
      'missing_vehicle_id',
      'timestamp_in_future',
    ]);
    await waitFor(() => vehicleInFeed(harness, 'bus-3', at), 'bus-3 in the feed');
    // Nothing personal stored: not in the position table, hot state, events or logs.
    const { rows } = await db.query('SELECT * FROM vehicle_positions WHERE vehicle_id = $1', ['bus-3']);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(DRIVER);
    const hot = await harness.infrastructure.hotStateFor('avl').get('vehicle:bus-3');
    expect(hot?.toString('latin1')).not.toContain(DRIVER);
    expect(logLines.join('\n')).not.toContain(DRIVER);
    expect(logLines.join('\n')).not.toContain('Jane Roe');
  });

  it('drops undeclared fields of Kafka pings at decode (a driver badge never reaches storage or events)', async () => {
    const at = T + 115_000;
    const ping = rawPing('bus-6', at, alongStreet(0.3));
    await harness.infrastructure.bus.publish('avl.raw-ping.v1', [
      { key: 'bus-6', value: bytesWithDriver(ping) },
    ]);
    await waitFor(() => vehicleInFeed(harness, 'bus-6', at / 1000), 'bus-6 in the feed');
    const event = await waitFor(
      async () => matched.messages.find((m) => VehiclePositionMatched.decode(m.value).vehicleId === 'bus-6'),
      'bus-6 event',
    );
    expect(Buffer.from(event.value).toString('latin1')).not.toContain(DRIVER);
    const { rows } = await db.query('SELECT * FROM vehicle_positions WHERE vehicle_id = $1', ['bus-6']);
    expect(JSON.stringify(rows)).not.toContain(DRIVER);
  });

  it('serves feeds with ETag/304, JSON, and a header timestamp that never goes back', async () => {
    const first = await feed(harness, 'vehicle-positions');
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toBe('application/x-protobuf');
    const etag = first.response.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    const message = decodeFeed(first.bytes);
    expect(message.header.gtfsRealtimeVersion).toBe('2.0');
    expect(message.header.incrementality).toBe(0); // FULL_DATASET
    const notModified = await feed(harness, 'vehicle-positions', { 'if-none-match': etag });
    expect(notModified.response.status).toBe(304);

    const json = (await (
      await fetch(`${harness.baseUrl}/gtfs-rt/vehicle-positions.pb?format=json`)
    ).json()) as {
      header: { gtfs_realtime_version: string; incrementality: string; timestamp: number };
      entity: unknown[];
    };
    expect(json.header.gtfs_realtime_version).toBe('2.0');
    expect(json.header.incrementality).toBe('FULL_DATASET');
    expect(json.entity.length).toBe(message.entity.length);

    const before = toNumber(message.header.timestamp) ?? 0;
    harness.clock.advance(-10 * 60_000); // a clock going backwards must not move the header back
    await harness.publishPings([rawPing('bus-7', harness.clock.now() - 1000, alongStreet(0.05))]);
    const after = await waitFor(async () => {
      const m = decodeFeed((await feed(harness, 'vehicle-positions')).bytes);
      return m.entity.some((e) => e.id === 'bus-7') ? m : undefined;
    }, 'bus-7 in the feed');
    expect(toNumber(after.header.timestamp)).toBeGreaterThanOrEqual(before);
    harness.clock.advance(10 * 60_000);
  });

  it('gzips the bytes it sends when asked, and they decode to the same feed', async () => {
    const { request } = await import('node:http');
    const body = await new Promise<Buffer>((resolve, reject) => {
      request(
        `${harness.baseUrl}/gtfs-rt/alerts.pb`,
        { headers: { 'accept-encoding': 'gzip' } },
        (response) => {
          expect(response.headers['content-encoding']).toBe('gzip');
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(Buffer.concat(chunks)));
        },
      )
        .on('error', reject)
        .end();
    });
    expect(decodeFeed(gunzipSync(body)).header.gtfsRealtimeVersion).toBe('2.0');
  });

  it('lets only operators publish and withdraw service alerts, with a reason, audited, shown in alerts.pb', async () => {
    const alert = {
      informedEntities: [{ routeId: 'R1', agencyId: '', tripId: '', stopId: '' }],
      activePeriods: [],
      cause: AlertCause.CONSTRUCTION,
      effect: AlertEffect.DETOUR,
      headerText: [{ language: 'en', text: 'R1 detour at C' }],
      descriptionText: [],
      url: '',
      alertId: '',
    };
    const publicClient = await harness.client('public');
    await expect(
      call(publicClient, 'createServiceAlert', {
        alert,
        change: { reason: 'works', ticketRef: '', idempotencyKey: '' },
      }),
    ).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    const operator = await harness.client('operator', 'alice@tcc');
    await expect(
      call(operator, 'createServiceAlert', {
        alert,
        change: { reason: ' ', ticketRef: '', idempotencyKey: '' },
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(
      call(operator, 'createServiceAlert', {
        alert: { ...alert, informedEntities: [{ routeId: 'NOPE', agencyId: '', tripId: '', stopId: '' }] },
        change: { reason: 'works', ticketRef: '', idempotencyKey: '' },
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    const created = await call<unknown, CreateServiceAlertResponse>(operator, 'createServiceAlert', {
      alert,
      change: { reason: 'road works on Main Street', ticketRef: 'TCK-1', idempotencyKey: '' },
    });
    const alertId = created.alert?.alertId ?? '';
    expect(created.alert?.created?.actorId).toBe('alice@tcc');
    const inFeed = decodeFeed((await feed(harness, 'alerts')).bytes).entity.find((e) => e.id === alertId);
    expect(inFeed?.alert?.informedEntity?.[0]?.routeId).toBe('R1');
    expect(inFeed?.alert?.headerText?.translation?.[0]?.text).toBe('R1 detour at C');

    await call(operator, 'deleteServiceAlert', {
      alertId,
      change: { reason: 'works finished', ticketRef: '', idempotencyKey: '' },
    });
    expect(
      decodeFeed((await feed(harness, 'alerts')).bytes).entity.find((e) => e.id === alertId),
    ).toBeUndefined();
    const { rows } = await db.query<{ action: string; subject: string; reason: string; outcome: string }>(
      "SELECT action, subject, reason, outcome FROM audit_log WHERE action LIKE '%ServiceAlert' ORDER BY action, outcome",
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          action: 'CreateServiceAlert',
          subject: 'alice@tcc',
          reason: 'road works on Main Street',
          outcome: 'succeeded',
        },
        {
          action: 'DeleteServiceAlert',
          subject: 'alice@tcc',
          reason: 'works finished',
          outcome: 'succeeded',
        },
      ]),
    );
  });

  it('lists vehicles by route through gRPC', async () => {
    const client = await harness.client('planner');
    const response = await call<unknown, ListVehiclesResponse>(client, 'listVehicles', {
      routeId: 'R1',
      includeStale: true,
    });
    expect(response.vehicles.map((v) => v.vehicleId)).toContain('bus-1');
    expect(response.vehicles.every((v) => v.position?.trip?.routeId === 'R1')).toBe(true);
  });
});
