import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { AvlServiceClient } from '@mobility/contracts/avl/v1/service';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import {
  connectInfrastructure,
  createClient,
  createManualClock,
  type Infrastructure,
  issueToken,
  type Logger,
  loadConfig,
  type ManualClock,
  type Role,
  type RunningService,
  startService,
  withInfrastructure,
} from '@mobility/runtime';
import { collectMessages } from '@mobility/runtime/testing';
import { strToU8, zipSync } from 'fflate';
import { type AvlOptions, createAvlService } from '../../src/service.js';

export { recordingLogger, waitFor } from '@mobility/runtime/testing';

/**
 * A small feed on a straight street in Washington: route R1, stops A..D about 800 m apart, two
 * trips of one block each day at 08:00 and 08:30, and one deliberately broken stop_times row (an
 * unreadable time on line 10) so issue reporting has something to report.
 */
export const FIXTURE = {
  timeZone: 'America/New_York',
  serviceDate: '20260216',
  /** 08:00 on the service date in New York (UTC-5 in February). */
  tripStartMs: Date.UTC(2026, 1, 16, 13, 0, 0),
  stops: [
    { id: 'A', lat: 38.9, lon: -77.05 },
    { id: 'B', lat: 38.9, lon: -77.0407 },
    { id: 'C', lat: 38.9, lon: -77.0314 },
    { id: 'D', lat: 38.9, lon: -77.0221 },
  ],
};

export function writeFixtureGtfs(): string {
  const files: Record<string, string> = {
    'agency.txt':
      'agency_id,agency_name,agency_url,agency_timezone\nX,Test Transit,https://example.org,America/New_York\n',
    'stops.txt': `stop_id,stop_name,stop_lat,stop_lon\n${FIXTURE.stops.map((s) => `${s.id},Stop ${s.id},${s.lat},${s.lon}`).join('\n')}\n`,
    'routes.txt': 'route_id,agency_id,route_short_name,route_long_name,route_type\nR1,X,R1,Main Street,3\n',
    'trips.txt':
      'route_id,service_id,trip_id,direction_id,block_id,shape_id\nR1,ALL,T1,0,B1,SH1\nR1,ALL,T2,0,B2,SH1\n',
    'stop_times.txt': [
      'trip_id,arrival_time,departure_time,stop_id,stop_sequence',
      'T1,08:00:00,08:00:00,A,1',
      'T1,08:04:00,08:04:30,B,2',
      'T1,08:08:00,08:08:30,C,3',
      'T1,08:12:00,08:12:00,D,4',
      'T2,08:30:00,08:30:00,A,1',
      'T2,08:34:00,08:34:30,B,2',
      'T2,08:38:00,08:38:30,C,3',
      'T2,8h42,08:42:00,D,4',
    ].join('\n'),
    'calendar.txt':
      'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nALL,1,1,1,1,1,1,1,20260101,20261231\n',
    'shapes.txt': `shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n${FIXTURE.stops
      .map((s, i) => `SH1,${s.lat},${s.lon},${i + 1}`)
      .join('\n')}\n`,
  };
  const dir = mkdtempSync(join(tmpdir(), 'avl-gtfs-'));
  const path = join(dir, 'fixture.zip');
  writeFileSync(
    path,
    zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)]))),
  );
  return path;
}

/** A point on the fixture street `fraction` of the way from A (0) to D (1). */
export function alongStreet(fraction: number): { lat: number; lon: number } {
  const first = FIXTURE.stops[0];
  const last = FIXTURE.stops[FIXTURE.stops.length - 1];
  if (!first || !last) throw new Error('fixture has no stops');
  return { lat: first.lat, lon: first.lon + (last.lon - first.lon) * fraction };
}

export function rawPing(
  vehicleId: string,
  observedAtMs: number,
  point: { lat: number; lon: number },
  overrides: Partial<RawVehiclePing> = {},
): RawVehiclePing {
  return RawVehiclePing.fromPartial({
    meta: { eventId: randomUUID(), occurredAt: new Date(observedAtMs) },
    vehicleId,
    position: point,
    observedAt: new Date(observedAtMs),
    receivedAt: new Date(observedAtMs + 500),
    source: PingSource.KAFKA,
    ...overrides,
  });
}

export interface AvlHarness {
  infrastructure: Infrastructure;
  service: RunningService;
  clock: ManualClock;
  baseUrl: string;
  token(role: Role, subject?: string): Promise<string>;
  client(role: Role, subject?: string): Promise<AvlServiceClient>;
  publishPings(pings: RawVehiclePing[]): Promise<void>;
  close(): Promise<void>;
}

export async function bootAvl(
  variables: Record<string, string>,
  logger: Logger,
  options: AvlOptions,
  startMs: number,
): Promise<AvlHarness> {
  const infrastructure = await connectInfrastructure(loadConfig(withInfrastructure({}), variables), {
    clientId: 'avl-test',
    logger,
  });
  const clock = createManualClock(startMs);
  const service = await startService(
    createAvlService({ ingestGroup: `avl.test-${randomUUID().slice(0, 8)}`, ...options }),
    infrastructure,
    { host: '127.0.0.1', grpcPort: 0, httpPort: 0, clock },
    logger,
  );
  const clients: AvlServiceClient[] = [];
  // Stopping twice (a test that stops the service itself, then close()) must be harmless.
  let stopping: Promise<void> | undefined;
  const stopOnce = service.stop;
  service.stop = () => {
    stopping ??= stopOnce();
    return stopping;
  };
  const token = (role: Role, subject = `${role}@test`) =>
    issueToken({ subject, role, ttlSeconds: 600 }, infrastructure.auth.secret);
  return {
    infrastructure,
    service,
    clock,
    baseUrl: `http://127.0.0.1:${service.httpPort}`,
    token,
    async client(role, subject) {
      const client = createClient(AvlServiceClient, `127.0.0.1:${service.grpcPort}`, {
        defaultDeadlineMs: 10_000,
        token: await token(role, subject),
      });
      clients.push(client);
      return client;
    },
    async publishPings(pings) {
      await infrastructure.bus.publish(
        'avl.raw-ping.v1',
        pings.map((ping) => ({ key: ping.vehicleId, value: RawVehiclePing.encode(ping).finish() })),
      );
    },
    async close() {
      for (const client of clients) client.close();
      await service.stop();
      await infrastructure.close();
    },
  };
}

/** Calls a unary method of the client as a promise. */
export function call<Req, Res>(
  client: AvlServiceClient,
  method: keyof AvlServiceClient,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const invoke = client[method] as unknown as (
      request: Req,
      metadata: Metadata,
      callback: (error: Error | null, response: Res) => void,
    ) => unknown;
    invoke.call(client, request, new Metadata(), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** Publishes until `visible` holds (a consumer group may still be joining when a test starts). */
export async function publishUntil(
  publish: () => Promise<void>,
  visible: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await publish();
    const retryAt = Date.now() + 2000;
    while (Date.now() < retryAt) {
      if (await visible()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Collects what arrives on topics of the harness's bus through a throw-away consumer group. */
export const collect = (infrastructure: Infrastructure, topics: string[], group: string) =>
  collectMessages(infrastructure.bus, topics, group);
