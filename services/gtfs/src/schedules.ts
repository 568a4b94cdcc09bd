import { haversineMetres } from '@mobility/runtime/util';
import type { GtfsFeed, GtfsIssue, StopService, StopTime } from './types.js';

/** One trip's stop times, in stop_sequence order, with every time resolved. */
export interface TripSchedule {
  tripId: string;
  stopIds: string[];
  stopSequences: number[];
  arrivals: number[];
  departures: number[];
  pickupTypes: StopService[];
  dropOffTypes: StopService[];
}

/**
 * Groups stop_times by trip, orders them by stop_sequence and fills the times GTFS leaves blank
 * between timepoints, in proportion to the distance travelled (shape_dist_traveled when both
 * neighbours and the stop carry it, else straight lines between stops). Times that run backwards
 * are raised to the previous time, since every consumer assumes a trip never goes back in time.
 * Trips without a first and last time, or with fewer than two stops, are left out and reported.
 */
export function buildTripSchedules(feed: GtfsFeed): { schedules: TripSchedule[]; issues: GtfsIssue[] } {
  const issues: GtfsIssue[] = [];
  const byTrip = new Map<string, StopTime[]>();
  for (const stopTime of feed.stopTimes) {
    let list = byTrip.get(stopTime.tripId);
    if (!list) {
      list = [];
      byTrip.set(stopTime.tripId, list);
    }
    list.push(stopTime);
  }
  const position = new Map<string, { lat: number; lon: number }>();
  for (const stop of feed.stops) position.set(stop.stopId, { lat: stop.stopLat, lon: stop.stopLon });

  const schedules: TripSchedule[] = [];
  let backwards = 0;
  for (const trip of feed.trips) {
    const rows = byTrip.get(trip.tripId);
    if (!rows || rows.length < 2) {
      issues.push({
        file: 'stop_times.txt',
        line: 0,
        message: `trip ${trip.tripId} has fewer than two stops; left out`,
        severity: 'warning',
      });
      continue;
    }
    rows.sort((a, b) => a.stopSequence - b.stopSequence);
    const first = rows[0] as StopTime;
    const last = rows[rows.length - 1] as StopTime;
    if (first.departureTime === undefined || last.arrivalTime === undefined) {
      issues.push({
        file: 'stop_times.txt',
        line: 0,
        message: `trip ${trip.tripId} lacks a first or last time; left out`,
        severity: 'error',
      });
      continue;
    }
    const arrivals = rows.map((r) => r.arrivalTime ?? Number.NaN);
    const departures = rows.map((r) => r.departureTime ?? Number.NaN);
    interpolate(rows, arrivals, departures, position);
    for (let i = 0; i < rows.length; i++) {
      const previous = i === 0 ? (arrivals[0] as number) : (departures[i - 1] as number);
      if ((arrivals[i] as number) < previous) {
        arrivals[i] = previous;
        backwards++;
      }
      if ((departures[i] as number) < (arrivals[i] as number)) departures[i] = arrivals[i] as number;
    }
    schedules.push({
      tripId: trip.tripId,
      stopIds: rows.map((r) => r.stopId),
      stopSequences: rows.map((r) => r.stopSequence),
      arrivals,
      departures,
      pickupTypes: rows.map((r) => r.pickupType),
      dropOffTypes: rows.map((r) => r.dropOffType),
    });
  }
  if (backwards > 0) {
    issues.push({
      file: 'stop_times.txt',
      line: 0,
      message: `${backwards} stop times earlier than the previous stop; raised`,
      severity: 'warning',
    });
  }
  return { schedules, issues };
}

function interpolate(
  rows: readonly StopTime[],
  arrivals: number[],
  departures: number[],
  position: ReadonlyMap<string, { lat: number; lon: number }>,
): void {
  // Cumulative distance along the trip; shape distances only when every stop has one.
  const useShape = rows.every((r) => r.shapeDistTraveled !== undefined);
  const along = new Array<number>(rows.length).fill(0);
  for (let i = 1; i < rows.length; i++) {
    if (useShape) along[i] = rows[i]?.shapeDistTraveled as number;
    else {
      const a = position.get(rows[i - 1]?.stopId as string);
      const b = position.get(rows[i]?.stopId as string);
      const step = a && b && Number.isFinite(a.lat + b.lat) ? haversineMetres(a.lat, a.lon, b.lat, b.lon) : 0;
      along[i] = (along[i - 1] as number) + step;
    }
  }
  let known = 0;
  for (let i = 1; i < rows.length; i++) {
    if (Number.isNaN(arrivals[i] as number)) continue;
    if (i - known > 1) {
      const t0 = departures[known] as number;
      const t1 = arrivals[i] as number;
      const d0 = along[known] as number;
      const span = (along[i] as number) - d0;
      for (let j = known + 1; j < i; j++) {
        // Equal spacing when distances say nothing (same coordinates, or shape distances flat).
        const share = span > 0 ? ((along[j] as number) - d0) / span : (j - known) / (i - known);
        const t = Math.round(t0 + share * (t1 - t0));
        arrivals[j] = t;
        departures[j] = t;
      }
    }
    known = i;
  }
}
