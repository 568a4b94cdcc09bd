/**
 * Typed rows of a GTFS static feed. Field names follow the GTFS column names in camelCase; optional
 * GTFS columns are optional properties (absent when the column or the value is missing). Times of
 * day are seconds since the start of the service day ("noon minus 12 h"), so 25:10:00 is 90600.
 */

export interface Agency {
  agencyId?: string;
  agencyName: string;
  agencyUrl?: string;
  agencyTimezone: string;
  agencyLang?: string;
}

/** GTFS location_type: 0 stop/platform, 1 station, 2 entrance, 3 generic node, 4 boarding area. */
export type LocationType = 0 | 1 | 2 | 3 | 4;

/** GTFS accessibility tri-state: 0 unknown (or inherit), 1 yes, 2 no. */
export type Accessibility = 0 | 1 | 2;

export interface Stop {
  stopId: string;
  stopCode?: string;
  stopName: string;
  stopLat: number;
  stopLon: number;
  locationType: LocationType;
  parentStation?: string;
  wheelchairBoarding: Accessibility;
  platformCode?: string;
}

export interface Route {
  routeId: string;
  agencyId?: string;
  routeShortName?: string;
  routeLongName?: string;
  routeType: number;
  routeColor?: string;
}

export interface Trip {
  routeId: string;
  serviceId: string;
  tripId: string;
  tripHeadsign?: string;
  tripShortName?: string;
  directionId?: 0 | 1;
  blockId?: string;
  shapeId?: string;
  wheelchairAccessible: Accessibility;
  bikesAllowed: Accessibility;
}

/** GTFS pickup_type / drop_off_type: 0 regular, 1 none, 2 phone agency, 3 coordinate with driver. */
export type StopService = 0 | 1 | 2 | 3;

export interface StopTime {
  tripId: string;
  /** Absent for stops between timepoints; consumers interpolate. */
  arrivalTime?: number;
  departureTime?: number;
  stopId: string;
  stopSequence: number;
  stopHeadsign?: string;
  pickupType: StopService;
  dropOffType: StopService;
  shapeDistTraveled?: number;
  /** 1 exact (the default when times are present), 0 approximate. */
  timepoint?: 0 | 1;
}

export interface Calendar {
  serviceId: string;
  /** Monday first: [mon, tue, wed, thu, fri, sat, sun]. */
  days: readonly [boolean, boolean, boolean, boolean, boolean, boolean, boolean];
  startDate: string;
  endDate: string;
}

export interface CalendarDate {
  serviceId: string;
  date: string;
  /** 1 service added on the date, 2 service removed. */
  exceptionType: 1 | 2;
}

export interface ShapePoint {
  shapeId: string;
  lat: number;
  lon: number;
  sequence: number;
  distTraveled?: number;
}

export interface Frequency {
  tripId: string;
  startTime: number;
  endTime: number;
  headwaySecs: number;
  /** 0 headway-based (times are not exact), 1 schedule-based. */
  exactTimes: 0 | 1;
}

/** GTFS transfer_type: 0 recommended, 1 timed, 2 minimum time, 3 not possible, 4/5 in-seat. */
export interface Transfer {
  fromStopId: string;
  toStopId: string;
  transferType: 0 | 1 | 2 | 3 | 4 | 5;
  minTransferTime?: number;
  fromRouteId?: string;
  toRouteId?: string;
  fromTripId?: string;
  toTripId?: string;
}

export interface FeedInfo {
  feedPublisherName: string;
  feedPublisherUrl?: string;
  feedLang?: string;
  feedStartDate?: string;
  feedEndDate?: string;
  feedVersion?: string;
}

/** A problem in the feed, tied to a file and a 1-based line (0 when it concerns the whole file). */
export interface GtfsIssue {
  file: string;
  line: number;
  message: string;
  /** 'error' rows were skipped; 'warning' rows were loaded with a default. */
  severity: 'error' | 'warning';
}

export interface GtfsFeed {
  agencies: Agency[];
  stops: Stop[];
  routes: Route[];
  trips: Trip[];
  /** In file order; not sorted. */
  stopTimes: StopTime[];
  calendars: Calendar[];
  calendarDates: CalendarDate[];
  shapes: ShapePoint[];
  frequencies: Frequency[];
  transfers: Transfer[];
  feedInfo?: FeedInfo;
  /** Names of the files found in the archive. */
  files: string[];
  /** SHA-256 (hex) of the archive bytes, a stable version when feed_info.txt has none. */
  contentHash: string;
  issues: GtfsIssue[];
}
