import { describe, expect, it } from 'vitest';
import { createTracker, type TrackerUpdate, type VehiclePing } from '../../src/domain/index.js';
import { along, at, DATE, fixtureNetwork } from './fixtures.js';

const network = fixtureNetwork();
const TRIP_S = 600; // fixture trips: 5 segments of 2 minutes

/** Pings of a vehicle running a fixture trip `delayS` late, every `everyS` seconds, with a speed factor. */
function drive(
  vehicleId: string,
  trip: { id: string; start: number; direction: 0 | 1 },
  options: {
    delayS?: number;
    everyS?: number;
    slowness?: number;
    from?: number;
    to?: number;
    withTrip?: boolean;
  } = {},
): VehiclePing[] {
  const { delayS = 0, everyS = 20, slowness = 1, withTrip = true } = options;
  const duration = TRIP_S * slowness;
  const pings: VehiclePing[] = [];
  const from = options.from ?? trip.start + delayS;
  const to = options.to ?? trip.start + delayS + duration;
  for (let t = from; t <= to; t += everyS) {
    const progress = Math.min(1, Math.max(0, (t - trip.start - delayS) / duration));
    const fraction = trip.direction === 0 ? progress : 1 - progress;
    const point = along(fraction);
    const ping: VehiclePing = {
      vehicleId,
      timestampMs: at(t),
      lat: point.lat,
      lon: point.lon,
      speedMps: progress > 0 && progress < 1 ? 3.3 : 0,
      bearingDeg: trip.direction === 0 ? 90 : 270,
    };
    if (withTrip) Object.assign(ping, { tripId: trip.id, startDate: DATE });
    pings.push(ping);
  }
  return pings;
}

const T1 = { id: 'T1', start: 8 * 3600, direction: 0 as const };
const T2 = { id: 'T2', start: 8 * 3600 + 15 * 60, direction: 1 as const };
const U1 = { id: 'U1', start: 8 * 3600 + 10 * 60, direction: 0 as const };

describe('tracker: matching', () => {
  it('places a ping on its given trip with distance, next stop and lateness', () => {
    const tracker = createTracker(network);
    let last: TrackerUpdate | undefined;
    for (const ping of drive('bus-1', T1, { delayS: 90, to: T1.start + 90 + 300 }))
      last = tracker.observe(ping);
    const matched = last?.matched;
    expect(matched?.tripId).toBe('T1');
    expect(matched?.assignment).toBe('given');
    expect(matched?.scheduleDeviationS).toBeGreaterThan(60);
    expect(matched?.scheduleDeviationS).toBeLessThan(120);
    // Half-way: 1000 m along a 2000 m line, heading to the fourth stop (sequence 4).
    expect(matched?.shapeDistM).toBeGreaterThan(900);
    expect(matched?.shapeDistM).toBeLessThan(1100);
    expect(matched?.stopSequence).toBe(4);
  });

  it('infers the trip without trip ids: a bus 3 minutes late on T1 is not U1 10 minutes early', () => {
    const tracker = createTracker(network);
    let last: TrackerUpdate | undefined;
    for (const ping of drive('bus-1', T1, { delayS: 180, withTrip: false, to: T1.start + 180 + 400 })) {
      last = tracker.observe(ping);
    }
    expect(last?.matched?.tripId).toBe('T1');
    expect(last?.matched?.assignment).toBe('inferred');
    expect(last?.matched?.confidence).toBeGreaterThan(0.5);
  });

  it('keeps two buses on the same street on their own trips', () => {
    const tracker = createTracker(network);
    const pings = [
      ...drive('bus-1', T1, { delayS: 240, withTrip: false, to: T1.start + 240 + 500 }),
      ...drive('bus-2', U1, { delayS: 0, withTrip: false, to: U1.start + 500 }),
    ].sort((a, b) => a.timestampMs - b.timestampMs);
    const lastTrip = new Map<string, string | undefined>();
    for (const ping of pings) lastTrip.set(ping.vehicleId, tracker.observe(ping).matched?.tripId);
    expect(lastTrip.get('bus-1')).toBe('T1');
    expect(tracker.vehicle('bus-1')?.matched?.tripId).toBe('T1');
    expect(lastTrip.get('bus-2')).toBe('U1');
  });

  it('follows the block: after T1 ends the vehicle waits for and runs T2 (no trip ids)', () => {
    const tracker = createTracker(network);
    const first = drive('bus-1', T1, { delayS: 60, withTrip: false });
    const end = first.at(-1) as VehiclePing;
    // Layover at the east terminal until T2 leaves, then T2 back west.
    const layover: VehiclePing[] = [];
    for (let t = T1.start + 60 + TRIP_S + 20; t < T2.start; t += 20)
      layover.push({ ...end, timestampMs: at(t), speedMps: 0 });
    const second = drive('bus-1', T2, { withTrip: false, to: T2.start + 400 });
    const seen: (string | undefined)[] = [];
    for (const ping of [...first, ...layover, ...second]) seen.push(tracker.observe(ping).matched?.tripId);
    expect(seen.at(-1)).toBe('T2');
    // Through the layover it is already on T2 (GTFS-rt: the next trip, waiting at its first stop).
    expect(seen[first.length + layover.length - 1]).toBe('T2');
  });

  it('keeps two buses on their blocks when the later one overtakes the earlier (no trip ids)', () => {
    const U2 = { id: 'U2', start: 8 * 3600 + 25 * 60, direction: 1 as const };
    const tracker = createTracker(network);
    const layover = (last: VehiclePing, fromS: number, toS: number): VehiclePing[] => {
      const pings: VehiclePing[] = [];
      for (let t = fromS; t < toS; t += 20) pings.push({ ...last, timestampMs: at(t), speedMps: 0 });
      return pings;
    };
    const bus1T1 = drive('bus-1', T1, { withTrip: false });
    const bus2U1 = drive('bus-2', U1, { withTrip: false });
    // bus-1 crawls through T2 (three times slower); bus-2 leaves on U2 ten minutes later and passes it.
    const pings = [
      ...bus1T1,
      ...layover(bus1T1.at(-1) as VehiclePing, T1.start + TRIP_S + 20, T2.start),
      ...drive('bus-1', T2, { withTrip: false, slowness: 3, to: T2.start + 1200 }),
      ...bus2U1,
      ...layover(bus2U1.at(-1) as VehiclePing, U1.start + TRIP_S + 20, U2.start),
      ...drive('bus-2', U2, { withTrip: false, to: U2.start + 540 }),
    ].sort((a, b) => a.timestampMs - b.timestampMs);
    const seen = new Map<string, (string | undefined)[]>();
    for (const ping of pings) {
      const trips = seen.get(ping.vehicleId) ?? [];
      trips.push(tracker.observe(ping).matched?.tripId);
      seen.set(ping.vehicleId, trips);
    }
    expect(tracker.vehicle('bus-1')?.matched?.tripId).toBe('T2');
    expect(tracker.vehicle('bus-2')?.matched?.tripId).toBe('U2');
    // Not even briefly swapped while bus-2 was ahead.
    expect(
      seen
        .get('bus-1')
        ?.slice(-30)
        .every((trip) => trip === 'T2'),
    ).toBe(true);
    expect(
      seen
        .get('bus-2')
        ?.slice(-10)
        .every((trip) => trip === 'U2'),
    ).toBe(true);
  });

  it('expires silent vehicles', () => {
    const tracker = createTracker(network, { silenceMs: 60_000 });
    tracker.observe(drive('bus-1', T1)[0] as VehiclePing);
    expect(tracker.expire(at(T1.start + 30))).toEqual([]);
    expect(tracker.expire(at(T1.start + 120))).toEqual(['bus-1']);
    expect(tracker.vehicles()).toEqual([]);
  });

  it('ignores a ping older than the vehicle latest', () => {
    const tracker = createTracker(network);
    const pings = drive('bus-1', T1, { to: T1.start + 100 });
    for (const ping of pings) tracker.observe(ping);
    expect(tracker.observe(pings[0] as VehiclePing)).toEqual({ matched: null, predictions: [] });
  });
});

describe('tracker: predictions', () => {
  /** Mean |error| at the last stop of trip T, predicted from the first third, after `history` runs. */
  function lastStopError(
    slowness: number,
    history: number,
  ): { errorS: number; naiveErrorS: number; uncertaintyS: number } {
    const tracker = createTracker(network);
    // Earlier days' buses (replayed as earlier vehicles on T1, each one's run slower than scheduled).
    for (let day = 0; day < history; day++) {
      for (const ping of drive(`past-${day}`, T1, { slowness })) tracker.observe(ping);
      tracker.expire(Number.MAX_SAFE_INTEGER);
    }
    const pings = drive('bus-1', T1, { slowness, to: T1.start + 200 * slowness });
    let update: TrackerUpdate | undefined;
    for (const ping of pings) update = tracker.observe(ping);
    const trip = update?.predictions.find((prediction) => prediction.tripId === 'T1');
    const lastStop = trip?.stops.at(-1);
    const actualMs = at(T1.start + TRIP_S * slowness);
    const naiveMs = (lastStop?.scheduledArrivalMs ?? 0) + (trip?.currentDelayS ?? 0) * 1000;
    return {
      errorS: Math.abs((lastStop?.arrivalMs ?? 0) - actualMs) / 1000,
      naiveErrorS: Math.abs(naiveMs - actualMs) / 1000,
      uncertaintyS: lastStop?.uncertaintyS ?? -1,
    };
  }

  it('predicts every remaining stop, with schedule, and a positive uncertainty', () => {
    const tracker = createTracker(network);
    let update: TrackerUpdate | undefined;
    for (const ping of drive('bus-1', T1, { to: T1.start + 150 })) update = tracker.observe(ping);
    const trip = update?.predictions[0];
    expect(trip?.tripId).toBe('T1');
    expect(trip?.isNextTrip).toBe(false);
    const stops = trip?.stops ?? [];
    expect(stops.map((stop) => stop.stopSequence)).toEqual([3, 4, 5, 6]);
    for (let i = 1; i < stops.length; i++)
      expect(stops[i]?.arrivalMs).toBeGreaterThanOrEqual(stops[i - 1]?.arrivalMs ?? 0);
    for (const stop of stops) expect(stop.uncertaintyS).toBeGreaterThan(0);
  });

  it('learns slower segments from earlier vehicles and beats schedule + delay', () => {
    const untrained = lastStopError(1.5, 0);
    const trained = lastStopError(1.5, 6);
    expect(trained.errorS).toBeLessThan(untrained.errorS);
    expect(trained.errorS).toBeLessThan(trained.naiveErrorS);
    expect(trained.errorS).toBeLessThan(60);
  });

  it('predicts the next trip of the block while the vehicle finishes this one, departing no earlier than scheduled', () => {
    const tracker = createTracker(network);
    let update: TrackerUpdate | undefined;
    for (const ping of drive('bus-1', T1, { to: T1.start + 480 })) update = tracker.observe(ping);
    const next = update?.predictions.find((prediction) => prediction.isNextTrip);
    expect(next?.tripId).toBe('T2');
    const departure = next?.stops[0];
    expect(departure?.arrivalMs).toBeUndefined();
    expect(departure?.departureMs).toBeGreaterThanOrEqual(at(T2.start));
  });

  it('round-trips what it learned', () => {
    const tracker = createTracker(network);
    for (let day = 0; day < 3; day++)
      for (const ping of drive(`past-${day}`, T1, { slowness: 1.4 })) tracker.observe(ping);
    const learned = JSON.parse(JSON.stringify(tracker.exportLearning()));
    const fresh = createTracker(network);
    fresh.importLearning(learned);
    expect(fresh.exportLearning()).toEqual(tracker.exportLearning());
    fresh.importLearning({ version: 99 });
    expect(fresh.exportLearning()).toEqual(tracker.exportLearning());
  });
});
