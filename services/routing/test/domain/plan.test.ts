import { readGtfsTexts } from '@mobility/gtfs';
import { describe, expect, it } from 'vitest';
import {
  buildTimetable,
  type Itinerary,
  type JourneyRequest,
  PlanningError,
  planJourneys,
  RealtimeOverlay,
  type TransitLeg,
} from '../../src/domain/index.js';
import { at, DATE, lineFeed } from './fixture.js';

const timetable = buildTimetable(lineFeed());
const fromAtoD = (extra: Partial<JourneyRequest> = {}): JourneyRequest => ({
  from: { kind: 'stop', stopId: 'A' },
  to: { kind: 'stop', stopId: 'D' },
  serviceDate: DATE,
  departAt: at('07:50'),
  ...extra,
});
const arriveBy = (time: number): JourneyRequest => {
  const { departAt: _, ...rest } = fromAtoD();
  return { ...rest, arriveBy: time };
};
const trips = (it: Itinerary) =>
  it.legs.filter((l): l is TransitLeg => l.mode === 'transit').map((l) => l.tripId);

describe('buildTimetable and frequencies.txt', () => {
  it('completes on a fractional headway (the row is refused) and caps the runs frequencies add', () => {
    const texts = (frequencies: string) =>
      new Map<string, string>([
        ['agency.txt', 'agency_name,agency_url,agency_timezone\nL,https://x,Europe/Paris\n'],
        ['stops.txt', 'stop_id,stop_name,stop_lat,stop_lon\nA,A,48.00,2.0\nB,B,48.01,2.0\n'],
        ['routes.txt', 'route_id,route_short_name,route_type\nR,R,3\n'],
        ['trips.txt', 'route_id,service_id,trip_id\nR,WK,T\n'],
        [
          'stop_times.txt',
          'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT,08:00:00,08:00:00,A,1\nT,08:10:00,08:10:00,B,2\n',
        ],
        [
          'calendar.txt',
          'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n',
        ],
        ['frequencies.txt', `trip_id,start_time,end_time,headway_secs\n${frequencies}`],
      ]);
    const fractional = readGtfsTexts(texts('T,00:00:00,48:00:00,0.001\n'), 'f');
    expect(fractional.issues.map((i) => i.file)).toEqual(['frequencies.txt']);
    expect(buildTimetable(fractional).stats.trips).toBe(1);
    const capped = buildTimetable(
      readGtfsTexts(texts('T,06:00:00,07:00:00,600\nT,07:00:00,08:00:00,60\n'), 'f'),
      { maxFrequencyRuns: 10 },
    );
    expect(capped.stats.trips).toBe(6);
    expect(capped.issues.at(-1)?.message).toContain('1 frequencies left out');
  });
});

describe('planJourneys', () => {
  it('reports the timetable size', () => {
    expect(timetable.stats).toMatchObject({ stops: 6, trips: 6, routes: 4 });
    expect(timetable.stats.footpaths).toBe(2);
  });

  it('keeps the Pareto set over arrival and transfers', () => {
    const result = planJourneys(timetable, fromAtoD());
    expect(result.map((it) => [it.arrival, it.transfers, trips(it)])).toEqual([
      [at('08:25'), 1, ['FAST1', 'FAST2']],
      [at('09:00'), 0, ['SLOW']],
    ]);
    const [fast] = result;
    expect(fast?.departure).toBe(at('08:00'));
    expect(fast?.waitSeconds).toBe(300);
    expect(fast?.legs[0]).toMatchObject({
      mode: 'transit',
      fromStopId: 'A',
      toStopId: 'B',
      fromStopSequence: 1,
      realtime: false,
    });
  });

  it('honours maxTransfers', () => {
    expect(planJourneys(timetable, fromAtoD({ maxTransfers: 0 })).map(trips)).toEqual([['SLOW']]);
  });

  it('answers a range query with every departure worth taking', () => {
    const result = planJourneys(timetable, fromAtoD({ departAt: at('07:00'), windowMinutes: 120 }));
    expect(result.map((it) => [it.departure, it.arrival, it.transfers])).toEqual([
      [at('08:00'), at('08:25'), 1],
      [at('08:05'), at('09:00'), 0],
      [at('08:30'), at('08:55'), 1],
    ]);
  });

  it('answers arrive-by with the latest departure', () => {
    const by0830 = planJourneys(timetable, arriveBy(at('08:30')));
    expect(by0830.map((it) => [it.departure, it.arrival, trips(it)])).toEqual([
      [at('08:00'), at('08:25'), ['FAST1', 'FAST2']],
    ]);
    const by0900 = planJourneys(timetable, arriveBy(at('09:00')));
    // SLOW leaves later than FAST1 (08:05) with no transfer; FAST1b leaves later still (08:30).
    expect(by0900.map((it) => [it.departure, it.transfers])).toEqual([
      [at('08:30'), 1],
      [at('08:05'), 0],
    ]);
  });

  it('walks from and to coordinates', () => {
    const result = planJourneys(timetable, {
      from: { kind: 'point', lat: 48.0005, lon: 2.0, name: 'Home' },
      to: { kind: 'point', lat: 48.0505, lon: 2.0 },
      serviceDate: DATE,
      departAt: at('07:00'),
    });
    const [best] = result;
    expect(best?.legs.map((l) => l.mode)).toEqual(['walk', 'transit', 'walk', 'transit', 'walk']);
    expect(best?.legs[0]).toMatchObject({ from: { name: 'Home' }, to: { stopId: 'A' } });
    // SLOW to C, walk 111 m to X, XLINE to E, then walk 56 m to the point.
    expect(trips(best as Itinerary)).toEqual(['SLOW', 'XLINE']);
    expect(best?.arrival).toBe(at('08:50') + Math.ceil(55.66 / 1.33));
    expect(best?.legs[0]?.arrival).toBeLessThanOrEqual(at('08:05'));
  });

  it('limits walking with maxWalkM', () => {
    expect(() =>
      planJourneys(timetable, {
        ...fromAtoD(),
        from: { kind: 'point', lat: 48.0005, lon: 2.0 },
        maxWalkM: 20,
      }),
    ).toThrowError(expect.objectContaining({ code: 'outside-network' }));
    const noTransferWalk = planJourneys(timetable, {
      ...fromAtoD(),
      to: { kind: 'stop', stopId: 'E' },
      maxWalkM: 100,
    });
    expect(noTransferWalk).toEqual([]);
  });

  it('filters for wheelchair users', () => {
    const blockedB = buildTimetable(lineFeed({ bWheelchair: 2 }));
    expect(planJourneys(blockedB, fromAtoD({ wheelchair: true })).map(trips)).toEqual([['SLOW']]);
    expect(planJourneys(blockedB, fromAtoD()).length).toBe(2);
    const blockedSlow = buildTimetable(lineFeed({ bWheelchair: 2, slowWheelchair: 2 }));
    expect(planJourneys(blockedSlow, fromAtoD({ wheelchair: true }))).toEqual([]);
  });

  it('plans on realtime predictions and never offers cancelled trips', () => {
    const overlay = new RealtimeOverlay(timetable);
    expect(
      overlay.apply({
        tripId: 'FAST2',
        serviceDate: DATE,
        stops: [{ stopSequence: 1, departureDelay: 1200 }],
        timestamp: 5,
      }),
    ).toBe(true);
    const delayed = planJourneys(timetable, fromAtoD(), overlay);
    // FAST2 now leaves B at 08:30; FAST2b (08:40 -> 08:55) is as good, FAST2 reaches D at 08:45.
    expect(delayed.map((it) => [it.arrival, it.transfers, it.realtime])).toEqual([
      [at('08:45'), 1, true],
      [at('09:00'), 0, false],
    ]);
    const leg = delayed[0]?.legs[1] as TransitLeg;
    expect([leg.scheduledArrival, leg.arrival, leg.realtime]).toEqual([at('08:25'), at('08:45'), true]);
    expect(planJourneys(timetable, fromAtoD({ ignoreRealtime: true }), overlay)[0]?.arrival).toBe(
      at('08:25'),
    );
    expect(planJourneys(timetable, fromAtoD({ serviceDate: '20260303' }), overlay)[0]?.arrival).toBe(
      at('08:25'),
    );

    overlay.apply({ tripId: 'FAST2', serviceDate: DATE, cancelled: true });
    const cancelled = planJourneys(timetable, fromAtoD(), overlay);
    expect(cancelled.flatMap(trips)).not.toContain('FAST2');
    expect(cancelled[0]?.arrival).toBe(at('08:55'));
    expect(overlay.tripCount).toBe(1);
    expect(overlay.newestTimestamp).toBe(5);
    const before = overlay.version;
    overlay.remove('FAST2');
    expect(overlay.version).toBeGreaterThan(before);
    expect(planJourneys(timetable, fromAtoD(), overlay)[0]?.arrival).toBe(at('08:25'));
  });

  it('lets a delayed trip be overtaken without losing the faster one', () => {
    const overlay = new RealtimeOverlay(timetable);
    // FAST1 runs 40 minutes late: it now reaches B after FAST1b.
    overlay.apply({ tripId: 'FAST1', stops: [{ stopSequence: 1, departureDelay: 2400 }] });
    const result = planJourneys(timetable, fromAtoD(), overlay);
    // FAST1 (now 08:40 -> 08:45) comes too late for FAST2b's 08:40; FAST1b or SLOW still make it.
    expect(result.map((it) => [it.arrival, it.transfers, trips(it)[1] ?? trips(it)[0]])).toEqual([
      [at('08:55'), 1, 'FAST2b'],
      [at('09:00'), 0, 'SLOW'],
    ]);
  });

  it('drives to a car park and continues by transit', () => {
    const request: JourneyRequest = {
      from: { kind: 'point', lat: 47.97, lon: 2.0, name: 'Farm' },
      to: { kind: 'stop', stopId: 'D' },
      serviceDate: DATE,
      departAt: at('07:30'),
      maxWalkM: 500,
      parkAndRide: {
        facilities: [
          { facilityId: 'P1', name: 'Park A', lat: 48.0003, lon: 2.0, expectedFreeSpaces: 12 },
          { facilityId: 'FULL', lat: 48.0, lon: 2.0001, expectedFreeSpaces: 0 },
        ],
      },
    };
    const result = planJourneys(timetable, request);
    expect(result.length).toBeGreaterThan(0);
    const [first] = result;
    expect(first?.parkAndRide).toBe(true);
    expect(first?.legs.map((l) => l.mode)).toEqual(['drive', 'walk', 'transit', 'transit']);
    expect(first?.legs[0]).toMatchObject({ mode: 'drive', facilityId: 'P1', expectedFreeSpaces: 12 });
    expect(first?.arrival).toBe(at('08:25'));
  });

  it('reports unknown places, dates outside the feed and impossible requests', () => {
    const code = (request: JourneyRequest) => {
      try {
        planJourneys(timetable, request);
      } catch (error) {
        expect(error).toBeInstanceOf(PlanningError);
        return (error as PlanningError).code;
      }
      return 'no error';
    };
    expect(code(fromAtoD({ from: { kind: 'stop', stopId: 'NOPE' } }))).toBe('unknown-place');
    expect(code(fromAtoD({ serviceDate: '20270101' }))).toBe('date-outside-feed');
    expect(code(fromAtoD({ serviceDate: '2026-03-02' }))).toBe('invalid-request');
    expect(code({ ...fromAtoD(), arriveBy: at('09:00') })).toBe('invalid-request');
    expect(code(fromAtoD({ to: { kind: 'stop', stopId: 'A' } }))).toBe('invalid-request');
    expect(code(fromAtoD({ to: { kind: 'point', lat: 10, lon: 10 } }))).toBe('outside-network');
    // Unbounded radii would make the stop-grid scan (radius^2) hang the process: refused, fast.
    const started = performance.now();
    expect(code(fromAtoD({ maxWalkM: 1e7, from: { kind: 'point', lat: 48, lon: 2 } }))).toBe(
      'invalid-request',
    );
    expect(code(fromAtoD({ parkAndRide: { facilities: [], maxDriveM: 4294967295 } }))).toBe(
      'invalid-request',
    );
    expect(performance.now() - started).toBeLessThan(100);
    // A valid request with no journey: an empty list, not an error.
    expect(planJourneys(timetable, fromAtoD({ departAt: at('10:00') }))).toEqual([]);
  });
});
