import { status } from '@grpc/grpc-js';
import { PlanJourneyRequest } from '@mobility/contracts/routing/v1/service';
import { InvalidArgumentError } from '@mobility/runtime';
import { describe, expect, it } from 'vitest';
import { type Itinerary, PlanningError, type Timetable } from '../../src/domain/index.js';
import { planningStatusOf } from '../../src/grpc/errors.js';
import {
  DEFAULT_MAX_WALK_M,
  type ParkAndRideCandidate,
  type PlanContext,
  selectItineraries,
  toItinerary,
  toPlanInput,
} from '../../src/grpc/mapping.js';
import { serviceDay } from '../../src/grpc/time.js';

// The mapping needs only the timetable's time zone and calendar range: a stand-in keeps these tests
// about the mapping, whatever the planner does.
const timetable = {
  summary: {
    publisher: 'Test',
    feedVersion: 'v1',
    timeZone: 'Australia/Brisbane',
    serviceStartDate: '20260301',
    serviceEndDate: '20260331',
  },
  servesDate: (date: string) => date >= '20260301' && date <= '20260331',
} as unknown as Timetable;

function context(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    timetable,
    now: new Date('2026-03-10T07:00:00+10:00'),
    searchWindowMinutes: 30,
    parkAndRide: () => [],
    ...overrides,
  };
}

const request = (partial: Partial<PlanJourneyRequest>) =>
  PlanJourneyRequest.fromPartial({
    origin: { location: { $case: 'stopId', value: 'S1' } },
    destination: { location: { $case: 'coordinate', value: { lat: -16.9, lon: 145.73 } }, name: 'Beach' },
    ...partial,
  });

describe('PlanJourneyRequest -> domain searches', () => {
  it('converts places, the departure instant and the options for the service day it falls on', () => {
    const input = toPlanInput(
      request({
        time: { $case: 'departAt', value: new Date('2026-03-10T08:00:00.400+10:00') },
        maxTransfers: 2,
        wheelchairAccessible: true,
        ignoreRealtime: true,
      }),
      context(),
    );
    expect(input.searches).toHaveLength(1);
    expect(input.searches[0]?.request).toEqual({
      from: { kind: 'stop', stopId: 'S1' },
      to: { kind: 'point', lat: -16.9, lon: 145.73, name: 'Beach' },
      serviceDate: '20260310',
      // Rounded up: never leave before the requested instant.
      departAt: 8 * 3600 + 1,
      windowMinutes: 30,
      maxTransfers: 2,
      wheelchair: true,
      maxWalkM: DEFAULT_MAX_WALK_M,
      ignoreRealtime: true,
    });
    expect(input).toMatchObject({
      arriveBy: false,
      maxItineraries: 3,
      maxTotalWalkM: 1000,
      destinationName: 'Beach',
    });
  });

  it('departs now without a time, and answers arrive-by with the instant rounded down', () => {
    expect(toPlanInput(request({}), context()).searches[0]?.request.departAt).toBe(7 * 3600);
    const arriveBy = toPlanInput(
      request({ time: { $case: 'arriveBy', value: new Date('2026-03-10T09:30:00.900+10:00') } }),
      context(),
    );
    expect(arriveBy.arriveBy).toBe(true);
    expect(arriveBy.searches[0]?.request).toMatchObject({ arriveBy: 9.5 * 3600 });
    expect(arriveBy.searches[0]?.request.departAt).toBeUndefined();
  });

  it('also searches the previous service day early in the morning, for its after-midnight trips', () => {
    const input = toPlanInput(
      request({ time: { $case: 'departAt', value: new Date('2026-03-10T01:30:00+10:00') } }),
      context(),
    );
    expect(input.searches.map((search) => [search.request.serviceDate, search.request.departAt])).toEqual([
      ['20260310', 5400],
      ['20260309', 5400 + 86_400],
    ]);
  });

  it('plans across the night clocks go back, when the instant lies before the service day origin', () => {
    // Europe/Paris, 2026-10-25: 03:00 CEST -> 02:00 CET, so the 25th's origin (noon - 12 h) is
    // 01:00 local = 23:00Z and 22:30Z (00:30 local) is 1800 s before it.
    const paris = {
      summary: { ...timetable.summary, timeZone: 'Europe/Paris' },
      servesDate: (date: string) => date >= '20261001' && date <= '20261031',
    } as unknown as Timetable;
    const instant = new Date('2026-10-24T22:30:00Z');
    const departing = toPlanInput(
      request({ time: { $case: 'departAt', value: instant } }),
      context({ timetable: paris }),
    );
    expect(departing.searches.map((s) => [s.request.serviceDate, s.request.departAt])).toEqual([
      ['20261025', 0],
      // The 24th's origin is 00:00 CEST = 22:00Z the day before: 24.5 h earlier.
      ['20261024', 24.5 * 3600],
    ]);
    const arriving = toPlanInput(
      request({ time: { $case: 'arriveBy', value: instant } }),
      context({ timetable: paris }),
    );
    expect(arriving.searches.map((s) => [s.request.serviceDate, s.request.arriveBy])).toEqual([
      ['20261024', 24.5 * 3600],
    ]);
  });

  it('refuses walking and driving radii that would make the stop-grid scan hang the process', () => {
    const refused = (partial: Partial<PlanJourneyRequest>) => () => toPlanInput(request(partial), context());
    expect(refused({ maxWalkDistanceM: 4294967295 })).toThrow(InvalidArgumentError);
    expect(refused({ maxWalkDistanceM: 4294967295 })).toThrow(/max_walk_distance_m must be at most 5000 m/);
    expect(refused({ maxWalkDistanceM: 5001 })).toThrow(InvalidArgumentError);
    expect(
      refused({ parkAndRide: { enabled: true, requireFreeSpace: true, maxDriveDistanceM: 4294967295 } }),
    ).toThrow(/max_drive_distance_m/);
    expect(toPlanInput(request({ maxWalkDistanceM: 5000 }), context()).maxTotalWalkM).toBe(5000);
  });

  it('refuses a day outside the feed with a planning error mapped to OUT_OF_RANGE', () => {
    const outside = () =>
      toPlanInput(
        request({ time: { $case: 'departAt', value: new Date('2026-05-01T08:00:00+10:00') } }),
        context(),
      );
    expect(outside).toThrow(PlanningError);
    expect(outside).toThrow(/20260501 is outside the timetable's service days \(20260301\.\.20260331\)/);
    try {
      outside();
    } catch (error) {
      expect(planningStatusOf(error as PlanningError)).toBe(status.OUT_OF_RANGE);
    }
  });

  it.each([
    ['no origin', { origin: undefined }, /origin is required/],
    ['empty stop id', { origin: { location: { $case: 'stopId', value: ' ' } } }, /origin.stop_id is empty/],
    [
      'latitude out of range',
      { destination: { location: { $case: 'coordinate', value: { lat: 91, lon: 0 } } } },
      /destination.coordinate/,
    ],
    ['too many transfers', { maxTransfers: 9 }, /max_transfers must be at most 8/],
    ['negative walking speed', { walkSpeedMps: -1 }, /walk_speed_mps/],
  ] as const)('refuses %s as INVALID_ARGUMENT', (_name, partial, message) => {
    const build = () => toPlanInput(request(partial as Partial<PlanJourneyRequest>), context());
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });

  it('passes car parks to the planner for park-and-ride, or says none is available', () => {
    const candidates: ParkAndRideCandidate[] = [
      { facilityId: 'F1', name: 'Depot', lat: -16.9, lon: 145.7, expectedFree: 12 },
      { facilityId: 'F2', name: 'Quiet', lat: -16.91, lon: 145.7, expectedFree: undefined },
    ];
    const asked: boolean[] = [];
    const input = toPlanInput(
      request({ parkAndRide: { enabled: true, maxDriveDistanceM: 5000, requireFreeSpace: false } }),
      context({
        parkAndRide: (requireFreeSpace) => {
          asked.push(requireFreeSpace);
          return candidates;
        },
      }),
    );
    expect(asked).toEqual([false]);
    expect(input.searches[0]?.request.parkAndRide).toEqual({
      facilities: [
        { facilityId: 'F1', name: 'Depot', lat: -16.9, lon: 145.7, expectedFreeSpaces: 12 },
        { facilityId: 'F2', name: 'Quiet', lat: -16.91, lon: 145.7 },
      ],
      requireFreeSpace: true,
      maxDriveM: 5000,
    });

    const none = toPlanInput(
      request({ parkAndRide: { enabled: true, maxDriveDistanceM: 0, requireFreeSpace: true } }),
      context(),
    );
    expect(none.searches[0]?.request.parkAndRide).toBeUndefined();
    expect(none.notices.map((notice) => notice.reason?.code)).toEqual(['park_and_ride_unavailable']);
    expect(toPlanInput(request({}), context()).searches[0]?.request.parkAndRide).toBeUndefined();
  });
});

const day = serviceDay('20260310', 'Australia/Brisbane');
const place = (name: string, extra: object = {}) => ({ name, lat: -16.9, lon: 145.7, ...extra });

/** Drive 07:40-07:50, walk to S1, ride T1 08:04 (4 min late) to S3 08:14. */
const parkAndRide: Itinerary = {
  departure: 7 * 3600 + 40 * 60,
  arrival: 8 * 3600 + 14 * 60,
  transfers: 0,
  walkDistanceM: 55,
  waitSeconds: 780,
  realtime: true,
  parkAndRide: true,
  legs: [
    {
      mode: 'drive',
      from: place('origin'),
      to: place('Depot P+R', { facilityId: 'F1' }),
      departure: 7 * 3600 + 40 * 60,
      arrival: 7 * 3600 + 50 * 60,
      distanceM: 4000,
      facilityId: 'F1',
      expectedFreeSpaces: 25,
    },
    {
      mode: 'walk',
      from: place('Depot P+R', { facilityId: 'F1' }),
      to: place('Depot Road', { stopId: 'S1' }),
      departure: 7 * 3600 + 50 * 60,
      arrival: 7 * 3600 + 51 * 60,
      distanceM: 55,
    },
    {
      mode: 'transit',
      from: place('Depot Road', { stopId: 'S1' }),
      to: place('Hospital', { stopId: 'S3' }),
      routeId: 'R1',
      routeShortName: '1',
      tripId: 'T1',
      headsign: 'Beach',
      fromStopId: 'S1',
      toStopId: 'S3',
      fromStopSequence: 1,
      toStopSequence: 3,
      departure: 8 * 3600 + 4 * 60,
      arrival: 8 * 3600 + 14 * 60,
      scheduledDeparture: 8 * 3600,
      scheduledArrival: 8 * 3600 + 10 * 60,
      realtime: true,
      intermediateStopIds: ['S2'],
    },
  ],
};

describe('domain itinerary -> Itinerary', () => {
  it('maps every leg kind with instants, realtime delays and the caller labels', () => {
    const mapped = toItinerary(parkAndRide, day, { origin: 'Home', destination: 'Work' });
    expect(mapped).toMatchObject({
      departureTime: new Date('2026-03-10T07:40:00+10:00'),
      arrivalTime: new Date('2026-03-10T08:14:00+10:00'),
      duration: { seconds: 34 * 60, nanos: 0 },
      transfers: 0,
      walkDistanceM: 55,
      waitTimeS: 780,
      realtime: true,
    });
    const [drive, walk, transit] = mapped.legs;
    expect(drive).toMatchObject({
      startTime: new Date('2026-03-10T07:40:00+10:00'),
      from: { name: 'Home', coordinate: { lat: -16.9, lon: 145.7 }, stopId: '', facilityId: '' },
      to: { name: 'Depot P+R', facilityId: 'F1' },
      mode: { $case: 'drive', value: { distanceM: 4000, facilityId: 'F1', expectedFreeOnArrival: 25 } },
    });
    expect(walk?.mode).toEqual({ $case: 'walk', value: { distanceM: 55 } });
    expect(transit?.to?.name).toBe('Work');
    expect(transit?.mode).toEqual({
      $case: 'transit',
      value: {
        routeId: 'R1',
        routeShortName: '1',
        tripId: 'T1',
        serviceDate: '20260310',
        headsign: 'Beach',
        boardStopId: 'S1',
        boardStopSequence: 1,
        alightStopId: 'S3',
        alightStopSequence: 3,
        scheduledDeparture: new Date('2026-03-10T08:00:00+10:00'),
        scheduledArrival: new Date('2026-03-10T08:10:00+10:00'),
        realtime: true,
        departureDelayS: 240,
        arrivalDelayS: 240,
        intermediateStopCount: 1,
      },
    });
    // 34 min travel + 1 min walking counted again, no transfer.
    expect(mapped.generalizedCost).toBe(34 * 60 + 60);
  });

  it('reports no delay on a scheduled leg even when its times differ from the schedule', () => {
    const transit = parkAndRide.legs[2];
    if (transit?.mode !== 'transit') throw new Error('fixture');
    const scheduled = { ...parkAndRide, legs: [{ ...transit, realtime: false }] };
    const [leg] = toItinerary(scheduled, day).legs;
    expect(leg?.mode?.$case === 'transit' && leg.mode.value.departureDelayS).toBe(0);
  });
});

describe('choosing the itineraries to return', () => {
  const transitOnly = (departure: number, arrival: number, transfers = 0, walkDistanceM = 0): Itinerary => ({
    departure,
    arrival,
    transfers,
    walkDistanceM,
    waitSeconds: 0,
    realtime: false,
    parkAndRide: false,
    legs: [],
  });
  const input = { arriveBy: false, maxItineraries: 2, maxTotalWalkM: 1000, parkAndRideRequested: false };

  it('orders by arrival, drops dominated options across service days and cuts to the maximum', () => {
    const previousDay = serviceDay('20260309', 'Australia/Brisbane');
    const { kept, notices } = selectItineraries(
      [
        { day, itinerary: transitOnly(3600, 7200) },
        // Same instants as 86400 s later on the previous day, but one transfer more: dominated.
        { day: previousDay, itinerary: transitOnly(3600 + 86_400, 7200 + 86_400, 1) },
        { day, itinerary: transitOnly(1800, 5400, 1) },
        { day, itinerary: transitOnly(4000, 9000) },
      ],
      input,
    );
    expect(notices).toEqual([]);
    expect(kept.map((entry) => [entry.day.date, entry.itinerary.arrival])).toEqual([
      ['20260310', 5400],
      ['20260310', 7200],
    ]);
  });

  it('keeps an asked-for park-and-ride option even when transit-only ones are better', () => {
    const { kept } = selectItineraries(
      [
        { day, itinerary: transitOnly(3600, 7200) },
        { day, itinerary: transitOnly(3000, 7100, 1) },
        { day, itinerary: { ...transitOnly(3000, 8000), parkAndRide: true } },
      ],
      { ...input, parkAndRideRequested: true },
    );
    expect(kept.map((entry) => [entry.itinerary.arrival, entry.itinerary.parkAndRide])).toEqual([
      [7100, false],
      [8000, true],
    ]);
  });

  it('enforces the total walking limit and says why nothing is left', () => {
    const { kept, notices } = selectItineraries([{ day, itinerary: transitOnly(0, 600, 0, 1200) }], input);
    expect(kept).toEqual([]);
    expect(notices.map((notice) => notice.reason?.code)).toEqual(['walk_limit_exceeded']);
    expect(selectItineraries([], input).notices.map((notice) => notice.reason?.code)).toEqual(['no_journey']);
  });
});

describe('planning errors -> gRPC status', () => {
  it.each([
    ['unknown-place', status.NOT_FOUND],
    ['outside-network', status.INVALID_ARGUMENT],
    ['date-outside-feed', status.OUT_OF_RANGE],
    ['invalid-request', status.INVALID_ARGUMENT],
  ] as const)('%s -> %s', (code, expected) => {
    expect(planningStatusOf(new PlanningError(code, 'x'))).toBe(expected);
  });
});
