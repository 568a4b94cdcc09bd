import { MatchStatus, TripPrediction, VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import { VehicleStopStatus } from '@mobility/contracts/avl/v1/transit';
import { describe, expect, it } from 'vitest';
import { decodeFeed, encodeFeed, rt, toNumber } from '../../src/feeds/gtfs-rt.js';
import { createFeedState } from '../../src/feeds/state.js';

const T0 = Date.UTC(2026, 1, 16, 17, 0, 0);
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const position = (vehicleId: string, seconds: number, overrides: Partial<VehiclePositionMatched> = {}) =>
  VehiclePositionMatched.fromPartial({
    vehicleId,
    observedAt: at(seconds),
    position: { lat: 38.92, lon: -77.05 },
    matchStatus: MatchStatus.MATCHED,
    matchConfidence: 1,
    trip: { tripId: 'T1', routeId: 'C53', startDate: '20260216', startTime: '11:36:00' },
    currentStopSequence: 4,
    currentStopId: 'S4',
    currentStatus: VehicleStopStatus.IN_TRANSIT_TO,
    distanceFromShapeM: 12,
    ...overrides,
  });

const prediction = (
  vehicleId: string,
  tripId: string,
  generatedS: number,
  stops: [number, number, number][],
) =>
  TripPrediction.fromPartial({
    meta: { occurredAt: at(generatedS) },
    vehicleId,
    trip: { tripId, routeId: 'C53', startDate: '20260216', startTime: '11:36:00' },
    stopTimePredictions: stops.map(([sequence, arrivalS, departureS]) => ({
      stopSequence: sequence,
      stopId: `S${sequence}`,
      arrival: { predictedTime: at(arrivalS), delayS: 0, intervalCoverage: 0, uncertaintyS: 40 },
      departure: { predictedTime: at(departureS), delayS: 0, intervalCoverage: 0, uncertaintyS: 40 },
    })),
  });

const roundTrip = (message: ReturnType<ReturnType<typeof createFeedState>['build']>) =>
  decodeFeed(encodeFeed(message));

describe('feed state', () => {
  it('publishes a matched vehicle with its full trip descriptor and a stable entity id', () => {
    const state = createFeedState();
    state.applyPosition(position('5461', 0));
    const feed = roundTrip(state.build('vehicle-positions', 0, T0));
    expect(feed.header.gtfsRealtimeVersion).toBe('2.0');
    expect(feed.header.incrementality).toBe(rt.FeedHeader.Incrementality.FULL_DATASET);
    const vehicle = feed.entity[0]?.vehicle;
    expect(feed.entity[0]?.id).toBe('5461');
    expect(vehicle?.trip).toMatchObject({
      tripId: 'T1',
      routeId: 'C53',
      startDate: '20260216',
      startTime: '11:36:00',
    });
    expect(vehicle?.stopId).toBe('S4');
    expect(toNumber(vehicle?.timestamp)).toBe(T0 / 1000);
  });

  it('keeps the newest position per vehicle and shows off-route or unmatched vehicles without a trip', () => {
    const state = createFeedState();
    expect(state.applyPosition(position('a', 30))).toBe(true);
    expect(state.applyPosition(position('a', 0))).toBe(false);
    state.applyPosition(position('b', 30, { distanceFromShapeM: 450, matchStatus: MatchStatus.OFF_ROUTE }));
    state.applyPosition(position('c', 30, { matchStatus: MatchStatus.UNMATCHED }));
    const feed = roundTrip(state.build('vehicle-positions', 0, T0 + 30_000));
    expect(feed.entity.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(toNumber(feed.entity[0]?.vehicle?.timestamp)).toBe(T0 / 1000 + 30);
    expect(feed.entity[1]?.vehicle?.trip).toBeNull();
    expect(feed.entity[2]?.vehicle?.trip).toBeNull();
  });

  it('drops vehicles silent for longer than the age limit', () => {
    const state = createFeedState({ vehicleMaxAgeMs: 60_000 });
    state.applyPosition(position('a', 0));
    expect(state.build('vehicle-positions', 0, T0 + 61_000).entity).toHaveLength(0);
  });

  it('orders stop updates, never lets times run backwards and leaves out stops already passed', () => {
    const state = createFeedState();
    state.applyPrediction(
      prediction('a', 'T1', 0, [
        [7, 400, 420],
        [5, 100, 130],
        [6, 300, 290], // departure before arrival: lifted to the arrival
        [8, 410, 430], // arrival before the previous departure: lifted
      ]),
    );
    // At 120 s the bus dwells at stop 5: only its departure is still a prediction.
    const dwelling = roundTrip(state.build('trip-updates', 0, T0 + 120_000)).entity[0]?.tripUpdate
      ?.stopTimeUpdate;
    expect(dwelling?.[0]?.stopSequence).toBe(5);
    expect(dwelling?.[0]?.arrival).toBeNull();
    expect(toNumber(dwelling?.[0]?.departure?.time)).toBe(T0 / 1000 + 130);
    const feed = roundTrip(state.build('trip-updates', 0, T0 + 140_000));
    const updates = feed.entity[0]?.tripUpdate?.stopTimeUpdate ?? [];
    expect(updates.map((u) => u.stopSequence)).toEqual([6, 7, 8]);
    const times = updates.flatMap((u) => [toNumber(u.arrival?.time), toNumber(u.departure?.time)]);
    const defined = times.filter((t): t is number => t !== undefined);
    expect(defined).toEqual([...defined].sort((x, y) => x - y));
    expect(feed.entity[0]?.id).toBe('T1:20260216');
    expect(feed.entity[0]?.tripUpdate?.vehicle?.id).toBe('a');
  });

  it('replaces a vehicle’s predictions by its newer batch, and drops them when it is unmatched', () => {
    const state = createFeedState();
    state.applyPrediction(prediction('a', 'T1', 0, [[5, 600, 610]]));
    state.applyPrediction(prediction('a', 'T2', 0, [[1, 900, 910]]));
    state.applyPrediction(prediction('a', 'T3', 30, [[1, 900, 910]]));
    expect(state.build('trip-updates', 0, T0 + 30_000).entity?.map((e) => e.id)).toEqual(['T3:20260216']);
    state.applyPosition(position('a', 60, { matchStatus: MatchStatus.UNMATCHED }));
    expect(state.build('trip-updates', 0, T0 + 60_000).entity).toHaveLength(0);
  });

  it('counts versions only on change', () => {
    const state = createFeedState();
    const before = state.version('vehicle-positions');
    state.applyPosition(position('a', 0));
    state.applyPosition(position('a', 0));
    expect(state.version('vehicle-positions')).toBe(before + 1);
  });
});
