import { addDays, formatGtfsTime, weekdayIndex } from '@mobility/gtfs';
import { type Zippable, zipSync } from 'fflate';
import type { ServiceId, TransitNetwork, TransitPattern } from './transit.js';
import { tripTimes } from './transit.js';

/** Feed-level facts written with the network. */
export interface FeedDescription {
  agencyId: string;
  agencyName: string;
  agencyUrl: string;
  timeZone: string;
  lang: string;
  /** First and last service date, YYYYMMDD. */
  startDate: string;
  endDate: string;
  version: string;
}

/** Which service runs on public holidays (Sunday's), and the holidays: fixed-date ones, each year. */
const FIXED_HOLIDAYS = ['0101', '1225', '1226'];

/** A CSV field: quoted only when it must be. */
function field(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
function row(values: readonly (string | number)[]): string {
  return `${values.map(field).join(',')}\n`;
}

/**
 * Collects text into encoded chunks so a large file never exists as one huge JS string or as
 * millions of small ones.
 */
class TextSink {
  private readonly encoder = new TextEncoder();
  private readonly chunks: Uint8Array[] = [];
  private pending = '';
  private size = 0;
  write(text: string): void {
    this.pending += text;
    if (this.pending.length > 1 << 20) this.flush();
  }
  private flush(): void {
    const chunk = this.encoder.encode(this.pending);
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.pending = '';
  }
  bytes(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

function file(
  header: readonly string[],
  fill: (write: (values: readonly (string | number)[]) => void) => void,
) {
  const sink = new TextSink();
  sink.write(row(header));
  fill((values) => sink.write(row(values)));
  return sink.bytes();
}

/** The GTFS files of a network, as bytes by file name. */
export function gtfsFiles(network: TransitNetwork, feed: FeedDescription): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  files['agency.txt'] = file(
    ['agency_id', 'agency_name', 'agency_url', 'agency_timezone', 'agency_lang'],
    (write) => write([feed.agencyId, feed.agencyName, feed.agencyUrl, feed.timeZone, feed.lang]),
  );
  files['feed_info.txt'] = file(
    [
      'feed_publisher_name',
      'feed_publisher_url',
      'feed_lang',
      'feed_start_date',
      'feed_end_date',
      'feed_version',
    ],
    (write) =>
      write([feed.agencyName, feed.agencyUrl, feed.lang, feed.startDate, feed.endDate, feed.version]),
  );
  files['stops.txt'] = file(
    ['stop_id', 'stop_code', 'stop_name', 'stop_lat', 'stop_lon', 'location_type', 'wheelchair_boarding'],
    (write) => {
      for (const stop of network.stops)
        write([stop.id, stop.code, stop.name, stop.lat, stop.lon, 0, stop.wheelchairBoarding]);
    },
  );
  files['routes.txt'] = file(
    [
      'route_id',
      'agency_id',
      'route_short_name',
      'route_long_name',
      'route_type',
      'route_color',
      'route_text_color',
    ],
    (write) => {
      for (const route of network.routes)
        write([route.id, feed.agencyId, route.shortName, route.longName, 3, route.color, route.textColor]);
    },
  );
  files['trips.txt'] = file(
    [
      'route_id',
      'service_id',
      'trip_id',
      'trip_headsign',
      'direction_id',
      'block_id',
      'shape_id',
      'wheelchair_accessible',
    ],
    (write) => {
      for (const trip of network.trips) {
        const pattern = network.patterns[trip.patternIndex] as TransitPattern;
        write([
          trip.routeId,
          trip.serviceId,
          trip.id,
          pattern.headsign,
          pattern.directionId,
          trip.blockId,
          pattern.id,
          1,
        ]);
      }
    },
  );
  files['stop_times.txt'] = stopTimesFile(network);
  files['shapes.txt'] = file(
    ['shape_id', 'shape_pt_lat', 'shape_pt_lon', 'shape_pt_sequence', 'shape_dist_traveled'],
    (write) => {
      for (const pattern of network.patterns)
        for (const [k, point] of pattern.shape.entries())
          write([pattern.id, round6(point.lat), round6(point.lon), k + 1, pattern.shapeDistM[k] as number]);
    },
  );
  const used = new Set(network.trips.map((trip) => trip.serviceId));
  const services = (['WD', 'SA', 'SU'] as const).filter((id) => used.has(id));
  const days: Record<ServiceId, string[]> = {
    WD: ['1', '1', '1', '1', '1', '0', '0'],
    SA: ['0', '0', '0', '0', '0', '1', '0'],
    SU: ['0', '0', '0', '0', '0', '0', '1'],
  };
  files['calendar.txt'] = file(
    [
      'service_id',
      'monday',
      'tuesday',
      'wednesday',
      'thursday',
      'friday',
      'saturday',
      'sunday',
      'start_date',
      'end_date',
    ],
    (write) => {
      for (const id of services) write([id, ...days[id], feed.startDate, feed.endDate]);
    },
  );
  files['calendar_dates.txt'] = file(['service_id', 'date', 'exception_type'], (write) => {
    for (const date of holidays(feed.startDate, feed.endDate)) {
      const weekday = weekdayIndex(date);
      if (weekday === 6) continue; // already Sunday service
      const usual: ServiceId = weekday === 5 ? 'SA' : 'WD';
      if (services.includes(usual)) write([usual, date, 2]);
      if (services.includes('SU')) write(['SU', date, 1]);
    }
  });
  return files;
}

/**
 * stop_times.txt, millions of rows in a large city: written without the generic quoting path, which
 * is safe because every id in it is generated here from letters, digits and dashes.
 */
function stopTimesFile(network: TransitNetwork): Uint8Array {
  const sink = new TextSink();
  sink.write('trip_id,arrival_time,departure_time,stop_id,stop_sequence,timepoint,shape_dist_traveled\n');
  const formatted: string[] = [];
  const timeText = (seconds: number) => {
    let text = formatted[seconds];
    if (text === undefined) {
      text = formatGtfsTime(seconds);
      formatted[seconds] = text;
    }
    return text;
  };
  for (const trip of network.trips) {
    const pattern = network.patterns[trip.patternIndex] as TransitPattern;
    const times = tripTimes(pattern, trip);
    let lines = '';
    for (let k = 0; k < pattern.stopIds.length; k++) {
      const time = timeText(times[k] as number);
      lines += `${trip.id},${time},${time},${pattern.stopIds[k]},${k + 1},${pattern.timepoints[k] ? 1 : 0},${pattern.stopDistM[k]}\n`;
    }
    sink.write(lines);
  }
  return sink.bytes();
}

/** Public holidays in [start, end]: the fixed-date ones, run on Sunday service. */
export function holidays(startDate: string, endDate: string): string[] {
  const dates: string[] = [];
  const firstYear = Number(startDate.slice(0, 4));
  const lastYear = Number(endDate.slice(0, 4));
  for (let year = firstYear; year <= lastYear; year++)
    for (const monthDay of FIXED_HOLIDAYS) {
      const date = `${year}${monthDay}`;
      if (date >= startDate && date <= endDate) dates.push(date);
    }
  return dates;
}

const ZIP_ENTRY_TIME = new Date(Date.UTC(2026, 0, 1));

/** Zips GTFS files. Level 6 for small feeds; fast level 1 once the feed is large (seconds matter there). */
export function zipGtfs(files: Record<string, Uint8Array>): Uint8Array {
  const total = Object.values(files).reduce((sum, bytes) => sum + bytes.length, 0);
  const level = total > 20_000_000 ? 1 : 6;
  const zippable: Zippable = {};
  // A fixed entry time: the same city must give the same bytes whenever it is generated.
  for (const [name, bytes] of Object.entries(files))
    zippable[name] = [bytes, { level, mtime: ZIP_ENTRY_TIME }];
  return zipSync(zippable);
}

/** The last date of a validity period of `days` days from `startDate`. */
export function endDateAfter(startDate: string, days: number): string {
  return addDays(startDate, days - 1);
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
