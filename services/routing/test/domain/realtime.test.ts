import { readGtfsTexts } from '@mobility/gtfs';
import { describe, expect, it } from 'vitest';
import { buildTimetable, RealtimeOverlay, type TripPrediction } from '../../src/domain/index.js';
import type { Timetable } from '../../src/domain/timetable.js';
import { at, DATE, lineFeed } from './fixture.js';

/** Predicted [arrival, departure] per stop of a trip, as the overlay holds them. */
function predicted(timetable: Timetable, prediction: TripPrediction): Array<[number, number]> {
  const overlay = new RealtimeOverlay(timetable);
  expect(overlay.apply(prediction)).toBe(true);
  const trip = timetable.tripIndex.get(prediction.tripId)?.[0] as number;
  const entry = overlay.entryFor(trip, DATE);
  if (!entry) throw new Error('no entry');
  return [...entry.arr].map((a, i) => [a, entry.dep[i] as number]);
}

/** T: A 08:00, B 08:10, C 08:20, numbered from 0. */
function zeroBasedFeed(): Timetable {
  const texts = new Map<string, string>([
    ['agency.txt', 'agency_name,agency_url,agency_timezone\nLine,https://x,Europe/Paris\n'],
    ['stops.txt', 'stop_id,stop_name,stop_lat,stop_lon\nA,A,48.00,2.0\nB,B,48.01,2.0\nC,C,48.02,2.0\n'],
    ['routes.txt', 'route_id,route_short_name,route_type\nR,R,3\n'],
    ['trips.txt', 'route_id,service_id,trip_id\nR,WK,T\n'],
    [
      'stop_times.txt',
      'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n' +
        'T,08:00:00,08:00:00,A,0\nT,08:10:00,08:10:00,B,1\nT,08:20:00,08:20:00,C,2\n',
    ],
    [
      'calendar.txt',
      'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n',
    ],
  ]);
  return buildTimetable(readGtfsTexts(texts, 'zero-based'));
}

describe('stop updates named by stop_id only (stop_sequence absent = 0 in proto3)', () => {
  it('match by stop_id in a feed numbered from 1', () => {
    const timetable = buildTimetable(lineFeed());
    // SLOW: A 08:05, B 08:20, C 08:40, D 09:00 (sequences 1..4).
    const times = predicted(timetable, {
      tripId: 'SLOW',
      serviceDate: DATE,
      stops: [{ stopSequence: 0, stopId: 'C', arrivalDelay: 600 }],
    });
    expect(times.map(([a]) => a)).toEqual([at('08:05'), at('08:20'), at('08:50'), at('09:10')]);
  });

  it('match by stop_id in a feed numbered from 0, and by sequence when it exists', () => {
    const timetable = zeroBasedFeed();
    const byStopId = predicted(timetable, {
      tripId: 'T',
      serviceDate: DATE,
      stops: [{ stopSequence: 0, stopId: 'B', arrivalDelay: 300 }],
    });
    expect(byStopId.map(([a]) => a)).toEqual([at('08:00'), at('08:15'), at('08:25')]);
    const firstStop = predicted(timetable, {
      tripId: 'T',
      serviceDate: DATE,
      stops: [{ stopSequence: 0, stopId: 'A', departureDelay: 60 }],
    });
    expect(firstStop.map(([, d]) => d)).toEqual([at('08:01'), at('08:11'), at('08:21')]);
    // Sequence 2 exists (C) and wins over a disagreeing stop_id; 7 does not, so the stop_id decides.
    const sequenceWins = predicted(timetable, {
      tripId: 'T',
      serviceDate: DATE,
      stops: [{ stopSequence: 2, stopId: 'B', arrivalDelay: 120 }],
    });
    expect(sequenceWins.map(([a]) => a)).toEqual([at('08:00'), at('08:10'), at('08:22')]);
    const stopIdWins = predicted(timetable, {
      tripId: 'T',
      serviceDate: DATE,
      stops: [{ stopSequence: 7, stopId: 'B', arrivalDelay: 120 }],
    });
    expect(stopIdWins.map(([a]) => a)).toEqual([at('08:00'), at('08:12'), at('08:22')]);
  });
});

describe('invalid predicted times', () => {
  const timetable = buildTimetable(lineFeed());
  const arrivalAtD = (stops: NonNullable<TripPrediction['stops']>) =>
    (predicted(timetable, { tripId: 'SLOW', serviceDate: DATE, stops }).at(-1) as [number, number])[0];

  it('ignores non-finite and absurd times instead of teleporting the vehicle', () => {
    expect(arrivalAtD([{ stopSequence: 3, arrivalTime: Number.NaN }])).toBe(at('09:00'));
    expect(arrivalAtD([{ stopSequence: 3, arrivalTime: Number.POSITIVE_INFINITY }])).toBe(at('09:00'));
    expect(arrivalAtD([{ stopSequence: 3, departureDelay: -10 * 86_400 }])).toBe(at('09:00'));
    expect(arrivalAtD([{ stopSequence: 3, arrivalDelay: Number.NaN, departureDelay: 60 }])).toBe(at('09:01'));
  });

  it('carries the delay forward after the monotonic clamp', () => {
    // -3600 s at B (sched 08:20) would be 07:20, before A's 08:05 departure: clamped to 08:05, so
    // the carried delay is -15 min and D (sched 09:00) cannot be reached before 08:45.
    const times = predicted(timetable, {
      tripId: 'SLOW',
      serviceDate: DATE,
      stops: [{ stopSequence: 2, departureDelay: -3600 }],
    });
    expect(times).toEqual([
      [at('08:05'), at('08:05')],
      [at('08:05'), at('08:05')],
      [at('08:25'), at('08:25')],
      [at('08:45'), at('08:45')],
    ]);
    for (let i = 1; i < times.length; i++)
      expect((times[i] as [number, number])[0]).toBeGreaterThanOrEqual((times[i - 1] as [number, number])[1]);
  });
});
