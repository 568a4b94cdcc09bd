import { buildTripSchedules, type GtfsFeed, ServiceCalendar } from '@mobility/gtfs';
import { haversineMetres } from '@mobility/runtime/util';
import { type LatLon, locateAlong, type Polyline, polyline } from './geometry.js';

/**
 * What the bus drivers run: every trip of a GTFS feed with its times and the line it drives along
 * (its shape, or straight stop-to-stop lines when the feed has none), and the vehicle workings
 * (blocks) that chain trips. Built once from any feed, generated or real.
 */

export interface SimTrip {
  tripId: string;
  routeId: string;
  /** '' when the feed has no block: the trip is then a vehicle's whole working. */
  blockId: string;
  serviceId: string;
  /** Scheduled seconds after service-day start, per stop. */
  arrivals: number[];
  departures: number[];
  stopIds: string[];
  /** Distance of each stop along `line`, metres, non-decreasing. */
  stopDistM: number[];
  line: Polyline;
  /** Whether the feed drew the line (shape) or it is stop to stop. */
  fromShape: boolean;
}

/** One vehicle's working on a service day: trips in order. */
export interface VehicleWorking {
  /** Block id, or the trip id for a trip without a block. */
  key: string;
  /** Position among all workings of the feed: a stable fleet number. */
  ordinal: number;
  serviceId: string;
  tripIndices: number[];
  /** Scheduled first departure and last arrival, seconds after service-day start. */
  startS: number;
  endS: number;
}

export interface SimNetwork {
  timeZone: string;
  agencyId: string;
  calendar: ServiceCalendar;
  trips: SimTrip[];
  /** Per service id, workings sorted by start. */
  workingsByService: Map<string, VehicleWorking[]>;
  stops: Map<string, LatLon>;
  /** Trips left out, with why (fewer than two timed stops, unknown stops...). */
  skipped: number;
  /** Trips with no usable shape, driven on straight stop-to-stop lines. */
  withoutShape: number;
}

const distance = (a: LatLon, b: LatLon) => haversineMetres(a.lat, a.lon, b.lat, b.lon);

export function buildSimNetwork(feed: GtfsFeed): SimNetwork {
  const stops = new Map<string, LatLon>();
  for (const stop of feed.stops)
    if (Number.isFinite(stop.stopLat) && Number.isFinite(stop.stopLon))
      stops.set(stop.stopId, { lat: stop.stopLat, lon: stop.stopLon });

  const shapePoints = new Map<string, { lat: number; lon: number; sequence: number }[]>();
  for (const point of feed.shapes) {
    const list = shapePoints.get(point.shapeId);
    if (list) list.push(point);
    else shapePoints.set(point.shapeId, [point]);
  }
  const shapes = new Map<string, Polyline>();
  for (const [id, points] of shapePoints) {
    points.sort((a, b) => a.sequence - b.sequence);
    if (points.length >= 2) shapes.set(id, polyline(points, distance));
  }

  const tripsById = new Map(feed.trips.map((trip) => [trip.tripId, trip]));
  const { schedules } = buildTripSchedules(feed);
  // Trips of the same shape and stop sequence share their stop distances (computed once).
  const patterns = new Map<string, { line: Polyline; stopDistM: number[]; fromShape: boolean }>();
  const trips: SimTrip[] = [];
  let skipped = feed.trips.length - schedules.length;
  let withoutShape = 0;
  for (const schedule of schedules) {
    const trip = tripsById.get(schedule.tripId);
    if (!trip || schedule.stopIds.some((id) => !stops.has(id))) {
      skipped++;
      continue;
    }
    const shape = trip.shapeId ? shapes.get(trip.shapeId) : undefined;
    const key = `${shape ? trip.shapeId : ''}|${schedule.stopIds.join(',')}`;
    let pattern = patterns.get(key);
    if (!pattern) {
      const points = schedule.stopIds.map((id) => stops.get(id) as LatLon);
      pattern = shape ? onShape(shape, points) : straight(points);
      patterns.set(key, pattern);
    }
    if (!pattern.fromShape) withoutShape++;
    trips.push({
      tripId: trip.tripId,
      routeId: trip.routeId,
      blockId: trip.blockId ?? '',
      serviceId: trip.serviceId,
      arrivals: schedule.arrivals,
      departures: schedule.departures,
      stopIds: schedule.stopIds,
      stopDistM: pattern.stopDistM,
      line: pattern.line,
      fromShape: pattern.fromShape,
    });
  }

  const workings = new Map<string, VehicleWorking>();
  for (const [index, trip] of trips.entries()) {
    const key = trip.blockId ? `${trip.serviceId}|${trip.blockId}` : `${trip.serviceId}|trip:${trip.tripId}`;
    let working = workings.get(key);
    if (!working) {
      working = {
        key: trip.blockId || trip.tripId,
        ordinal: workings.size,
        serviceId: trip.serviceId,
        tripIndices: [],
        startS: Number.POSITIVE_INFINITY,
        endS: Number.NEGATIVE_INFINITY,
      };
      workings.set(key, working);
    }
    working.tripIndices.push(index);
    working.startS = Math.min(working.startS, trip.departures[0] as number);
    working.endS = Math.max(working.endS, trip.arrivals[trip.arrivals.length - 1] as number);
  }
  const workingsByService = new Map<string, VehicleWorking[]>();
  for (const working of workings.values()) {
    working.tripIndices.sort(
      (a, b) =>
        ((trips[a] as SimTrip).departures[0] as number) - ((trips[b] as SimTrip).departures[0] as number),
    );
    const list = workingsByService.get(working.serviceId);
    if (list) list.push(working);
    else workingsByService.set(working.serviceId, [working]);
  }
  for (const list of workingsByService.values())
    list.sort((a, b) => a.startS - b.startS || (a.key < b.key ? -1 : 1));

  return {
    timeZone: feed.agencies[0]?.agencyTimezone ?? 'UTC',
    agencyId: feed.agencies[0]?.agencyId ?? '',
    calendar: new ServiceCalendar(feed.calendars, feed.calendarDates),
    trips,
    workingsByService,
    stops,
    skipped,
    withoutShape,
  };
}

/** Stops projected onto the shape in order, each at or after the previous one. */
function onShape(
  line: Polyline,
  stops: LatLon[],
): { line: Polyline; stopDistM: number[]; fromShape: boolean } {
  const stopDistM: number[] = [];
  let from = 0;
  for (const [k, stop] of stops.entries()) {
    // Search ahead no farther than a generous multiple of the straight distance to the next stop, so
    // a route passing the same corner twice does not skip its middle.
    const next = stops[k + 1];
    const window = next ? 3 * distance(stop, next) + 500 : Number.POSITIVE_INFINITY;
    const along = locateAlong(line, stop, from, from + window);
    stopDistM.push(along);
    from = along;
  }
  return { line, stopDistM, fromShape: true };
}

function straight(stops: LatLon[]): { line: Polyline; stopDistM: number[]; fromShape: boolean } {
  const line = polyline(stops, distance);
  return { line, stopDistM: [...line.along], fromShape: false };
}
