import { parse } from 'csv-parse/sync';

/**
 * One row of a ping trace in the flattened GTFS-rt VehiclePositions layout (the WMATA archive:
 * `vehicle.trip.trip_id`, `vehicle.position.latitude`, `vehicle.timestamp` in epoch seconds...).
 * Values are kept raw (possibly NaN / empty) so validation can judge them.
 */
export interface TracePing {
  /** 1-based line in the file (header is line 1). */
  line: number;
  vehicleId: string;
  timestampMs: number;
  lat: number;
  lon: number;
  bearingDeg?: number;
  speedMps?: number;
  tripId?: string;
  routeId?: string;
  startDate?: string;
  startTime?: string;
}

const COLUMNS = {
  vehicleId: ['vehicle.vehicle.id', 'id'],
  timestamp: ['vehicle.timestamp'],
  lat: ['vehicle.position.latitude'],
  lon: ['vehicle.position.longitude'],
  bearing: ['vehicle.position.bearing'],
  speed: ['vehicle.position.speed'],
  tripId: ['vehicle.trip.trip_id'],
  routeId: ['vehicle.trip.route_id'],
  startDate: ['vehicle.trip.start_date'],
  startTime: ['vehicle.trip.start_time'],
} as const;

/** Thrown when the file lacks a column the replay needs. */
export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
}

/** Parses a trace; rows keep file order (the replay sorts by timestamp). */
export function parsePingTrace(text: string): TracePing[] {
  const records = parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  }) as string[][];
  const header = records[0];
  if (!header) throw new TraceFormatError('empty trace');
  const index = (names: readonly string[]): number => {
    for (const name of names) {
      const at = header.indexOf(name);
      if (at >= 0) return at;
    }
    return -1;
  };
  const at = Object.fromEntries(Object.entries(COLUMNS).map(([key, names]) => [key, index(names)])) as Record<
    keyof typeof COLUMNS,
    number
  >;
  for (const required of ['vehicleId', 'timestamp', 'lat', 'lon'] as const) {
    if (at[required] < 0) throw new TraceFormatError(`missing column ${COLUMNS[required].join(' or ')}`);
  }
  const pings: TracePing[] = [];
  for (let row = 1; row < records.length; row++) {
    const record = records[row] as string[];
    const text = (key: keyof typeof COLUMNS): string | undefined => {
      const value = at[key] >= 0 ? record[at[key]] : undefined;
      return value === undefined || value === '' || value === 'NA' ? undefined : value;
    };
    const number = (key: keyof typeof COLUMNS): number | undefined => {
      const value = text(key);
      return value === undefined ? undefined : Number(value);
    };
    const ping: TracePing = {
      line: row + 1,
      vehicleId: text('vehicleId') ?? '',
      timestampMs: (number('timestamp') ?? Number.NaN) * 1000,
      lat: number('lat') ?? Number.NaN,
      lon: number('lon') ?? Number.NaN,
    };
    const bearing = number('bearing');
    if (bearing !== undefined && Number.isFinite(bearing)) ping.bearingDeg = bearing;
    const speed = number('speed');
    if (speed !== undefined && Number.isFinite(speed)) ping.speedMps = speed;
    // Float-formatted ids ("18632100.0") from the R export are the same ids.
    const tripId = text('tripId')?.replace(/\.0$/, '');
    if (tripId !== undefined) ping.tripId = tripId;
    const routeId = text('routeId');
    if (routeId !== undefined) ping.routeId = routeId;
    const startDate = text('startDate')?.replace(/\.0$/, '');
    if (startDate !== undefined) ping.startDate = startDate;
    const startTime = text('startTime');
    if (startTime !== undefined) ping.startTime = startTime;
    pings.push(ping);
  }
  return pings;
}
