import { buildTripSchedules, type GtfsFeed, ServiceCalendar } from '@mobility/gtfs';
import { haversineMetres } from '@mobility/runtime/util';

/**
 * An independent, deliberately plain journey planner used to check RAPTOR: a time-dependent
 * Dijkstra over states (stop, arrived on foot?, rides so far). It shares nothing with the routing
 * domain but the GTFS reader: its own trip expansion, its own all-pairs footpaths, its own search.
 * Semantics it must agree on: a footpath is walked at most once between two rides (and not after
 * a walked access or before a walked egress), walking time is ceil(distance / speed), and
 * pickup/drop-off "none" forbids boarding/alighting.
 */
export interface ReferenceNetwork {
  stopIds: string[];
  stopIndex: Map<string, number>;
  stopBlocked: Uint8Array;
  trips: Array<{
    stops: number[];
    arr: number[];
    dep: number[];
    pickup: boolean[];
    dropOff: boolean[];
    accessible: boolean;
  }>;
  /** Per stop, departures sorted by time: [trip, position, time]. */
  events: Array<Array<[number, number, number]>>;
  footpaths: Array<Array<[number, number, number]>>;
}

export function buildReference(feed: GtfsFeed, date: string, radiusM: number): ReferenceNetwork {
  const active = new ServiceCalendar(feed.calendars, feed.calendarDates).servicesOn(date);
  const stops = feed.stops.filter((s) => Number.isFinite(s.stopLat) && Number.isFinite(s.stopLon));
  const stopIndex = new Map(stops.map((s, i) => [s.stopId, i]));
  const byId = new Map(feed.stops.map((s) => [s.stopId, s]));
  const stopBlocked = Uint8Array.from(stops, (s) => {
    const own = s.wheelchairBoarding;
    const resolved =
      own === 0 && s.parentStation ? (byId.get(s.parentStation)?.wheelchairBoarding ?? 0) : own;
    return resolved === 2 ? 1 : 0;
  });
  const tripById = new Map(feed.trips.map((t) => [t.tripId, t]));
  const trips: ReferenceNetwork['trips'] = [];
  for (const schedule of buildTripSchedules(feed).schedules) {
    const trip = tripById.get(schedule.tripId);
    if (!trip || !active.has(trip.serviceId)) continue;
    const starts: number[] = [];
    const headways = feed.frequencies.filter((f) => f.tripId === schedule.tripId);
    if (headways.length === 0) starts.push(0);
    for (const f of headways)
      for (let t = f.startTime; t < f.endTime; t += f.headwaySecs)
        starts.push(t - (schedule.departures[0] as number));
    for (const shift of starts) {
      trips.push({
        stops: schedule.stopIds.map((id) => stopIndex.get(id) as number),
        arr: schedule.arrivals.map((t) => t + shift),
        dep: schedule.departures.map((t) => t + shift),
        pickup: schedule.pickupTypes.map((p) => p !== 1),
        dropOff: schedule.dropOffTypes.map((d) => d !== 1),
        accessible: trip.wheelchairAccessible !== 2,
      });
    }
  }
  const events: ReferenceNetwork['events'] = stops.map(() => []);
  trips.forEach((trip, t) => {
    trip.stops.forEach((s, i) => {
      events[s]?.push([t, i, trip.dep[i] as number]);
    });
  });
  for (const list of events) list.sort((a, b) => a[2] - b[2]);
  const footpaths: ReferenceNetwork['footpaths'] = stops.map(() => []);
  const links = new Map<string, [number, number, number]>();
  // A sweep over stops sorted by latitude: only pairs within the radius in latitude are measured.
  const byLat = stops
    .map((_, i) => i)
    .sort((a, b) => (stops[a]?.stopLat as number) - (stops[b]?.stopLat as number));
  const latReach = radiusM / 111_000 + 1e-9;
  for (let x = 0; x < byLat.length; x++) {
    const a = byLat[x] as number;
    const sa = stops[a] as (typeof stops)[number];
    for (let y = x + 1; y < byLat.length; y++) {
      const b = byLat[y] as number;
      const sb = stops[b] as (typeof stops)[number];
      if (sb.stopLat - sa.stopLat > latReach) break;
      const d = haversineMetres(sa.stopLat, sa.stopLon, sb.stopLat, sb.stopLon);
      if (d <= radiusM) {
        links.set(`${a}>${b}`, [b, d, -1]);
        links.set(`${b}>${a}`, [a, d, -1]);
      }
    }
  }
  for (const tr of feed.transfers) {
    if (tr.fromRouteId || tr.toRouteId || tr.fromTripId || tr.toTripId) continue;
    const a = stopIndex.get(tr.fromStopId);
    const b = stopIndex.get(tr.toStopId);
    if (a === undefined || b === undefined || a === b) continue;
    if (tr.transferType === 3) {
      links.delete(`${a}>${b}`);
      continue;
    }
    const sa = stops[a] as (typeof stops)[number];
    const sb = stops[b] as (typeof stops)[number];
    const d = links.get(`${a}>${b}`)?.[1] ?? haversineMetres(sa.stopLat, sa.stopLon, sb.stopLat, sb.stopLon);
    links.set(`${a}>${b}`, [b, d, tr.transferType === 2 ? (tr.minTransferTime ?? -1) : -1]);
  }
  for (const [key, link] of links) footpaths[Number(key.split('>')[0])]?.push(link);
  return { stopIds: stops.map((s) => s.stopId), stopIndex, stopBlocked, trips, events, footpaths };
}

export interface ReferenceEnd {
  stopId: string;
  seconds: number;
  /** The named stop itself (a footpath may follow/precede it), as opposed to a walk to a point. */
  exact: boolean;
}

export interface ReferenceQuery {
  sources: ReferenceEnd[];
  targets: ReferenceEnd[];
  departAt: number;
  maxTrips: number;
  maxWalkM: number;
  walkSpeedMps: number;
  wheelchair?: boolean;
}

/** Earliest arrival at the destination with at most k rides, for k = 0..maxTrips (Infinity = none). */
export function referenceArrivals(net: ReferenceNetwork, query: ReferenceQuery): number[] {
  const n = net.stopIds.length;
  const layers = query.maxTrips + 1;
  const best = new Float64Array(layers * n * 2).fill(Number.POSITIVE_INFINITY);
  const boardedAt = Array.from({ length: layers }, () => new Map<number, number>());
  const heap = new MinHeap();
  const push = (stop: number, onFoot: number, rides: number, t: number) => {
    const id = (rides * n + stop) * 2 + onFoot;
    if (t < (best[id] as number)) {
      best[id] = t;
      heap.push(t, id);
    }
  };
  for (const source of query.sources) {
    const s = net.stopIndex.get(source.stopId);
    if (s !== undefined) push(s, source.exact ? 0 : 1, 0, query.departAt + source.seconds);
  }
  while (heap.size > 0) {
    const [t, id] = heap.pop();
    if (t > (best[id] as number)) continue;
    const onFoot = id % 2;
    const stop = Math.floor(id / 2) % n;
    const rides = Math.floor(id / 2 / n);
    if (onFoot === 0) {
      for (const [to, d, minTime] of net.footpaths[stop] ?? []) {
        if (d <= query.maxWalkM) push(to, 1, rides, t + Math.max(Math.ceil(d / query.walkSpeedMps), minTime));
      }
    }
    if (rides >= query.maxTrips || (query.wheelchair && net.stopBlocked[stop])) continue;
    const events = net.events[stop] ?? [];
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((events[mid] as [number, number, number])[2] < t) lo = mid + 1;
      else hi = mid;
    }
    const boarded = boardedAt[rides + 1] as Map<number, number>;
    for (let e = lo; e < events.length; e++) {
      const [tripIndex, pos] = events[e] as [number, number, number];
      const trip = net.trips[tripIndex] as ReferenceNetwork['trips'][number];
      if (!trip.pickup[pos] || (query.wheelchair && !trip.accessible)) continue;
      const earlier = boarded.get(tripIndex) ?? trip.stops.length;
      if (pos >= earlier) continue;
      boarded.set(tripIndex, pos);
      // Stops up to the earlier boarding point were not reached from it; later ones were.
      for (let m = pos + 1; m <= Math.min(earlier, trip.stops.length - 1); m++) {
        const s = trip.stops[m] as number;
        if (trip.dropOff[m] && !(query.wheelchair && net.stopBlocked[s]))
          push(s, 0, rides + 1, trip.arr[m] as number);
      }
    }
  }
  const arrivals: number[] = [];
  for (let k = 0; k < layers; k++) {
    let bestAt = k > 0 ? (arrivals[k - 1] as number) : Number.POSITIVE_INFINITY;
    for (const target of query.targets) {
      const s = net.stopIndex.get(target.stopId);
      if (s === undefined) continue;
      const byVehicle = (best[(k * n + s) * 2] as number) + target.seconds;
      const onFoot = target.exact
        ? (best[(k * n + s) * 2 + 1] as number) + target.seconds
        : Number.POSITIVE_INFINITY;
      bestAt = Math.min(bestAt, byVehicle, onFoot);
    }
    arrivals.push(bestAt);
  }
  return arrivals;
}

/** A binary min-heap of (time, id) pairs. */
class MinHeap {
  private times: number[] = [];
  private ids: number[] = [];
  get size(): number {
    return this.times.length;
  }
  push(time: number, id: number): void {
    const { times, ids } = this;
    let i = times.length;
    times.push(time);
    ids.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((times[parent] as number) <= time) break;
      times[i] = times[parent] as number;
      ids[i] = ids[parent] as number;
      i = parent;
    }
    times[i] = time;
    ids[i] = id;
  }
  pop(): [number, number] {
    const { times, ids } = this;
    const top: [number, number] = [times[0] as number, ids[0] as number];
    const lastTime = times.pop() as number;
    const lastId = ids.pop() as number;
    const size = times.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && (times[child + 1] as number) < (times[child] as number)) child++;
        if ((times[child] as number) >= lastTime) break;
        times[i] = times[child] as number;
        ids[i] = ids[child] as number;
        i = child;
      }
      times[i] = lastTime;
      ids[i] = lastId;
    }
    return top;
  }
}
