import { fileURLToPath } from 'node:url';
import { type ClientReadableStream, Metadata } from '@grpc/grpc-js';
import { MatchStatus, VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import { DetectorCount } from '@mobility/contracts/signal/v1/events';
import {
  type ClearOverrideRequest,
  type ClearOverrideResponse,
  type GetIntersectionRequest,
  type GetIntersectionResponse,
  type GetPerformanceMeasuresRequest,
  type GetPerformanceMeasuresResponse,
  type ListIntersectionsRequest,
  type ListIntersectionsResponse,
  type SetOverrideRequest,
  type SetOverrideResponse,
  SignalServiceClient,
  type StreamPhaseChangesResponse,
} from '@mobility/contracts/signal/v1/service';
import { durationFromSeconds } from '@mobility/contracts/wkt';
import {
  connectInfrastructure,
  createClient,
  createManualClock,
  type Infrastructure,
  issueToken,
  type Logger,
  loadConfig,
  type ManualClock,
  namespacedBus,
  type Role,
  type RunningService,
  startService,
  withInfrastructure,
} from '@mobility/runtime';
import { collectMessages } from '@mobility/runtime/testing';
import { createSignalService, type SignalServiceOptions } from '../../src/service.js';

export { waitFor } from '@mobility/runtime/testing';

export const EXAMPLE_CONFIG = fileURLToPath(
  new URL('../../config/example-intersections.yaml', import.meta.url),
);

/** A start time on a whole fixed-time cycle (90 s) and a whole 15-minute bin, so plans line up. */
export function alignedStart(nowMs = Date.now()): number {
  const cycleMs = 90_000 * 10; // 15 min is 10 cycles of 90 s
  return Math.floor(nowMs / cycleMs) * cycleMs;
}

export interface SignalHarness {
  infrastructure: Infrastructure;
  service: RunningService;
  clock: ManualClock;
  client(role: Role, subject?: string): Promise<SignalServiceClient>;
  close(): Promise<void>;
}

export async function bootSignal(
  variables: Record<string, string>,
  logger: Logger,
  options: SignalServiceOptions & {
    startMs: number;
    /** Runs every topic and consumer group under this prefix, so parallel runs on one broker never meet. */
    busNamespace?: string;
  },
): Promise<SignalHarness> {
  const connected = await connectInfrastructure(loadConfig(withInfrastructure({}), variables), {
    clientId: 'signal-test',
    logger,
  });
  const infrastructure: Infrastructure = options.busNamespace
    ? { ...connected, bus: namespacedBus(connected.bus, options.busNamespace) }
    : connected;
  const clock = createManualClock(options.startMs);
  const service = await startService(
    createSignalService({ wakeEveryMs: 10, ...options }),
    infrastructure,
    { host: '127.0.0.1', grpcPort: 0, httpPort: 0, clock },
    logger,
  );
  const clients: SignalServiceClient[] = [];
  return {
    infrastructure,
    service,
    clock,
    async client(role, subject = `${role}@test`) {
      const token = await issueToken({ subject, role, ttlSeconds: 600 }, infrastructure.auth.secret);
      const client = createClient(SignalServiceClient, `127.0.0.1:${service.grpcPort}`, {
        defaultDeadlineMs: 10_000,
        token,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await service.stop();
      await infrastructure.close();
    },
  };
}

interface Unary {
  getIntersection: [GetIntersectionRequest, GetIntersectionResponse];
  listIntersections: [ListIntersectionsRequest, ListIntersectionsResponse];
  setOverride: [SetOverrideRequest, SetOverrideResponse];
  clearOverride: [ClearOverrideRequest, ClearOverrideResponse];
  getPerformanceMeasures: [GetPerformanceMeasuresRequest, GetPerformanceMeasuresResponse];
}
type UnaryMethod = keyof Unary;

/** Calls a unary method of the client as a promise, typed by the method's name. */
export function call<M extends UnaryMethod>(
  client: SignalServiceClient,
  method: M,
  request: Unary[M][0],
): Promise<Unary[M][1]> {
  return new Promise((resolve, reject) => {
    const invoke = client[method] as unknown as (
      request: Unary[M][0],
      metadata: Metadata,
      callback: (error: Error | null, response: Unary[M][1]) => void,
    ) => unknown;
    invoke.call(client, request, new Metadata(), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

export function streamPhaseChanges(
  client: SignalServiceClient,
  intersectionIds: string[],
): { received: StreamPhaseChangesResponse[]; stream: ClientReadableStream<StreamPhaseChangesResponse> } {
  const received: StreamPhaseChangesResponse[] = [];
  const stream = client.streamPhaseChanges({ intersectionIds });
  stream.on('data', (message: StreamPhaseChangesResponse) => received.push(message));
  stream.on('error', () => {});
  return { received, stream };
}

/** Moves the manual clock forward second by second, giving the control loop time to catch up. */
export async function advance(harness: SignalHarness, seconds: number, stepS = 5): Promise<void> {
  for (let done = 0; done < seconds; done += stepS) {
    harness.clock.advance(Math.min(stepS, seconds - done) * 1000);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

export function detectorCount(
  intersectionId: string,
  detectorId: string,
  intervalStartMs: number,
  volume: number,
  occupancyRatio: number,
  intervalS = 60,
  extra: Partial<DetectorCount> = {},
): Uint8Array {
  return DetectorCount.encode(
    DetectorCount.fromPartial({
      meta: {
        eventId: `${intersectionId}:${detectorId}:${intervalStartMs}`,
        occurredAt: new Date(intervalStartMs + intervalS * 1000),
        producer: 'test',
      },
      intersectionId,
      detectorId,
      intervalStart: new Date(intervalStartMs),
      interval: durationFromSeconds(intervalS),
      volume,
      occupancyRatio,
      ...extra,
    }),
  ).finish();
}

export function matchedBus(
  position: { lat: number; lon: number },
  observedAtMs: number,
  extra: Partial<VehiclePositionMatched> = {},
): Uint8Array {
  return VehiclePositionMatched.encode(
    VehiclePositionMatched.fromPartial({
      meta: { eventId: `bus-${observedAtMs}`, occurredAt: new Date(observedAtMs), producer: 'test' },
      vehicleId: 'bus-4711',
      observedAt: new Date(observedAtMs),
      position,
      bearingDeg: 1,
      speedMps: 10,
      matchStatus: MatchStatus.MATCHED,
      matchConfidence: 0.95,
      trip: {
        tripId: 'trip-17',
        routeId: 'route-5',
        directionId: 0,
        startDate: '20261123',
        startTime: '08:00:00',
      },
      scheduleDeviationS: 240,
      ...extra,
    }),
  ).finish();
}

/** Collects what arrives on topics of the harness's bus through a throw-away consumer group. */
export const collect = (infrastructure: Infrastructure, topics: string[], group: string) =>
  collectMessages(infrastructure.bus, topics, group);
