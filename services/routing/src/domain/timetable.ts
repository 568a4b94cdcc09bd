import {
  buildTripSchedules,
  type GtfsFeed,
  type GtfsIssue,
  ServiceCalendar,
  type TripSchedule,
} from '@mobility/gtfs';
import { buildFootpaths, type Footpaths } from './footpaths.js';
import { StopGrid } from './geo.js';
import type { FeedSummary, StopInfo, TimetableOptions, TimetableStats } from './types.js';

/** Per pattern-stop flags. */
export const PICKUP = 1;
export const DROP_OFF = 2;
/** The stop is known not to be wheelchair accessible (wheelchair_boarding = 2). */
export const STEP_BARRIER = 4;

/**
 * The timetable seen in one search direction. The backward network is the forward one mirrored
 * (stop order reversed, times negated, pickup and drop-off swapped), so the same forward RAPTOR
 * code answers arrive-by queries as a latest-departure search.
 *
 * Trips live in "slots": pattern p owns slots [patternTripOffset[p], patternTripOffset[p+1]),
 * sorted by departure, and slot s of pattern p keeps its times at patternTimeOffset[p] +
 * (s - patternTripOffset[p]) * length(p). slotTrip maps a slot to the trip's global index.
 */
export interface RaptorNet {
  readonly patternStopOffset: Int32Array;
  readonly patternStops: Int32Array;
  readonly patternFlags: Uint8Array;
  readonly patternTripOffset: Int32Array;
  readonly patternTimeOffset: Int32Array;
  readonly slotTrip: Int32Array;
  readonly arr: Int32Array;
  readonly dep: Int32Array;
  readonly stopPatternOffset: Int32Array;
  readonly stopPatterns: Int32Array;
  readonly stopPatternPos: Int32Array;
  readonly foot: Footpaths;
}

const DEFAULT_WALK_SPEED = 1.33;
const DEFAULT_FOOTPATH_RADIUS = 400;
const MASK_CACHE_SIZE = 8;

export class Timetable {
  /** @internal */ readonly stopIds: readonly string[];
  /** @internal */ readonly stopNames: readonly string[];
  /** @internal */ readonly stopLat: Float64Array;
  /** @internal */ readonly stopLon: Float64Array;
  /** @internal */ readonly stopWheelchair: Uint8Array;
  /** @internal */ readonly stopIndex: ReadonlyMap<string, number>;
  /** @internal station stop_id -> its boardable children */
  readonly stationChildren: ReadonlyMap<string, readonly number[]>;
  /** @internal */ readonly tripIds: readonly string[];
  /** @internal trip_id -> global trips (several for a frequencies.txt trip) */
  readonly tripIndex: ReadonlyMap<string, readonly number[]>;
  /** @internal */ readonly tripPattern: Int32Array;
  /** @internal */ readonly tripRoute: Int32Array;
  /** @internal */ readonly tripService: Int32Array;
  /** @internal */ readonly tripWheelchair: Uint8Array;
  /** @internal */ readonly tripHeadsign: readonly string[];
  /** @internal stop_sequence per forward stop time (parallel to forward.arr) */
  readonly stopSequence: Int32Array;
  /** @internal */ readonly routeIds: readonly string[];
  /** @internal */ readonly routeShortNames: readonly string[];
  /** @internal */ readonly forward: RaptorNet;
  /** @internal */ readonly backward: RaptorNet;
  /** @internal */ readonly grid: StopGrid;
  /** @internal */ readonly walkSpeedMps: number;
  /** @internal */ readonly calendar: ServiceCalendar;
  /** @internal */ readonly serviceIds: readonly string[];
  readonly stats: TimetableStats;
  readonly summary: FeedSummary;
  /** Problems met while building (trips left out, times raised), in the reader's format. */
  readonly issues: readonly GtfsIssue[];
  private readonly maskCache = new Map<string, Uint8Array>();
  private readonly restrictedDate: string | undefined;

  /** @internal use buildTimetable */
  constructor(parts: TimetableParts) {
    this.stopIds = parts.stopIds;
    this.stopNames = parts.stopNames;
    this.stopLat = parts.stopLat;
    this.stopLon = parts.stopLon;
    this.stopWheelchair = parts.stopWheelchair;
    this.stopIndex = parts.stopIndex;
    this.stationChildren = parts.stationChildren;
    this.tripIds = parts.tripIds;
    this.tripIndex = parts.tripIndex;
    this.tripPattern = parts.tripPattern;
    this.tripRoute = parts.tripRoute;
    this.tripService = parts.tripService;
    this.tripWheelchair = parts.tripWheelchair;
    this.tripHeadsign = parts.tripHeadsign;
    this.stopSequence = parts.stopSequence;
    this.routeIds = parts.routeIds;
    this.routeShortNames = parts.routeShortNames;
    this.forward = parts.forward;
    this.backward = parts.backward;
    this.grid = parts.grid;
    this.walkSpeedMps = parts.walkSpeedMps;
    this.calendar = parts.calendar;
    this.serviceIds = parts.serviceIds;
    this.stats = parts.stats;
    this.summary = parts.summary;
    this.issues = parts.issues;
    this.restrictedDate = parts.restrictedDate;
  }

  get stopCount(): number {
    return this.stopIds.length;
  }
  get tripCount(): number {
    return this.tripIds.length;
  }
  get patternCount(): number {
    return this.forward.patternTripOffset.length - 1;
  }

  /** Stop by GTFS stop_id (a station reports its own name and position). */
  stopInfo(stopId: string): StopInfo | undefined {
    const index = this.stopIndex.get(stopId);
    if (index !== undefined) return this.stopAt(index);
    return this.stationInfo.get(stopId);
  }
  /** @internal */ readonly stationInfo = new Map<string, StopInfo>();

  /** @internal */
  stopAt(index: number): StopInfo {
    return {
      stopId: this.stopIds[index] as string,
      name: this.stopNames[index] as string,
      lat: this.stopLat[index] as number,
      lon: this.stopLon[index] as number,
      wheelchairBoarding: this.stopWheelchair[index] as 0 | 1 | 2,
    };
  }

  hasTrip(tripId: string): boolean {
    return this.tripIndex.has(tripId);
  }

  /** True when the day lies within the feed's calendar range (or is the day the timetable was cut to). */
  servesDate(date: string): boolean {
    if (this.restrictedDate !== undefined) return date === this.restrictedDate;
    return this.calendar.covers(date);
  }

  /** The day with the most trips in the calendar range (YYYYMMDD); '' for an empty calendar. */
  busiestServiceDate(): string {
    if (this.restrictedDate !== undefined) return this.restrictedDate;
    const weight = new Map<string, number>();
    for (let t = 0; t < this.tripService.length; t++) {
      const id = this.serviceIds[this.tripService[t] as number] as string;
      weight.set(id, (weight.get(id) ?? 0) + 1);
    }
    return this.calendar.busiestDate(weight) ?? '';
  }

  /** Boardable stops within radiusM of a point, nearest first. */
  stopsNear(lat: number, lon: number, radiusM: number): Array<{ stopId: string; distanceM: number }> {
    const found: Array<{ stopId: string; distanceM: number }> = [];
    this.grid.forEachWithin(lat, lon, radiusM, (stop, distanceM) =>
      found.push({ stopId: this.stopIds[stop] as string, distanceM }),
    );
    return found.sort((a, b) => a.distanceM - b.distanceM);
  }

  /**
   * @internal 1 for trips running on the day. Cached: a handful of days are planned over and over.
   */
  activeTrips(date: string): Uint8Array {
    let mask = this.maskCache.get(date);
    if (mask) return mask;
    mask = new Uint8Array(this.tripCount);
    if (this.restrictedDate === undefined || this.restrictedDate === date) {
      const active = this.calendar.servicesOn(date);
      const byService = this.serviceIds.map((id) => active.has(id) || this.restrictedDate === date);
      for (let t = 0; t < mask.length; t++) mask[t] = byService[this.tripService[t] as number] ? 1 : 0;
    }
    if (this.maskCache.size >= MASK_CACHE_SIZE)
      this.maskCache.delete(this.maskCache.keys().next().value as string);
    this.maskCache.set(date, mask);
    return mask;
  }
}

export interface TimetableParts {
  stopIds: string[];
  stopNames: string[];
  stopLat: Float64Array;
  stopLon: Float64Array;
  stopWheelchair: Uint8Array;
  stopIndex: Map<string, number>;
  stationChildren: Map<string, number[]>;
  tripIds: string[];
  tripIndex: Map<string, number[]>;
  tripPattern: Int32Array;
  tripRoute: Int32Array;
  tripService: Int32Array;
  tripWheelchair: Uint8Array;
  tripHeadsign: string[];
  stopSequence: Int32Array;
  routeIds: string[];
  routeShortNames: string[];
  forward: RaptorNet;
  backward: RaptorNet;
  grid: StopGrid;
  walkSpeedMps: number;
  calendar: ServiceCalendar;
  serviceIds: string[];
  stats: TimetableStats;
  summary: FeedSummary;
  issues: GtfsIssue[];
  restrictedDate: string | undefined;
}

/** A trip run to place in the timetable: a schedule shifted by `offset` (frequencies.txt instances). */
interface Run {
  schedule: TripSchedule;
  offset: number;
  tripRow: number;
}

/** Most runs frequencies.txt may add to a timetable (each costs its stop times in the arrays). */
export const MAX_FREQUENCY_RUNS = 1_000_000;

/**
 * Builds the typed-array timetable. Trips become RAPTOR patterns: runs with the same stops and the
 * same pickup/drop-off pattern, split further so that no run of a pattern ever overtakes another
 * (RAPTOR's route scan relies on the earliest trip at one stop being the earliest at the next).
 * frequencies.txt trips are expanded into one run per headway.
 */
export function buildTimetable(feed: GtfsFeed, options: TimetableOptions = {}): Timetable {
  const started = performance.now();
  const walkSpeedMps = options.walkSpeedMps ?? DEFAULT_WALK_SPEED;
  const radius = options.footpathRadiusM ?? DEFAULT_FOOTPATH_RADIUS;
  if (!(walkSpeedMps > 0) || !(radius >= 0))
    throw new RangeError('walkSpeedMps must be > 0 and footpathRadiusM >= 0');
  const { schedules, issues } = buildTripSchedules(feed);
  const calendar = new ServiceCalendar(feed.calendars, feed.calendarDates);

  // Stops: every platform-like stop, plus anything stop_times uses (some feeds board at stations).
  const used = new Set<string>();
  for (const schedule of schedules) for (const id of schedule.stopIds) used.add(id);
  const byId = new Map(feed.stops.map((s) => [s.stopId, s]));
  const stops = feed.stops.filter(
    (s) =>
      (s.locationType === 0 || s.locationType === 4 || used.has(s.stopId)) &&
      Number.isFinite(s.stopLat) &&
      Number.isFinite(s.stopLon),
  );
  const stopIndex = new Map(stops.map((s, i) => [s.stopId, i]));
  const n = stops.length;
  const stopLat = Float64Array.from(stops, (s) => s.stopLat);
  const stopLon = Float64Array.from(stops, (s) => s.stopLon);
  // GTFS: a platform with wheelchair_boarding 0 inherits its parent station's value.
  const stopWheelchair = Uint8Array.from(stops, (s) =>
    s.wheelchairBoarding === 0 && s.parentStation
      ? (byId.get(s.parentStation)?.wheelchairBoarding ?? 0)
      : s.wheelchairBoarding,
  );
  const stationChildren = new Map<string, number[]>();
  for (const [i, s] of stops.entries()) {
    if (!s.parentStation) continue;
    const list = stationChildren.get(s.parentStation);
    if (list) list.push(i);
    else stationChildren.set(s.parentStation, [i]);
  }

  const tripRows = new Map(feed.trips.map((t, i) => [t.tripId, i]));
  const serviceIds = [...new Set(feed.trips.map((t) => t.serviceId))];
  const serviceIndex = new Map(serviceIds.map((id, i) => [id, i]));
  const activeServices =
    options.serviceDate === undefined ? undefined : calendar.servicesOn(options.serviceDate);
  const routeIds = feed.routes.map((r) => r.routeId);
  const routeIndex = new Map(routeIds.map((id, i) => [id, i]));

  // Runs, with frequency-based trips expanded.
  const frequencies = new Map<string, typeof feed.frequencies>();
  for (const f of feed.frequencies) {
    const list = frequencies.get(f.tripId);
    if (list) list.push(f);
    else frequencies.set(f.tripId, [f]);
  }
  const runs: Run[] = [];
  const maxFrequencyRuns = options.maxFrequencyRuns ?? MAX_FREQUENCY_RUNS;
  let expanded = 0;
  let frequencyOverflow = 0;
  for (const schedule of schedules) {
    const tripRow = tripRows.get(schedule.tripId) as number;
    const trip = feed.trips[tripRow];
    if (!trip || (activeServices && !activeServices.has(trip.serviceId))) continue;
    if (schedule.stopIds.some((id) => !stopIndex.has(id))) {
      issues.push({
        file: 'stop_times.txt',
        line: 0,
        message: `trip ${schedule.tripId} uses a stop without coordinates; left out`,
        severity: 'error',
      });
      continue;
    }
    const headways = frequencies.get(schedule.tripId);
    if (!headways) {
      runs.push({ schedule, offset: 0, tripRow });
      continue;
    }
    const first = schedule.departures[0] as number;
    for (const f of headways) {
      const count = Math.max(0, Math.ceil((f.endTime - f.startTime) / f.headwaySecs));
      if (expanded + count > maxFrequencyRuns) {
        // The reader bounds each row; this bounds the feed, so many valid rows cannot exhaust memory.
        frequencyOverflow++;
        continue;
      }
      expanded += count;
      for (let start = f.startTime; start < f.endTime; start += f.headwaySecs)
        runs.push({ schedule, offset: start - first, tripRow });
    }
  }
  if (frequencyOverflow > 0) {
    issues.push({
      file: 'frequencies.txt',
      line: 0,
      message: `${frequencyOverflow} frequencies left out: they would expand past ${maxFrequencyRuns} runs`,
      severity: 'error',
    });
  }

  // Group runs by stop sequence + service flags.
  const groups = new Map<string, Run[]>();
  for (const run of runs) {
    const s = run.schedule;
    let key = '';
    for (let i = 0; i < s.stopIds.length; i++)
      key += `${stopIndex.get(s.stopIds[i] as string)}:${flagsOf(s, i)},`;
    const group = groups.get(key);
    if (group) group.push(run);
    else groups.set(key, [run]);
  }
  const patterns: Run[][] = [];
  for (const group of groups.values()) {
    group.sort(
      (a, b) =>
        depOf(a, 0) - depOf(b, 0) ||
        arrOf(a, a.schedule.stopIds.length - 1) - arrOf(b, b.schedule.stopIds.length - 1),
    );
    // Greedy: each run joins the first pattern whose last run it never overtakes.
    const split: Run[][] = [];
    for (const run of group) {
      const home = split.find((pattern) => !overtakes(pattern[pattern.length - 1] as Run, run));
      if (home) home.push(run);
      else split.push([run]);
    }
    patterns.push(...split);
  }

  // Forward arrays.
  const P = patterns.length;
  const patternStopOffset = new Int32Array(P + 1);
  const patternTripOffset = new Int32Array(P + 1);
  const patternTimeOffset = new Int32Array(P);
  let stopCursor = 0;
  let tripCursor = 0;
  let timeCursor = 0;
  for (let p = 0; p < P; p++) {
    const pattern = patterns[p] as Run[];
    const len = (pattern[0] as Run).schedule.stopIds.length;
    patternStopOffset[p] = stopCursor;
    patternTripOffset[p] = tripCursor;
    patternTimeOffset[p] = timeCursor;
    stopCursor += len;
    tripCursor += pattern.length;
    timeCursor += len * pattern.length;
  }
  patternStopOffset[P] = stopCursor;
  patternTripOffset[P] = tripCursor;
  const T = tripCursor;
  const patternStops = new Int32Array(stopCursor);
  const patternFlags = new Uint8Array(stopCursor);
  const arr = new Int32Array(timeCursor);
  const dep = new Int32Array(timeCursor);
  const stopSequence = new Int32Array(timeCursor);
  const tripIds: string[] = new Array(T);
  const tripHeadsign: string[] = new Array(T);
  const tripPattern = new Int32Array(T);
  const tripRoute = new Int32Array(T);
  const tripService = new Int32Array(T);
  const tripWheelchair = new Uint8Array(T);
  const tripIndex = new Map<string, number[]>();
  for (let p = 0; p < P; p++) {
    const pattern = patterns[p] as Run[];
    const first = (pattern[0] as Run).schedule;
    const len = first.stopIds.length;
    const so = patternStopOffset[p] as number;
    for (let i = 0; i < len; i++) {
      const stop = stopIndex.get(first.stopIds[i] as string) as number;
      patternStops[so + i] = stop;
      patternFlags[so + i] = flagsOf(first, i) | (stopWheelchair[stop] === 2 ? STEP_BARRIER : 0);
    }
    for (let q = 0; q < pattern.length; q++) {
      const run = pattern[q] as Run;
      const g = (patternTripOffset[p] as number) + q;
      const base = (patternTimeOffset[p] as number) + q * len;
      for (let i = 0; i < len; i++) {
        arr[base + i] = (run.schedule.arrivals[i] as number) + run.offset;
        dep[base + i] = (run.schedule.departures[i] as number) + run.offset;
        stopSequence[base + i] = run.schedule.stopSequences[i] as number;
      }
      const trip = feed.trips[run.tripRow] as GtfsFeed['trips'][number];
      tripIds[g] = trip.tripId;
      tripHeadsign[g] = trip.tripHeadsign ?? '';
      tripPattern[g] = p;
      tripRoute[g] = routeIndex.get(trip.routeId) ?? -1;
      tripService[g] = serviceIndex.get(trip.serviceId) as number;
      tripWheelchair[g] = trip.wheelchairAccessible;
      const list = tripIndex.get(trip.tripId);
      if (list) list.push(g);
      else tripIndex.set(trip.tripId, [g]);
    }
  }

  const grid = new StopGrid(stopLat, stopLon, Math.max(radius, 100));
  const { forwardFoot, backwardFoot } = buildFootpaths(
    n,
    grid,
    stopLat,
    stopLon,
    radius,
    feed.transfers,
    stopIndex,
  );
  const forward: RaptorNet = {
    patternStopOffset,
    patternStops,
    patternFlags,
    patternTripOffset,
    patternTimeOffset,
    slotTrip: Int32Array.from({ length: T }, (_, i) => i),
    arr,
    dep,
    ...stopPatternIndex(n, patternStopOffset, patternStops),
    foot: forwardFoot,
  };
  const backward = mirror(forward, backwardFoot, n);

  const bytes = [forward, backward].reduce(
    (sum, net) =>
      sum +
      Object.values(net).reduce((s, v) => s + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0) +
      Object.values(net.foot).reduce((s, v) => s + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0),
    stopLat.byteLength * 2 + stopWheelchair.byteLength + stopSequence.byteLength + T * 13,
  );
  const agency = feed.agencies[0];
  const timetable = new Timetable({
    stopIds: stops.map((s) => s.stopId),
    stopNames: stops.map((s) => s.stopName),
    stopLat,
    stopLon,
    stopWheelchair,
    stopIndex,
    stationChildren,
    tripIds,
    tripIndex,
    tripPattern,
    tripRoute,
    tripService,
    tripWheelchair,
    tripHeadsign,
    stopSequence,
    routeIds,
    routeShortNames: feed.routes.map((r) => r.routeShortName ?? r.routeLongName ?? r.routeId),
    forward,
    backward,
    grid,
    walkSpeedMps,
    calendar,
    serviceIds,
    stats: {
      stops: n,
      routes: feed.routes.length,
      patterns: P,
      trips: T,
      stopTimes: timeCursor,
      footpaths: forwardFoot.to.length,
      buildMs: 0,
      bytes,
    },
    summary: {
      publisher: feed.feedInfo?.feedPublisherName ?? agency?.agencyName ?? '',
      feedVersion: feed.feedInfo?.feedVersion ?? feed.contentHash.slice(0, 16),
      timeZone: agency?.agencyTimezone ?? 'UTC',
      serviceStartDate: options.serviceDate ?? calendar.start ?? '',
      serviceEndDate: options.serviceDate ?? calendar.end ?? '',
    },
    issues,
    restrictedDate: options.serviceDate,
  });
  for (const s of feed.stops) {
    if (s.locationType === 1 && Number.isFinite(s.stopLat)) {
      timetable.stationInfo.set(s.stopId, {
        stopId: s.stopId,
        name: s.stopName,
        lat: s.stopLat,
        lon: s.stopLon,
        wheelchairBoarding: s.wheelchairBoarding,
      });
    }
  }
  (timetable.stats as { buildMs: number }).buildMs = Math.round((performance.now() - started) * 10) / 10;
  return timetable;
}

function flagsOf(s: TripSchedule, i: number): number {
  // Phone-ahead and coordinate-with-driver stops are still served, so only "none" (1) forbids.
  return (s.pickupTypes[i] !== 1 ? PICKUP : 0) | (s.dropOffTypes[i] !== 1 ? DROP_OFF : 0);
}
function depOf(run: Run, i: number): number {
  return (run.schedule.departures[i] as number) + run.offset;
}
function arrOf(run: Run, i: number): number {
  return (run.schedule.arrivals[i] as number) + run.offset;
}
/** True when `later` (which departs no earlier) arrives or leaves any stop before `earlier`. */
function overtakes(earlier: Run, later: Run): boolean {
  const len = earlier.schedule.stopIds.length;
  for (let i = 0; i < len; i++)
    if (arrOf(later, i) < arrOf(earlier, i) || depOf(later, i) < depOf(earlier, i)) return true;
  return false;
}

function stopPatternIndex(n: number, patternStopOffset: Int32Array, patternStops: Int32Array) {
  const stopPatternOffset = new Int32Array(n + 1);
  for (let i = 0; i < patternStops.length; i++)
    (stopPatternOffset[(patternStops[i] as number) + 1] as number)++;
  for (let s = 0; s < n; s++)
    stopPatternOffset[s + 1] = (stopPatternOffset[s + 1] as number) + (stopPatternOffset[s] as number);
  const cursor = stopPatternOffset.slice(0, n);
  const stopPatterns = new Int32Array(patternStops.length);
  const stopPatternPos = new Int32Array(patternStops.length);
  for (let p = 0; p + 1 < patternStopOffset.length; p++) {
    const start = patternStopOffset[p] as number;
    for (let i = start; i < (patternStopOffset[p + 1] as number); i++) {
      const s = patternStops[i] as number;
      const at = cursor[s] as number;
      cursor[s] = at + 1;
      stopPatterns[at] = p;
      stopPatternPos[at] = i - start;
    }
  }
  return { stopPatternOffset, stopPatterns, stopPatternPos };
}

/** Flips a pattern-stop flag set for the reverse direction: boarding becomes alighting. */
export function mirrorFlags(flags: number): number {
  return (
    ((flags & PICKUP) !== 0 ? DROP_OFF : 0) | ((flags & DROP_OFF) !== 0 ? PICKUP : 0) | (flags & STEP_BARRIER)
  );
}

/** The backward network: same pattern and slot numbering, positions and trip order reversed. */
function mirror(net: RaptorNet, foot: Footpaths, n: number): RaptorNet {
  const P = net.patternTripOffset.length - 1;
  const patternStops = new Int32Array(net.patternStops.length);
  const patternFlags = new Uint8Array(net.patternFlags.length);
  const arr = new Int32Array(net.arr.length);
  const dep = new Int32Array(net.dep.length);
  const slotTrip = new Int32Array(net.slotTrip.length);
  for (let p = 0; p < P; p++) {
    const so = net.patternStopOffset[p] as number;
    const len = (net.patternStopOffset[p + 1] as number) - so;
    for (let i = 0; i < len; i++) {
      patternStops[so + i] = net.patternStops[so + len - 1 - i] as number;
      patternFlags[so + i] = mirrorFlags(net.patternFlags[so + len - 1 - i] as number);
    }
    const to = net.patternTripOffset[p] as number;
    const count = (net.patternTripOffset[p + 1] as number) - to;
    const base = net.patternTimeOffset[p] as number;
    for (let q = 0; q < count; q++) {
      const fq = count - 1 - q;
      slotTrip[to + q] = net.slotTrip[to + fq] as number;
      for (let i = 0; i < len; i++) {
        dep[base + q * len + i] = -(net.arr[base + fq * len + len - 1 - i] as number);
        arr[base + q * len + i] = -(net.dep[base + fq * len + len - 1 - i] as number);
      }
    }
  }
  return {
    patternStopOffset: net.patternStopOffset,
    patternStops,
    patternFlags,
    patternTripOffset: net.patternTripOffset,
    patternTimeOffset: net.patternTimeOffset,
    slotTrip,
    arr,
    dep,
    ...stopPatternIndex(n, net.patternStopOffset, patternStops),
    foot,
  };
}
