import { readGtfsTexts } from '@mobility/gtfs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTimetable, type JourneyRequest, planJourneys } from '../../src/domain/index.js';
import { RaptorEngine } from '../../src/domain/raptor.js';
import { at, DATE, lineFeed } from './fixture.js';

/**
 * A 08:00 -> C 08:40 direct; B, 200 m from A, has its own trip B 08:20 -> C 08:50. Leaving A a
 * little after 08:15 and walking to B is the only option for someone not ready at 08:00.
 */
function footpathFirstFeed() {
  const texts = new Map<string, string>([
    ['agency.txt', 'agency_name,agency_url,agency_timezone\nLine,https://x,Europe/Paris\n'],
    [
      'stops.txt',
      'stop_id,stop_name,stop_lat,stop_lon\nA,Alpha,48.0000,2.0\nB,Bravo,48.0018,2.0\nC,Charlie,48.0500,2.0\n',
    ],
    ['routes.txt', 'route_id,route_short_name,route_type\nR1,1,3\nR2,2,3\n'],
    ['trips.txt', 'route_id,service_id,trip_id\nR1,WK,T1\nR2,WK,T2\n'],
    [
      'stop_times.txt',
      'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n' +
        'T1,08:00:00,08:00:00,A,1\nT1,08:40:00,08:40:00,C,2\n' +
        'T2,08:20:00,08:20:00,B,1\nT2,08:50:00,08:50:00,C,2\n',
    ],
    [
      'calendar.txt',
      'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n',
    ],
  ]);
  return readGtfsTexts(texts, 'footpath-first');
}

describe('range queries', () => {
  it('offer journeys that start with a footpath from the origin stop', () => {
    const timetable = buildTimetable(footpathFirstFeed());
    const result = planJourneys(timetable, {
      from: { kind: 'stop', stopId: 'A' },
      to: { kind: 'stop', stopId: 'C' },
      serviceDate: DATE,
      departAt: at('07:55'),
      windowMinutes: 30,
    });
    const summary = result.map((it) => [it.departure, it.arrival, it.legs.map((leg) => leg.mode)]);
    expect(summary).toContainEqual([at('08:00'), at('08:40'), ['transit']]);
    const walkFirst = result.find((it) => it.legs[0]?.mode === 'walk');
    expect(walkFirst?.arrival).toBe(at('08:50'));
    // Leaves A just in time to walk 200 m to B for 08:20 (08:17-ish at walking speed).
    expect(walkFirst?.departure).toBeGreaterThan(at('08:15'));
    expect(walkFirst?.departure).toBeLessThan(at('08:20'));
  });

  it('answer arrive-by windows with journeys that end with a footpath to the destination stop', () => {
    // Mirror: A 08:15 -> C 08:40 and A 08:10 -> B 08:30, B 200 m from C; arrive at C by 09:00.
    // Leaving at 08:10 arrives earliest, but only by walking the last 200 m.
    const texts = new Map<string, string>([
      ['agency.txt', 'agency_name,agency_url,agency_timezone\nLine,https://x,Europe/Paris\n'],
      [
        'stops.txt',
        'stop_id,stop_name,stop_lat,stop_lon\nA,Alpha,48.0500,2.0\nB,Bravo,48.0018,2.0\nC,Charlie,48.0000,2.0\n',
      ],
      ['routes.txt', 'route_id,route_short_name,route_type\nR1,1,3\nR2,2,3\n'],
      ['trips.txt', 'route_id,service_id,trip_id\nR1,WK,T1\nR2,WK,T2\n'],
      [
        'stop_times.txt',
        'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n' +
          'T1,08:15:00,08:15:00,A,1\nT1,08:40:00,08:40:00,C,2\n' +
          'T2,08:10:00,08:10:00,A,1\nT2,08:30:00,08:30:00,B,2\n',
      ],
      [
        'calendar.txt',
        'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n',
      ],
    ]);
    const timetable = buildTimetable(readGtfsTexts(texts, 'footpath-last'));
    const result = planJourneys(timetable, {
      from: { kind: 'stop', stopId: 'A' },
      to: { kind: 'stop', stopId: 'C' },
      serviceDate: DATE,
      arriveBy: at('09:00'),
      windowMinutes: 30,
    });
    const walkLast = result.find((it) => it.legs.at(-1)?.mode === 'walk');
    expect(walkLast?.departure).toBe(at('08:10'));
    expect(walkLast?.arrival).toBeGreaterThan(at('08:30'));
    expect(walkLast?.arrival).toBeLessThan(at('08:35'));
  });
});

describe('engine buffers', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are clean after a query that threw, so later queries are unaffected', () => {
    const timetable = buildTimetable(lineFeed());
    const reference = buildTimetable(lineFeed());
    const request = (to: string, extra: Partial<JourneyRequest> = {}): JourneyRequest => ({
      from: { kind: 'stop', stopId: 'A' },
      to: { kind: 'stop', stopId: to },
      serviceDate: DATE,
      departAt: at('07:50'),
      ...extra,
    });
    const spy = vi
      .spyOn(RaptorEngine.prototype as unknown as { reconstruct: (round: number) => unknown }, 'reconstruct')
      .mockImplementationOnce(() => {
        throw new Error('boom');
      });
    expect(() => planJourneys(timetable, request('D'))).toThrow('boom');
    spy.mockRestore();
    for (const extra of [{}, { windowMinutes: 60 }]) {
      expect(planJourneys(timetable, request('C', extra))).toEqual(
        planJourneys(reference, request('C', extra)),
      );
      expect(planJourneys(timetable, request('B', extra))).toEqual(
        planJourneys(reference, request('B', extra)),
      );
    }
  });
});
