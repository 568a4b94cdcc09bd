import { type GtfsFeed, readGtfsTexts, serviceDayStart } from '@mobility/gtfs';
import {
  type Alert,
  AlertEffect,
  type FeedEntity,
  type FeedHeader,
  type FeedMessage,
  type StopTimeUpdate,
  type TripDescriptor,
  type ValidateInput,
  type VehicleDescriptor,
  type VehiclePosition,
} from '../src/index.js';

/**
 * A small static GTFS built for the rule tests:
 * - T1 then T2 run block B1 on route R1 (T2 comes back over T1's stops, so B1 revisits stops);
 * - T3 (route R2, no block) visits S1 twice; TNOBLOCK is on R1 without a block;
 * - TF0 / TF1 are frequency-based with exact_times 0 / 1 (06:00-09:00 every 10 min);
 * - TBLANK has no times at S2; ST is a station; shape SH1 runs north from S1 to S3.
 */
export const STATIC_FILES: Record<string, string> = {
  'agency.txt':
    'agency_id,agency_name,agency_url,agency_timezone\nA1,Test Transit,https://example.org,America/Los_Angeles\n',
  'stops.txt':
    'stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n' +
    'ST,Station,37.0,-122.0,1,\nS1,One,37.0,-122.0,0,ST\nS2,Two,37.01,-122.0,0,\nS3,Three,37.02,-122.0,0,\n',
  'routes.txt': 'route_id,agency_id,route_short_name,route_type\nR1,A1,1,3\nR2,A1,2,3\n',
  'trips.txt':
    'route_id,service_id,trip_id,direction_id,block_id,shape_id\n' +
    'R1,WK,T1,0,B1,SH1\nR1,WK,T2,1,B1,SH1\nR2,WK,T3,0,,\nR1,WK,TNOBLOCK,0,,SH1\n' +
    'R1,WK,TF0,0,,SH1\nR1,WK,TF1,0,,SH1\nR1,WK,TBLANK,0,,SH1\n',
  'stop_times.txt':
    'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n' +
    'T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:30,S2,2\nT1,08:20:00,08:20:00,S3,3\n' +
    'T2,09:00:00,09:00:00,S3,1\nT2,09:10:00,09:10:00,S2,2\nT2,09:20:00,09:20:00,S1,3\n' +
    'T3,10:00:00,10:00:00,S1,1\nT3,10:10:00,10:10:00,S2,2\nT3,10:20:00,10:20:00,S1,3\n' +
    'TNOBLOCK,11:00:00,11:00:00,S1,1\nTNOBLOCK,11:10:00,11:10:00,S2,2\n' +
    'TF0,00:00:00,00:00:00,S1,1\nTF0,00:10:00,00:10:00,S2,2\n' +
    'TF1,00:00:00,00:00:00,S1,1\nTF1,00:10:00,00:10:00,S2,2\n' +
    'TBLANK,08:00:00,08:00:00,S1,1\nTBLANK,,,S2,2\nTBLANK,08:20:00,08:20:00,S3,3\n',
  'calendar.txt':
    'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,1,1,20260101,20261231\n',
  'frequencies.txt':
    'trip_id,start_time,end_time,headway_secs,exact_times\nTF0,06:00:00,09:00:00,600,0\nTF1,06:00:00,09:00:00,600,1\n',
  'shapes.txt':
    'shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nSH1,37.0,-122.0,1\nSH1,37.01,-122.0,2\nSH1,37.02,-122.0,3\n',
};

export function staticGtfs(edit?: (files: Record<string, string>) => void): GtfsFeed {
  const files = { ...STATIC_FILES };
  edit?.(files);
  return readGtfsTexts(new Map(Object.entries(files)));
}

export const GTFS = staticGtfs();
export const DATE = '20260601';
/** 08:00 local on DATE, the scheduled start of T1. */
export const T0 = serviceDayStart(DATE, 'America/Los_Angeles') / 1000 + 8 * 3600;
/** The header timestamp of the scenario: five minutes into T1. */
export const NOW = T0 + 300;

export interface TestTripUpdate {
  trip: TripDescriptor;
  vehicle?: VehicleDescriptor;
  timestamp?: number;
  delay?: number;
  stopTimeUpdate: StopTimeUpdate[];
}

/** A feed under construction; `build()` turns it into validateFeed's input. */
export interface Scenario {
  header: FeedHeader;
  tripUpdates: TestTripUpdate[];
  vehicles: VehiclePosition[];
  alerts: Alert[];
  /** Entity fields added to every entity (e.g. is_deleted). */
  entityExtras: Partial<FeedEntity>;
  gtfs: GtfsFeed;
  nowS?: number;
  previous?: FeedMessage;
  companion?: FeedMessage;
}

export function t1Trip(): TripDescriptor {
  return {
    tripId: 'T1',
    routeId: 'R1',
    directionId: 0,
    startTime: '08:00:00',
    startDate: DATE,
    scheduleRelationship: 0,
  };
}

/** A clean scenario: one trip update, one vehicle and one alert that break no rule. */
export function cleanScenario(): Scenario {
  return {
    header: { gtfsRealtimeVersion: '2.0', incrementality: 0, timestamp: NOW },
    tripUpdates: [
      {
        trip: t1Trip(),
        vehicle: { id: 'V1' },
        timestamp: NOW - 10,
        stopTimeUpdate: [
          {
            stopSequence: 2,
            stopId: 'S2',
            arrival: { time: T0 + 600 },
            departure: { time: T0 + 630 },
            scheduleRelationship: 0,
          },
          { stopSequence: 3, stopId: 'S3', arrival: { time: T0 + 1200 }, scheduleRelationship: 0 },
        ],
      },
    ],
    vehicles: [
      {
        trip: t1Trip(),
        vehicle: { id: 'V1' },
        position: { latitude: 37.005, longitude: -122.0, bearing: 0, speed: 10 },
        timestamp: NOW - 5,
        stopId: 'S2',
      },
    ],
    alerts: [
      {
        informedEntity: [{ routeId: 'R1', agencyId: 'A1' }],
        activePeriod: [{ start: NOW - 3600, end: NOW + 3600 }],
        effect: AlertEffect.SIGNIFICANT_DELAYS,
      },
    ],
    entityExtras: {},
    gtfs: GTFS,
    nowS: NOW,
  };
}

export function feedOf(scenario: Scenario): FeedMessage {
  return {
    header: scenario.header,
    entity: [
      ...scenario.tripUpdates.map((tripUpdate, i) => ({
        id: `tu${i}`,
        tripUpdate,
        ...scenario.entityExtras,
      })),
      ...scenario.vehicles.map((vehicle, i) => ({ id: `vp${i}`, vehicle, ...scenario.entityExtras })),
      ...scenario.alerts.map((alert, i) => ({ id: `al${i}`, alert, ...scenario.entityExtras })),
    ],
  };
}

export function build(scenario: Scenario): ValidateInput {
  return {
    feed: feedOf(scenario),
    gtfs: scenario.gtfs,
    ...(scenario.nowS === undefined ? {} : { nowS: scenario.nowS }),
    ...(scenario.previous ? { previous: scenario.previous } : {}),
    ...(scenario.companion ? { companion: scenario.companion } : {}),
  };
}

/** The first trip update / vehicle / alert of a scenario (they exist in the clean one). */
export const firstTripUpdate = (s: Scenario): TestTripUpdate => s.tripUpdates[0] as TestTripUpdate;
export const firstVehicle = (s: Scenario): VehiclePosition => s.vehicles[0] as VehiclePosition;
export const firstAlert = (s: Scenario): Alert => s.alerts[0] as Alert;
export const stopTimeUpdates = (s: Scenario): StopTimeUpdate[] => firstTripUpdate(s).stopTimeUpdate;
