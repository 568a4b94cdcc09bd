import {
  type Frequency,
  type GtfsFeed,
  ServiceCalendar,
  type Stop,
  type StopTime,
  type Trip,
} from '@mobility/gtfs';

/**
 * Everything the checker looks up in the static GTFS, built once per feed (and cached per GtfsFeed
 * object) so validating a large realtime feed is a series of map look-ups and binary searches.
 */
export interface TripEntry {
  trip: Trip;
  /** Ordered by stop_sequence. */
  stopTimes: StopTime[];
  /** stop_ids the trip visits more than once (then realtime must name the stop_sequence, E009). */
  repeatedStops: ReadonlySet<string>;
  /** Seconds since the service-day origin of the first stop's arrival (departure if blank). */
  firstArrival: number | undefined;
  frequencies: Frequency[];
}

/** A shape in a local metric projection (metres east/north of its first point), for distances. */
export interface ShapeLine {
  originLat: number;
  originLon: number;
  metresPerDegreeLon: number;
  x: Float64Array;
  y: Float64Array;
}

/** Latitude/longitude box. */
export interface Bounds {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

export interface StaticIndex {
  trips: ReadonlyMap<string, TripEntry>;
  tripsByRoute: ReadonlyMap<string, readonly TripEntry[]>;
  stops: ReadonlyMap<string, Stop>;
  routeIds: ReadonlySet<string>;
  /** agency_ids declared in agency.txt (empty for a one-agency feed without agency_id). */
  agencyIds: ReadonlySet<string>;
  calendar: ServiceCalendar;
  /** The (first) agency's time zone: GTFS times of day are local to it. */
  timeZone: string;
  /** Whether a block's trips visit the same stop_id in more than one trip (E008). */
  blockRepeatsStop(blockId: string): boolean;
  /** The trip's shape, projected, or undefined when the trip has no (known) shape. */
  shape(shapeId: string): ShapeLine | undefined;
  /** Box around all shapes (or all stops when the feed has no shapes); undefined for an empty feed. */
  coverage: Bounds | undefined;
  /** stop_ids used by stop_times.txt whose location_type is not 0 (E010, a static-GTFS rule). */
  nonStopsInStopTimes: readonly string[];
}

const METRES_PER_DEGREE_LAT = 111_320;
const cache = new WeakMap<GtfsFeed, StaticIndex>();

/** The index of a GTFS feed; built on first use and reused for later feeds against the same GTFS. */
export function indexGtfs(gtfs: GtfsFeed): StaticIndex {
  const cached = cache.get(gtfs);
  if (cached) return cached;
  const built = buildIndex(gtfs);
  cache.set(gtfs, built);
  return built;
}

function buildIndex(gtfs: GtfsFeed): StaticIndex {
  const stops = new Map(gtfs.stops.map((stop) => [stop.stopId, stop]));

  const stopTimesByTrip = new Map<string, StopTime[]>();
  for (const stopTime of gtfs.stopTimes) {
    let list = stopTimesByTrip.get(stopTime.tripId);
    if (!list) {
      list = [];
      stopTimesByTrip.set(stopTime.tripId, list);
    }
    list.push(stopTime);
  }
  const frequenciesByTrip = new Map<string, Frequency[]>();
  for (const frequency of gtfs.frequencies) {
    const list = frequenciesByTrip.get(frequency.tripId) ?? [];
    list.push(frequency);
    frequenciesByTrip.set(frequency.tripId, list);
  }

  const trips = new Map<string, TripEntry>();
  const tripsByRoute = new Map<string, TripEntry[]>();
  const tripsByBlock = new Map<string, TripEntry[]>();
  for (const trip of gtfs.trips) {
    const stopTimes = (stopTimesByTrip.get(trip.tripId) ?? []).sort(
      (a, b) => a.stopSequence - b.stopSequence,
    );
    const seen = new Set<string>();
    const repeatedStops = new Set<string>();
    for (const stopTime of stopTimes) {
      if (seen.has(stopTime.stopId)) repeatedStops.add(stopTime.stopId);
      seen.add(stopTime.stopId);
    }
    const first = stopTimes[0];
    const entry: TripEntry = {
      trip,
      stopTimes,
      repeatedStops,
      firstArrival: first?.arrivalTime ?? first?.departureTime,
      frequencies: frequenciesByTrip.get(trip.tripId) ?? [],
    };
    trips.set(trip.tripId, entry);
    push(tripsByRoute, trip.routeId, entry);
    if (trip.blockId) push(tripsByBlock, trip.blockId, entry);
  }

  const nonStopsInStopTimes = new Set<string>();
  for (const stopTime of gtfs.stopTimes) {
    const stop = stops.get(stopTime.stopId);
    if (stop && stop.locationType !== 0) nonStopsInStopTimes.add(stop.stopId);
  }

  const pointsByShape = new Map<string, { lat: number; lon: number; sequence: number }[]>();
  for (const point of gtfs.shapes) push(pointsByShape, point.shapeId, point);
  const projected = new Map<string, ShapeLine>();
  const shape = (shapeId: string): ShapeLine | undefined => {
    const hit = projected.get(shapeId);
    if (hit) return hit;
    const points = pointsByShape.get(shapeId);
    if (!points || points.length === 0) return undefined;
    points.sort((a, b) => a.sequence - b.sequence);
    const origin = points[0] as { lat: number; lon: number };
    const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.cos((origin.lat * Math.PI) / 180);
    const line: ShapeLine = {
      originLat: origin.lat,
      originLon: origin.lon,
      metresPerDegreeLon,
      x: Float64Array.from(points, (point) => (point.lon - origin.lon) * metresPerDegreeLon),
      y: Float64Array.from(points, (point) => (point.lat - origin.lat) * METRES_PER_DEGREE_LAT),
    };
    projected.set(shapeId, line);
    return line;
  };

  const blockRepeats = new Map<string, boolean>();
  const blockRepeatsStop = (blockId: string): boolean => {
    const known = blockRepeats.get(blockId);
    if (known !== undefined) return known;
    const firstTripAtStop = new Map<string, string>();
    let repeats = false;
    for (const entry of tripsByBlock.get(blockId) ?? []) {
      for (const stopTime of entry.stopTimes) {
        const firstTrip = firstTripAtStop.get(stopTime.stopId);
        if (firstTrip === undefined) firstTripAtStop.set(stopTime.stopId, entry.trip.tripId);
        else if (firstTrip !== entry.trip.tripId) repeats = true;
      }
      if (repeats) break;
    }
    blockRepeats.set(blockId, repeats);
    return repeats;
  };

  const coveragePoints =
    gtfs.shapes.length > 0 ? gtfs.shapes : gtfs.stops.map((s) => ({ lat: s.stopLat, lon: s.stopLon }));
  let coverage: Bounds | undefined;
  for (const point of coveragePoints) {
    if (!Number.isFinite(point.lat) || !Number.isFinite(point.lon)) continue;
    if (!coverage) coverage = { minLat: point.lat, maxLat: point.lat, minLon: point.lon, maxLon: point.lon };
    else {
      coverage.minLat = Math.min(coverage.minLat, point.lat);
      coverage.maxLat = Math.max(coverage.maxLat, point.lat);
      coverage.minLon = Math.min(coverage.minLon, point.lon);
      coverage.maxLon = Math.max(coverage.maxLon, point.lon);
    }
  }

  return {
    trips,
    tripsByRoute,
    stops,
    routeIds: new Set(gtfs.routes.map((route) => route.routeId)),
    agencyIds: new Set(gtfs.agencies.flatMap((agency) => (agency.agencyId ? [agency.agencyId] : []))),
    calendar: new ServiceCalendar(gtfs.calendars, gtfs.calendarDates),
    timeZone: gtfs.agencies[0]?.agencyTimezone ?? 'UTC',
    blockRepeatsStop,
    shape,
    coverage,
    nonStopsInStopTimes: [...nonStopsInStopTimes],
  };
}

/** The stop_time with this stop_sequence (binary search over the ordered list). */
export function stopTimeBySequence(entry: TripEntry, sequence: number): StopTime | undefined {
  let low = 0;
  let high = entry.stopTimes.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const candidate = entry.stopTimes[middle] as StopTime;
    if (candidate.stopSequence === sequence) return candidate;
    if (candidate.stopSequence < sequence) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** Distance in metres from a position to the nearest point of a shape polyline. */
export function distanceToShapeMetres(line: ShapeLine, lat: number, lon: number): number {
  const px = (lon - line.originLon) * line.metresPerDegreeLon;
  const py = (lat - line.originLat) * METRES_PER_DEGREE_LAT;
  const count = line.x.length;
  let best = Math.hypot(px - (line.x[0] as number), py - (line.y[0] as number));
  for (let i = 1; i < count; i++) {
    const ax = line.x[i - 1] as number;
    const ay = line.y[i - 1] as number;
    const dx = (line.x[i] as number) - ax;
    const dy = (line.y[i] as number) - ay;
    const lengthSquared = dx * dx + dy * dy;
    const t =
      lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
    const distance = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
    if (distance < best) best = distance;
  }
  return best;
}

/** True when the position is inside the box grown by `bufferMetres` on every side. */
export function withinBounds(bounds: Bounds, lat: number, lon: number, bufferMetres: number): boolean {
  const latBuffer = bufferMetres / METRES_PER_DEGREE_LAT;
  const widestLat = Math.max(Math.abs(bounds.minLat), Math.abs(bounds.maxLat));
  const lonBuffer =
    bufferMetres / Math.max(1, METRES_PER_DEGREE_LAT * Math.cos((Math.min(89, widestLat) * Math.PI) / 180));
  return (
    lat >= bounds.minLat - latBuffer &&
    lat <= bounds.maxLat + latBuffer &&
    lon >= bounds.minLon - lonBuffer &&
    lon <= bounds.maxLon + lonBuffer
  );
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
