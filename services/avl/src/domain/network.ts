import {
  addDays,
  buildTripSchedules,
  type Frequency,
  formatGtfsTime,
  type GtfsFeed,
  type GtfsIssue,
  parseGtfsTime,
  type Route,
  ServiceCalendar,
  type Stop,
  type StopService,
  serviceDayStart,
} from '@mobility/gtfs';
import { zoneOffsetMs } from '@mobility/runtime/util';
import { buildPolyline, type Polyline, placeStopsAlong } from './polyline.js';

/** One stop of a trip: where it lies on the trip's shape and when it is scheduled. */
export interface ScheduledStop {
  stopId: string;
  stopSequence: number;
  /** Metres along the trip's shape; never less than the previous stop's. */
  distM: number;
  /** Seconds since the service day's origin (noon minus 12 h); may exceed 86 400. */
  arrivalS: number;
  departureS: number;
  /** True when stop_times marks the time exact (a timepoint where early buses may hold). */
  timepoint: boolean;
  pickupType: StopService;
  dropOffType: StopService;
}

export interface NetworkTrip {
  tripId: string;
  routeId: string;
  serviceId: string;
  directionId?: 0 | 1;
  blockId?: string;
  headsign?: string;
  shape: Polyline;
  /** True when the feed had no usable shape and the line joins the stops instead. */
  shapeFromStops: boolean;
  stops: ScheduledStop[];
  /** Scheduled departure from the first stop / arrival at the last, seconds of service day. */
  startS: number;
  endS: number;
  /** frequencies.txt rows of this trip (the trip is then a template repeated every headway). */
  frequencies: Frequency[];
}

/**
 * A trip on a given service day. For frequency-based trips, `offsetS` shifts the template's times
 * to one run (start = template start + offset); zero otherwise.
 */
export interface TripInstance {
  trip: NetworkTrip;
  startDate: string;
  /** Epoch ms of the service day's origin in the agency's time zone. */
  dayStartMs: number;
  offsetS: number;
  /** "HH:MM:SS" of a frequency run's start (GTFS-rt start_time); absent for scheduled trips. */
  startTime?: string;
}

export interface TransitNetwork {
  timeZone: string;
  trips: ReadonlyMap<string, NetworkTrip>;
  routes: ReadonlyMap<string, Route>;
  stops: ReadonlyMap<string, Stop>;
  shapes: ReadonlyMap<string, Polyline>;
  calendar: ServiceCalendar;
  /** Problems found while building (on top of the feed's own issues). */
  issues: GtfsIssue[];
  /** service_ids running on a day (cached). */
  servicesOn(date: string): ReadonlySet<string>;
  /** The service days whose trips may be running at an instant (yesterday's late trips too). */
  serviceDays(atMs: number): { date: string; dayStartMs: number }[];
  /** Trip instances scheduled to run within [atMs - lateS, atMs + earlyS] of their span. */
  activeTrips(atMs: number, options?: { lateS?: number; earlyS?: number }): TripInstance[];
  /** Like activeTrips, restricted to trips whose shape passes within radiusM of a point. */
  candidateTrips(
    lat: number,
    lon: number,
    atMs: number,
    options?: { radiusM?: number; lateS?: number; earlyS?: number },
  ): TripInstance[];
  /** The instance of a trip on a day (or the run starting at startTime for frequency trips). */
  instance(tripId: string, startDate: string, startTime?: string): TripInstance | undefined;
  /** The most plausible service day for a trip seen at an instant (when the ping gives none). */
  instanceAt(tripId: string, atMs: number): TripInstance | undefined;
  /** The trip the same vehicle runs next in its block (same service day), if any. */
  nextInBlock(instance: TripInstance): TripInstance | undefined;
}

const GRID_DEGREES = 0.005;

/**
 * Builds the in-memory network from a parsed GTFS feed: trips with their shapes and stop distances,
 * blocks, frequencies and the service calendar. Never throws on bad rows: trips that cannot be used
 * are left out and listed in `issues`.
 */
export function buildTransitNetwork(feed: GtfsFeed, options: { timeZone?: string } = {}): TransitNetwork {
  const issues: GtfsIssue[] = [];
  const timeZone = options.timeZone ?? feed.agencies[0]?.agencyTimezone ?? 'UTC';
  const stops = new Map(feed.stops.map((stop) => [stop.stopId, stop]));
  const routes = new Map(feed.routes.map((route) => [route.routeId, route]));

  const pointsByShape = new Map<string, { lat: number; lon: number; sequence: number }[]>();
  for (const point of feed.shapes) {
    let list = pointsByShape.get(point.shapeId);
    if (!list) {
      list = [];
      pointsByShape.set(point.shapeId, list);
    }
    list.push(point);
  }
  const shapes = new Map<string, Polyline>();
  for (const [shapeId, points] of pointsByShape) {
    points.sort((a, b) => a.sequence - b.sequence);
    const line = buildPolyline(shapeId, points);
    if (line.lats.length >= 2 && line.lengthM > 0) shapes.set(shapeId, line);
    else
      issues.push({
        file: 'shapes.txt',
        line: 0,
        message: `shape ${shapeId} has no length; ignored`,
        severity: 'warning',
      });
  }

  const { schedules, issues: scheduleIssues } = buildTripSchedules(feed);
  issues.push(...scheduleIssues);
  const timepoints = new Map<string, boolean>();
  for (const row of feed.stopTimes) {
    timepoints.set(
      `${row.tripId}\u0000${row.stopSequence}`,
      row.timepoint !== 0 && row.arrivalTime !== undefined,
    );
  }
  const frequenciesByTrip = new Map<string, Frequency[]>();
  for (const frequency of feed.frequencies) {
    const list = frequenciesByTrip.get(frequency.tripId) ?? [];
    list.push(frequency);
    frequenciesByTrip.set(frequency.tripId, list);
  }

  const scheduleByTrip = new Map(schedules.map((schedule) => [schedule.tripId, schedule]));
  const placements = new Map<string, number[]>();
  const trips = new Map<string, NetworkTrip>();
  let fallbackShapes = 0;
  for (const row of feed.trips) {
    const schedule = scheduleByTrip.get(row.tripId);
    if (!schedule) continue;
    const positions = schedule.stopIds.map((id) => stops.get(id));
    if (positions.some((stop) => stop === undefined || !Number.isFinite(stop.stopLat + stop.stopLon))) {
      issues.push({
        file: 'stop_times.txt',
        line: 0,
        message: `trip ${row.tripId} uses a stop without a position; left out`,
        severity: 'error',
      });
      continue;
    }
    const points = (positions as Stop[]).map((stop) => ({ lat: stop.stopLat, lon: stop.stopLon }));
    let shape = row.shapeId === undefined ? undefined : shapes.get(row.shapeId);
    let shapeFromStops = false;
    if (!shape) {
      // No usable shape: a line through the stops, shared by trips with the same stop pattern.
      const key = `stops:${schedule.stopIds.join('>')}`;
      shape = shapes.get(key);
      if (!shape) {
        shape = buildPolyline(key, points);
        shapes.set(key, shape);
      }
      shapeFromStops = true;
      fallbackShapes++;
    }
    const placementKey = `${shape.id}\u0000${schedule.stopIds.join('>')}`;
    let distances = placements.get(placementKey);
    if (!distances) {
      distances = placeStopsAlong(shape, points);
      placements.set(placementKey, distances);
    }
    const tripStops: ScheduledStop[] = schedule.stopIds.map((stopId, i) => ({
      stopId,
      stopSequence: schedule.stopSequences[i] as number,
      distM: (distances as number[])[i] as number,
      arrivalS: schedule.arrivals[i] as number,
      departureS: schedule.departures[i] as number,
      timepoint: timepoints.get(`${row.tripId}\u0000${schedule.stopSequences[i]}`) ?? false,
      pickupType: schedule.pickupTypes[i] as StopService,
      dropOffType: schedule.dropOffTypes[i] as StopService,
    }));
    const trip: NetworkTrip = {
      tripId: row.tripId,
      routeId: row.routeId,
      serviceId: row.serviceId,
      shape,
      shapeFromStops,
      stops: tripStops,
      startS: (tripStops[0] as ScheduledStop).departureS,
      endS: (tripStops[tripStops.length - 1] as ScheduledStop).arrivalS,
      frequencies: frequenciesByTrip.get(row.tripId) ?? [],
    };
    if (row.directionId !== undefined) trip.directionId = row.directionId;
    if (row.blockId !== undefined && row.blockId !== '') trip.blockId = row.blockId;
    if (row.tripHeadsign !== undefined) trip.headsign = row.tripHeadsign;
    trips.set(row.tripId, trip);
  }
  if (fallbackShapes > 0) {
    issues.push({
      file: 'shapes.txt',
      line: 0,
      message: `${fallbackShapes} trips have no usable shape; their stops joined by straight lines instead`,
      severity: 'warning',
    });
  }

  // Trips by shape, in start order, for time-window lookups; blocks in start order.
  const tripsByShape = new Map<string, NetworkTrip[]>();
  const blocks = new Map<string, NetworkTrip[]>();
  let longestTripS = 0;
  for (const trip of trips.values()) {
    const list = tripsByShape.get(trip.shape.id) ?? [];
    list.push(trip);
    tripsByShape.set(trip.shape.id, list);
    longestTripS = Math.max(longestTripS, trip.endS - trip.startS);
    if (trip.blockId !== undefined) {
      const key = `${trip.serviceId}\u0000${trip.blockId}`;
      const block = blocks.get(key) ?? [];
      block.push(trip);
      blocks.set(key, block);
    }
  }
  for (const list of tripsByShape.values()) list.sort((a, b) => a.startS - b.startS);
  for (const list of blocks.values()) list.sort((a, b) => a.startS - b.startS);

  // Coarse grid of shape ids: a ping only considers shapes passing nearby.
  const grid = new Map<string, Set<string>>();
  for (const [shapeId, line] of shapes) {
    if (!tripsByShape.has(shapeId)) continue;
    for (let i = 0; i < line.lats.length; i++) {
      const a = i > 0 ? i - 1 : i;
      const minLat = Math.min(line.lats[a] as number, line.lats[i] as number);
      const maxLat = Math.max(line.lats[a] as number, line.lats[i] as number);
      const minLon = Math.min(line.lons[a] as number, line.lons[i] as number);
      const maxLon = Math.max(line.lons[a] as number, line.lons[i] as number);
      for (let y = Math.floor(minLat / GRID_DEGREES); y <= Math.floor(maxLat / GRID_DEGREES); y++) {
        for (let x = Math.floor(minLon / GRID_DEGREES); x <= Math.floor(maxLon / GRID_DEGREES); x++) {
          const key = `${y}:${x}`;
          let cell = grid.get(key);
          if (!cell) {
            cell = new Set();
            grid.set(key, cell);
          }
          cell.add(shapeId);
        }
      }
    }
  }

  const calendar = new ServiceCalendar(feed.calendars, feed.calendarDates);
  const servicesCache = new Map<string, Set<string>>();
  const servicesOn = (date: string): ReadonlySet<string> => {
    let set = servicesCache.get(date);
    if (!set) {
      set = calendar.servicesOn(date);
      servicesCache.set(date, set);
    }
    return set;
  };
  const dayStartCache = new Map<string, number>();
  const dayStart = (date: string): number => {
    let start = dayStartCache.get(date);
    if (start === undefined) {
      start = serviceDayStart(date, timeZone);
      dayStartCache.set(date, start);
    }
    return start;
  };
  const serviceDays = (atMs: number) => {
    const local = new Date(atMs + zoneOffsetMs(timeZone, atMs));
    const today = `${local.getUTCFullYear()}${String(local.getUTCMonth() + 1).padStart(2, '0')}${String(local.getUTCDate()).padStart(2, '0')}`;
    // Yesterday first: its trips past 24:00 may still run; today's trips from its origin.
    const days = [addDays(today, -1), today];
    // Trips of a day can start before its local midnight only by DST quirks; allow the next too.
    if (local.getUTCHours() >= 22) days.push(addDays(today, 1));
    return days.map((date) => ({ date, dayStartMs: dayStart(date) }));
  };

  const instancesOf = (
    trip: NetworkTrip,
    date: string,
    dayStartMs: number,
    fromS: number,
    toS: number,
    out: TripInstance[],
  ): void => {
    if (trip.frequencies.length === 0) {
      if (trip.endS >= fromS && trip.startS <= toS)
        out.push({ trip, startDate: date, dayStartMs, offsetS: 0 });
      return;
    }
    const duration = trip.endS - trip.startS;
    for (const frequency of trip.frequencies) {
      const first = Math.max(
        frequency.startTime,
        frequency.startTime +
          Math.ceil((fromS - duration - frequency.startTime) / frequency.headwaySecs) * frequency.headwaySecs,
      );
      for (let start = first; start < frequency.endTime && start <= toS; start += frequency.headwaySecs) {
        out.push({
          trip,
          startDate: date,
          dayStartMs,
          offsetS: start - trip.startS,
          startTime: formatGtfsTime(start),
        });
      }
    }
  };

  const allTripLists = [...tripsByShape.values()];
  const candidatesFor = (
    tripLists: readonly NetworkTrip[][],
    atMs: number,
    lateS: number,
    earlyS: number,
  ) => {
    const out: TripInstance[] = [];
    for (const { date, dayStartMs } of serviceDays(atMs)) {
      const services = servicesOn(date);
      const nowS = (atMs - dayStartMs) / 1000;
      const fromS = nowS - lateS;
      const toS = nowS + earlyS;
      for (const list of tripLists) {
        // Sorted by start: skip trips starting after toS, and those that ended long before.
        let high = list.length;
        let low = 0;
        while (low < high) {
          const mid = (low + high) >> 1;
          if ((list[mid] as NetworkTrip).startS <= toS) low = mid + 1;
          else high = mid;
        }
        for (let i = low - 1; i >= 0; i--) {
          const trip = list[i] as NetworkTrip;
          if (trip.frequencies.length === 0 && trip.startS < fromS - longestTripS) break;
          if (!services.has(trip.serviceId)) continue;
          instancesOf(trip, date, dayStartMs, fromS, toS, out);
        }
        // Frequency templates may start later than their runs; they are few, check them all.
        for (let i = low; i < list.length; i++) {
          const trip = list[i] as NetworkTrip;
          if (trip.frequencies.length > 0 && services.has(trip.serviceId))
            instancesOf(trip, date, dayStartMs, fromS, toS, out);
        }
      }
    }
    return out;
  };

  const network: TransitNetwork = {
    timeZone,
    trips,
    routes,
    stops,
    shapes,
    calendar,
    issues,
    servicesOn,
    serviceDays,
    activeTrips(atMs, { lateS = 1800, earlyS = 900 } = {}) {
      return candidatesFor(allTripLists, atMs, lateS, earlyS);
    },
    candidateTrips(lat, lon, atMs, { radiusM = 150, lateS = 1800, earlyS = 900 } = {}) {
      const dy = Math.ceil(radiusM / 111_320 / GRID_DEGREES);
      const dx = Math.ceil(
        radiusM / (111_320 * Math.max(0.1, Math.cos((lat * Math.PI) / 180))) / GRID_DEGREES,
      );
      const y0 = Math.floor(lat / GRID_DEGREES);
      const x0 = Math.floor(lon / GRID_DEGREES);
      const shapeIds = new Set<string>();
      for (let y = y0 - dy; y <= y0 + dy; y++) {
        for (let x = x0 - dx; x <= x0 + dx; x++)
          for (const id of grid.get(`${y}:${x}`) ?? []) shapeIds.add(id);
      }
      const lists: NetworkTrip[][] = [];
      for (const id of shapeIds) lists.push(tripsByShape.get(id) ?? []);
      return candidatesFor(lists, atMs, lateS, earlyS);
    },
    instance(tripId, startDate, startTime) {
      const trip = trips.get(tripId);
      if (!trip) return undefined;
      const dayStartMs = dayStart(startDate);
      if (trip.frequencies.length === 0 || startTime === undefined)
        return { trip, startDate, dayStartMs, offsetS: 0 };
      const start = parseGtfsTime(startTime);
      if (start === undefined) return { trip, startDate, dayStartMs, offsetS: 0 };
      return { trip, startDate, dayStartMs, offsetS: start - trip.startS, startTime: formatGtfsTime(start) };
    },
    instanceAt(tripId, atMs) {
      const trip = trips.get(tripId);
      if (!trip) return undefined;
      let best: TripInstance | undefined;
      let bestDistance = Infinity;
      for (const { date, dayStartMs } of serviceDays(atMs)) {
        const running = servicesOn(date).has(trip.serviceId);
        const nowS = (atMs - dayStartMs) / 1000;
        const found: TripInstance[] = [];
        instancesOf(trip, date, dayStartMs, nowS - 6 * 3600, nowS + 6 * 3600, found);
        for (const candidate of found) {
          const start = trip.startS + candidate.offsetS;
          const end = trip.endS + candidate.offsetS;
          const distance =
            (nowS < start ? start - nowS : nowS > end ? nowS - end : 0) + (running ? 0 : 86_400);
          if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
          }
        }
      }
      return best;
    },
    nextInBlock(instance) {
      const { trip } = instance;
      if (trip.blockId === undefined) return undefined;
      const block = blocks.get(`${trip.serviceId}\u0000${trip.blockId}`);
      if (!block) return undefined;
      const index = block.indexOf(trip);
      const next = index >= 0 ? block[index + 1] : undefined;
      if (!next || next.frequencies.length > 0) return undefined;
      return { trip: next, startDate: instance.startDate, dayStartMs: instance.dayStartMs, offsetS: 0 };
    },
  };
  return network;
}

/** Scheduled seconds (of service day, instance-shifted) when the trip is at distance d. */
export function scheduledSecondsAt(instance: TripInstance, distM: number): number {
  const stops = instance.trip.stops;
  const first = stops[0] as ScheduledStop;
  if (distM <= first.distM) return first.departureS + instance.offsetS;
  for (let i = 1; i < stops.length; i++) {
    const stop = stops[i] as ScheduledStop;
    if (distM <= stop.distM) {
      const previous = stops[i - 1] as ScheduledStop;
      const span = stop.distM - previous.distM;
      const share = span > 0 ? (distM - previous.distM) / span : 1;
      return previous.departureS + share * (stop.arrivalS - previous.departureS) + instance.offsetS;
    }
  }
  return (stops[stops.length - 1] as ScheduledStop).arrivalS + instance.offsetS;
}

/** Epoch ms of a scheduled time of the instance. */
export function instanceMs(instance: TripInstance, seconds: number): number {
  return instance.dayStartMs + (seconds + instance.offsetS) * 1000;
}

/** Stable key of a trip instance (trip, day, frequency run). */
export function instanceKey(instance: TripInstance): string {
  return `${instance.trip.tripId}|${instance.startDate}|${instance.startTime ?? ''}`;
}
