/**
 * KPI rows derived from known event types at ingest (pure). The archive keeps its own derived tables
 * rather than reading other services' tables; each row is keyed so a redelivered event rewrites the
 * row it already wrote.
 */
import {
  AlertState,
  type HeadwayAlert,
  HeadwayCondition,
  MatchStatus,
  type TripPrediction,
  type VehiclePositionMatched,
} from '@mobility/contracts/avl/v1/events';
import { VehicleStopStatus } from '@mobility/contracts/avl/v1/transit';
import type { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import type { DetectorCount, PhaseChanged } from '@mobility/contracts/signal/v1/events';
import { SignalColor } from '@mobility/contracts/signal/v1/intersection';
import { durationToMs } from '@mobility/contracts/wkt';

export interface StopArrivalRow {
  serviceDate: string;
  tripId: string;
  stopSequence: number;
  routeId: string;
  directionId: number;
  stopId: string;
  vehicleId: string;
  arrivedAt: number;
  scheduleDeviationS: number;
}

export interface PredictionRow {
  issuedAt: number;
  serviceDate: string;
  tripId: string;
  stopSequence: number;
  routeId: string;
  predictedArrival: number;
}

export interface HeadwayAlertRow {
  observedAt: number;
  alertId: string;
  routeId: string;
  condition: 'bunching' | 'gap' | 'unspecified';
  state: 'raised' | 'cleared' | 'unspecified';
}

export interface SignalIntervalRow {
  startedAt: number;
  intersectionId: string;
  green: boolean;
}

export interface DetectorCountRow {
  intervalStart: number;
  intersectionId: string;
  detectorId: string;
  intervalS: number;
  volume: number;
}

export interface ParkingOccupancyRow {
  observedAt: number;
  facilityId: string;
  occupied: number;
  capacity: number;
}

export interface DerivedRows {
  stopArrivals: StopArrivalRow[];
  predictions: PredictionRow[];
  headwayAlerts: HeadwayAlertRow[];
  signalIntervals: SignalIntervalRow[];
  detectorCounts: DetectorCountRow[];
  parkingOccupancy: ParkingOccupancyRow[];
}

export function emptyDerivedRows(): DerivedRows {
  return {
    stopArrivals: [],
    predictions: [],
    headwayAlerts: [],
    signalIntervals: [],
    detectorCounts: [],
    parkingOccupancy: [],
  };
}

/** Predictions further ahead than the widest accuracy bin (12-30 min) are not scored, so not kept. */
export const MAX_SCORED_HORIZON_MS = 30 * 60_000;

/** GTFS start_date `YYYYMMDD` as `YYYY-MM-DD`, else the UTC date of `fallbackMs`. */
export function serviceDateOf(startDate: string, fallbackMs: number): string {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(startDate);
  if (match) return `${match[1]}-${match[2]}-${match[3]}`;
  return new Date(fallbackMs).toISOString().slice(0, 10);
}

/**
 * Adds the KPI rows an event yields. `message` is the decoded payload of `topic`; events of
 * topics without KPIs, and events too incomplete to measure (no trip, no time), yield nothing.
 */
export function deriveRows(topic: string, message: unknown, eventTime: number, into: DerivedRows): void {
  switch (topic) {
    case 'avl.position-matched.v1':
      deriveArrivals(message as VehiclePositionMatched, eventTime, into);
      return;
    case 'avl.trip-prediction.v1':
      derivePredictions(message as TripPrediction, eventTime, into);
      return;
    case 'avl.headway-alert.v1': {
      const alert = message as HeadwayAlert;
      if (alert.routeId === '') return;
      into.headwayAlerts.push({
        observedAt: eventTime,
        alertId: alert.alertId || `${alert.routeId}/${alert.vehicleId}/${eventTime}`,
        routeId: alert.routeId,
        condition:
          alert.condition === HeadwayCondition.BUNCHING
            ? 'bunching'
            : alert.condition === HeadwayCondition.GAP
              ? 'gap'
              : 'unspecified',
        state:
          alert.state === AlertState.RAISED
            ? 'raised'
            : alert.state === AlertState.CLEARED
              ? 'cleared'
              : 'unspecified',
      });
      return;
    }
    case 'signal.phase-changed.v1': {
      const change = message as PhaseChanged;
      if (change.intersectionId === '') return;
      into.signalIntervals.push({
        startedAt: eventTime,
        intersectionId: change.intersectionId,
        green: change.color === SignalColor.GREEN,
      });
      return;
    }
    case 'signal.detector-count.v1': {
      const count = message as DetectorCount;
      const start = count.intervalStart?.getTime();
      const length = count.interval ? durationToMs(count.interval) : 0;
      if (count.intersectionId === '' || start === undefined || !(length > 0)) return;
      into.detectorCounts.push({
        intervalStart: start,
        intersectionId: count.intersectionId,
        detectorId: count.detectorId,
        intervalS: length / 1000,
        volume: count.volume,
      });
      return;
    }
    case 'parking.occupancy-changed.v1': {
      const change = message as OccupancyChanged;
      const occupancy = change.occupancy;
      if (change.facilityId === '' || !occupancy || occupancy.capacity <= 0) return;
      into.parkingOccupancy.push({
        observedAt: occupancy.observedAt?.getTime() ?? eventTime,
        facilityId: change.facilityId,
        occupied: Math.min(occupancy.occupied, occupancy.capacity),
        capacity: occupancy.capacity,
      });
      return;
    }
    default:
  }
}

/**
 * The actual arrival at a stop is the first observation of the trip run at it: STOPPED_AT stop k
 * means it reached k; any observation heading for stop k means it has passed k-1 (with 30 s pings
 * a bus often passes a stop between two reports, so this bounds the arrival from above by at most a
 * ping interval). Only confident trip matches count.
 */
function deriveArrivals(position: VehiclePositionMatched, eventTime: number, into: DerivedRows): void {
  const trip = position.trip;
  if (position.matchStatus !== MatchStatus.MATCHED || !trip || trip.tripId === '' || trip.routeId === '')
    return;
  const observedAt = position.observedAt?.getTime() ?? eventTime;
  const sequence = position.currentStopSequence;
  if (sequence === 0) return;
  const reached =
    position.currentStatus === VehicleStopStatus.STOPPED_AT
      ? { stopSequence: sequence, stopId: position.currentStopId }
      : sequence > 1
        ? { stopSequence: sequence - 1, stopId: '' }
        : undefined;
  if (!reached) return;
  into.stopArrivals.push({
    serviceDate: serviceDateOf(trip.startDate, observedAt),
    tripId: trip.tripId,
    stopSequence: reached.stopSequence,
    routeId: trip.routeId,
    directionId: trip.directionId,
    stopId: reached.stopId,
    vehicleId: position.vehicleId,
    arrivedAt: observedAt,
    scheduleDeviationS: position.scheduleDeviationS,
  });
}

function derivePredictions(prediction: TripPrediction, eventTime: number, into: DerivedRows): void {
  const trip = prediction.trip;
  if (!trip || trip.tripId === '') return;
  const issuedAt = eventTime;
  const serviceDate = serviceDateOf(trip.startDate, issuedAt);
  for (const stop of prediction.stopTimePredictions) {
    const predicted = stop.arrival?.predictedTime?.getTime();
    if (predicted === undefined || stop.stopSequence === 0) continue;
    const horizon = predicted - issuedAt;
    if (horizon < 0 || horizon > MAX_SCORED_HORIZON_MS) continue;
    into.predictions.push({
      issuedAt,
      serviceDate,
      tripId: trip.tripId,
      stopSequence: stop.stopSequence,
      routeId: trip.routeId,
      predictedArrival: predicted,
    });
  }
}
