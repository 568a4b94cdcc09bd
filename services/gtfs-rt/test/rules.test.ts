import { describe, expect, it } from 'vitest';
import {
  AlertEffect,
  RULES,
  StopScheduleRelationship,
  TripScheduleRelationship,
  type ValidationReport,
  validateFeed,
} from '../src/index.js';
import {
  build,
  cleanScenario,
  DATE,
  feedOf,
  firstAlert,
  firstTripUpdate,
  firstVehicle,
  NOW,
  type Scenario,
  staticGtfs,
  stopTimeUpdates,
  T0,
  t1Trip,
} from './fixtures.js';

const { ADDED, CANCELED, UNSCHEDULED, SCHEDULED } = TripScheduleRelationship;
const { SKIPPED, NO_DATA } = StopScheduleRelationship;

function check(edit?: (scenario: Scenario) => void): ValidationReport {
  const scenario = cleanScenario();
  edit?.(scenario);
  return validateFeed(build(scenario));
}

function count(report: ValidationReport, code: string): number {
  return report.errors[code] ?? report.warnings[code] ?? 0;
}

/** A trip update on a frequency-based trip (TF0: exact_times 0, TF1: exact_times 1), otherwise clean. */
function frequencyTrip(scenario: Scenario, tripId: 'TF0' | 'TF1', startTime = '06:10:00'): void {
  const update = firstTripUpdate(scenario);
  const scheduleRelationship = tripId === 'TF0' ? UNSCHEDULED : SCHEDULED;
  update.trip = { tripId, routeId: 'R1', startTime, startDate: DATE, scheduleRelationship };
  const start = T0 - 2 * 3600 + 600;
  update.stopTimeUpdate = [
    { stopSequence: 2, stopId: 'S2', arrival: { time: start + 600 }, scheduleRelationship: 0 },
  ];
  scenario.vehicles = [];
}

interface RuleCase {
  code: string;
  /** Makes the clean scenario break the rule `times` times (default once). */
  bad: (scenario: Scenario) => void;
  /** A near miss that must pass (default: the clean scenario). */
  good?: (scenario: Scenario) => void;
  times?: number;
}

const CASES: RuleCase[] = [
  {
    code: 'E001',
    bad: (s) => {
      firstTripUpdate(s).timestamp = (NOW - 10) * 1000;
    },
  },
  {
    code: 'E001',
    bad: (s) => {
      firstAlert(s).activePeriod = [{ start: 12 }];
    },
  },
  {
    code: 'E002',
    bad: (s) => {
      const [a, b] = stopTimeUpdates(s);
      firstTripUpdate(s).stopTimeUpdate = [
        { ...b, arrival: { time: T0 + 500 } },
        { ...a, arrival: { time: T0 + 600 }, departure: { time: T0 + 630 } },
      ];
    },
  },
  {
    code: 'E002',
    // Order found from stop_ids alone (no stop_sequence in the feed).
    bad: (s) => {
      firstTripUpdate(s).stopTimeUpdate = [
        { stopId: 'S3', arrival: { time: T0 + 500 }, scheduleRelationship: 0 },
        { stopId: 'S2', arrival: { time: T0 + 600 }, scheduleRelationship: 0 },
      ];
    },
    good: (s) => {
      firstTripUpdate(s).stopTimeUpdate = [
        { stopId: 'S2', arrival: { time: T0 + 500 }, scheduleRelationship: 0 },
        { stopId: 'S3', arrival: { time: T0 + 600 }, scheduleRelationship: 0 },
      ];
    },
  },
  {
    code: 'E003',
    bad: (s) => {
      firstTripUpdate(s).trip = {
        tripId: 'NEW1',
        routeId: 'R1',
        startDate: DATE,
        scheduleRelationship: SCHEDULED,
      };
      s.vehicles = [];
    },
    good: (s) => {
      firstTripUpdate(s).trip = {
        tripId: 'NEW1',
        routeId: 'R1',
        startDate: DATE,
        scheduleRelationship: ADDED,
      };
      firstTripUpdate(s).stopTimeUpdate = [
        { stopId: 'S2', arrival: { time: T0 + 600 }, scheduleRelationship: 0 },
      ];
      s.vehicles = [];
    },
  },
  {
    code: 'E004',
    bad: (s) => {
      firstAlert(s).informedEntity = [{ routeId: 'R9' }];
    },
  },
  {
    code: 'E006',
    bad: (s) => {
      frequencyTrip(s, 'TF0');
      delete firstTripUpdate(s).trip.startDate;
    },
    good: (s) => frequencyTrip(s, 'TF0'),
  },
  {
    code: 'E007',
    bad: (s) => {
      s.tripUpdates.push({
        trip: {
          tripId: 'TNOBLOCK',
          routeId: 'R1',
          startTime: '11:00:00',
          startDate: DATE,
          scheduleRelationship: 0,
        },
        vehicle: { id: 'V1' },
        timestamp: NOW - 10,
        stopTimeUpdate: [
          { stopSequence: 2, stopId: 'S2', arrival: { time: T0 + 3 * 3600 + 600 }, scheduleRelationship: 0 },
        ],
      });
    },
    good: (s) => {
      s.tripUpdates.push({
        trip: {
          tripId: 'T2',
          routeId: 'R1',
          directionId: 1,
          startTime: '09:00:00',
          startDate: DATE,
          scheduleRelationship: 0,
        },
        vehicle: { id: 'V1' },
        timestamp: NOW - 10,
        stopTimeUpdate: [
          { stopSequence: 2, stopId: 'S2', arrival: { time: T0 + 3600 + 600 }, scheduleRelationship: 0 },
        ],
      });
    },
  },
  {
    code: 'E008',
    bad: (s) => {
      firstTripUpdate(s).trip = {
        routeId: 'R1',
        directionId: 0,
        startTime: '08:00:00',
        startDate: DATE,
        scheduleRelationship: 0,
      };
      s.vehicles = [];
    },
    good: (s) => {
      firstTripUpdate(s).trip = {
        routeId: 'R2',
        directionId: 0,
        startTime: '10:00:00',
        startDate: DATE,
        scheduleRelationship: 0,
      };
      firstTripUpdate(s).stopTimeUpdate = [
        { stopSequence: 2, arrival: { time: T0 + 7800 }, scheduleRelationship: 0 },
      ];
      s.vehicles = [];
    },
  },
  {
    code: 'E009',
    bad: (s) => {
      firstTripUpdate(s).trip = {
        tripId: 'T3',
        routeId: 'R2',
        startTime: '10:00:00',
        startDate: DATE,
        scheduleRelationship: 0,
      };
      // Twice in one trip update: one notice for the trip update.
      firstTripUpdate(s).stopTimeUpdate = [
        { stopId: 'S1', arrival: { time: T0 + 7200 }, scheduleRelationship: 0 },
        { stopId: 'S2', arrival: { time: T0 + 7800 }, scheduleRelationship: 0 },
        { stopId: 'S1', arrival: { time: T0 + 8400 }, scheduleRelationship: 0 },
      ];
      s.vehicles = [];
    },
    good: (s) => {
      firstTripUpdate(s).trip = {
        tripId: 'T3',
        routeId: 'R2',
        startTime: '10:00:00',
        startDate: DATE,
        scheduleRelationship: 0,
      };
      firstTripUpdate(s).stopTimeUpdate = [
        { stopSequence: 3, stopId: 'S1', arrival: { time: T0 + 8400 }, scheduleRelationship: 0 },
      ];
      s.vehicles = [];
    },
  },
  {
    code: 'E010',
    bad: (s) => {
      s.gtfs = staticGtfs((files) => {
        files['stop_times.txt'] = (files['stop_times.txt'] as string).replace(
          'T3,10:10:00,10:10:00,S2,2',
          'T3,10:10:00,10:10:00,ST,2',
        );
      });
    },
  },
  {
    code: 'E011',
    bad: (s) => {
      firstVehicle(s).stopId = 'S9';
    },
  },
  {
    code: 'E012',
    bad: (s) => {
      firstTripUpdate(s).timestamp = NOW + 10;
    },
  },
  {
    code: 'E013',
    bad: (s) => {
      frequencyTrip(s, 'TF0');
      firstTripUpdate(s).trip.scheduleRelationship = SCHEDULED;
    },
    good: (s) => frequencyTrip(s, 'TF0'),
  },
  {
    code: 'E014',
    bad: (s) => {
      s.tripUpdates.unshift({
        trip: {
          tripId: 'T2',
          routeId: 'R1',
          directionId: 1,
          startTime: '09:00:00',
          startDate: DATE,
          scheduleRelationship: 0,
        },
        vehicle: { id: 'V1' },
        timestamp: NOW - 10,
        stopTimeUpdate: [
          { stopSequence: 2, stopId: 'S2', arrival: { time: T0 + 3600 + 600 }, scheduleRelationship: 0 },
        ],
      });
    },
  },
  {
    code: 'E015',
    bad: (s) => {
      firstVehicle(s).stopId = 'ST';
    },
  },
  {
    code: 'E016',
    bad: (s) => {
      firstTripUpdate(s).trip.scheduleRelationship = ADDED;
    },
  },
  {
    code: 'E017',
    bad: (s) => {
      const earlier = cleanScenario();
      firstTripUpdate(earlier).stopTimeUpdate = stopTimeUpdates(earlier).slice(1);
      s.previous = feedOf(earlier);
    },
    good: (s) => {
      s.previous = feedOf(cleanScenario());
    },
  },
  {
    code: 'E018',
    bad: (s) => {
      const later = cleanScenario();
      later.header.timestamp = NOW + 10;
      s.previous = feedOf(later);
    },
  },
  {
    code: 'E019',
    bad: (s) => frequencyTrip(s, 'TF1', '06:05:00'),
    good: (s) => frequencyTrip(s, 'TF1', '06:10:00'),
  },
  {
    code: 'E020',
    bad: (s) => {
      firstTripUpdate(s).trip.startTime = '8:00';
    },
    good: (s) => {
      firstTripUpdate(s).trip.startTime = '8:00:00';
    },
  },
  {
    code: 'E021',
    bad: (s) => {
      firstTripUpdate(s).trip.startDate = '2026-06-01';
    },
  },
  {
    code: 'E022',
    bad: (s) => {
      const [, last] = stopTimeUpdates(s);
      if (last) last.arrival = { time: T0 + 630 };
    },
  },
  {
    code: 'E022',
    // Times derived from delays: 08:10:30 + 0 s, then 08:20:00 - 600 s.
    bad: (s) => {
      firstTripUpdate(s).stopTimeUpdate = [
        { stopSequence: 2, departure: { delay: 0 }, scheduleRelationship: 0 },
        { stopSequence: 3, arrival: { delay: -600 }, scheduleRelationship: 0 },
      ];
    },
    good: (s) => {
      firstTripUpdate(s).stopTimeUpdate = [
        { stopSequence: 2, departure: { delay: 0 }, scheduleRelationship: 0 },
        { stopSequence: 3, arrival: { delay: -60 }, scheduleRelationship: 0 },
      ];
    },
  },
  {
    code: 'E023',
    bad: (s) => {
      firstTripUpdate(s).trip.startTime = '08:05:00';
    },
  },
  {
    code: 'E024',
    bad: (s) => {
      firstVehicle(s).trip = { ...t1Trip(), directionId: 1 };
    },
  },
  {
    code: 'E025',
    bad: (s) => {
      const [first] = stopTimeUpdates(s);
      if (first) first.departure = { time: T0 + 500 };
    },
  },
  {
    code: 'E026',
    bad: (s) => {
      firstVehicle(s).position = { latitude: 91, longitude: -122 };
    },
  },
  {
    code: 'E027',
    bad: (s) => {
      firstVehicle(s).position = { latitude: 37.005, longitude: -122, bearing: 400 };
    },
    good: (s) => {
      firstVehicle(s).position = { latitude: 37.005, longitude: -122, bearing: 360 };
    },
  },
  {
    code: 'E028',
    bad: (s) => {
      firstVehicle(s).position = { latitude: 40, longitude: -100 };
    },
  },
  {
    code: 'E029',
    // 0.01 degree of longitude at 37 N is about 890 m east of the shape.
    bad: (s) => {
      firstVehicle(s).position = { latitude: 37.01, longitude: -121.99 };
    },
    good: (s) => {
      firstVehicle(s).position = { latitude: 37.01, longitude: -121.99 };
      s.alerts.push({ informedEntity: [{ trip: { tripId: 'T1' } }], effect: AlertEffect.DETOUR });
    },
  },
  {
    code: 'E030',
    bad: (s) => {
      firstAlert(s).informedEntity = [{ routeId: 'R2', trip: { tripId: 'T1' } }];
    },
    good: (s) => {
      firstAlert(s).informedEntity = [{ routeId: 'R1', trip: { tripId: 'T1' } }];
    },
  },
  {
    code: 'E031',
    bad: (s) => {
      firstAlert(s).informedEntity = [
        { routeId: 'R1', trip: { tripId: 'NEW9', routeId: 'R2', scheduleRelationship: ADDED } },
      ];
    },
    good: (s) => {
      firstAlert(s).informedEntity = [
        { routeId: 'R2', trip: { tripId: 'NEW9', routeId: 'R2', scheduleRelationship: ADDED } },
      ];
    },
  },
  {
    code: 'E032',
    bad: (s) => {
      firstAlert(s).informedEntity = [];
    },
  },
  {
    code: 'E033',
    bad: (s) => {
      firstAlert(s).informedEntity = [{}];
    },
    good: (s) => {
      firstAlert(s).informedEntity = [{ routeType: 0 }];
    },
  },
  {
    code: 'E034',
    bad: (s) => {
      firstAlert(s).informedEntity = [{ agencyId: 'OTHER' }];
    },
  },
  {
    code: 'E035',
    bad: (s) => {
      firstVehicle(s).trip = { ...t1Trip(), routeId: 'R2' };
    },
  },
  {
    code: 'E036',
    bad: (s) => {
      const [first, second] = stopTimeUpdates(s);
      if (first && second)
        firstTripUpdate(s).stopTimeUpdate = [first, { ...second, stopSequence: 2, stopId: 'S2' }];
    },
  },
  {
    code: 'E037',
    bad: (s) => {
      const [first] = stopTimeUpdates(s);
      if (first)
        firstTripUpdate(s).stopTimeUpdate = [
          first,
          { stopId: 'S2', arrival: { time: T0 + 700 }, scheduleRelationship: 0 },
        ];
    },
  },
  {
    code: 'E038',
    bad: (s) => {
      s.header.gtfsRealtimeVersion = '2';
    },
    good: (s) => {
      s.header.gtfsRealtimeVersion = '1.0';
    },
  },
  {
    code: 'E039',
    times: 3,
    bad: (s) => {
      s.entityExtras = { isDeleted: false };
    },
    good: (s) => {
      s.entityExtras = { isDeleted: false };
      s.header.incrementality = 1;
    },
  },
  {
    code: 'E040',
    bad: (s) => {
      stopTimeUpdates(s).push({ arrival: { time: T0 + 2000 }, scheduleRelationship: 0 });
    },
  },
  {
    code: 'E041',
    bad: (s) => {
      firstTripUpdate(s).stopTimeUpdate = [];
    },
    good: (s) => {
      firstTripUpdate(s).stopTimeUpdate = [];
      firstTripUpdate(s).trip.scheduleRelationship = CANCELED;
    },
  },
  {
    code: 'E042',
    bad: (s) => {
      const [, last] = stopTimeUpdates(s);
      if (last) last.scheduleRelationship = NO_DATA;
    },
    good: (s) => {
      const [, last] = stopTimeUpdates(s);
      if (last) {
        last.scheduleRelationship = NO_DATA;
        delete last.arrival;
      }
    },
  },
  {
    code: 'E043',
    bad: (s) => {
      const [, last] = stopTimeUpdates(s);
      if (last) delete last.arrival;
    },
    good: (s) => {
      const [, last] = stopTimeUpdates(s);
      if (last) {
        delete last.arrival;
        last.scheduleRelationship = SKIPPED;
      }
    },
  },
  {
    code: 'E044',
    bad: (s) => {
      const [, last] = stopTimeUpdates(s);
      if (last) last.arrival = { uncertainty: 30 };
    },
    good: (s) => {
      const [, last] = stopTimeUpdates(s);
      if (last) last.arrival = { delay: 0 };
    },
  },
  {
    code: 'E045',
    bad: (s) => {
      const [, last] = stopTimeUpdates(s);
      if (last) last.stopId = 'S1';
    },
  },
  {
    code: 'E046',
    bad: (s) => {
      firstTripUpdate(s).trip = {
        tripId: 'TBLANK',
        routeId: 'R1',
        startTime: '08:00:00',
        startDate: DATE,
        scheduleRelationship: 0,
      };
      firstTripUpdate(s).stopTimeUpdate = [
        { stopSequence: 2, arrival: { delay: 60 }, scheduleRelationship: 0 },
      ];
      s.vehicles = [];
    },
    good: (s) => {
      firstTripUpdate(s).trip = {
        tripId: 'TBLANK',
        routeId: 'R1',
        startTime: '08:00:00',
        startDate: DATE,
        scheduleRelationship: 0,
      };
      firstTripUpdate(s).stopTimeUpdate = [
        { stopSequence: 3, arrival: { delay: 60 }, scheduleRelationship: 0 },
      ];
      s.vehicles = [];
    },
  },
  {
    code: 'E047',
    bad: (s) => {
      firstTripUpdate(s).vehicle = { id: 'V2' };
      firstVehicle(s).vehicle = { id: 'V1' };
    },
  },
  {
    code: 'E047',
    // The vehicle's position says T1, its predictions also cover TNOBLOCK: not one block.
    bad: (s) => {
      s.tripUpdates.push({
        trip: {
          tripId: 'TNOBLOCK',
          routeId: 'R1',
          startTime: '11:00:00',
          startDate: DATE,
          scheduleRelationship: 0,
        },
        vehicle: { id: 'V1' },
        timestamp: NOW - 10,
        stopTimeUpdate: [
          { stopSequence: 2, stopId: 'S2', arrival: { time: T0 + 3 * 3600 + 600 }, scheduleRelationship: 0 },
        ],
      });
    },
    // Predictions for the next trip of the same block are expected.
    good: (s) => {
      s.tripUpdates.push({
        trip: {
          tripId: 'T2',
          routeId: 'R1',
          directionId: 1,
          startTime: '09:00:00',
          startDate: DATE,
          scheduleRelationship: 0,
        },
        vehicle: { id: 'V1' },
        timestamp: NOW - 10,
        stopTimeUpdate: [
          { stopSequence: 2, stopId: 'S2', arrival: { time: T0 + 3600 + 600 }, scheduleRelationship: 0 },
        ],
      });
    },
  },
  {
    code: 'E048',
    bad: (s) => {
      delete s.header.timestamp;
    },
    good: (s) => {
      delete s.header.timestamp;
      s.header.gtfsRealtimeVersion = '1.0';
    },
  },
  {
    code: 'E049',
    bad: (s) => {
      delete s.header.incrementality;
    },
    good: (s) => {
      delete s.header.incrementality;
      s.header.gtfsRealtimeVersion = '1.0';
    },
  },
  {
    code: 'E050',
    bad: (s) => {
      s.header.timestamp = NOW + 600;
    },
    good: (s) => {
      s.header.timestamp = NOW + 30;
    },
  },
  {
    code: 'E051',
    bad: (s) => {
      stopTimeUpdates(s).push({ stopSequence: 9, arrival: { time: T0 + 2000 }, scheduleRelationship: 0 });
    },
  },
  {
    code: 'E052',
    bad: (s) => {
      s.vehicles.push({ ...firstVehicle(s) });
    },
  },
  {
    code: 'W001',
    bad: (s) => {
      delete firstTripUpdate(s).timestamp;
    },
  },
  {
    code: 'W001',
    // A timestamp of 0 is a missing timestamp, not a time in 1970.
    bad: (s) => {
      firstVehicle(s).timestamp = 0;
    },
  },
  {
    code: 'W002',
    bad: (s) => {
      delete firstTripUpdate(s).vehicle;
    },
  },
  {
    code: 'W003',
    bad: (s) => {
      s.vehicles = [
        { ...firstVehicle(s), trip: { tripId: 'T2', routeId: 'R1', directionId: 1 }, vehicle: { id: 'V7' } },
      ];
    },
    times: 4,
  },
  {
    code: 'W004',
    bad: (s) => {
      firstVehicle(s).position = { latitude: 37.005, longitude: -122, speed: 40 };
    },
    good: (s) => {
      firstVehicle(s).position = { latitude: 37.005, longitude: -122, speed: 25 };
    },
  },
  {
    code: 'W005',
    bad: (s) => {
      frequencyTrip(s, 'TF0');
      delete firstTripUpdate(s).vehicle;
    },
    good: (s) => frequencyTrip(s, 'TF0'),
  },
  {
    code: 'W006',
    bad: (s) => {
      firstVehicle(s).trip = { routeId: 'R1' };
    },
  },
  {
    code: 'W007',
    bad: (s) => {
      const earlier = cleanScenario();
      earlier.header.timestamp = NOW - 60;
      s.previous = feedOf(earlier);
    },
    good: (s) => {
      const earlier = cleanScenario();
      earlier.header.timestamp = NOW - 30;
      s.previous = feedOf(earlier);
    },
  },
  {
    code: 'W008',
    bad: (s) => {
      s.nowS = NOW + 100;
    },
    good: (s) => {
      s.nowS = NOW + 60;
    },
  },
  {
    code: 'W009',
    // The trip, and the stop_time_updates once per trip update (both lack it here).
    times: 2,
    bad: (s) => {
      delete firstTripUpdate(s).trip.scheduleRelationship;
      for (const update of stopTimeUpdates(s)) delete update.scheduleRelationship;
    },
  },
  {
    code: 'W009',
    // Vehicle and alert trip descriptors too.
    times: 2,
    bad: (s) => {
      delete firstVehicle(s).trip?.scheduleRelationship;
      firstAlert(s).informedEntity = [{ trip: { tripId: 'T1' } }];
    },
    good: (s) => {
      firstAlert(s).informedEntity = [{ trip: { tripId: 'T1', scheduleRelationship: SCHEDULED } }];
    },
  },
  {
    code: 'W006',
    bad: (s) => {
      firstAlert(s).informedEntity = [
        { trip: { routeId: 'R1', directionId: 0, scheduleRelationship: SCHEDULED } },
      ];
    },
  },
];

describe('validateFeed rules', () => {
  it('finds nothing in the clean scenario', () => {
    const report = check();
    expect(report.errors).toEqual({});
    expect(report.warnings).toEqual({});
    expect(report.entities).toBe(3);
    expect(report.skipped).toEqual(['E017', 'E018', 'W007']);
  });

  it.each(CASES.map((entry, index) => [`${entry.code} #${index}`, entry] as const))('%s', (_, entry) => {
    const bad = check(entry.bad);
    expect(count(bad, entry.code), JSON.stringify(bad.notices)).toBe(entry.times ?? 1);
    const notice = bad.notices.find((item) => item.code === entry.code);
    expect(notice?.severity).toBe(entry.code.startsWith('E') ? 'error' : 'warning');
    expect(notice?.message.length).toBeGreaterThan(10);
    const good = check(entry.good);
    expect(count(good, entry.code), JSON.stringify(good.notices)).toBe(0);
  });

  it('has a test case for every rule in the catalogue', () => {
    const tested = new Set(CASES.map((entry) => entry.code));
    expect(RULES.map((rule) => rule.code).filter((code) => !tested.has(code))).toEqual([]);
  });

  it('skips the time rules without "now" and the pairing rules without both kinds of entity', () => {
    const scenario = cleanScenario();
    delete scenario.nowS;
    scenario.vehicles = [];
    const report = validateFeed(build(scenario));
    expect(report.skipped).toEqual(['E017', 'E018', 'E047', 'E050', 'W003', 'W007', 'W008']);
  });

  it('keeps counting past the notice limit', () => {
    const scenario = cleanScenario();
    for (let i = 0; i < 5; i++)
      stopTimeUpdates(scenario).push({ stopSequence: 20 + i, arrival: { time: T0 + 3000 + i } });
    const report = validateFeed({ ...build(scenario), maxNoticesPerCode: 2 });
    expect(report.errors.E051).toBe(5);
    expect(report.notices.filter((notice) => notice.code === 'E051')).toHaveLength(2);
  });
});
