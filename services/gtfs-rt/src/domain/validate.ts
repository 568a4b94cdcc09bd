import {
  formatGtfsTime,
  type GtfsFeed,
  isGtfsDate,
  parseGtfsTime,
  type StopTime,
  serviceDayStart,
} from '@mobility/gtfs';
import {
  type Alert,
  AlertEffect,
  type FeedEntity,
  type FeedMessage,
  hasField,
  Incrementality,
  StopScheduleRelationship,
  type StopTimeEvent,
  type StopTimeUpdate,
  type TripDescriptor,
  TripScheduleRelationship,
  type TripUpdate,
  toNumber,
  transit_realtime,
  type VehiclePosition,
} from '../codec.js';
import { type Notice, ReportBuilder, type ValidationReport } from './report.js';
import {
  distanceToShapeMetres,
  indexGtfs,
  type StaticIndex,
  stopTimeBySequence,
  type TripEntry,
  withinBounds,
} from './static-index.js';

export type { Notice, ValidationReport };

export interface ValidateInput {
  /** The feed to check (decoded, or a plain object of the same shape). */
  feed: FeedMessage;
  /** Its static GTFS (from readGtfsFile); the index built from it is cached per object. */
  gtfs: GtfsFeed;
  /** The previous fetch of the same feed, for E017, E018 and W007. */
  previous?: FeedMessage;
  /**
   * The other feed of the same moment (VehiclePositions when checking TripUpdates, or the
   * reverse), for W003 and E047; a feed that carries both kinds of entity is checked on its own.
   */
  companion?: FeedMessage;
  /**
   * "Now" in POSIX seconds, for E050 and W008. Without it those two rules are skipped (listed in
   * `skipped`). When checking an archived file, pass the header timestamp: E050 then finds entity
   * times after the moment the feed was written, and W008 cannot fire.
   */
  nowS?: number;
  /** Notices kept per rule code (counts stay exact); default 100. */
  maxNoticesPerCode?: number;
}

/** Oldest and newest instants accepted as POSIX seconds (E001): 2005-01-01 and 2100-01-01. */
export const POSIX_MIN_S = 1_104_537_600;
export const POSIX_MAX_S = 4_102_444_800;
/** E050: how far (s) a timestamp may lead "now" before it is "in the future" (clock skew). */
export const FUTURE_TOLERANCE_S = 60;
/** W008: the best-practice limit on feed age. */
export const MAX_FEED_AGE_S = 65;
/** W007: the best-practice limit between successive header timestamps. */
export const MAX_REFRESH_INTERVAL_S = 35;
/** W004: above this (about 94 km/h) a reported speed is suspicious. */
export const MAX_REALISTIC_SPEED_MPS = 26;
/** E028: how far outside the box of all shapes (or stops) a vehicle may be. */
export const COVERAGE_BUFFER_M = 1609;
/** E029: how far from its trip's shape a vehicle may be. */
export const TRIP_SHAPE_BUFFER_M = 200;

const KNOWN_VERSIONS = new Set(['1.0', '2.0']);
const START_TIME = /^\d{1,2}:[0-5]\d:[0-5]\d$/;
const { ADDED, UNSCHEDULED, CANCELED, DUPLICATED } = TripScheduleRelationship;
const { SKIPPED, NO_DATA } = StopScheduleRelationship;

/**
 * Checks one GTFS-realtime feed against MobilityData's validator rules (E001-E052, W001-W009 as
 * far as one feed, its static GTFS and optionally the previous/companion feed allow). Pure: no I/O,
 * the clock comes in as `nowS`.
 */
export function validateFeed(input: ValidateInput): ValidationReport {
  const report = new ReportBuilder(input.maxNoticesPerCode ?? 100);
  const index = indexGtfs(input.gtfs);
  const context = new FeedContext(input, index, report);
  context.run();
  return report.build(input.feed.entity?.length ?? 0);
}

type TripUse = 'trip_update' | 'vehicle' | 'alert';

/** State shared by the checks of one feed. */
class FeedContext {
  private readonly feed: FeedMessage;
  private readonly headerS: number | undefined;
  private readonly nowS: number | undefined;
  private readonly detourTrips = new Set<string>();
  private readonly detourRoutes = new Set<string>();
  private readonly dayStarts = new Map<string, number>();
  /** Trip updates and vehicle positions seen, for the rules across entities (E007, E014, W003, E047). */
  private readonly tripUpdates: {
    entityId: string | undefined;
    entry: TripEntry | undefined;
    trip: TripDescriptor;
    vehicleId: string | undefined;
  }[] = [];
  private readonly vehiclePositions: IdPair[] = [];

  constructor(
    private readonly input: ValidateInput,
    private readonly index: StaticIndex,
    private readonly report: ReportBuilder,
  ) {
    this.feed = input.feed;
    this.headerS = timestampOf(input.feed.header);
    this.nowS = input.nowS;
    for (const source of [input.feed, input.companion]) {
      for (const entity of source?.entity ?? []) {
        const alert = entity.alert;
        if (!alert || alert.effect !== AlertEffect.DETOUR) continue;
        for (const selector of alert.informedEntity ?? []) {
          if (selector.trip?.tripId) this.detourTrips.add(selector.trip.tripId);
          if (selector.trip?.routeId) this.detourRoutes.add(selector.trip.routeId);
          if (selector.routeId) this.detourRoutes.add(selector.routeId);
        }
      }
    }
  }

  run(): void {
    this.checkHeader();
    this.checkPrevious();
    this.checkStaticStops();
    const fullDataset =
      !hasField(this.feed.header, 'incrementality') ||
      this.feed.header?.incrementality === Incrementality.FULL_DATASET;
    const vehicleIds = new Map<string, string>();
    for (const entity of this.feed.entity ?? []) {
      const id = entity.id ?? undefined;
      if (fullDataset && hasField(entity, 'isDeleted')) {
        /** E039: is_deleted belongs to DIFFERENTIAL feeds only. */
        this.add('E039', id, 'entity.is_deleted is set in a FULL_DATASET feed');
      }
      if (entity.tripUpdate) this.checkTripUpdate(entity.tripUpdate, id);
      if (entity.vehicle) this.checkVehicle(entity.vehicle, id, vehicleIds);
      if (entity.alert) this.checkAlert(entity.alert, id);
    }
    this.checkVehicleBlocks();
    this.checkBlockOrder();
    this.checkCompanion();
  }

  private add(code: string, entityId: string | undefined, message: string): void {
    this.report.add(code, entityId, message);
  }

  // ---------------------------------------------------------------- header and time

  private checkHeader(): void {
    const header = this.feed.header;
    const version = header?.gtfsRealtimeVersion ?? '';
    /** E038: gtfs_realtime_version must be a published version. */
    if (!KNOWN_VERSIONS.has(version)) {
      this.add(
        'E038',
        undefined,
        `header.gtfs_realtime_version "${version}" is not one of ${[...KNOWN_VERSIONS].join(', ')}`,
      );
    }
    const versionTwoOrLater = Number.parseFloat(version) >= 2;
    if (this.headerS === undefined) {
      /** E048 (2.0+) / W001 (1.0): the header must / should carry a timestamp. */
      if (versionTwoOrLater)
        this.add('E048', undefined, `header.timestamp is missing (gtfs_realtime_version ${version})`);
      else this.add('W001', undefined, 'header.timestamp is missing');
    } else {
      this.checkTimestamp(this.headerS, undefined, 'header.timestamp', false);
    }
    /** E049: 2.0 made incrementality required. */
    if (versionTwoOrLater && !hasField(header, 'incrementality')) {
      this.add('E049', undefined, `header.incrementality is missing (gtfs_realtime_version ${version})`);
    }
    if (this.nowS === undefined) {
      this.report.skip('E050', 'W008');
    } else if (this.headerS !== undefined && this.nowS - this.headerS > MAX_FEED_AGE_S) {
      /** W008: a feed older than about a minute misleads riders. */
      this.add(
        'W008',
        undefined,
        `header.timestamp ${this.headerS} is ${Math.round(this.nowS - this.headerS)} s old (limit ${MAX_FEED_AGE_S} s)`,
      );
    }
  }

  /**
   * E001 (POSIX seconds), E050 (not in the future) and, for entity timestamps, E012 (not after the
   * header). Predicted stop times are exempt from E012/E050: they lie in the future by nature.
   */
  private checkTimestamp(
    seconds: number,
    entityId: string | undefined,
    what: string,
    entityLevel: boolean,
  ): void {
    if (!isPosixSeconds(seconds)) {
      this.add(
        'E001',
        entityId,
        `${what} ${seconds} is not POSIX seconds${seconds > POSIX_MAX_S ? ' (milliseconds?)' : ''}`,
      );
      return;
    }
    if (entityLevel && this.headerS !== undefined && seconds > this.headerS) {
      this.add('E012', entityId, `${what} ${seconds} is after header.timestamp ${this.headerS}`);
    }
    if (this.nowS !== undefined && seconds > this.nowS + FUTURE_TOLERANCE_S) {
      this.add('E050', entityId, `${what} ${seconds} is ${Math.round(seconds - this.nowS)} s in the future`);
    }
  }

  private checkPrevious(): void {
    const previous = this.input.previous;
    if (!previous) {
      this.report.skip('E017', 'E018', 'W007');
      return;
    }
    const previousS = timestampOf(previous.header);
    if (previousS === undefined || this.headerS === undefined) return;
    if (this.headerS < previousS) {
      /** E018: header timestamps never go backwards. */
      this.add(
        'E018',
        undefined,
        `header.timestamp ${this.headerS} is before the previous feed's ${previousS}`,
      );
    } else if (this.headerS === previousS) {
      /** E017: new content needs a new header timestamp. */
      if (!sameContent(this.feed, previous)) {
        this.add('E017', undefined, `content changed but header.timestamp stayed ${this.headerS}`);
      }
    } else if (this.headerS - previousS > MAX_REFRESH_INTERVAL_S) {
      /** W007: feeds should refresh at least every ~30 s. */
      this.add(
        'W007',
        undefined,
        `${this.headerS - previousS} s between this and the previous header.timestamp (limit ${MAX_REFRESH_INTERVAL_S} s)`,
      );
    }
  }

  /** E010 (static GTFS): stop_times.txt may only use stops (location_type 0), never stations etc. */
  private checkStaticStops(): void {
    for (const stopId of this.index.nonStopsInStopTimes) {
      const type = this.index.stops.get(stopId)?.locationType;
      this.add('E010', undefined, `stop_times.txt uses stop_id ${stopId} of location_type ${type}`);
    }
  }

  // ---------------------------------------------------------------- trip descriptors

  /** The checks every trip descriptor gets, wherever it appears; returns the static trip if known. */
  private checkTrip(
    trip: TripDescriptor,
    use: TripUse,
    entityId: string | undefined,
    vehicleId: string | undefined,
  ): TripEntry | undefined {
    const tripId = trip.tripId || undefined;
    const relationship = hasField(trip, 'scheduleRelationship')
      ? (trip.scheduleRelationship as number)
      : undefined;
    const entry = tripId === undefined ? undefined : this.index.trips.get(tripId);
    const label = tripId === undefined ? 'trip' : `trip_id ${tripId}`;

    /** W006: a trip descriptor should name its trip_id. */
    if (tripId === undefined) this.add('W006', entityId, `${use} trip has no trip_id`);
    /** W009: say explicitly whether the trip is scheduled, added, canceled... */
    if (relationship === undefined) this.add('W009', entityId, `${use} trip has no schedule_relationship`);
    if (tripId !== undefined && !entry && relationship !== ADDED) {
      /** E003: unknown trip_ids are only allowed for ADDED trips. */
      this.add('E003', entityId, `${label} is not in trips.txt and the trip is not ADDED`);
    }
    if (entry && relationship === ADDED) {
      /** E016: an ADDED trip must be new, not one of the schedule's. */
      this.add('E016', entityId, `${label} is ADDED but is in trips.txt`);
    }
    if (trip.routeId && !this.index.routeIds.has(trip.routeId)) {
      /** E004: route_ids must exist. */
      this.add('E004', entityId, `route_id ${trip.routeId} is not in routes.txt`);
    } else if (trip.routeId && entry && entry.trip.routeId !== trip.routeId) {
      /** E035: trip and route must agree with trips.txt. */
      this.add(
        'E035',
        entityId,
        `${label} belongs to route ${entry.trip.routeId} in trips.txt, not ${trip.routeId}`,
      );
    }
    if (
      entry &&
      hasField(trip, 'directionId') &&
      entry.trip.directionId !== undefined &&
      entry.trip.directionId !== trip.directionId
    ) {
      /** E024: direction_id must agree with trips.txt. */
      this.add(
        'E024',
        entityId,
        `${label} has direction_id ${trip.directionId}, trips.txt says ${entry.trip.directionId}`,
      );
    }
    let startTime: number | undefined;
    if (trip.startTime) {
      /** E020: start_time is H:MM:SS or HH:MM:SS (hours may pass 24). */
      if (START_TIME.test(trip.startTime)) startTime = parseGtfsTime(trip.startTime);
      else this.add('E020', entityId, `start_time "${trip.startTime}" is not HH:MM:SS`);
    }
    /** E021: start_date is a real YYYYMMDD date. */
    if (trip.startDate && !isGtfsDate(trip.startDate))
      this.add('E021', entityId, `start_date "${trip.startDate}" is not YYYYMMDD`);

    if (!entry) return undefined;
    const inexact = entry.frequencies.filter((frequency) => frequency.exactTimes === 0);
    const exact = entry.frequencies.filter((frequency) => frequency.exactTimes === 1);
    if (inexact.length > 0 && use !== 'alert') {
      /** E006: repeated trip_ids of exact_times=0 trips need start_time and start_date to tell runs apart. */
      const missing = [
        trip.startTime ? undefined : 'start_time',
        trip.startDate ? undefined : 'start_date',
      ].filter(Boolean);
      if (missing.length > 0)
        this.add(
          'E006',
          entityId,
          `${label} (frequency-based, exact_times=0) has no ${missing.join(' or ')}`,
        );
      /** E013: exact_times=0 runs have no schedule: UNSCHEDULED or unset. */
      if (relationship !== undefined && relationship !== UNSCHEDULED) {
        this.add(
          'E013',
          entityId,
          `${label} (frequency-based, exact_times=0) has schedule_relationship ${tripRelationshipName(relationship)}`,
        );
      }
      /** W005: vehicle_id tells simultaneous runs of the same trip_id apart. */
      if (!vehicleId)
        this.add('W005', entityId, `${label} (frequency-based, exact_times=0) has no vehicle_id`);
    }
    if (startTime !== undefined && exact.length > 0) {
      /** E019: exact_times=1 runs start a whole number of headways after their period's start. */
      const fits = exact.some(
        (frequency) =>
          startTime >= frequency.startTime &&
          startTime < frequency.endTime &&
          (startTime - frequency.startTime) % frequency.headwaySecs === 0,
      );
      if (!fits)
        this.add(
          'E019',
          entityId,
          `${label} start_time ${trip.startTime} is not a whole number of headways into a frequencies.txt period`,
        );
    }
    if (
      startTime !== undefined &&
      entry.frequencies.length === 0 &&
      relationship !== DUPLICATED &&
      entry.firstArrival !== undefined &&
      startTime !== entry.firstArrival
    ) {
      /** E023: a scheduled trip's start_time is its first stop's arrival_time. */
      this.add(
        'E023',
        entityId,
        `${label} start_time ${trip.startTime} differs from the first arrival_time ${formatGtfsTime(entry.firstArrival)}`,
      );
    }
    return entry;
  }

  // ---------------------------------------------------------------- trip updates

  private checkTripUpdate(update: TripUpdate, entityId: string | undefined): void {
    const trip = update.trip ?? {};
    const vehicleId = update.vehicle?.id || undefined;
    const entry = this.checkTrip(trip, 'trip_update', entityId, vehicleId);
    this.tripUpdates.push({ entityId, entry, trip, vehicleId });
    const relationship = hasField(trip, 'scheduleRelationship')
      ? (trip.scheduleRelationship as number)
      : undefined;

    /** W002: predictions should say which vehicle they are for. */
    if (!vehicleId) this.add('W002', entityId, 'trip_update has no vehicle.id');
    /** W001: entity timestamps tell consumers how fresh each prediction is. */
    const updateS = timestampOf(update);
    if (updateS === undefined) this.add('W001', entityId, 'trip_update.timestamp is missing');
    else this.checkTimestamp(updateS, entityId, 'trip_update.timestamp', true);

    if (!trip.tripId && trip.routeId) this.checkBlockWithoutTripId(trip, entityId);

    const updates = update.stopTimeUpdate ?? [];
    if (updates.length === 0 && relationship !== CANCELED && !hasField(update, 'delay')) {
      /** E041: only canceled trips (or a trip-level delay) may come without stop_time_updates. */
      this.add('E041', entityId, 'trip_update has no stop_time_update and is not CANCELED');
    }
    this.checkStopTimeUpdates(updates, entry, trip, entityId);
  }

  /**
   * E008: without a trip_id a consumer matches the trip by route, direction and start; when any
   * matching trip's block visits a stop in more than one of its trips, the match is ambiguous.
   */
  private checkBlockWithoutTripId(trip: TripDescriptor, entityId: string | undefined): void {
    const startTime = trip.startTime ? parseGtfsTime(trip.startTime) : undefined;
    const services =
      trip.startDate && isGtfsDate(trip.startDate)
        ? this.index.calendar.servicesOn(trip.startDate)
        : undefined;
    const candidates = (this.index.tripsByRoute.get(trip.routeId ?? '') ?? []).filter(
      (candidate) =>
        (!hasField(trip, 'directionId') || candidate.trip.directionId === trip.directionId) &&
        (startTime === undefined || candidate.firstArrival === startTime) &&
        (services === undefined || services.has(candidate.trip.serviceId)),
    );
    const ambiguous = candidates.find(
      (candidate) => candidate.trip.blockId && this.index.blockRepeatsStop(candidate.trip.blockId),
    );
    if (ambiguous) {
      this.add(
        'E008',
        entityId,
        `trip_update has no trip_id, but block ${ambiguous.trip.blockId} (trip ${ambiguous.trip.tripId}) visits a stop in more than one trip`,
      );
    }
  }

  private checkStopTimeUpdates(
    updates: StopTimeUpdate[],
    entry: TripEntry | undefined,
    trip: TripDescriptor,
    entityId: string | undefined,
  ): void {
    // Delay-only events are placed on the timetable (scheduled time + delay) for E022/E025; not for
    // frequency-based trips, whose stop_times.txt times are only a template.
    const dayStart = entry?.frequencies.length ? undefined : this.serviceDayStartS(trip.startDate);
    let previous: { sequence: number | undefined; explicit: boolean; stopId: string | undefined } | undefined;
    let previousLatestTime: number | undefined;
    let positionInTrip = 0;
    let unsortedReported = false;
    let ambiguousStopReported = false;
    let lastKnownSequence: number | undefined;
    let unsetRelationshipReported = false;

    for (const update of updates) {
      const stopId = update.stopId || undefined;
      const explicitSequence = hasField(update, 'stopSequence') ? (update.stopSequence as number) : undefined;
      const relationship = hasField(update, 'scheduleRelationship')
        ? (update.scheduleRelationship as number)
        : undefined;
      const where = `stop_time_update ${explicitSequence !== undefined ? `stop_sequence ${explicitSequence}` : `stop_id ${stopId ?? '?'}`}`;

      /** W009: stop_time_updates state their schedule_relationship (one notice per trip update). */
      if (relationship === undefined && !unsetRelationshipReported) {
        this.add('W009', entityId, `${where} has no schedule_relationship`);
        unsetRelationshipReported = true;
      }
      /** E040: a stop_time_update must name its stop. */
      if (stopId === undefined && explicitSequence === undefined)
        this.add('E040', entityId, 'stop_time_update has neither stop_id nor stop_sequence');
      if (stopId !== undefined) this.checkStopId(stopId, entityId, where);

      // Which stop_time of the trip this update is about: by stop_sequence, else by stop_id after the previous one.
      let stopTime: StopTime | undefined;
      if (entry && explicitSequence !== undefined) {
        stopTime = stopTimeBySequence(entry, explicitSequence);
        /** E051: stop_sequence must exist in the trip. */
        if (!stopTime)
          this.add('E051', entityId, `${where} is not in stop_times.txt of trip ${entry.trip.tripId}`);
        else if (stopId !== undefined && stopTime.stopId !== stopId) {
          /** E045: stop_sequence and stop_id must name the same stop_time. */
          this.add(
            'E045',
            entityId,
            `${where} is stop_id ${stopTime.stopId} in stop_times.txt, not ${stopId}`,
          );
        }
      } else if (entry && stopId !== undefined) {
        /** E009: a stop visited twice is ambiguous without stop_sequence (one notice per trip update). */
        if (entry.repeatedStops.has(stopId) && !ambiguousStopReported) {
          ambiguousStopReported = true;
          this.add(
            'E009',
            entityId,
            `stop_id ${stopId} occurs more than once in trip ${entry.trip.tripId}; stop_sequence is required`,
          );
        }
        let found = entry.stopTimes.findIndex(
          (candidate, i) => i >= positionInTrip && candidate.stopId === stopId,
        );
        if (found < 0) found = entry.stopTimes.findIndex((candidate) => candidate.stopId === stopId);
        stopTime = found >= 0 ? entry.stopTimes[found] : undefined;
      }
      if (stopTime && entry) positionInTrip = Math.max(positionInTrip, entry.stopTimes.indexOf(stopTime));
      const sequence = explicitSequence ?? stopTime?.stopSequence;

      if (previous) {
        if (previous.explicit && explicitSequence !== undefined && previous.sequence === explicitSequence) {
          /** E036: consecutive updates never repeat a stop_sequence. */
          this.add(
            'E036',
            entityId,
            `two consecutive stop_time_updates have stop_sequence ${explicitSequence}`,
          );
        }
        /** E037: consecutive updates never repeat a stop_id. */
        if (stopId !== undefined && previous.stopId === stopId)
          this.add('E037', entityId, `two consecutive stop_time_updates have stop_id ${stopId}`);
      }
      if (sequence !== undefined) {
        if (!unsortedReported && lastKnownSequence !== undefined && sequence <= lastKnownSequence) {
          /** E002: updates are strictly ordered by stop_sequence (given, or found from stop_id). */
          this.add(
            'E002',
            entityId,
            `stop_time_updates are not strictly sorted: stop_sequence ${sequence} follows ${lastKnownSequence}`,
          );
          unsortedReported = true;
        }
        lastKnownSequence = sequence;
      }
      previous = { sequence, explicit: explicitSequence !== undefined, stopId };

      const arrival = update.arrival ?? undefined;
      const departure = update.departure ?? undefined;
      if (relationship === NO_DATA) {
        /** E042: NO_DATA means no prediction, so no arrival or departure. */
        if (arrival || departure)
          this.add('E042', entityId, `${where} is NO_DATA but has ${arrival ? 'an arrival' : 'a departure'}`);
        continue;
      }
      if (relationship !== SKIPPED && !arrival && !departure) {
        /** E043: a served stop's update needs an arrival or a departure. */
        this.add('E043', entityId, `${where} has neither arrival nor departure`);
      }
      const arrivalS = this.checkEvent(
        arrival,
        'arrival',
        stopTime?.arrivalTime,
        dayStart,
        entityId,
        where,
        stopTime !== undefined,
      );
      const departureS = this.checkEvent(
        departure,
        'departure',
        stopTime?.departureTime,
        dayStart,
        entityId,
        where,
        stopTime !== undefined,
      );
      if (arrivalS !== undefined && departureS !== undefined && departureS < arrivalS) {
        /** E025: a vehicle cannot leave before it arrives. */
        this.add('E025', entityId, `${where} departs at ${departureS}, before it arrives at ${arrivalS}`);
      }
      if (relationship === SKIPPED) continue;
      const earliest = arrivalS ?? departureS;
      if (earliest !== undefined && previousLatestTime !== undefined && earliest <= previousLatestTime) {
        /** E022: each stop's time is later than the previous stop's. */
        this.add(
          'E022',
          entityId,
          `${where} at ${earliest} is not after the previous stop's ${previousLatestTime}`,
        );
      }
      const latest = departureS ?? arrivalS;
      if (latest !== undefined) previousLatestTime = latest;
    }
  }

  /**
   * E044 (time or delay), E001 (time is POSIX), E046 (a delay needs a scheduled time to apply to).
   * Returns the event's instant: its time, or the scheduled time plus delay when start_date is known.
   */
  private checkEvent(
    event: StopTimeEvent | undefined,
    kind: 'arrival' | 'departure',
    scheduledS: number | undefined,
    dayStartS: number | undefined,
    entityId: string | undefined,
    where: string,
    resolved: boolean,
  ): number | undefined {
    if (!event) return undefined;
    const hasTime = hasField(event, 'time');
    const hasDelay = hasField(event, 'delay');
    if (!hasTime && !hasDelay) {
      this.add('E044', entityId, `${where} ${kind} has neither time nor delay`);
      return undefined;
    }
    if (hasTime) {
      const time = toNumber(event.time) as number;
      if (!isPosixSeconds(time)) {
        this.add('E001', entityId, `${where} ${kind}.time ${time} is not POSIX seconds`);
        return undefined;
      }
      return time;
    }
    if (resolved && scheduledS === undefined) {
      this.add(
        'E046',
        entityId,
        `${where} ${kind} gives only a delay, but stop_times.txt has no ${kind}_time for it`,
      );
      return undefined;
    }
    if (scheduledS === undefined || dayStartS === undefined) return undefined;
    return dayStartS + scheduledS + (event.delay as number);
  }

  private serviceDayStartS(startDate: string | null | undefined): number | undefined {
    if (!startDate || !isGtfsDate(startDate)) return undefined;
    let start = this.dayStarts.get(startDate);
    if (start === undefined) {
      start = serviceDayStart(startDate, this.index.timeZone) / 1000;
      this.dayStarts.set(startDate, start);
    }
    return start;
  }

  /** E011 (stop exists) and E015 (it is a stop, not a station) for trip updates and vehicles. */
  private checkStopId(stopId: string, entityId: string | undefined, where: string): void {
    const stop = this.index.stops.get(stopId);
    if (!stop) this.add('E011', entityId, `${where}: stop_id ${stopId} is not in stops.txt`);
    else if (stop.locationType !== 0)
      this.add('E015', entityId, `${where}: stop_id ${stopId} has location_type ${stop.locationType}, not 0`);
  }

  /** E007: one vehicle serving several trips at once is only possible within one block. */
  private checkVehicleBlocks(): void {
    const tripsByVehicle = new Map<string, Map<string, { entry: TripEntry; entityId: string | undefined }>>();
    for (const update of this.tripUpdates) {
      if (!update.vehicleId || !update.entry) continue;
      const trips = tripsByVehicle.get(update.vehicleId) ?? new Map();
      trips.set(update.entry.trip.tripId, { entry: update.entry, entityId: update.entityId });
      tripsByVehicle.set(update.vehicleId, trips);
    }
    for (const [vehicleId, trips] of tripsByVehicle) {
      if (trips.size < 2) continue;
      const blocks = new Set([...trips.values()].map(({ entry }) => entry.trip.blockId ?? ''));
      if (blocks.size > 1 || blocks.has('')) {
        const list = [...trips.values()].map(
          ({ entry }) => `${entry.trip.tripId} (block ${entry.trip.blockId ?? 'none'})`,
        );
        this.add(
          'E007',
          [...trips.values()][1]?.entityId,
          `vehicle ${vehicleId} has trip updates for trips of different blocks: ${list.join(', ')}`,
        );
      }
    }
  }

  /** E014: a block's trip updates appear in the order the vehicle runs its trips. */
  private checkBlockOrder(): void {
    const lastStartByBlock = new Map<string, { start: number; tripId: string }>();
    for (const update of this.tripUpdates) {
      const blockId = update.entry?.trip.blockId;
      const start = update.entry?.firstArrival;
      if (!update.entry || !blockId || start === undefined) continue;
      const key = `${blockId}\u0000${update.trip.startDate ?? ''}`;
      const last = lastStartByBlock.get(key);
      if (last && start < last.start) {
        this.add(
          'E014',
          update.entityId,
          `trip ${update.entry.trip.tripId} of block ${blockId} comes after trip ${last.tripId}, which runs later`,
        );
      }
      if (!last || start >= last.start)
        lastStartByBlock.set(key, { start, tripId: update.entry.trip.tripId });
    }
  }

  // ---------------------------------------------------------------- vehicle positions

  private checkVehicle(
    vehicle: VehiclePosition,
    entityId: string | undefined,
    seenIds: Map<string, string>,
  ): void {
    const vehicleId = vehicle.vehicle?.id || undefined;
    const entry = vehicle.trip ? this.checkTrip(vehicle.trip, 'vehicle', entityId, vehicleId) : undefined;
    this.vehiclePositions.push({ entityId, tripId: vehicle.trip?.tripId || undefined, vehicleId });

    if (!vehicleId) this.add('W002', entityId, 'vehicle position has no vehicle.id');
    else {
      const other = seenIds.get(vehicleId);
      /** E052: one vehicle, one position. */
      if (other !== undefined)
        this.add('E052', entityId, `vehicle.id ${vehicleId} is also used by entity ${other}`);
      else seenIds.set(vehicleId, entityId ?? '?');
    }
    const vehicleS = timestampOf(vehicle);
    if (vehicleS === undefined) this.add('W001', entityId, 'vehicle.timestamp is missing');
    else this.checkTimestamp(vehicleS, entityId, 'vehicle.timestamp', true);
    if (vehicle.stopId) this.checkStopId(vehicle.stopId, entityId, 'vehicle');

    const position = vehicle.position;
    if (!position) return;
    if (hasField(position, 'speed')) {
      const speed = position.speed as number;
      /** W004: negative or faster than ~94 km/h is probably a unit or sensor error. */
      if (!(speed >= 0 && speed <= MAX_REALISTIC_SPEED_MPS))
        this.add('W004', entityId, `speed ${speed} m/s is unrealistic`);
    }
    if (hasField(position, 'bearing')) {
      const bearing = position.bearing as number;
      /** E027: bearing is degrees clockwise from north. */
      if (!(bearing >= 0 && bearing <= 360))
        this.add('E027', entityId, `bearing ${bearing} is not within 0..360`);
    }
    const lat = position.latitude;
    const lon = position.longitude;
    if (
      typeof lat !== 'number' ||
      typeof lon !== 'number' ||
      !(lat >= -90 && lat <= 90) ||
      !(lon >= -180 && lon <= 180)
    ) {
      /** E026: positions are WGS84 degrees. */
      this.add('E026', entityId, `position (${lat}, ${lon}) is not a WGS84 latitude/longitude`);
      return;
    }
    const coverage = this.index.coverage;
    if (coverage && !withinBounds(coverage, lat, lon, COVERAGE_BUFFER_M)) {
      /** E028: a vehicle far outside everything the GTFS covers is misplaced. */
      this.add(
        'E028',
        entityId,
        `position (${lat}, ${lon}) is more than ${COVERAGE_BUFFER_M} m outside the area of the GTFS shapes/stops`,
      );
      return;
    }
    const shapeId = entry?.trip.shapeId;
    const shape = shapeId ? this.index.shape(shapeId) : undefined;
    if (entry && shape) {
      const distance = distanceToShapeMetres(shape, lat, lon);
      const onDetour = this.detourTrips.has(entry.trip.tripId) || this.detourRoutes.has(entry.trip.routeId);
      if (distance > TRIP_SHAPE_BUFFER_M && !onDetour) {
        /** E029: off the trip's shape only with a DETOUR alert. */
        this.add(
          'E029',
          entityId,
          `position (${lat}, ${lon}) is ${Math.round(distance)} m from shape ${shapeId} of trip ${entry.trip.tripId}`,
        );
      }
    }
  }

  // ---------------------------------------------------------------- alerts

  private checkAlert(alert: Alert, entityId: string | undefined): void {
    const selectors = alert.informedEntity ?? [];
    /** E032: an alert must say what it is about. */
    if (selectors.length === 0) this.add('E032', entityId, 'alert has no informed_entity');
    for (const selector of selectors) {
      const specified =
        !!selector.agencyId ||
        !!selector.routeId ||
        hasField(selector, 'routeType') ||
        !!selector.trip ||
        !!selector.stopId ||
        hasField(selector, 'directionId');
      /** E033: an informed_entity names at least one thing. */
      if (!specified) this.add('E033', entityId, 'alert informed_entity specifies nothing');
      if (
        selector.agencyId &&
        this.index.agencyIds.size > 0 &&
        !this.index.agencyIds.has(selector.agencyId)
      ) {
        /** E034: agency_ids must exist (checkable when agency.txt declares ids). */
        this.add('E034', entityId, `informed_entity agency_id ${selector.agencyId} is not in agency.txt`);
      }
      if (selector.routeId && !this.index.routeIds.has(selector.routeId)) {
        this.add('E004', entityId, `informed_entity route_id ${selector.routeId} is not in routes.txt`);
      }
      if (selector.stopId && !this.index.stops.has(selector.stopId)) {
        this.add('E011', entityId, `informed_entity stop_id ${selector.stopId} is not in stops.txt`);
      }
      if (selector.trip) {
        const entry = this.checkTrip(selector.trip, 'alert', entityId, undefined);
        if (selector.routeId && selector.trip.routeId && selector.routeId !== selector.trip.routeId) {
          /** E031: the selector's route and its trip's route agree. */
          this.add(
            'E031',
            entityId,
            `informed_entity route_id ${selector.routeId} differs from its trip.route_id ${selector.trip.routeId}`,
          );
        }
        if (entry && selector.routeId && entry.trip.routeId !== selector.routeId) {
          /** E030: the selector's trip belongs to the selector's route. */
          this.add(
            'E030',
            entityId,
            `informed_entity trip ${entry.trip.tripId} belongs to route ${entry.trip.routeId}, not ${selector.routeId}`,
          );
        }
      }
    }
    for (const period of alert.activePeriod ?? []) {
      for (const bound of ['start', 'end'] as const) {
        if (!hasField(period, bound)) continue;
        const seconds = toNumber(period[bound]) as number;
        if (!isPosixSeconds(seconds))
          this.add('E001', entityId, `alert active_period.${bound} ${seconds} is not POSIX seconds`);
      }
    }
  }

  // ---------------------------------------------------------------- across feeds

  /**
   * W003 and E047 compare VehiclePositions with TripUpdates (this feed's entities and the
   * companion's): every trip_id and vehicle_id of one kind should appear in the other, and where
   * both name the same trip or vehicle they should pair it the same way.
   */
  private checkCompanion(): void {
    const updates: IdPair[] = this.tripUpdates.map(({ entityId, trip, vehicleId }) => ({
      entityId,
      tripId: trip.tripId || undefined,
      vehicleId,
    }));
    const positions: IdPair[] = [...this.vehiclePositions];
    for (const entity of this.input.companion?.entity ?? []) collectPairs(entity, updates, positions);
    if (positions.length === 0 || updates.length === 0) {
      if (!this.input.companion) this.report.skip('E047', 'W003');
      return;
    }
    const updatesByTrip = groupBy(updates, (pair) => pair.tripId);
    const updatesByVehicle = groupBy(updates, (pair) => pair.vehicleId);
    const positionsByTrip = groupBy(positions, (pair) => pair.tripId);
    const positionsByVehicle = groupBy(positions, (pair) => pair.vehicleId);

    /** W003: an id in one feed that the other feed lacks (each id reported once). */
    const missing = (
      pairs: IdPair[],
      key: 'tripId' | 'vehicleId',
      other: Map<string, IdPair[]>,
      from: string,
      to: string,
    ) => {
      const reported = new Set<string>();
      for (const pair of pairs) {
        const id = pair[key];
        if (id === undefined || other.has(id) || reported.has(id)) continue;
        reported.add(id);
        const what = key === 'tripId' ? 'trip_id' : 'vehicle_id';
        this.add('W003', pair.entityId, `${what} ${id} is in ${from} but not in ${to}`);
      }
    };
    missing(updates, 'tripId', positionsByTrip, 'TripUpdates', 'VehiclePositions');
    missing(updates, 'vehicleId', positionsByVehicle, 'TripUpdates', 'VehiclePositions');
    missing(positions, 'vehicleId', updatesByVehicle, 'VehiclePositions', 'TripUpdates');
    missing(positions, 'tripId', updatesByTrip, 'VehiclePositions', 'TripUpdates');

    const reported = new Set<string>();
    const mismatch = (entityId: string | undefined, key: string, message: string) => {
      if (reported.has(key)) return;
      reported.add(key);
      this.add('E047', entityId, message);
    };
    /** E047: a trip predicted for one vehicle is run by another in VehiclePositions. */
    for (const update of updates) {
      if (!update.tripId || !update.vehicleId) continue;
      for (const position of positionsByTrip.get(update.tripId) ?? []) {
        if (position.vehicleId && position.vehicleId !== update.vehicleId) {
          mismatch(
            update.entityId,
            `${update.tripId}\u0000${update.vehicleId}\u0000${position.vehicleId}`,
            `trip_id ${update.tripId} has vehicle_id ${update.vehicleId} in TripUpdates but ${position.vehicleId} in VehiclePositions`,
          );
        }
      }
    }
    /**
     * E047: a vehicle's position names another trip than its predictions, unless both trips are of
     * one block (predictions for the vehicle's next trip are expected).
     */
    for (const position of positions) {
      if (!position.tripId || !position.vehicleId) continue;
      for (const update of updatesByVehicle.get(position.vehicleId) ?? []) {
        if (!update.tripId || update.tripId === position.tripId) continue;
        if (this.sameBlock(update.tripId, position.tripId)) continue;
        mismatch(
          position.entityId,
          `${position.vehicleId}\u0000${position.tripId}\u0000${update.tripId}`,
          `vehicle_id ${position.vehicleId} runs trip_id ${position.tripId} in VehiclePositions but ${update.tripId} in TripUpdates (not one block)`,
        );
      }
    }
  }

  private sameBlock(tripA: string, tripB: string): boolean {
    const blockA = this.index.trips.get(tripA)?.trip.blockId;
    return blockA !== undefined && blockA === this.index.trips.get(tripB)?.trip.blockId;
  }
}

/** The trip and vehicle an entity names, for W003/E047. */
interface IdPair {
  entityId: string | undefined;
  tripId: string | undefined;
  vehicleId: string | undefined;
}

function collectPairs(entity: FeedEntity, updates: IdPair[], positions: IdPair[]): void {
  const entityId = entity.id ?? undefined;
  if (entity.tripUpdate) {
    updates.push({
      entityId,
      tripId: entity.tripUpdate.trip?.tripId || undefined,
      vehicleId: entity.tripUpdate.vehicle?.id || undefined,
    });
  }
  if (entity.vehicle) {
    positions.push({
      entityId,
      tripId: entity.vehicle.trip?.tripId || undefined,
      vehicleId: entity.vehicle.vehicle?.id || undefined,
    });
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const value = key(item);
    if (value === undefined) continue;
    const list = groups.get(value);
    if (list) list.push(item);
    else groups.set(value, [item]);
  }
  return groups;
}

/**
 * A header/entity timestamp, or undefined when unset. 0 counts as unset: it is what a producer
 * writes when it has no time (and what proto3-style readers see for a missing field).
 */
function timestampOf(
  message: { timestamp?: number | { toNumber(): number } | null } | null | undefined,
): number | undefined {
  if (!hasField(message, 'timestamp')) return undefined;
  const seconds = toNumber(message?.timestamp);
  return seconds === 0 ? undefined : seconds;
}

function isPosixSeconds(seconds: number): boolean {
  return Number.isFinite(seconds) && seconds >= POSIX_MIN_S && seconds < POSIX_MAX_S;
}

/** Same entities, byte for byte, once encoded (the header timestamp is compared separately). */
function sameContent(a: FeedMessage, b: FeedMessage): boolean {
  const encode = (feed: FeedMessage) =>
    transit_realtime.FeedMessage.encode({
      header: { gtfsRealtimeVersion: '' },
      entity: feed.entity ?? [],
    }).finish();
  try {
    return Buffer.from(encode(a)).equals(Buffer.from(encode(b)));
  } catch {
    // Objects that do not fit the schema cannot be compared; E017 is then not claimed.
    return true;
  }
}

function tripRelationshipName(value: number): string {
  return TripScheduleRelationship[value] ?? String(value);
}
