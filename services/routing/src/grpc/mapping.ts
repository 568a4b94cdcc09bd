import type { GeoPoint } from '@mobility/contracts/common/v1/geo';
import type {
  Itinerary,
  Leg,
  Location,
  PlanJourneyRequest,
  Place as ProtoPlace,
  RoutingNotice,
} from '@mobility/contracts/routing/v1/service';
import { durationFromMs } from '@mobility/contracts/wkt';
import { InvalidArgumentError } from '@mobility/runtime';
import {
  type Itinerary as DomainItinerary,
  type Leg as DomainLeg,
  type Place as DomainPlace,
  type JourneyRequest,
  type LegPlace,
  type ParkAndRideFacility,
  PlanningError,
  type Timetable,
} from '../domain/index.js';
import { instantOf, localDate, type ServiceDay, secondsInto, serviceDay } from './time.js';

export const DEFAULT_MAX_ITINERARIES = 3;
export const DEFAULT_MAX_WALK_M = 1000;
/** The domain's own ceiling; asking for more is a caller error, not something to clamp silently. */
export const MAX_TRANSFERS_LIMIT = 8;
/**
 * Largest max_walk_distance_m a caller may ask for. The stop-grid scan behind every walking leg
 * costs radius^2, and PlanJourney is open to the public role: an unbounded radius (4294967295 m)
 * would hang the process. 5 km is already more than an hour's walk.
 */
export const MAX_WALK_DISTANCE_LIMIT_M = 5000;
/** Largest park_and_ride.max_drive_distance_m; the same grid scan and the same reason. */
export const MAX_DRIVE_DISTANCE_LIMIT_M = 100_000;
/**
 * Before this many seconds into a service day, the previous service day is searched too: its
 * after-midnight trips (GTFS times past 24:00:00) run at the same clock time.
 */
export const PREVIOUS_DAY_OVERLAP_S = 6 * 3600;
/** Seconds of walking add this much again to the cost: riders prefer sitting to walking. */
const WALK_COST_FACTOR = 1;
/** Cost of one transfer, seconds-equivalent. */
const TRANSFER_COST_S = 300;

/** A car park the planner may use, as the parking side of the service knows it. */
export interface ParkAndRideCandidate {
  readonly facilityId: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly expectedFree: number | undefined;
}

export interface PlanContext {
  readonly timetable: Timetable;
  readonly now: Date;
  /** Minutes of departure (or arrival) window each search covers, for several options. */
  readonly searchWindowMinutes: number;
  /** Car parks worth driving to now; called only when the request asks for park-and-ride. */
  readonly parkAndRide: (requireFreeSpace: boolean) => readonly ParkAndRideCandidate[];
}

/** One domain search: a journey request on one service day. */
export interface DaySearch {
  readonly day: ServiceDay;
  readonly request: JourneyRequest;
}

/** Everything the handler needs to run the searches and shape the answer. */
export interface PlanInput {
  readonly searches: readonly DaySearch[];
  readonly arriveBy: boolean;
  readonly maxItineraries: number;
  readonly maxTotalWalkM: number;
  readonly parkAndRideRequested: boolean;
  readonly originName: string;
  readonly destinationName: string;
  readonly notices: RoutingNotice[];
}

export function notice(code: string, message: string): RoutingNotice {
  return { reason: { code, message } };
}

function toDomainPlace(place: ProtoPlace | undefined, role: 'origin' | 'destination'): DomainPlace {
  const location = place?.location;
  if (!location) throw new InvalidArgumentError(`${role} is required: give a stop_id or a coordinate`);
  if (location.$case === 'stopId') {
    const stopId = location.value.trim();
    if (!stopId) throw new InvalidArgumentError(`${role}.stop_id is empty`);
    return { kind: 'stop', stopId };
  }
  const { lat, lon } = location.value;
  if (!(Number.isFinite(lat) && Math.abs(lat) <= 90 && Number.isFinite(lon) && Math.abs(lon) <= 180)) {
    throw new InvalidArgumentError(`${role}.coordinate must have lat in -90..90 and lon in -180..180`);
  }
  return place?.name ? { kind: 'point', lat, lon, name: place.name } : { kind: 'point', lat, lon };
}

/**
 * Turns a PlanJourney request into domain searches. Throws InvalidArgumentError for malformed
 * requests and PlanningError('date-outside-feed') when no searched service day is in the feed.
 */
export function toPlanInput(request: PlanJourneyRequest, context: PlanContext): PlanInput {
  const { timetable } = context;
  const from = toDomainPlace(request.origin, 'origin');
  const to = toDomainPlace(request.destination, 'destination');
  const notices: RoutingNotice[] = [];

  if (request.maxTransfers !== undefined && request.maxTransfers > MAX_TRANSFERS_LIMIT) {
    throw new InvalidArgumentError(`max_transfers must be at most ${MAX_TRANSFERS_LIMIT}`);
  }
  const walkSpeed = request.walkSpeedMps;
  if (!Number.isFinite(walkSpeed) || walkSpeed < 0 || walkSpeed > 5) {
    throw new InvalidArgumentError('walk_speed_mps must be between 0 (default) and 5 m/s');
  }
  if (!(request.maxWalkDistanceM <= MAX_WALK_DISTANCE_LIMIT_M)) {
    throw new InvalidArgumentError(`max_walk_distance_m must be at most ${MAX_WALK_DISTANCE_LIMIT_M} m`);
  }
  const maxDriveM = request.parkAndRide?.maxDriveDistanceM ?? 0;
  if (!(maxDriveM <= MAX_DRIVE_DISTANCE_LIMIT_M)) {
    throw new InvalidArgumentError(
      `park_and_ride.max_drive_distance_m must be at most ${MAX_DRIVE_DISTANCE_LIMIT_M} m`,
    );
  }
  const maxTotalWalkM = request.maxWalkDistanceM || DEFAULT_MAX_WALK_M;
  const maxItineraries = request.maxItineraries || DEFAULT_MAX_ITINERARIES;

  const arriveBy = request.time?.$case === 'arriveBy';
  const atMs = (request.time?.value ?? context.now).getTime();
  if (!Number.isFinite(atMs)) throw new InvalidArgumentError('depart_at / arrive_by is not a valid instant');

  let parkAndRide: JourneyRequest['parkAndRide'];
  const parkAndRideRequested = request.parkAndRide?.enabled === true;
  if (request.parkAndRide?.enabled) {
    const options = request.parkAndRide;
    const candidates = context.parkAndRide(options.requireFreeSpace);
    if (candidates.length === 0) {
      notices.push(
        notice(
          'park_and_ride_unavailable',
          options.requireFreeSpace
            ? 'no car park is known to have free spaces; showing transit only'
            : 'no car park is available for park-and-ride; showing transit only',
        ),
      );
    } else {
      parkAndRide = {
        facilities: candidates.map(
          (site): ParkAndRideFacility => ({
            facilityId: site.facilityId,
            name: site.name,
            lat: site.lat,
            lon: site.lon,
            ...(site.expectedFree === undefined ? {} : { expectedFreeSpaces: site.expectedFree }),
          }),
        ),
        requireFreeSpace: true,
        ...(options.maxDriveDistanceM ? { maxDriveM: options.maxDriveDistanceM } : {}),
      };
    }
  }

  const timeZone = timetable.summary.timeZone;
  const today = serviceDay(localDate(atMs, timeZone), timeZone);
  const days = [today];
  if (secondsInto(today, atMs) < PREVIOUS_DAY_OVERLAP_S) {
    // Noon of the previous calendar day names that day whatever the DST shift.
    days.push(serviceDay(localDate(today.startMs - 12 * 3_600_000, timeZone), timeZone));
  }
  const served = days.filter((day) => timetable.servesDate(day.date));
  if (served.length === 0) {
    const { serviceStartDate, serviceEndDate } = timetable.summary;
    throw new PlanningError(
      'date-outside-feed',
      `${today.date} is outside the timetable's service days (${serviceStartDate}..${serviceEndDate})`,
    );
  }

  const searches = served.flatMap((day): DaySearch[] => {
    let seconds = secondsInto(day, atMs);
    // On the day clocks go back, the service day's origin (noon - 12 h) is 01:00 local, so an
    // instant between 00:00 and 01:00 lies before it. The previous service day (always searched
    // then) covers that instant; this day can still be departed from at its origin (leaving later
    // than asked is allowed) but nothing on it arrives before its origin.
    if (seconds < 0) {
      if (arriveBy) return [];
      seconds = 0;
    }
    return [
      {
        day,
        request: {
          from,
          to,
          serviceDate: day.date,
          // Round towards the constraint: never leave before depart_at nor arrive after arrive_by.
          ...(arriveBy ? { arriveBy: Math.floor(seconds) } : { departAt: Math.ceil(seconds) }),
          windowMinutes: context.searchWindowMinutes,
          ...(request.maxTransfers === undefined ? {} : { maxTransfers: request.maxTransfers }),
          wheelchair: request.wheelchairAccessible,
          // The domain bounds each walking leg; the total is enforced on the results (selectItineraries).
          maxWalkM: maxTotalWalkM,
          ...(walkSpeed > 0 ? { walkSpeedMps: walkSpeed } : {}),
          ignoreRealtime: request.ignoreRealtime,
          ...(parkAndRide ? { parkAndRide } : {}),
        },
      },
    ];
  });

  return {
    searches,
    arriveBy,
    maxItineraries,
    maxTotalWalkM,
    parkAndRideRequested,
    originName: request.origin?.name ?? '',
    destinationName: request.destination?.name ?? '',
    notices,
  };
}

interface Found {
  readonly day: ServiceDay;
  readonly itinerary: DomainItinerary;
}

function walkSeconds(itinerary: DomainItinerary): number {
  return itinerary.legs
    .filter((leg) => leg.mode === 'walk')
    .reduce((sum, leg) => sum + (leg.arrival - leg.departure), 0);
}

/** Lower is better: travel time, walking counted again, and a fixed penalty per transfer. */
export function generalizedCost(itinerary: DomainItinerary): number {
  return (
    itinerary.arrival -
    itinerary.departure +
    WALK_COST_FACTOR * walkSeconds(itinerary) +
    TRANSFER_COST_S * itinerary.transfers
  );
}

const absolute = (found: Found, seconds: number) => found.day.startMs + seconds * 1000;

/** Another option is at least as good in every respect (leaves no earlier, arrives no later, fewer or equal transfers). */
function dominates(a: Found, b: Found): boolean {
  const [x, y] = [a.itinerary, b.itinerary];
  const better =
    absolute(a, x.departure) >= absolute(b, y.departure) &&
    absolute(a, x.arrival) <= absolute(b, y.arrival) &&
    x.transfers <= y.transfers;
  const same =
    absolute(a, x.departure) === absolute(b, y.departure) &&
    absolute(a, x.arrival) === absolute(b, y.arrival) &&
    x.transfers === y.transfers;
  return better && !same;
}

/**
 * Best first, cut to maxItineraries: results of several service days are merged and dominated
 * options dropped (within transit-only and within park-and-ride, so a park-and-ride option asked
 * for is never hidden by a faster transit one). Itineraries walking more than the total limit are
 * removed, with a notice when that empties the answer.
 */
export function selectItineraries(
  found: readonly Found[],
  input: Pick<PlanInput, 'arriveBy' | 'maxItineraries' | 'maxTotalWalkM' | 'parkAndRideRequested'>,
): { kept: Found[]; notices: RoutingNotice[] } {
  const notices: RoutingNotice[] = [];
  const walkable = found.filter((entry) => entry.itinerary.walkDistanceM <= input.maxTotalWalkM + 1e-6);
  const pareto = walkable.filter(
    (entry) =>
      !walkable.some(
        (other) =>
          other !== entry &&
          other.itinerary.parkAndRide === entry.itinerary.parkAndRide &&
          dominates(other, entry),
      ),
  );
  const order = (a: Found, b: Found) => {
    const [x, y] = [a.itinerary, b.itinerary];
    const primary = input.arriveBy
      ? absolute(b, y.departure) - absolute(a, x.departure)
      : absolute(a, x.arrival) - absolute(b, y.arrival);
    return primary || x.transfers - y.transfers || generalizedCost(x) - generalizedCost(y);
  };
  const sorted = [...pareto].sort(order);
  const kept = sorted.slice(0, input.maxItineraries);
  if (input.parkAndRideRequested && !kept.some((entry) => entry.itinerary.parkAndRide)) {
    const bestParkAndRide = sorted.find((entry) => entry.itinerary.parkAndRide);
    if (bestParkAndRide) kept.splice(Math.max(0, input.maxItineraries - 1), 1, bestParkAndRide);
  }
  if (kept.length === 0) {
    notices.push(
      found.length > walkable.length
        ? notice(
            'walk_limit_exceeded',
            `every journey found walks more than ${input.maxTotalWalkM} m in total; raise max_walk_distance_m`,
          )
        : notice('no_journey', 'no journey connects origin and destination at that time'),
    );
  }
  return { kept, notices };
}

function toLocation(place: LegPlace, label?: string): Location {
  const coordinate: GeoPoint = { lat: place.lat, lon: place.lon };
  return {
    name: label || place.name,
    coordinate,
    stopId: place.stopId ?? '',
    facilityId: place.facilityId ?? '',
  };
}

function toLeg(leg: DomainLeg, day: ServiceDay, labels: { from?: string; to?: string }): Leg {
  const common = {
    startTime: instantOf(day, leg.departure),
    endTime: instantOf(day, leg.arrival),
    from: toLocation(leg.from, labels.from),
    to: toLocation(leg.to, labels.to),
    geometryPolyline: '',
  };
  switch (leg.mode) {
    case 'walk':
      return { ...common, mode: { $case: 'walk', value: { distanceM: leg.distanceM } } };
    case 'drive':
      return {
        ...common,
        mode: {
          $case: 'drive',
          value: {
            distanceM: leg.distanceM,
            facilityId: leg.facilityId,
            expectedFreeOnArrival: leg.expectedFreeSpaces ?? 0,
          },
        },
      };
    case 'transit':
      return {
        ...common,
        mode: {
          $case: 'transit',
          value: {
            routeId: leg.routeId,
            routeShortName: leg.routeShortName,
            tripId: leg.tripId,
            serviceDate: day.date,
            headsign: leg.headsign,
            boardStopId: leg.fromStopId,
            boardStopSequence: leg.fromStopSequence,
            alightStopId: leg.toStopId,
            alightStopSequence: leg.toStopSequence,
            scheduledDeparture: instantOf(day, leg.scheduledDeparture),
            scheduledArrival: instantOf(day, leg.scheduledArrival),
            realtime: leg.realtime,
            departureDelayS: leg.realtime ? Math.round(leg.departure - leg.scheduledDeparture) : 0,
            arrivalDelayS: leg.realtime ? Math.round(leg.arrival - leg.scheduledArrival) : 0,
            intermediateStopCount: leg.intermediateStopIds.length,
          },
        },
      };
  }
}

/** A domain itinerary on a service day as the contract's Itinerary; the caller's labels name the ends. */
export function toItinerary(
  itinerary: DomainItinerary,
  day: ServiceDay,
  labels: { origin?: string; destination?: string } = {},
): Itinerary {
  const last = itinerary.legs.length - 1;
  const legs = itinerary.legs.map((leg, index) => {
    const legLabels: { from?: string; to?: string } = {};
    if (index === 0 && labels.origin) legLabels.from = labels.origin;
    if (index === last && labels.destination) legLabels.to = labels.destination;
    return toLeg(leg, day, legLabels);
  });
  return {
    departureTime: instantOf(day, itinerary.departure),
    arrivalTime: instantOf(day, itinerary.arrival),
    duration: durationFromMs((itinerary.arrival - itinerary.departure) * 1000),
    transfers: itinerary.transfers,
    walkDistanceM: itinerary.walkDistanceM,
    waitTimeS: Math.max(0, Math.round(itinerary.waitSeconds)),
    legs,
    realtime: itinerary.realtime,
    generalizedCost: generalizedCost(itinerary),
  };
}
