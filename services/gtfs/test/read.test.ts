import { join } from 'node:path';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  buildTripSchedules,
  GtfsReadError,
  readGtfsFile,
  readGtfsZip,
  ServiceCalendar,
} from '../src/index.js';

const zip = (files: Record<string, string>) =>
  zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])));

const BASE = {
  'agency.txt': 'agency_name,agency_url,agency_timezone\nTest,https://x,Europe/Paris\n',
  'routes.txt': 'route_id,route_short_name,route_type\nR1,1,3\n',
  'trips.txt': 'route_id,service_id,trip_id\nR1,WK,T1\n',
  'calendar.txt':
    'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n',
};

describe('readGtfsZip', () => {
  it('handles a BOM, spaces, quoted fields, CRLF and times past midnight', () => {
    const feed = readGtfsZip(
      zip({
        ...BASE,
        'stops.txt':
          '\uFEFFstop_id, stop_name ,stop_lat,stop_lon\r\n A ,"Main St, North",48.1,2.1\r\n"B","Say ""hi""",48.2,2.2\r\n',
        'stop_times.txt':
          'trip_id,arrival_time,departure_time,stop_id,stop_sequence\r\nT1,23:50:00,23:51:00,A,1\r\nT1,25:10:00,25:10:00,B,2\r\n',
      }),
    );
    expect(feed.issues).toEqual([]);
    expect(feed.stops.map((s) => [s.stopId, s.stopName])).toEqual([
      ['A', 'Main St, North'],
      ['B', 'Say "hi"'],
    ]);
    expect(feed.stopTimes[1]?.arrivalTime).toBe(25 * 3600 + 600);
    expect(feed.frequencies).toEqual([]);
    expect(feed.transfers).toEqual([]);
    expect(feed.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports bad rows by file and line and keeps the good ones', () => {
    const feed = readGtfsZip(
      zip({
        ...BASE,
        'stops.txt':
          'stop_id,stop_name,stop_lat,stop_lon\nA,a,48.1,2.1\nB,b,not-a-number,2.2\nC,c,48.3,2.3\nA,dup,48,2\n',
        'stop_times.txt':
          'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,A,1\nT1,8:6:00,08:10:00,C,2\nT1,08:20:00,08:20:00,C,3\nT9,08:00:00,08:00:00,A,1\nT1,08:30:00,08:30:00,B,4\n',
      }),
    );
    expect(feed.stops.map((s) => s.stopId)).toEqual(['A', 'C']);
    expect(feed.stopTimes.map((s) => s.stopSequence)).toEqual([1, 3]);
    const where = feed.issues.map((i) => `${i.file}:${i.line}`);
    expect(where).toEqual([
      'stops.txt:3',
      'stops.txt:5',
      'stop_times.txt:3',
      'stop_times.txt:5',
      'stop_times.txt:6',
    ]);
    expect(feed.issues[0]?.message).toContain('stop_lat');
    expect(feed.issues[3]?.message).toContain('unknown trip_id T9');
  });

  it('notes missing required files and reads a calendar_dates-only feed', () => {
    const feed = readGtfsZip(
      zip({
        'agency.txt': BASE['agency.txt'],
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nA,a,48.1,2.1\n',
        'calendar_dates.txt': 'service_id,date,exception_type\nS,20260302,1\nS,20260303,1\nS,20260303,2\n',
      }),
    );
    expect(feed.issues.filter((i) => i.line === 0).map((i) => i.file)).toEqual([
      'routes.txt',
      'trips.txt',
      'stop_times.txt',
    ]);
    const calendar = new ServiceCalendar(feed.calendars, feed.calendarDates);
    expect([...calendar.servicesOn('20260302')]).toEqual(['S']);
    expect([...calendar.servicesOn('20260303')]).toEqual([]);
    expect(calendar.covers('20260301')).toBe(false);
    expect(calendar.start).toBe('20260302');
  });

  it('skips frequencies that would expand into millions of runs', () => {
    const feed = readGtfsZip(
      zip({
        ...BASE,
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nA,a,48.0,2.0\nB,b,48.01,2.0\n',
        'stop_times.txt':
          'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,A,1\nT1,08:10:00,08:10:00,B,2\n',
        'frequencies.txt':
          'trip_id,start_time,end_time,headway_secs\n' +
          'T1,06:00:00,07:00:00,0.001\nT1,06:00:00,07:00:00,0\nT1,00:00:00,100:00:00,600\nT1,07:00:00,08:00:00,600\n',
      }),
    );
    expect(feed.issues.map((i) => [`${i.file}:${i.line}`, i.severity])).toEqual([
      ['frequencies.txt:2', 'error'],
      ['frequencies.txt:3', 'error'],
      ['frequencies.txt:4', 'error'],
    ]);
    expect(feed.issues[0]?.message).toContain('headway_secs');
    expect(feed.issues[2]?.message).toContain('48 hours');
    expect(feed.frequencies).toEqual([
      { tripId: 'T1', startTime: 7 * 3600, endTime: 8 * 3600, headwaySecs: 600, exactTimes: 0 },
    ]);
  });

  it('falls back to UTC for an agency_timezone Intl does not know, and says so', () => {
    const feed = readGtfsZip(
      zip({
        ...BASE,
        'agency.txt': 'agency_name,agency_url,agency_timezone\nTest,https://x,Mars/Olympus_Mons\n',
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nA,a,48.0,2.0\n',
        'stop_times.txt':
          'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,A,1\n',
      }),
    );
    expect(feed.agencies[0]?.agencyTimezone).toBe('UTC');
    expect(feed.issues).toEqual([
      expect.objectContaining({ file: 'agency.txt', line: 2, severity: 'warning' }),
    ]);
    expect(feed.issues[0]?.message).toContain('Mars/Olympus_Mons');
  });

  it('rejects something that is not a zip', () => {
    expect(() => readGtfsZip(strToU8('hello'))).toThrow(GtfsReadError);
  });

  it('interpolates blank times by distance', () => {
    const feed = readGtfsZip(
      zip({
        ...BASE,
        'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nA,a,48.0,2.0\nB,b,48.01,2.0\nC,c,48.03,2.0\n',
        'stop_times.txt':
          'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,A,1\nT1,,,B,2\nT1,08:30:00,08:30:00,C,3\n',
      }),
    );
    const [schedule] = buildTripSchedules(feed).schedules;
    expect(schedule?.arrivals).toEqual([8 * 3600, 8 * 3600 + 600, 8 * 3600 + 1800]);
  });
});

describe('calendar', () => {
  it('combines weekly patterns and exceptions', () => {
    const calendar = new ServiceCalendar(
      [
        {
          serviceId: 'WK',
          days: [true, true, true, true, true, false, false],
          startDate: '20260101',
          endDate: '20261231',
        },
      ],
      [
        { serviceId: 'WK', date: '20260302', exceptionType: 2 },
        { serviceId: 'HOL', date: '20260302', exceptionType: 1 },
      ],
    );
    expect([...calendar.servicesOn('20260303')]).toEqual(['WK']);
    expect([...calendar.servicesOn('20260302')]).toEqual(['HOL']);
    expect([...calendar.servicesOn('20260307')]).toEqual([]);
    expect(calendar.busiestDate()).toBe('20260101');
  });
});

const CAIRNS = join(SHARED_DATA, 'gtfs/cairns/cairns_gtfs.zip');
const WMATA = join(SHARED_DATA, 'avl/wmata-2026-02-16/gtfs.zip');

describe.runIf(sharedDataAvailable('gtfs/cairns/cairns_gtfs.zip', 'avl/wmata-2026-02-16/gtfs.zip'))(
  'real feeds',
  () => {
    it('reads cairns (blank times between timepoints)', async () => {
      const feed = await readGtfsFile(CAIRNS);
      expect([
        feed.stops.length,
        feed.routes.length,
        feed.trips.length,
        feed.stopTimes.length,
        feed.shapes.length,
      ]).toEqual([416, 22, 1339, 37790, 22784]);
      expect(feed.issues).toEqual([]);
      const { schedules } = buildTripSchedules(feed);
      expect(schedules).toHaveLength(1339);
      expect(schedules.every((s) => s.arrivals.every(Number.isFinite))).toBe(true);
    });

    it('reads wmata (quoted everything) and finds its service on 2026-02-16', async () => {
      const feed = await readGtfsFile(WMATA, { skipShapes: true });
      expect([feed.stops.length, feed.trips.length, feed.stopTimes.length, feed.shapes.length]).toEqual([
        347, 4167, 232187, 0,
      ]);
      const calendar = new ServiceCalendar(feed.calendars, feed.calendarDates);
      const active = calendar.servicesOn('20260216');
      expect(feed.trips.filter((t) => active.has(t.serviceId)).length).toBeGreaterThan(0);
    });
  },
);
