import { isGtfsDate } from '@mobility/gtfs';
import { haversineMetres, walkSeconds } from './geo.js';
import {
  type Access,
  type BlockSource,
  type Found,
  MAX_TRIPS,
  RaptorEngine,
  type SearchSpec,
  type Segment,
} from './raptor.js';
import type { RealtimeOverlay } from './realtime.js';
import type { Timetable } from './timetable.js';
import {
  type Itinerary,
  type JourneyRequest,
  type Leg,
  type LegPlace,
  type ParkAndRideFacility,
  type Place,
  PlanningError,
  type TransitLeg,
} from './types.js';

const DEFAULT_MAX_TRANSFERS = 4;
const DEFAULT_MAX_WALK_M = 1000;
/** Straight-line distance times this is the assumed road distance to a car park. */
const ROAD_DETOUR = 1.3;
const DEFAULT_DRIVE_SPEED = 8.3;
const DEFAULT_MAX_DRIVE_M = 20_000;
const DEFAULT_PARKING_SECONDS = 120;
/**
 * Ceilings of the walking and driving radii. Every access, egress and car-park lookup scans the
 * stop grid over a square of side 2 x radius, so the cost grows with radius^2; an absurd radius
 * would stall the process. Far above anything a rider walks or the planner's drive estimate means.
 */
export const MAX_WALK_LIMIT_M = 10_000;
export const MAX_DRIVE_LIMIT_M = 200_000;

/** One way into or out of the network, as the caller's place sees it. */
interface AccessOption {
  stop: number;
  seconds: number;
  exact: boolean;
  walkM: number;
  drive?: { facility: ParkAndRideFacility; distanceM: number; seconds: number; parkSeconds: number };
}

interface Query {
  timetable: Timetable;
  request: JourneyRequest;
  overlay: RealtimeOverlay | undefined;
  walkSpeedMps: number;
  from: LegPlace;
  to: LegPlace;
}

const engines = new WeakMap<Timetable, RaptorEngine>();
const accessibleMasks = new WeakMap<Uint8Array, Uint8Array>();

/**
 * Pareto-optimal itineraries over arrival time and transfers (and departure time for range
 * queries). depart-at: earliest arrival first. arrive-by: answered by RAPTOR on the mirrored
 * timetable (a latest-departure search), latest departure first. With windowMinutes: rRAPTOR over
 * the window, earliest departure first. Park-and-ride itineraries, when asked for, are planned by
 * a second search whose sources are the car parks and are returned after the others.
 * Throws PlanningError for requests that cannot be asked; returns [] when no journey exists.
 */
export function planJourneys(
  timetable: Timetable,
  request: JourneyRequest,
  realtime?: RealtimeOverlay,
): Itinerary[] {
  validate(timetable, request);
  const walkSpeedMps = request.walkSpeedMps ?? timetable.walkSpeedMps;
  const maxWalkM = request.maxWalkM ?? DEFAULT_MAX_WALK_M;
  const overlay = request.ignoreRealtime ? undefined : realtime;
  const query: Query = {
    timetable,
    request,
    overlay,
    walkSpeedMps,
    from: legPlace(timetable, request.from, 'Origin'),
    to: legPlace(timetable, request.to, 'Destination'),
  };
  const origins = accessOptions(timetable, request.from, maxWalkM, walkSpeedMps);
  const destinations = accessOptions(timetable, request.to, maxWalkM, walkSpeedMps);
  const parkAndRide = request.parkAndRide
    ? parkAndRideOptions(timetable, request, maxWalkM, walkSpeedMps)
    : [];
  const direct = directWalk(request, maxWalkM);
  if (origins.length === 0 && parkAndRide.length === 0 && direct === undefined) {
    throw new PlanningError('outside-network', `no stop within ${maxWalkM} m of the origin`);
  }
  if (destinations.length === 0 && direct === undefined) {
    throw new PlanningError('outside-network', `no stop within ${maxWalkM} m of the destination`);
  }
  if (
    origins.length === 1 &&
    destinations.length === 1 &&
    origins[0]?.exact &&
    destinations[0]?.exact &&
    origins[0].stop === destinations[0].stop
  ) {
    throw new PlanningError('invalid-request', 'origin and destination are the same stop');
  }

  let engine = engines.get(timetable);
  if (!engine) {
    engine = new RaptorEngine(timetable).bindTripPattern(timetable.tripPattern);
    engines.set(timetable, engine);
  }
  const usable = usableTrips(timetable, request);
  const maxTrips = Math.min(request.maxTransfers ?? DEFAULT_MAX_TRANSFERS, MAX_TRIPS - 1) + 1;
  const run = (sources: AccessOption[]) =>
    search(engine, query, usable, sources, destinations, maxTrips, maxWalkM);
  const plain = origins.length > 0 && destinations.length > 0 ? run(origins) : [];
  if (direct !== undefined) plain.push(walkOnly(query, direct));
  const itineraries = paretoFilter(plain, request);
  if (parkAndRide.length > 0 && destinations.length > 0)
    itineraries.push(...paretoFilter(run(parkAndRide), request));
  return itineraries;
}

function validate(timetable: Timetable, request: JourneyRequest): void {
  if (!isGtfsDate(request.serviceDate))
    throw new PlanningError('invalid-request', `serviceDate must be YYYYMMDD, got ${request.serviceDate}`);
  if (!timetable.servesDate(request.serviceDate)) {
    const { serviceStartDate, serviceEndDate } = timetable.summary;
    throw new PlanningError(
      'date-outside-feed',
      `${request.serviceDate} is outside the feed (${serviceStartDate}..${serviceEndDate})`,
    );
  }
  if ((request.departAt === undefined) === (request.arriveBy === undefined)) {
    throw new PlanningError('invalid-request', 'give exactly one of departAt and arriveBy');
  }
  const time = request.departAt ?? request.arriveBy;
  if (!Number.isFinite(time) || (time as number) < 0 || (time as number) > 4 * 86_400) {
    throw new PlanningError('invalid-request', 'time must be seconds since service-day start, 0..345600');
  }
  const nonNegative = {
    windowMinutes: request.windowMinutes,
    maxTransfers: request.maxTransfers,
    maxWalkM: request.maxWalkM,
  };
  for (const [name, value] of Object.entries(nonNegative)) {
    if (value !== undefined && !(value >= 0 && Number.isFinite(value)))
      throw new PlanningError('invalid-request', `${name} must be a non-negative number`);
  }
  if (request.maxWalkM !== undefined && request.maxWalkM > MAX_WALK_LIMIT_M)
    throw new PlanningError('invalid-request', `maxWalkM must be at most ${MAX_WALK_LIMIT_M} m`);
  const maxDriveM = request.parkAndRide?.maxDriveM;
  if (maxDriveM !== undefined && !(maxDriveM >= 0 && maxDriveM <= MAX_DRIVE_LIMIT_M))
    throw new PlanningError('invalid-request', `maxDriveM must be between 0 and ${MAX_DRIVE_LIMIT_M} m`);
  if (request.walkSpeedMps !== undefined && !(request.walkSpeedMps > 0))
    throw new PlanningError('invalid-request', 'walkSpeedMps must be positive');
  for (const place of [request.from, request.to]) {
    if (place.kind === 'point' && !(Math.abs(place.lat) <= 90 && Math.abs(place.lon) <= 180)) {
      throw new PlanningError('invalid-request', `coordinate out of range: ${place.lat},${place.lon}`);
    }
  }
}

function stopsOf(timetable: Timetable, stopId: string): number[] {
  const index = timetable.stopIndex.get(stopId);
  if (index !== undefined) return [index];
  const children = timetable.stationChildren.get(stopId);
  if (children && children.length > 0) return [...children];
  throw new PlanningError('unknown-place', `unknown stop_id ${stopId}`);
}

function accessOptions(timetable: Timetable, place: Place, maxWalkM: number, speed: number): AccessOption[] {
  if (place.kind === 'stop')
    return stopsOf(timetable, place.stopId).map((stop) => ({ stop, seconds: 0, exact: true, walkM: 0 }));
  const options: AccessOption[] = [];
  timetable.grid.forEachWithin(place.lat, place.lon, maxWalkM, (stop, d) =>
    options.push({ stop, seconds: walkSeconds(d, speed), exact: false, walkM: d }),
  );
  return options;
}

function placePoint(timetable: Timetable, place: Place): { lat: number; lon: number } {
  if (place.kind === 'point') return place;
  const info = timetable.stopInfo(place.stopId);
  if (!info) throw new PlanningError('unknown-place', `unknown stop_id ${place.stopId}`);
  return info;
}

/** Drive to each usable car park, park, then walk to the stops near it; the quickest way per stop. */
function parkAndRideOptions(
  timetable: Timetable,
  request: JourneyRequest,
  maxWalkM: number,
  speed: number,
): AccessOption[] {
  const options = request.parkAndRide;
  if (!options) return [];
  const origin = placePoint(timetable, request.from);
  const driveSpeed = options.driveSpeedMps ?? DEFAULT_DRIVE_SPEED;
  const maxDrive = options.maxDriveM ?? DEFAULT_MAX_DRIVE_M;
  const parkSeconds = options.parkingSeconds ?? DEFAULT_PARKING_SECONDS;
  const best = new Map<number, AccessOption>();
  for (const facility of options.facilities) {
    if (
      (options.requireFreeSpace ?? true) &&
      facility.expectedFreeSpaces !== undefined &&
      facility.expectedFreeSpaces < 1
    )
      continue;
    const straight = haversineMetres(origin.lat, origin.lon, facility.lat, facility.lon);
    if (straight > maxDrive) continue;
    const distanceM = straight * ROAD_DETOUR;
    const driveSeconds = Math.ceil(distanceM / driveSpeed);
    timetable.grid.forEachWithin(facility.lat, facility.lon, maxWalkM, (stop, d) => {
      const seconds = driveSeconds + parkSeconds + walkSeconds(d, speed);
      const current = best.get(stop);
      if (!current || seconds < current.seconds) {
        best.set(stop, {
          stop,
          seconds,
          exact: false,
          walkM: d,
          drive: { facility, distanceM, seconds: driveSeconds, parkSeconds },
        });
      }
    });
  }
  return [...best.values()];
}

function directWalk(request: JourneyRequest, maxWalkM: number): number | undefined {
  if (request.from.kind !== 'point' || request.to.kind !== 'point') return undefined;
  const d = haversineMetres(request.from.lat, request.from.lon, request.to.lat, request.to.lon);
  return d <= maxWalkM ? d : undefined;
}

/** Trips that may be ridden: running that day and, for wheelchair requests, not known to be inaccessible. */
function usableTrips(timetable: Timetable, request: JourneyRequest): Uint8Array {
  const active = timetable.activeTrips(request.serviceDate);
  if (!request.wheelchair) return active;
  let mask = accessibleMasks.get(active);
  if (!mask) {
    mask = active.map((on, t) => (on && timetable.tripWheelchair[t] !== 2 ? 1 : 0));
    accessibleMasks.set(active, mask);
  }
  return mask;
}

function search(
  engine: RaptorEngine,
  query: Query,
  usable: Uint8Array,
  origins: AccessOption[],
  destinations: AccessOption[],
  maxTrips: number,
  maxWalkM: number,
): Itinerary[] {
  const { timetable, request, overlay } = query;
  const backward = request.arriveBy !== undefined;
  const toAccess = (options: AccessOption[]): Access[] =>
    options.map((o, tag) => ({ stop: o.stop, seconds: o.seconds, exact: o.exact, tag }));
  const date = request.serviceDate;
  const realtime: BlockSource | undefined = overlay
    ? { blocks: (p) => overlay.blocks(date, p, backward) }
    : undefined;
  const spec: SearchSpec = {
    net: backward ? timetable.backward : timetable.forward,
    usable,
    realtime,
    sources: toAccess(backward ? destinations : origins),
    targets: toAccess(backward ? origins : destinations),
    maxTrips,
    wheelchair: request.wheelchair ?? false,
    maxWalkM,
    walkSpeedMps: query.walkSpeedMps,
  };
  const start = backward ? -(request.arriveBy as number) : (request.departAt as number);
  const window = Math.round((request.windowMinutes ?? 0) * 60);
  const found = window > 0 ? engine.searchRange(spec, start, window) : engine.search(spec, start);
  return found.map((f) => toItinerary(query, f, origins, destinations, backward));
}

type TravelSegment =
  | { kind: 'origin'; option: AccessOption }
  | { kind: 'destination'; option: AccessOption }
  | { kind: 'walk'; from: number; to: number; distanceM: number; seconds: number }
  | { kind: 'transit'; trip: number; boardPos: number; alightPos: number };

/** Search-direction segments to travel order, undoing the mirror of a backward search. */
function travelOrder(
  found: Found,
  origins: AccessOption[],
  destinations: AccessOption[],
  backward: boolean,
  timetable: Timetable,
): TravelSegment[] {
  const map = (segment: Segment): TravelSegment => {
    switch (segment.kind) {
      case 'access':
        return backward
          ? { kind: 'destination', option: destinations[segment.tag] as AccessOption }
          : { kind: 'origin', option: origins[segment.tag] as AccessOption };
      case 'egress':
        return backward
          ? { kind: 'origin', option: origins[segment.tag] as AccessOption }
          : { kind: 'destination', option: destinations[segment.tag] as AccessOption };
      case 'walk':
        return backward ? { ...segment, from: segment.to, to: segment.from } : segment;
      case 'transit': {
        if (!backward)
          return {
            kind: 'transit',
            trip: segment.trip,
            boardPos: segment.boardPos,
            alightPos: segment.alightPos,
          };
        const net = timetable.forward;
        const len =
          (net.patternStopOffset[segment.pattern + 1] as number) -
          (net.patternStopOffset[segment.pattern] as number);
        return {
          kind: 'transit',
          trip: segment.trip,
          boardPos: len - 1 - segment.alightPos,
          alightPos: len - 1 - segment.boardPos,
        };
      }
    }
  };
  const mapped = found.segments.map(map);
  return backward ? mapped : mapped.reverse();
}

function stopPlace(timetable: Timetable, stop: number): LegPlace {
  const info = timetable.stopAt(stop);
  return { name: info.name, lat: info.lat, lon: info.lon, stopId: info.stopId };
}

function legPlace(timetable: Timetable, place: Place, fallbackName: string): LegPlace {
  if (place.kind === 'point') return { name: place.name ?? fallbackName, lat: place.lat, lon: place.lon };
  const index = timetable.stopIndex.get(place.stopId);
  if (index !== undefined) return stopPlace(timetable, index);
  const info = timetable.stopInfo(place.stopId);
  if (!info) throw new PlanningError('unknown-place', `unknown stop_id ${place.stopId}`);
  return { name: info.name, lat: info.lat, lon: info.lon, stopId: info.stopId };
}

function transitLeg(query: Query, trip: number, boardPos: number, alightPos: number): TransitLeg {
  const { timetable, overlay, request } = query;
  const net = timetable.forward;
  const pattern = timetable.tripPattern[trip] as number;
  const stopBase = net.patternStopOffset[pattern] as number;
  const len = (net.patternStopOffset[pattern + 1] as number) - stopBase;
  const row =
    (net.patternTimeOffset[pattern] as number) + (trip - (net.patternTripOffset[pattern] as number)) * len;
  const entry = overlay?.entryFor(trip, request.serviceDate);
  const board = net.patternStops[stopBase + boardPos] as number;
  const alight = net.patternStops[stopBase + alightPos] as number;
  const route = timetable.tripRoute[trip] as number;
  const intermediate: string[] = [];
  for (let i = boardPos + 1; i < alightPos; i++)
    intermediate.push(timetable.stopIds[net.patternStops[stopBase + i] as number] as string);
  return {
    mode: 'transit',
    from: stopPlace(timetable, board),
    to: stopPlace(timetable, alight),
    routeId: timetable.routeIds[route] ?? '',
    routeShortName: timetable.routeShortNames[route] ?? '',
    tripId: timetable.tripIds[trip] as string,
    headsign: timetable.tripHeadsign[trip] as string,
    fromStopId: timetable.stopIds[board] as string,
    toStopId: timetable.stopIds[alight] as string,
    fromStopSequence: timetable.stopSequence[row + boardPos] as number,
    toStopSequence: timetable.stopSequence[row + alightPos] as number,
    departure: entry ? (entry.dep[boardPos] as number) : (net.dep[row + boardPos] as number),
    arrival: entry ? (entry.arr[alightPos] as number) : (net.arr[row + alightPos] as number),
    scheduledDeparture: net.dep[row + boardPos] as number,
    scheduledArrival: net.arr[row + alightPos] as number,
    realtime: entry !== undefined,
    intermediateStopIds: intermediate,
  };
}

/** Legs without fixed times, as (kind, duration) pieces, placed around the transit legs later. */
interface Piece {
  build(start: number): Leg;
  seconds: number;
}

function accessPieces(query: Query, option: AccessOption, towardsNetwork: boolean): Piece[] {
  if (option.exact) return [];
  const { timetable, walkSpeedMps } = query;
  const stop = stopPlace(timetable, option.stop);
  const place = towardsNetwork ? query.from : query.to;
  const walk = (from: LegPlace, to: LegPlace, distanceM: number): Piece => {
    const seconds = walkSeconds(distanceM, walkSpeedMps);
    return {
      seconds,
      build: (start) => ({ mode: 'walk', from, to, departure: start, arrival: start + seconds, distanceM }),
    };
  };
  if (!option.drive)
    return [towardsNetwork ? walk(place, stop, option.walkM) : walk(stop, place, option.walkM)];
  const { facility, distanceM, seconds, parkSeconds } = option.drive;
  const park: LegPlace = {
    name: facility.name ?? facility.facilityId,
    lat: facility.lat,
    lon: facility.lon,
    facilityId: facility.facilityId,
  };
  const drive: Piece = {
    seconds: seconds + parkSeconds,
    build: (start) => ({
      mode: 'drive',
      from: place,
      to: park,
      departure: start,
      // Parking time is part of the drive leg: the walk out starts once the car is parked.
      arrival: start + seconds + parkSeconds,
      distanceM,
      facilityId: facility.facilityId,
      ...(facility.expectedFreeSpaces !== undefined
        ? { expectedFreeSpaces: facility.expectedFreeSpaces }
        : {}),
    }),
  };
  return [drive, walk(park, stop, option.walkM)];
}

function toItinerary(
  query: Query,
  found: Found,
  origins: AccessOption[],
  destinations: AccessOption[],
  backward: boolean,
): Itinerary {
  const { timetable } = query;
  const segments = travelOrder(found, origins, destinations, backward, timetable);
  // Pieces of fixed duration go between transit legs; transit legs have their own times.
  const parts: Array<Piece | TransitLeg> = [];
  for (const segment of segments) {
    if (segment.kind === 'origin') parts.push(...accessPieces(query, segment.option, true));
    else if (segment.kind === 'destination') parts.push(...accessPieces(query, segment.option, false));
    else if (segment.kind === 'walk') {
      const from = stopPlace(timetable, segment.from);
      const to = stopPlace(timetable, segment.to);
      const { seconds, distanceM } = segment;
      parts.push({
        seconds,
        build: (start) => ({ mode: 'walk', from, to, departure: start, arrival: start + seconds, distanceM }),
      });
    } else parts.push(transitLeg(query, segment.trip, segment.boardPos, segment.alightPos));
  }
  return assemble(query, parts, found.trips);
}

function isTransit(part: Piece | TransitLeg): part is TransitLeg {
  return (part as TransitLeg).mode === 'transit';
}

/** Places walking/driving pieces: those before the first ride end when it leaves, the rest follow the ride before. */
function assemble(query: Query, parts: Array<Piece | TransitLeg>, rides: number): Itinerary {
  const legs: Leg[] = new Array(parts.length);
  const firstRide = parts.findIndex(isTransit);
  if (firstRide < 0) {
    const total = parts.reduce((sum, p) => sum + (p as Piece).seconds, 0);
    let t =
      query.request.arriveBy !== undefined
        ? query.request.arriveBy - total
        : (query.request.departAt as number);
    parts.forEach((p, i) => {
      legs[i] = (p as Piece).build(t);
      t += (p as Piece).seconds;
    });
  } else {
    let t = (parts[firstRide] as TransitLeg).departure;
    for (let i = firstRide - 1; i >= 0; i--) {
      const piece = parts[i] as Piece;
      t -= piece.seconds;
      legs[i] = piece.build(t);
    }
    for (let i = firstRide; i < parts.length; i++) {
      const part = parts[i] as Piece | TransitLeg;
      if (isTransit(part)) {
        legs[i] = part;
        t = part.arrival;
      } else {
        legs[i] = part.build(t);
        t += part.seconds;
      }
    }
  }
  const departure = legs[0]?.departure ?? (query.request.departAt as number);
  const arrival = legs[legs.length - 1]?.arrival ?? departure;
  const moving = legs.reduce((sum, leg) => sum + (leg.arrival - leg.departure), 0);
  return {
    departure,
    arrival,
    transfers: Math.max(0, rides - 1),
    walkDistanceM: legs.reduce((sum, leg) => sum + (leg.mode === 'walk' ? leg.distanceM : 0), 0),
    waitSeconds: Math.max(0, arrival - departure - moving),
    realtime: legs.some((leg) => leg.mode === 'transit' && leg.realtime),
    parkAndRide: legs.some((leg) => leg.mode === 'drive'),
    legs,
  };
}

function walkOnly(query: Query, distanceM: number): Itinerary {
  const seconds = walkSeconds(distanceM, query.walkSpeedMps);
  const piece: Piece = {
    seconds,
    build: (start) => ({
      mode: 'walk',
      from: query.from,
      to: query.to,
      departure: start,
      arrival: start + seconds,
      distanceM,
    }),
  };
  return assemble(query, [piece], 0);
}

/**
 * Keeps itineraries no other beats on every criterion: arrival (earlier), transfers (fewer) and,
 * for arrive-by or range queries, departure (later). Duplicates (found from several departure
 * times) collapse to one.
 */
function paretoFilter(itineraries: Itinerary[], request: JourneyRequest): Itinerary[] {
  const useDeparture = request.arriveBy !== undefined || (request.windowMinutes ?? 0) > 0;
  const useArrival = request.arriveBy === undefined || (request.windowMinutes ?? 0) > 0;
  const dominates = (a: Itinerary, b: Itinerary) => {
    const noWorse =
      (!useArrival || a.arrival <= b.arrival) &&
      (!useDeparture || a.departure >= b.departure) &&
      a.transfers <= b.transfers;
    const better =
      (useArrival && a.arrival < b.arrival) ||
      (useDeparture && a.departure > b.departure) ||
      a.transfers < b.transfers;
    return noWorse && better;
  };
  const seen = new Set<string>();
  const unique = itineraries.filter((it) => {
    const key = `${it.departure}|${it.arrival}|${it.transfers}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const kept = unique.filter((it) => !unique.some((other) => other !== it && dominates(other, it)));
  if ((request.windowMinutes ?? 0) > 0)
    return kept.sort((a, b) => a.departure - b.departure || a.arrival - b.arrival);
  if (request.arriveBy !== undefined)
    return kept.sort((a, b) => b.departure - a.departure || a.transfers - b.transfers);
  return kept.sort((a, b) => a.arrival - b.arrival || a.transfers - b.transfers);
}
