import { XMLParser } from 'fast-xml-parser';

export interface TripRecord {
  id: string;
  /** -1 when the vehicle was never inserted. */
  departS: number;
  departDelayS: number;
  /** -1 when the vehicle had not arrived at the end. */
  arrivalS: number;
  timeLossS: number;
  stops: number;
}

export interface DelayFigures {
  vehicles: number;
  arrived: number;
  backlog: number;
  mean_delay_s: number;
  p95_delay_s: number;
  mean_stops: number;
}

/**
 * Reads SUMO's tripinfo output written with write-unfinished and write-undeparted. SUMO fills in
 * the figures up to the end for unfinished vehicles, and for never-inserted ones puts the wait from
 * planned departure to the end into departDelay.
 */
export function parseTripinfo(xml: string): TripRecord[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => name === 'tripinfo',
  });
  const document = parser.parse(xml) as { tripinfos?: { tripinfo?: Record<string, string>[] } | string };
  const tripinfos = typeof document.tripinfos === 'object' ? (document.tripinfos.tripinfo ?? []) : [];
  return tripinfos.map((trip) => ({
    id: String(trip.id),
    departS: Number(trip.depart),
    departDelayS: Number(trip.departDelay ?? 0),
    arrivalS: Number(trip.arrival ?? -1),
    timeLossS: Number(trip.timeLoss ?? 0),
    stops: Number(trip.waitingCount ?? 0),
  }));
}

/**
 * Delay of a vehicle = time lost while driving + time it waited to enter. Every vehicle due in the
 * window counts once, finished or not; a negative depart delay would mean a vehicle planned after
 * the end, which is not due, so it is left out.
 */
export function delayFigures(trips: readonly TripRecord[]): DelayFigures {
  const due = trips.filter((trip) => Number.isFinite(trip.departDelayS) && trip.departDelayS >= 0);
  const delays = due.map((trip) => Math.max(0, trip.timeLossS) + trip.departDelayS).sort((a, b) => a - b);
  const count = due.length;
  const mean = (values: number[]) =>
    values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    vehicles: count,
    arrived: due.filter((trip) => trip.arrivalS >= 0).length,
    backlog: due.filter((trip) => trip.departS < 0).length,
    mean_delay_s: round(mean(delays), 2),
    p95_delay_s: round(percentile(delays, 0.95), 2),
    mean_stops: round(mean(due.map((trip) => trip.stops)), 3),
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
