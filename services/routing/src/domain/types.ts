/**
 * The routing domain's public types: the contract the service layer codes against. Times are
 * seconds since the start of the GTFS service day (noon minus 12 h, local time), the unit the
 * timetable is stored in; the service converts them to instants with `serviceDayStart` from
 * `@mobility/gtfs`. Distances are metres, speeds metres per second.
 */

export interface TimetableOptions {
  /** Keep only trips running on this service day (YYYYMMDD); default: every trip of the feed. */
  serviceDate?: string;
  /** Walking speed used for footpaths when a request gives none; default 1.33 m/s. */
  walkSpeedMps?: number;
  /** Stops closer than this (straight line) are linked by a footpath; default 400 m. */
  footpathRadiusM?: number;
  /** Most runs frequencies.txt may add (rows beyond are left out with an issue); default 1,000,000. */
  maxFrequencyRuns?: number;
}

/** Size and load figures of a built timetable. */
export interface TimetableStats {
  stops: number;
  /** GTFS routes. */
  routes: number;
  /** RAPTOR routes: trips sharing a stop sequence and never overtaking one another. */
  patterns: number;
  trips: number;
  stopTimes: number;
  footpaths: number;
  /** Milliseconds spent building the typed arrays (parsing the zip is not included). */
  buildMs: number;
  /** Bytes held by the timetable's typed arrays. */
  bytes: number;
}

export interface FeedSummary {
  publisher: string;
  feedVersion: string;
  timeZone: string;
  /** First and last service day of the calendar, YYYYMMDD ('' when the feed has no calendar). */
  serviceStartDate: string;
  serviceEndDate: string;
}

/** A stop as seen from outside the timetable. */
export interface StopInfo {
  stopId: string;
  name: string;
  lat: number;
  lon: number;
  /** Resolved wheelchair_boarding (children inherit the parent station's value): 0 unknown, 1 yes, 2 no. */
  wheelchairBoarding: 0 | 1 | 2;
}

/** A car park offered for park-and-ride; the caller (parking service data) supplies these. */
export interface ParkAndRideFacility {
  facilityId: string;
  name?: string;
  lat: number;
  lon: number;
  /** Expected free spaces on arrival; undefined = unknown (treated as available). */
  expectedFreeSpaces?: number;
}

export interface ParkAndRideOptions {
  facilities: readonly ParkAndRideFacility[];
  /** Average driving speed on the straight-line distance times 1.3 detour; default 8.3 m/s (30 km/h). */
  driveSpeedMps?: number;
  /** Farthest facility considered (straight line), default 20 000 m. */
  maxDriveM?: number;
  /** Skip facilities whose expectedFreeSpaces is known and below 1. Default true. */
  requireFreeSpace?: boolean;
  /** Seconds to park and walk out of the car park; default 120. */
  parkingSeconds?: number;
}

/** Where a journey starts or ends. A station's stop_id means any of its platforms. */
export type Place =
  | { kind: 'stop'; stopId: string }
  | { kind: 'point'; lat: number; lon: number; name?: string };

export interface JourneyRequest {
  from: Place;
  to: Place;
  /** Service day, YYYYMMDD. */
  serviceDate: string;
  /** Leave at or after (seconds since service-day start). Exactly one of departAt / arriveBy. */
  departAt?: number;
  /** Arrive at or before (seconds since service-day start): answered by a reverse search. */
  arriveBy?: number;
  /**
   * Range query: every Pareto-optimal journey departing within [departAt, departAt + window]
   * (rRAPTOR). With arriveBy: journeys arriving within [arriveBy - window, arriveBy]. Default 0.
   */
  windowMinutes?: number;
  /** Default 4; at most 8. */
  maxTransfers?: number;
  /** Only stops and trips not known to be inaccessible (unknown = allowed; see README). */
  wheelchair?: boolean;
  /** Longest single walking leg (access, transfer or egress); default 1000 m. */
  maxWalkM?: number;
  /** Default: the timetable's walking speed. */
  walkSpeedMps?: number;
  /** Ignore the realtime overlay even when one is passed. */
  ignoreRealtime?: boolean;
  /** When present, park-and-ride itineraries are planned as well (and returned alongside). */
  parkAndRide?: ParkAndRideOptions;
}

/** One end of a leg. */
export interface LegPlace {
  name: string;
  lat: number;
  lon: number;
  stopId?: string;
  facilityId?: string;
}

export interface WalkLeg {
  mode: 'walk';
  from: LegPlace;
  to: LegPlace;
  departure: number;
  arrival: number;
  distanceM: number;
}

export interface TransitLeg {
  mode: 'transit';
  from: LegPlace;
  to: LegPlace;
  routeId: string;
  routeShortName: string;
  tripId: string;
  headsign: string;
  fromStopId: string;
  toStopId: string;
  fromStopSequence: number;
  toStopSequence: number;
  /** Times used for planning: predicted when `realtime`, scheduled otherwise. */
  departure: number;
  arrival: number;
  scheduledDeparture: number;
  scheduledArrival: number;
  /** True when this trip carries a realtime prediction for the service day. */
  realtime: boolean;
  /** Stops passed between boarding and alighting (exclusive). */
  intermediateStopIds: string[];
}

export interface DriveLeg {
  mode: 'drive';
  from: LegPlace;
  to: LegPlace;
  departure: number;
  arrival: number;
  distanceM: number;
  facilityId: string;
  expectedFreeSpaces?: number;
}

export type Leg = WalkLeg | TransitLeg | DriveLeg;

export interface Itinerary {
  departure: number;
  arrival: number;
  /** Transit legs minus one (0 when none). */
  transfers: number;
  walkDistanceM: number;
  /** Time spent waiting at stops between legs, seconds. */
  waitSeconds: number;
  /** True when any leg uses realtime times. */
  realtime: boolean;
  /** True for park-and-ride itineraries (the first leg is a drive). */
  parkAndRide: boolean;
  legs: Leg[];
}

/**
 * One trip's prediction, as delivered by the AVL service. Each stop update names the stop by
 * stopSequence (preferred when the trip has it) or stopId; stopSequence 0 with a stopId counts as
 * absent (proto3 cannot tell them apart) and the stopId's first occurrence after the previous
 * update is used. A delay propagates to later stops until the next update, as in GTFS-realtime.
 * Absolute times win over delays; non-finite values or values beyond 4 days are ignored.
 */
export interface TripPrediction {
  tripId: string;
  /** Service day the prediction is for; absent = whichever day is planned. */
  serviceDate?: string;
  cancelled?: boolean;
  stops?: readonly StopTimePrediction[];
  /** When the prediction was made (any clock, e.g. epoch ms); the overlay reports the newest. */
  timestamp?: number;
}

export interface StopTimePrediction {
  stopSequence?: number;
  stopId?: string;
  arrivalDelay?: number;
  departureDelay?: number;
  /** Seconds since service-day start. */
  arrivalTime?: number;
  departureTime?: number;
  /** The vehicle does not serve this stop. */
  skipped?: boolean;
}

export type PlanningErrorCode =
  /** A stop_id the feed does not have. */
  | 'unknown-place'
  /** A coordinate with no stop within walking (or driving) reach. */
  | 'outside-network'
  /** A service day outside the feed's calendar. */
  | 'date-outside-feed'
  /** A request that cannot be answered as asked (both or neither time given, bad numbers). */
  | 'invalid-request';

export class PlanningError extends Error {
  override name = 'PlanningError';
  constructor(
    readonly code: PlanningErrorCode,
    message: string,
  ) {
    super(message);
  }
}
