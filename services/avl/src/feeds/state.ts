/**
 * What the GTFS-realtime feeds show, kept as the latest contract events (matched positions, trip
 * predictions, service alerts) and turned into FeedMessages on demand. It takes events, not domain
 * objects, so it can be fed both by this replica's own pipeline (lowest latency) and by the topics
 * (so every replica serves the whole fleet).
 *
 * MobilityData best practices applied here: entity ids unique and stable (vehicle id, trip run),
 * vehicle.trip carries trip_id, route_id, start_date and start_time, stop_time_updates ascend by
 * stop_sequence with times that never go backwards, no predictions for stops already passed,
 * vehicles too far from their trip's shape are published without a trip.
 */
import {
  MatchStatus,
  type TripPrediction,
  type VehiclePositionMatched,
} from '@mobility/contracts/avl/v1/events';
import { AlertCause, AlertEffect, type ServiceAlert } from '@mobility/contracts/avl/v1/service';
import { OccupancyStatus, VehicleStopStatus } from '@mobility/contracts/avl/v1/transit';
import { isPublishable } from '../domain/alerts.js';
import { type FeedEntity, type FeedMessage, rt, type StopTimeUpdate } from './gtfs-rt.js';

export interface FeedStateOptions {
  /** Vehicles silent for longer leave the VehiclePositions feed (best practice: positions < 90 s old
   * are fresh; a bus at a terminal may be quiet for a few minutes). */
  vehicleMaxAgeMs?: number;
  /** Trip predictions not refreshed for longer leave the TripUpdates feed. */
  predictionMaxAgeMs?: number;
  /** Farther than this from the shape, the vehicle is shown without a trip (validator E029: 200 m). */
  maxOffShapeM?: number;
}

const DEFAULTS = { vehicleMaxAgeMs: 5 * 60_000, predictionMaxAgeMs: 10 * 60_000, maxOffShapeM: 200 };

export type FeedKind = 'vehicle-positions' | 'trip-updates' | 'alerts';

/** Which trips a vehicle's latest predictions cover; a newer batch replaces the older one whole. */
interface VehiclePredictions {
  generatedAtMs: number;
  trips: Map<string, TripPrediction>;
}

export interface FeedState {
  /** Applies a position; false when it is not newer than what is held for the vehicle. */
  applyPosition(position: VehiclePositionMatched): boolean;
  /** Applies a prediction; false when it is older than the vehicle's latest batch. */
  applyPrediction(prediction: TripPrediction): boolean;
  removeVehicle(vehicleId: string): void;
  setAlerts(alerts: readonly ServiceAlert[]): void;
  /** Increases on every change of the feed's content; the HTTP edge rebuilds when it moves. */
  version(kind: FeedKind): number;
  build(kind: FeedKind, headerTimestampS: number, nowMs: number): FeedMessage;
  /** Latest position per vehicle (for the gRPC edge when it runs in the same replica). */
  positions(): VehiclePositionMatched[];
}

const msOf = (date: Date | undefined) => date?.getTime();
const seconds = (ms: number) => Math.floor(ms / 1000);

const STOP_STATUS = {
  [VehicleStopStatus.INCOMING_AT]: rt.VehiclePosition.VehicleStopStatus.INCOMING_AT,
  [VehicleStopStatus.STOPPED_AT]: rt.VehiclePosition.VehicleStopStatus.STOPPED_AT,
  [VehicleStopStatus.IN_TRANSIT_TO]: rt.VehiclePosition.VehicleStopStatus.IN_TRANSIT_TO,
} as Partial<Record<VehicleStopStatus, number>>;

const OCCUPANCY = {
  [OccupancyStatus.EMPTY]: rt.VehiclePosition.OccupancyStatus.EMPTY,
  [OccupancyStatus.MANY_SEATS_AVAILABLE]: rt.VehiclePosition.OccupancyStatus.MANY_SEATS_AVAILABLE,
  [OccupancyStatus.FEW_SEATS_AVAILABLE]: rt.VehiclePosition.OccupancyStatus.FEW_SEATS_AVAILABLE,
  [OccupancyStatus.STANDING_ROOM_ONLY]: rt.VehiclePosition.OccupancyStatus.STANDING_ROOM_ONLY,
  [OccupancyStatus.CRUSHED_STANDING_ROOM_ONLY]: rt.VehiclePosition.OccupancyStatus.CRUSHED_STANDING_ROOM_ONLY,
  [OccupancyStatus.FULL]: rt.VehiclePosition.OccupancyStatus.FULL,
  [OccupancyStatus.NOT_ACCEPTING_PASSENGERS]: rt.VehiclePosition.OccupancyStatus.NOT_ACCEPTING_PASSENGERS,
} as Partial<Record<OccupancyStatus, number>>;

/** Statuses whose trip is trustworthy enough to show riders. */
const TRIP_SHOWN = new Set([MatchStatus.MATCHED, MatchStatus.LAYOVER]);

/** The contract's cause to GTFS-rt's, by name (both say `WEATHER`) so the two enums cannot drift silently. */
function gtfsCause(cause: AlertCause): number {
  const name = AlertCause[cause] ?? '';
  return (rt.Alert.Cause as unknown as Record<string, number>)[name] ?? rt.Alert.Cause.UNKNOWN_CAUSE;
}
function gtfsEffect(effect: AlertEffect): number {
  const name = AlertEffect[effect] ?? '';
  return (rt.Alert.Effect as unknown as Record<string, number>)[name] ?? rt.Alert.Effect.UNKNOWN_EFFECT;
}

function header(timestampS: number): FeedMessage['header'] {
  return {
    gtfsRealtimeVersion: '2.0',
    incrementality: rt.FeedHeader.Incrementality.FULL_DATASET,
    timestamp: timestampS,
  };
}

/** A trip run's key and entity id: a trip_id runs once per service day. */
export const tripRunKey = (tripId: string, startDate: string) => `${tripId}:${startDate}`;

export function createFeedState(options: FeedStateOptions = {}): FeedState {
  const limits = { ...DEFAULTS, ...options };
  const vehicles = new Map<string, VehiclePositionMatched>();
  const predictions = new Map<string, VehiclePredictions>();
  let alerts: readonly ServiceAlert[] = [];
  const versions: Record<FeedKind, number> = { 'vehicle-positions': 0, 'trip-updates': 0, alerts: 0 };

  function vehicleEntity(position: VehiclePositionMatched): FeedEntity {
    const showTrip =
      position.trip !== undefined &&
      position.trip.tripId !== '' &&
      TRIP_SHOWN.has(position.matchStatus) &&
      position.distanceFromShapeM <= limits.maxOffShapeM;
    const trip = position.trip;
    const status = STOP_STATUS[position.currentStatus];
    const occupancy = OCCUPANCY[position.occupancyStatus];
    return {
      id: position.vehicleId,
      vehicle: {
        ...(showTrip && trip
          ? {
              trip: {
                tripId: trip.tripId,
                routeId: trip.routeId,
                ...(trip.startDate ? { startDate: trip.startDate } : {}),
                ...(trip.startTime ? { startTime: trip.startTime } : {}),
                scheduleRelationship: rt.TripDescriptor.ScheduleRelationship.SCHEDULED,
              },
              ...(position.currentStopId
                ? { currentStopSequence: position.currentStopSequence, stopId: position.currentStopId }
                : {}),
              ...(status !== undefined && position.currentStopId ? { currentStatus: status } : {}),
            }
          : {}),
        vehicle: { id: position.vehicleId },
        position: {
          latitude: position.position?.lat ?? 0,
          longitude: position.position?.lon ?? 0,
          ...(position.bearingDeg !== undefined ? { bearing: position.bearingDeg } : {}),
          ...(position.speedMps !== undefined ? { speed: position.speedMps } : {}),
        },
        timestamp: seconds(msOf(position.observedAt) ?? 0),
        ...(occupancy !== undefined ? { occupancyStatus: occupancy } : {}),
      },
    };
  }

  /** Stop updates still ahead at `nowS`, with times forced to never run backwards along the trip. */
  function stopUpdates(prediction: TripPrediction, nowS: number): StopTimeUpdate[] {
    const ordered = [...prediction.stopTimePredictions].sort((a, b) => a.stopSequence - b.stopSequence);
    const updates: StopTimeUpdate[] = [];
    let floor = Number.NEGATIVE_INFINITY;
    let lastSequence = -1;
    for (const stop of ordered) {
      if (stop.stopSequence === lastSequence) continue;
      const arrivalMs = msOf(stop.arrival?.predictedTime);
      const departureMs = msOf(stop.departure?.predictedTime);
      if (arrivalMs === undefined && departureMs === undefined) continue;
      // Consecutive stops must be at least a second apart (validator E022 refuses equal times);
      // arrival and departure at one stop may be equal.
      const earliest = floor + 1;
      let arrivalS = arrivalMs === undefined ? undefined : Math.max(seconds(arrivalMs), earliest);
      let departureS =
        departureMs === undefined ? undefined : Math.max(seconds(departureMs), arrivalS ?? earliest);
      // A stop whose predicted times have all passed is behind the vehicle or being served now:
      // riders get no prediction for a stop the bus has left.
      const latest = departureS ?? arrivalS ?? floor;
      if (latest < nowS) continue;
      if (arrivalS !== undefined && arrivalS < nowS && departureS !== undefined) arrivalS = undefined;
      if (departureS !== undefined && arrivalS !== undefined && departureS < arrivalS) departureS = arrivalS;
      floor = latest;
      lastSequence = stop.stopSequence;
      const event = (timeS: number, uncertaintyS: number | undefined) => ({
        time: timeS,
        ...(uncertaintyS !== undefined ? { uncertainty: Math.round(uncertaintyS) } : {}),
      });
      updates.push({
        stopSequence: stop.stopSequence,
        stopId: stop.stopId,
        ...(arrivalS !== undefined ? { arrival: event(arrivalS, stop.arrival?.uncertaintyS) } : {}),
        ...(departureS !== undefined ? { departure: event(departureS, stop.departure?.uncertaintyS) } : {}),
        scheduleRelationship: rt.TripUpdate.StopTimeUpdate.ScheduleRelationship.SCHEDULED,
      });
    }
    return updates;
  }

  function tripEntities(nowMs: number): FeedEntity[] {
    const nowS = seconds(nowMs);
    const byRun = new Map<string, { prediction: TripPrediction; generatedAtMs: number }>();
    for (const held of predictions.values()) {
      if (nowMs - held.generatedAtMs > limits.predictionMaxAgeMs) continue;
      for (const prediction of held.trips.values()) {
        const trip = prediction.trip;
        if (!trip) continue;
        const key = tripRunKey(trip.tripId, trip.startDate);
        const other = byRun.get(key);
        // Two vehicles claiming one trip run: the fresher claim wins, one entity per run.
        if (!other || other.generatedAtMs < held.generatedAtMs)
          byRun.set(key, { prediction, generatedAtMs: held.generatedAtMs });
      }
    }
    const entities: FeedEntity[] = [];
    // In the order the runs start, so a block's trips appear in the order its vehicle runs them
    // (validator E014); start_time is zero-padded "HH:MM:SS", so text order is time order.
    const startOrder = ({ prediction }: { prediction: TripPrediction }) =>
      `${prediction.trip?.startDate ?? ''} ${(prediction.trip?.startTime ?? '').padStart(8, '0')}`;
    const runs = [...byRun].sort(([keyA, a], [keyB, b]) => {
      const byStart = startOrder(a).localeCompare(startOrder(b));
      return byStart !== 0 ? byStart : keyA < keyB ? -1 : 1;
    });
    for (const [key, { prediction, generatedAtMs }] of runs) {
      const trip = prediction.trip;
      if (!trip) continue;
      const updates = stopUpdates(prediction, nowS);
      if (updates.length === 0) continue;
      entities.push({
        id: key,
        tripUpdate: {
          trip: {
            tripId: trip.tripId,
            routeId: trip.routeId,
            ...(trip.startDate ? { startDate: trip.startDate } : {}),
            ...(trip.startTime ? { startTime: trip.startTime } : {}),
            scheduleRelationship: rt.TripDescriptor.ScheduleRelationship.SCHEDULED,
          },
          ...(prediction.vehicleId ? { vehicle: { id: prediction.vehicleId } } : {}),
          stopTimeUpdate: updates,
          timestamp: seconds(generatedAtMs),
        },
      });
    }
    return entities;
  }

  function alertEntities(nowMs: number): FeedEntity[] {
    const translated = (texts: readonly { language: string; text: string }[]) => ({
      translation: texts
        .filter((text) => text.text.trim() !== '')
        .map((text) => ({ text: text.text, ...(text.language ? { language: text.language } : {}) })),
    });
    return alerts
      .filter((alert) =>
        isPublishable(
          alert.activePeriods.map((period) => ({
            ...(period.start ? { startMs: period.start.getTime() } : {}),
            ...(period.end ? { endMs: period.end.getTime() } : {}),
          })),
          nowMs,
        ),
      )
      .map((alert) => ({
        id: alert.alertId,
        alert: {
          activePeriod: alert.activePeriods.map((period) => ({
            ...(period.start ? { start: seconds(period.start.getTime()) } : {}),
            ...(period.end ? { end: seconds(period.end.getTime()) } : {}),
          })),
          informedEntity: alert.informedEntities.map((entity) => ({
            ...(entity.agencyId ? { agencyId: entity.agencyId } : {}),
            ...(entity.routeId ? { routeId: entity.routeId } : {}),
            ...(entity.routeId && entity.directionId !== undefined
              ? { directionId: entity.directionId }
              : {}),
            ...(entity.tripId ? { trip: { tripId: entity.tripId } } : {}),
            ...(entity.stopId ? { stopId: entity.stopId } : {}),
          })),
          cause: gtfsCause(alert.cause),
          effect: gtfsEffect(alert.effect),
          headerText: translated(alert.headerText),
          ...(alert.descriptionText.length > 0 ? { descriptionText: translated(alert.descriptionText) } : {}),
          ...(alert.url ? { url: { translation: [{ text: alert.url }] } } : {}),
        },
      }));
  }

  return {
    applyPosition(position) {
      const held = vehicles.get(position.vehicleId);
      const at = msOf(position.observedAt) ?? 0;
      if (held && (msOf(held.observedAt) ?? 0) >= at) return false;
      vehicles.set(position.vehicleId, position);
      versions['vehicle-positions']++;
      // A vehicle that no longer fits any trip no longer predicts the trips it was on.
      const trips = predictions.get(position.vehicleId);
      if (trips && position.matchStatus === MatchStatus.UNMATCHED && trips.generatedAtMs < at) {
        predictions.delete(position.vehicleId);
        versions['trip-updates']++;
      }
      return true;
    },
    applyPrediction(prediction) {
      const at = msOf(prediction.meta?.occurredAt) ?? 0;
      const trip = prediction.trip;
      if (!trip || prediction.vehicleId === '') return false;
      let held = predictions.get(prediction.vehicleId);
      if (held && held.generatedAtMs > at) return false;
      if (!held || held.generatedAtMs < at) {
        held = { generatedAtMs: at, trips: new Map() };
        predictions.set(prediction.vehicleId, held);
      }
      held.trips.set(tripRunKey(trip.tripId, trip.startDate), prediction);
      versions['trip-updates']++;
      return true;
    },
    removeVehicle(vehicleId) {
      if (vehicles.delete(vehicleId)) versions['vehicle-positions']++;
      if (predictions.delete(vehicleId)) versions['trip-updates']++;
    },
    setAlerts(next) {
      alerts = [...next];
      versions.alerts++;
    },
    version: (kind) => versions[kind],
    build(kind, headerTimestampS, nowMs) {
      let entity: FeedEntity[];
      if (kind === 'vehicle-positions') {
        entity = [...vehicles.values()]
          .filter((position) => nowMs - (msOf(position.observedAt) ?? 0) <= limits.vehicleMaxAgeMs)
          .sort((a, b) => (a.vehicleId < b.vehicleId ? -1 : 1))
          .map(vehicleEntity);
      } else if (kind === 'trip-updates') {
        entity = tripEntities(nowMs);
      } else {
        entity = alertEntities(nowMs);
      }
      return { header: header(headerTimestampS), entity };
    },
    positions: () => [...vehicles.values()],
  };
}
