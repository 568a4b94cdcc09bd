import { type Columns, RowError } from './csv.js';
import { isGtfsDate, parseGtfsTime } from './time.js';
import type {
  Accessibility,
  Agency,
  Calendar,
  CalendarDate,
  FeedInfo,
  Frequency,
  LocationType,
  Route,
  ShapePoint,
  Stop,
  StopService,
  StopTime,
  Transfer,
  Trip,
} from './types.js';

/**
 * One mapper per GTFS file: from the raw fields of a row to a typed row. Missing required values
 * throw RowError (the row is skipped); bad optional values fall back to the GTFS default with a
 * warning, so a sloppy feed still loads.
 */
type Mapper<T> = (columns: Columns) => (fields: readonly string[], warn: (message: string) => void) => T;
type Getter = (fields: readonly string[]) => string | undefined;

function required(columns: Columns, name: string): (fields: readonly string[]) => string {
  const get = columns.field(name);
  return (fields) => {
    const value = get(fields);
    if (value === undefined) throw new RowError(`missing ${name}`);
    return value;
  };
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new RowError(`${name} is not a number: ${value}`);
  return parsed;
}

function requiredNumber(get: Getter, name: string, fields: readonly string[]): number {
  const value = number(get(fields), name);
  if (value === undefined) throw new RowError(`missing ${name}`);
  return value;
}

/** An enumerated column: absent means the GTFS default, an unknown code warns and uses the default. */
function enumerated<T extends number>(get: Getter, name: string, allowed: readonly T[], fallback: T) {
  return (fields: readonly string[], warn: (message: string) => void): T => {
    const value = get(fields);
    if (value === undefined) return fallback;
    const parsed = Number(value) as T;
    if (allowed.includes(parsed)) return parsed;
    warn(`${name} has an unknown value ${value}; using ${fallback}`);
    return fallback;
  };
}

function time(get: Getter, name: string, fields: readonly string[]): number | undefined {
  const value = get(fields);
  if (value === undefined) return undefined;
  const parsed = parseGtfsTime(value);
  if (parsed === undefined) throw new RowError(`${name} is not a time: ${value}`);
  return parsed;
}

function date(get: Getter, name: string, fields: readonly string[]): string {
  const value = get(fields);
  if (value === undefined) throw new RowError(`missing ${name}`);
  if (!isGtfsDate(value)) throw new RowError(`${name} is not a YYYYMMDD date: ${value}`);
  return value;
}

/** Adds optional string properties only when present (exactOptionalPropertyTypes forbids undefined). */
function withOptional<T extends object>(target: T, optional: Record<string, string | number | undefined>): T {
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target;
}

const ACCESSIBILITY: readonly Accessibility[] = [0, 1, 2];
const STOP_SERVICE: readonly StopService[] = [0, 1, 2, 3];

/** Whether Intl knows the zone (IANA names such as Europe/Paris, and UTC). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const agencyRow: Mapper<Agency> = (c) => {
  const name = required(c, 'agency_name');
  const tz = c.field('agency_timezone');
  const [id, url, lang] = [c.field('agency_id'), c.field('agency_url'), c.field('agency_lang')];
  return (f, warn) => {
    let timezone = tz(f);
    if (timezone === undefined) warn('missing agency_timezone; using UTC');
    else if (!isTimeZone(timezone)) {
      // An unknown zone would only fail later, in every local-time conversion (service-day
      // origins, "depart now"); loading with UTC keeps the feed usable and the issue says why.
      warn(`agency_timezone ${timezone} is not an IANA time zone; using UTC`);
      timezone = undefined;
    }
    return withOptional<Agency>(
      { agencyName: name(f), agencyTimezone: timezone ?? 'UTC' },
      { agencyId: id(f), agencyUrl: url(f), agencyLang: lang(f) },
    );
  };
};

export const stopRow: Mapper<Stop> = (c) => {
  const id = required(c, 'stop_id');
  const [name, lat, lon, code, parent, platform] = [
    c.field('stop_name'),
    c.field('stop_lat'),
    c.field('stop_lon'),
    c.field('stop_code'),
    c.field('parent_station'),
    c.field('platform_code'),
  ];
  const locationType = enumerated<LocationType>(
    c.field('location_type'),
    'location_type',
    [0, 1, 2, 3, 4],
    0,
  );
  const wheelchair = enumerated(c.field('wheelchair_boarding'), 'wheelchair_boarding', ACCESSIBILITY, 0);
  return (f, warn) => {
    const type = locationType(f, warn);
    // Generic nodes and boarding areas may lack coordinates; every other kind must have them.
    const needsPosition = type <= 2;
    const stopLat = needsPosition
      ? requiredNumber(lat, 'stop_lat', f)
      : (number(lat(f), 'stop_lat') ?? Number.NaN);
    const stopLon = needsPosition
      ? requiredNumber(lon, 'stop_lon', f)
      : (number(lon(f), 'stop_lon') ?? Number.NaN);
    if (Math.abs(stopLat) > 90 || Math.abs(stopLon) > 180)
      throw new RowError(`coordinate out of range: ${stopLat},${stopLon}`);
    return withOptional<Stop>(
      {
        stopId: id(f),
        stopName: name(f) ?? '',
        stopLat,
        stopLon,
        locationType: type,
        wheelchairBoarding: wheelchair(f, warn),
      },
      { stopCode: code(f), parentStation: parent(f), platformCode: platform(f) },
    );
  };
};

export const routeRow: Mapper<Route> = (c) => {
  const id = required(c, 'route_id');
  const [agency, shortName, longName, type, color] = [
    c.field('agency_id'),
    c.field('route_short_name'),
    c.field('route_long_name'),
    c.field('route_type'),
    c.field('route_color'),
  ];
  return (f, warn) => {
    let routeType = number(type(f), 'route_type');
    if (routeType === undefined) {
      warn('missing route_type; using 3 (bus)');
      routeType = 3;
    }
    return withOptional<Route>(
      { routeId: id(f), routeType },
      { agencyId: agency(f), routeShortName: shortName(f), routeLongName: longName(f), routeColor: color(f) },
    );
  };
};

export const tripRow: Mapper<Trip> = (c) => {
  const [route, service, id] = [required(c, 'route_id'), required(c, 'service_id'), required(c, 'trip_id')];
  const [headsign, shortName, block, shape] = [
    c.field('trip_headsign'),
    c.field('trip_short_name'),
    c.field('block_id'),
    c.field('shape_id'),
  ];
  const direction = c.field('direction_id');
  const wheelchair = enumerated(c.field('wheelchair_accessible'), 'wheelchair_accessible', ACCESSIBILITY, 0);
  const bikes = enumerated(c.field('bikes_allowed'), 'bikes_allowed', ACCESSIBILITY, 0);
  return (f, warn) => {
    const trip = withOptional<Trip>(
      {
        routeId: route(f),
        serviceId: service(f),
        tripId: id(f),
        wheelchairAccessible: wheelchair(f, warn),
        bikesAllowed: bikes(f, warn),
      },
      { tripHeadsign: headsign(f), tripShortName: shortName(f), blockId: block(f), shapeId: shape(f) },
    );
    const dir = direction(f);
    if (dir === '0' || dir === '1') trip.directionId = dir === '0' ? 0 : 1;
    else if (dir !== undefined) warn(`direction_id has an unknown value ${dir}; ignored`);
    return trip;
  };
};

export const stopTimeRow: Mapper<StopTime> = (c) => {
  const [trip, stop] = [required(c, 'trip_id'), required(c, 'stop_id')];
  const [arrival, departure, sequence, headsign, dist, timepoint] = [
    c.field('arrival_time'),
    c.field('departure_time'),
    c.field('stop_sequence'),
    c.field('stop_headsign'),
    c.field('shape_dist_traveled'),
    c.field('timepoint'),
  ];
  const pickup = enumerated(c.field('pickup_type'), 'pickup_type', STOP_SERVICE, 0);
  const dropOff = enumerated(c.field('drop_off_type'), 'drop_off_type', STOP_SERVICE, 0);
  return (f, warn) => {
    const stopSequence = requiredNumber(sequence, 'stop_sequence', f);
    if (!Number.isInteger(stopSequence) || stopSequence < 0)
      throw new RowError(`stop_sequence is not a non-negative integer: ${stopSequence}`);
    // A stop with only one of the two times means the same instant for both.
    const arrivalTime = time(arrival, 'arrival_time', f) ?? time(departure, 'departure_time', f);
    const departureTime = time(departure, 'departure_time', f) ?? arrivalTime;
    if (arrivalTime !== undefined && departureTime !== undefined && departureTime < arrivalTime) {
      throw new RowError(`departure_time before arrival_time`);
    }
    // The hottest mapper (millions of rows): plain assignments, no helper objects per row.
    const row: StopTime = {
      tripId: trip(f),
      stopId: stop(f),
      stopSequence,
      pickupType: pickup(f, warn),
      dropOffType: dropOff(f, warn),
    };
    if (arrivalTime !== undefined) row.arrivalTime = arrivalTime;
    if (departureTime !== undefined) row.departureTime = departureTime;
    const stopHeadsign = headsign(f);
    if (stopHeadsign !== undefined) row.stopHeadsign = stopHeadsign;
    const shapeDist = number(dist(f), 'shape_dist_traveled');
    if (shapeDist !== undefined) row.shapeDistTraveled = shapeDist;
    const tp = timepoint(f);
    if (tp === '0' || tp === '1') row.timepoint = tp === '0' ? 0 : 1;
    return row;
  };
};

export const calendarRow: Mapper<Calendar> = (c) => {
  const id = required(c, 'service_id');
  const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) =>
    c.field(d),
  );
  const [start, end] = [c.field('start_date'), c.field('end_date')];
  return (f) => {
    const flags = days.map((get, i) => {
      const value = get(f);
      if (value !== '0' && value !== '1')
        throw new RowError(`day ${i + 1} must be 0 or 1, got ${value ?? 'nothing'}`);
      return value === '1';
    });
    const startDate = date(start, 'start_date', f);
    const endDate = date(end, 'end_date', f);
    if (endDate < startDate) throw new RowError('end_date before start_date');
    return { serviceId: id(f), days: flags as unknown as Calendar['days'], startDate, endDate };
  };
};

export const calendarDateRow: Mapper<CalendarDate> = (c) => {
  const [id, day, type] = [required(c, 'service_id'), c.field('date'), c.field('exception_type')];
  return (f) => {
    const exception = type(f);
    if (exception !== '1' && exception !== '2')
      throw new RowError(`exception_type must be 1 or 2, got ${exception ?? 'nothing'}`);
    return { serviceId: id(f), date: date(day, 'date', f), exceptionType: exception === '1' ? 1 : 2 };
  };
};

export const shapeRow: Mapper<ShapePoint> = (c) => {
  const [id, lat, lon, seq, dist] = [
    required(c, 'shape_id'),
    c.field('shape_pt_lat'),
    c.field('shape_pt_lon'),
    c.field('shape_pt_sequence'),
    c.field('shape_dist_traveled'),
  ];
  return (f) => {
    const point: ShapePoint = {
      shapeId: id(f),
      lat: requiredNumber(lat, 'shape_pt_lat', f),
      lon: requiredNumber(lon, 'shape_pt_lon', f),
      sequence: requiredNumber(seq, 'shape_pt_sequence', f),
    };
    const distTraveled = number(dist(f), 'shape_dist_traveled');
    if (distTraveled !== undefined) point.distTraveled = distTraveled;
    return point;
  };
};

/** Longest start_time..end_time of a frequencies.txt row: two service days. */
export const MAX_FREQUENCY_SPAN_S = 48 * 3600;

export const frequencyRow: Mapper<Frequency> = (c) => {
  const [id, start, end, headway, exact] = [
    required(c, 'trip_id'),
    c.field('start_time'),
    c.field('end_time'),
    c.field('headway_secs'),
    c.field('exact_times'),
  ];
  return (f) => {
    const startTime = time(start, 'start_time', f);
    const endTime = time(end, 'end_time', f);
    if (startTime === undefined || endTime === undefined)
      throw new RowError('missing start_time or end_time');
    const headwaySecs = requiredNumber(headway, 'headway_secs', f);
    // Each headway becomes a run in the timetable: a fractional headway (0.001) or a span of days
    // would expand into millions of runs and exhaust memory.
    if (!Number.isInteger(headwaySecs) || headwaySecs < 1)
      throw new RowError(`headway_secs must be a whole number of seconds >= 1, got ${headway(f)}`);
    if (endTime - startTime > MAX_FREQUENCY_SPAN_S)
      throw new RowError('start_time..end_time spans more than 48 hours');
    return { tripId: id(f), startTime, endTime, headwaySecs, exactTimes: exact(f) === '1' ? 1 : 0 };
  };
};

export const transferRow: Mapper<Transfer> = (c) => {
  const [from, to, type, min] = [
    c.field('from_stop_id'),
    c.field('to_stop_id'),
    c.field('transfer_type'),
    c.field('min_transfer_time'),
  ];
  const [fromRoute, toRoute, fromTrip, toTrip] = [
    c.field('from_route_id'),
    c.field('to_route_id'),
    c.field('from_trip_id'),
    c.field('to_trip_id'),
  ];
  return (f) => {
    const fromStopId = from(f);
    const toStopId = to(f);
    if (fromStopId === undefined || toStopId === undefined)
      throw new RowError('transfer without from_stop_id and to_stop_id');
    const transferType = Number(type(f) ?? '0');
    if (![0, 1, 2, 3, 4, 5].includes(transferType)) throw new RowError(`unknown transfer_type ${type(f)}`);
    return withOptional<Transfer>(
      { fromStopId, toStopId, transferType: transferType as Transfer['transferType'] },
      {
        minTransferTime: number(min(f), 'min_transfer_time'),
        fromRouteId: fromRoute(f),
        toRouteId: toRoute(f),
        fromTripId: fromTrip(f),
        toTripId: toTrip(f),
      },
    );
  };
};

export const feedInfoRow: Mapper<FeedInfo> = (c) => {
  const [name, url, lang, start, end, version] = [
    c.field('feed_publisher_name'),
    c.field('feed_publisher_url'),
    c.field('feed_lang'),
    c.field('feed_start_date'),
    c.field('feed_end_date'),
    c.field('feed_version'),
  ];
  return (f) =>
    withOptional<FeedInfo>(
      { feedPublisherName: name(f) ?? '' },
      {
        feedPublisherUrl: url(f),
        feedLang: lang(f),
        feedStartDate: start(f),
        feedEndDate: end(f),
        feedVersion: version(f),
      },
    );
};
