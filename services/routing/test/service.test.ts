import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServiceError, status } from '@grpc/grpc-js';
import {
  StopScheduleRelationship,
  TripPrediction,
  TripScheduleRelationship,
} from '@mobility/contracts/avl/v1/events';
import { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import {
  type GetFeedInfoResponse,
  type Itinerary,
  PlanJourneyRequest,
  type PlanJourneyResponse,
  RoutingServiceClient,
  type TransitLeg,
} from '@mobility/contracts/routing/v1/service';
import {
  ConfigError,
  connectInfrastructure,
  createClient,
  healthCheck,
  type Infrastructure,
  issueToken,
  loadConfig,
  type RunningService,
  type ServiceContext,
  silentLogger,
  startService,
  withInfrastructure,
} from '@mobility/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRoutingConfig } from '../src/config.js';
import { createRoutingService, ROUTING_GRPC_SERVICE } from '../src/index.js';
import {
  at,
  CAR_PARK,
  FEED_VERSION,
  HOME,
  SERVICE_DATE,
  STOPS,
  writeParkAndRide,
  writeTestFeed,
} from './fixtures/feed.js';

// ts-proto's fromPartial accepts nested partials; its DeepPartial type is not exported.
type Builtin = Date | string | number | boolean | undefined;
type DeepPartial<T> = T extends Builtin
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartial<U>>
    : T extends { $case: string; value: unknown }
      ? { $case: T['$case']; value?: DeepPartial<T['value']> }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : T;

interface Booted {
  infrastructure: Infrastructure;
  service: RunningService;
  client: RoutingServiceClient;
  address: string;
}

/**
 * The service's clock in these tests: the test feed's service day, moving at the pace of real time.
 * The overlay keeps predictions of yesterday..tomorrow by this clock, and car-park readings are
 * fresh by it, so events carry instants of the same clock.
 */
const bootedAt = Date.now();
const clock = () => new Date(at('07:30:00').getTime() + (Date.now() - bootedAt));

async function boot(env: Record<string, string>): Promise<Booted> {
  const infrastructure = await connectInfrastructure(loadConfig(withInfrastructure({}), {}), {
    clientId: 'routing-test',
    logger: silentLogger(),
  });
  try {
    const service = await startService(
      createRoutingService({ env, now: clock }),
      infrastructure,
      { host: '127.0.0.1', grpcPort: 0, httpPort: 0 },
      silentLogger(),
    );
    const address = `127.0.0.1:${service.grpcPort}`;
    // The role with the least power: planning is public.
    const token = await issueToken(
      { subject: 'journey-app', role: 'public', ttlSeconds: 600 },
      infrastructure.auth.secret,
    );
    const client = createClient(RoutingServiceClient, address, { defaultDeadlineMs: 10_000, token });
    return { infrastructure, service, client, address };
  } catch (error) {
    await infrastructure.close();
    throw error;
  }
}

async function shutdown(booted: Booted | undefined): Promise<void> {
  if (!booted) return;
  booted.client.close();
  await booted.service.stop();
  await booted.infrastructure.close();
}

function plan(
  client: RoutingServiceClient,
  request: DeepPartial<PlanJourneyRequest>,
): Promise<PlanJourneyResponse> {
  return new Promise((resolve, reject) => {
    client.planJourney(PlanJourneyRequest.fromPartial(request), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

function feedInfo(client: RoutingServiceClient): Promise<GetFeedInfoResponse> {
  return new Promise((resolve, reject) => {
    client.getFeedInfo({}, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

async function planError(client: RoutingServiceClient, request: DeepPartial<PlanJourneyRequest>) {
  const error = await plan(client, request).then(
    () => undefined,
    (failure: ServiceError) => failure,
  );
  expect(error, 'the call should have failed').toBeDefined();
  return { code: error?.code, details: error?.details };
}

const stop = (stopId: string) => ({ location: { $case: 'stopId' as const, value: stopId } });
const departAt = (time: string) => ({ $case: 'departAt' as const, value: at(time) });

function transitLegs(itinerary: Itinerary | undefined): TransitLeg[] {
  return (itinerary?.legs ?? []).flatMap((leg) => (leg.mode?.$case === 'transit' ? [leg.mode.value] : []));
}

/**
 * Calls probe until done(result) or the deadline (epoch ms) has passed, and returns the last result
 * for the caller to assert on: events are awaited by what they change, never by a fixed sleep, and
 * a deadline one second after publishing keeps "reflected within a second" a real check.
 */
async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  deadline: number,
): Promise<T> {
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const WITHIN_ONE_SECOND = 1_000;

function predictionMessage(prediction: DeepPartial<TripPrediction>) {
  const message = TripPrediction.fromPartial({ ...prediction, meta: { producedAt: new Date() } });
  return { key: message.trip?.tripId ?? '', value: TripPrediction.encode(message).finish() };
}

describe('routing service on embedded infrastructure with a GTFS feed', () => {
  let booted: Booted;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'routing-test-'));
    booted = await boot({
      ROUTING_GTFS: writeTestFeed(join(dir, 'feed.zip')),
      ROUTING_PARK_AND_RIDE: writeParkAndRide(join(dir, 'park-and-ride.json')),
    });
  });
  afterAll(() => shutdown(booted));

  it('serves RoutingService in health and reports the loaded feed', async () => {
    expect(await healthCheck(booted.address, { service: ROUTING_GRPC_SERVICE })).toBe('SERVING');
    const info = await feedInfo(booted.client);
    expect(info).toMatchObject({
      publisher: 'Test Transit',
      feedVersion: FEED_VERSION,
      serviceStartDate: '20260301',
      serviceEndDate: '20260331',
      timeZone: 'Australia/Brisbane',
      stopCount: 4,
      routeCount: 1,
      tripCount: 3,
      parkAndRideCount: 1,
    });
    expect(info.loadedAt).toBeInstanceOf(Date);
  });

  it('plans a stop-to-stop journey on the timetable', async () => {
    const response = await plan(booted.client, {
      origin: { ...stop('S1'), name: 'Start here' },
      destination: stop('S3'),
      time: departAt('07:55:00'),
    });
    expect(response.feedVersion).toBe(FEED_VERSION);
    const [first] = response.itineraries;
    expect(first?.departureTime).toEqual(at('08:00:00'));
    expect(first?.arrivalTime).toEqual(at('08:10:00'));
    expect(first?.legs[0]?.from?.name).toBe('Start here');
    expect(transitLegs(first)).toMatchObject([
      {
        routeId: 'R1',
        routeShortName: '1',
        tripId: 'T1',
        serviceDate: SERVICE_DATE,
        headsign: 'Beach',
        boardStopId: 'S1',
        boardStopSequence: 1,
        alightStopId: 'S3',
        alightStopSequence: 3,
        scheduledDeparture: at('08:00:00'),
        scheduledArrival: at('08:10:00'),
        realtime: false,
        departureDelayS: 0,
        intermediateStopCount: 1,
      },
    ]);
  });

  it('plans from a coordinate with a walking leg to the nearest stop', async () => {
    const near = { lat: STOPS.S2.lat + 0.002, lon: STOPS.S2.lon }; // ~220 m north of S2
    const response = await plan(booted.client, {
      origin: { location: { $case: 'coordinate', value: near }, name: 'Office' },
      destination: stop('S4'),
      time: departAt('08:20:00'),
    });
    const [first] = response.itineraries;
    expect(first?.legs[0]?.mode?.$case).toBe('walk');
    expect(first?.legs[0]?.from?.name).toBe('Office');
    expect(first?.walkDistanceM).toBeGreaterThan(150);
    expect(transitLegs(first)[0]).toMatchObject({ tripId: 'T2', boardStopId: 'S2', alightStopId: 'S4' });
  });

  it('answers with clear statuses for unknown places, dates outside the feed and bad requests', async () => {
    expect(
      await planError(booted.client, {
        origin: stop('NOPE'),
        destination: stop('S3'),
        time: departAt('08:00:00'),
      }),
    ).toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('NOPE'),
    });
    expect(
      await planError(booted.client, {
        origin: stop('S1'),
        destination: stop('S3'),
        time: { $case: 'departAt', value: at('08:00:00', '20270105') },
      }),
    ).toMatchObject({ code: status.OUT_OF_RANGE, details: expect.stringContaining('20260331') });
    expect(await planError(booted.client, { destination: stop('S3') })).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('origin'),
    });
    expect(
      await planError(booted.client, { origin: stop('S1'), destination: stop('S3'), maxTransfers: 99 }),
    ).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('max_transfers') });
  });

  it('answers an impossible journey with no itineraries and a no_journey notice', async () => {
    const response = await plan(booted.client, {
      origin: stop('S4'),
      destination: stop('S1'),
      time: departAt('07:00:00'),
    });
    expect(response.itineraries).toEqual([]);
    expect(response.notices.map((notice) => notice.reason?.code)).toContain('no_journey');
  });

  it('refuses callers without a token', async () => {
    const anonymous = createClient(RoutingServiceClient, booted.address, { defaultDeadlineMs: 5_000 });
    try {
      const error = await new Promise<ServiceError | null>((resolve) =>
        anonymous.getFeedInfo({}, (failure) => resolve(failure)),
      );
      expect(error?.code).toBe(status.UNAUTHENTICATED);
    } finally {
      anonymous.close();
    }
  });

  it('plans on a predicted delay within one second of its publication, and marks the leg realtime', async () => {
    const delayS = 240;
    const stops = (['S1', 'S2', 'S3', 'S4'] as const).map((stopId, index) => {
      const predicted = new Date(at('08:00:00').getTime() + (index * 300 + delayS) * 1000);
      const time = { delayS, predictedTime: predicted };
      return {
        stopSequence: index + 1,
        stopId,
        scheduleRelationship: StopScheduleRelationship.SCHEDULED,
        arrival: time,
        departure: time,
      };
    });
    const deadline = Date.now() + WITHIN_ONE_SECOND;
    await booted.infrastructure.bus.publish('avl.trip-prediction.v1', [
      predictionMessage({
        trip: { tripId: 'T1', routeId: 'R1', startDate: SERVICE_DATE },
        vehicleId: 'bus-7',
        scheduleRelationship: TripScheduleRelationship.SCHEDULED,
        delayS,
        stopTimePredictions: stops,
      }),
    ]);

    const response = await pollUntil(
      () => plan(booted.client, { origin: stop('S1'), destination: stop('S3'), time: departAt('07:55:00') }),
      (answer) => answer.itineraries[0]?.realtime === true,
      deadline,
    );
    const [first] = response.itineraries;
    expect(first?.realtime).toBe(true);
    expect(first?.departureTime).toEqual(at('08:04:00'));
    expect(transitLegs(first)[0]).toMatchObject({
      tripId: 'T1',
      realtime: true,
      scheduledDeparture: at('08:00:00'),
      departureDelayS: delayS,
      arrivalDelayS: delayS,
    });
    expect(first?.legs.find((leg) => leg.mode?.$case === 'transit')?.startTime).toEqual(at('08:04:00'));
    expect(response.realtimeAsOf).toBeInstanceOf(Date);

    const staticOnly = await plan(booted.client, {
      origin: stop('S1'),
      destination: stop('S3'),
      time: departAt('07:55:00'),
      ignoreRealtime: true,
    });
    expect(transitLegs(staticOnly.itineraries[0])[0]).toMatchObject({ tripId: 'T1', realtime: false });
    expect(staticOnly.itineraries[0]?.departureTime).toEqual(at('08:00:00'));
    expect((await feedInfo(booted.client)).realtimeTripCount).toBeGreaterThanOrEqual(1);
  });

  it('does not offer a cancelled trip', async () => {
    const request = { origin: stop('S1'), destination: stop('S4'), time: departAt('08:20:00') };
    const before = await plan(booted.client, request);
    expect(transitLegs(before.itineraries[0])[0]?.tripId).toBe('T2');

    const deadline = Date.now() + WITHIN_ONE_SECOND;
    await booted.infrastructure.bus.publish('avl.trip-prediction.v1', [
      predictionMessage({
        trip: { tripId: 'T2', routeId: 'R1', startDate: SERVICE_DATE },
        scheduleRelationship: TripScheduleRelationship.CANCELED,
      }),
    ]);

    const offered = (response: PlanJourneyResponse) =>
      response.itineraries.flatMap((itinerary) => transitLegs(itinerary).map((leg) => leg.tripId));
    const after = await pollUntil(
      () => plan(booted.client, request),
      (answer) => !offered(answer).includes('T2'),
      deadline,
    );
    const tripsOffered = offered(after);
    expect(tripsOffered).not.toContain('T2');
    expect(tripsOffered[0]).toBe('T3');
    expect(after.itineraries[0]?.departureTime).toEqual(at('09:00:00'));
  });

  it('drives to a car park with free spaces and continues by transit', async () => {
    const request: DeepPartial<PlanJourneyRequest> = {
      origin: { location: { $case: 'coordinate', value: HOME }, name: 'Home' },
      destination: stop('S4'),
      time: departAt('07:35:00'),
      maxWalkDistanceM: 2_500,
      parkAndRide: { enabled: true, maxDriveDistanceM: 0, requireFreeSpace: true },
    };
    const publishOccupancy = (free: number) =>
      booted.infrastructure.bus.publish('parking.occupancy-changed.v1', [
        {
          key: CAR_PARK.facilityId,
          value: OccupancyChanged.encode(
            OccupancyChanged.fromPartial({
              facilityId: CAR_PARK.facilityId,
              occupancy: { observedAt: clock(), capacity: 120, occupied: 120 - free, free },
            }),
          ).finish(),
        },
      ]);
    const driveLegs = (response: PlanJourneyResponse) =>
      response.itineraries.flatMap((itinerary) =>
        itinerary.legs.flatMap((leg) =>
          leg.mode?.$case === 'drive' ? [{ leg, drive: leg.mode.value }] : [],
        ),
      );

    // Free spaces first, then full: each state differs from the one before, so polling waits for
    // the event that makes it (no reading at all would look the same as a full car park).
    let deadline = Date.now() + WITHIN_ONE_SECOND;
    await publishOccupancy(25);
    const open = await pollUntil(
      () => plan(booted.client, request),
      (answer) => driveLegs(answer).length > 0,
      deadline,
    );
    const [first] = driveLegs(open);
    expect(first?.drive).toMatchObject({ facilityId: CAR_PARK.facilityId, expectedFreeOnArrival: 25 });
    expect(first?.drive.distanceM).toBeGreaterThan(1_000);
    expect(first?.leg.from?.name).toBe('Home');
    expect(first?.leg.to?.facilityId).toBe(CAR_PARK.facilityId);
    const parkAndRide = open.itineraries.find((itinerary) => itinerary.legs[0]?.mode?.$case === 'drive');
    expect(transitLegs(parkAndRide)[0]).toMatchObject({ boardStopId: 'S1', alightStopId: 'S4' });

    deadline = Date.now() + WITHIN_ONE_SECOND;
    await publishOccupancy(0);
    const full = await pollUntil(
      () => plan(booted.client, request),
      (answer) => driveLegs(answer).length === 0,
      deadline,
    );
    expect(driveLegs(full)).toEqual([]);
    expect(full.notices.map((notice) => notice.reason?.code)).toContain('park_and_ride_unavailable');
  });
});

describe('routing service without a timetable', () => {
  let booted: Booted;
  beforeAll(async () => {
    booted = await boot({});
  });
  afterAll(() => shutdown(booted));

  it('starts, reports RoutingService NOT_SERVING and refuses to plan with FAILED_PRECONDITION', async () => {
    expect(await healthCheck(booted.address)).toBe('SERVING');
    expect(await healthCheck(booted.address, { service: ROUTING_GRPC_SERVICE })).toBe('NOT_SERVING');
    expect(await planError(booted.client, { origin: stop('S1'), destination: stop('S2') })).toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('no timetable loaded'),
    });
    expect(await feedInfo(booted.client)).toMatchObject({
      stopCount: 0,
      feedVersion: '',
      parkAndRideCount: 0,
    });
  });
});

describe('routing service configuration', () => {
  it('names ROUTING_GTFS when the feed file is missing, without echoing the path', () => {
    const failure = (() => {
      try {
        loadRoutingConfig({ ROUTING_GTFS: '/nowhere/secret-name/feed.zip' });
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(/ROUTING_GTFS must name a readable GTFS zip/);
    expect((failure as Error).message).not.toContain('secret-name');
    expect(() => loadRoutingConfig({ ROUTING_SEARCH_WINDOW_MIN: '-5' })).toThrow(/ROUTING_SEARCH_WINDOW_MIN/);
    expect(loadRoutingConfig({})).toMatchObject({
      ROUTING_SEARCH_WINDOW_MIN: 30,
      ROUTING_FOOTPATH_RADIUS_M: 400,
    });
  });

  it('names ROUTING_GTFS when the file is not a GTFS zip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routing-bad-'));
    const path = join(dir, 'feed.zip');
    writeFileSync(path, 'this is not a zip');
    // The feed is read before anything else of the context is touched: no infrastructure needed.
    const context = { logger: silentLogger() } as unknown as ServiceContext;
    const create = async () => createRoutingService({ env: { ROUTING_GTFS: path } }).create(context);
    await expect(create()).rejects.toThrow(ConfigError);
    await expect(create()).rejects.toThrow(/ROUTING_GTFS is not a readable GTFS zip/);
  });
});
