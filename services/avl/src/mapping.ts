/**
 * Domain results to contract events: matched positions, trip predictions and headway alerts. Event
 * ids are derived from what the event is about (vehicle, fix time, trip), so re-processing the same
 * ping yields the same ids and consumers can drop the repeat.
 */
import { createHash } from 'node:crypto';
import {
  AlertState,
  HeadwayAlert,
  HeadwayCondition,
  MatchStatus,
  type RawVehiclePing,
  StopScheduleRelationship,
  type StopTimeEvent,
  TripPrediction,
  TripScheduleRelationship,
  VehiclePositionMatched,
} from '@mobility/contracts/avl/v1/events';
import { AlertSeverity, VehicleStopStatus } from '@mobility/contracts/avl/v1/transit';
import { Comparison } from '@mobility/contracts/common/v1/explanation';
import { formatGtfsTime } from '@mobility/gtfs';
import type { HeadwayAlertResult, MatchedPosition, TripPredictionResult } from './domain/types.js';

/** Farther than this from the shape the vehicle counts as off route (GTFS-rt validator E029: 200 m). */
export const OFF_ROUTE_M = 200;
/** Below this confidence an inferred trip is published as ambiguous: shown to operators, not riders. */
export const MIN_CONFIDENCE = 0.5;
export const PREDICTION_MODEL = 'avl-learned@1';

/** What the mapping needs of the static network: a trip's scheduled start for start_time. */
export interface TripStartLookup {
  startSecondsOf(tripId: string): number | undefined;
}

const id = (...parts: (string | number)[]) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

const STOP_STATUS = {
  INCOMING_AT: VehicleStopStatus.INCOMING_AT,
  STOPPED_AT: VehicleStopStatus.STOPPED_AT,
  IN_TRANSIT_TO: VehicleStopStatus.IN_TRANSIT_TO,
} as const;

export function matchStatusOf(matched: MatchedPosition | null): MatchStatus {
  if (!matched) return MatchStatus.UNMATCHED;
  if (matched.offShapeM > OFF_ROUTE_M) return MatchStatus.OFF_ROUTE;
  if (matched.confidence < MIN_CONFIDENCE) return MatchStatus.AMBIGUOUS;
  return MatchStatus.MATCHED;
}

function startTimeOf(tripId: string, given: string | undefined, lookup: TripStartLookup): string {
  if (given) return given;
  const seconds = lookup.startSecondsOf(tripId);
  return seconds === undefined ? '' : formatGtfsTime(seconds);
}

export function positionEvent(
  ping: RawVehiclePing,
  matched: MatchedPosition | null,
  lookup: TripStartLookup,
  producedAtMs: number,
): VehiclePositionMatched {
  const observedAt = ping.observedAt ?? new Date(0);
  const bearing = matched?.bearingDeg ?? ping.bearingDeg;
  const speed = matched?.speedMps ?? ping.speedMps;
  return VehiclePositionMatched.fromPartial({
    meta: {
      eventId: id('position', ping.vehicleId, observedAt.getTime()),
      occurredAt: observedAt,
      producedAt: new Date(producedAtMs),
      producer: 'avl',
      causationId: ping.meta?.eventId ?? '',
    },
    vehicleId: ping.vehicleId,
    observedAt,
    position: ping.position,
    ...(bearing !== undefined ? { bearingDeg: bearing } : {}),
    ...(speed !== undefined ? { speedMps: speed } : {}),
    matchStatus: matchStatusOf(matched),
    matchConfidence: matched?.confidence ?? 0,
    occupancyStatus: ping.occupancyStatus,
    ...(matched
      ? {
          trip: {
            tripId: matched.tripId,
            routeId: matched.routeId,
            directionId: matched.directionId ?? 0,
            startDate: matched.startDate,
            startTime: startTimeOf(matched.tripId, matched.startTime, lookup),
          },
          shapeDistTraveledM: matched.shapeDistM,
          distanceFromShapeM: matched.offShapeM,
          currentStopSequence: matched.stopSequence,
          currentStopId: matched.stopId,
          currentStatus: STOP_STATUS[matched.status],
          scheduleDeviationS: Math.round(matched.scheduleDeviationS),
          matchExplanation: {
            decision: matched.assignment === 'given' ? 'reported_trip' : 'inferred_trip',
            strategy: 'avl-tracker@1',
            summary:
              matched.assignment === 'given'
                ? `trip ${matched.tripId} as reported by the vehicle, ${Math.round(matched.offShapeM)} m from its shape`
                : `trip ${matched.tripId} inferred from position, heading, time and previous pings (confidence ${matched.confidence.toFixed(2)})`,
            factors: [
              {
                name: 'distance_from_shape_m',
                value: matched.offShapeM,
                unit: 'm',
                comparison: Comparison.LESS_OR_EQUAL,
                threshold: OFF_ROUTE_M,
                satisfied: matched.offShapeM <= OFF_ROUTE_M,
              },
              {
                name: 'confidence',
                value: matched.confidence,
                unit: 'ratio',
                comparison: Comparison.GREATER_OR_EQUAL,
                threshold: MIN_CONFIDENCE,
                satisfied: matched.confidence >= MIN_CONFIDENCE,
              },
            ],
          },
        }
      : {}),
  });
}

function stopEvent(
  predictedMs: number | undefined,
  scheduledMs: number | undefined,
  uncertaintyS: number,
): StopTimeEvent | undefined {
  if (predictedMs === undefined || !Number.isFinite(predictedMs)) return undefined;
  return {
    predictedTime: new Date(predictedMs),
    ...(scheduledMs !== undefined ? { scheduledTime: new Date(scheduledMs) } : {}),
    delayS: scheduledMs === undefined ? 0 : Math.round((predictedMs - scheduledMs) / 1000),
    uncertaintyS: Math.max(0, Math.round(uncertaintyS)),
    intervalCoverage: 0,
  } as StopTimeEvent;
}

export function predictionEvents(
  results: readonly TripPredictionResult[],
  lookup: TripStartLookup,
  producedAtMs: number,
): TripPrediction[] {
  return results.map((result) =>
    TripPrediction.fromPartial({
      meta: {
        eventId: id('prediction', result.vehicleId, result.tripId, result.startDate, result.generatedAtMs),
        occurredAt: new Date(result.generatedAtMs),
        producedAt: new Date(producedAtMs),
        producer: 'avl',
      },
      trip: {
        tripId: result.tripId,
        routeId: result.routeId,
        directionId: result.directionId ?? 0,
        startDate: result.startDate,
        startTime: startTimeOf(result.tripId, result.startTime, lookup),
      },
      vehicleId: result.vehicleId,
      scheduleRelationship: TripScheduleRelationship.SCHEDULED,
      delayS: Math.round(result.currentDelayS),
      model: PREDICTION_MODEL,
      stopTimePredictions: [...result.stops]
        .sort((a, b) => a.stopSequence - b.stopSequence)
        .map((stop) => {
          const arrival = stopEvent(stop.arrivalMs, stop.scheduledArrivalMs, stop.uncertaintyS);
          const departure = stopEvent(stop.departureMs, stop.scheduledDepartureMs, stop.uncertaintyS);
          return {
            stopSequence: stop.stopSequence,
            stopId: stop.stopId,
            ...(arrival ? { arrival } : {}),
            ...(departure ? { departure } : {}),
            scheduleRelationship: StopScheduleRelationship.SCHEDULED,
          };
        }),
    }),
  );
}

/** Ratios beyond which a headway problem is critical rather than a warning. */
const CRITICAL_BUNCHING_RATIO = 0.25;
const CRITICAL_GAP_RATIO = 2.5;

/**
 * Headway alerts with stable episode ids: RAISED opens an episode (id from the route, direction,
 * condition, vehicle and raise time) and the matching CLEARED reuses its id.
 */
export function createHeadwayMapper() {
  const open = new Map<string, string>();
  return (
    alert: HeadwayAlertResult,
    producedAtMs: number,
    context: { position?: { lat: number; lon: number }; tripId?: string; leadingTripId?: string } = {},
  ): HeadwayAlert => {
    const { position } = context;
    const episodeKey = [alert.routeId, alert.directionId ?? '', alert.condition, alert.vehicleId].join(
      '\u0000',
    );
    let alertId = open.get(episodeKey);
    if (!alertId) alertId = id('headway', episodeKey, alert.atMs);
    if (alert.state === 'RAISED') open.set(episodeKey, alertId);
    else open.delete(episodeKey);
    const ratio = alert.scheduledHeadwayS > 0 ? alert.observedHeadwayS / alert.scheduledHeadwayS : 1;
    const critical =
      alert.condition === 'BUNCHING' ? ratio <= CRITICAL_BUNCHING_RATIO : ratio >= CRITICAL_GAP_RATIO;
    return HeadwayAlert.fromPartial({
      meta: {
        eventId: id('headway-event', alertId, alert.state, alert.atMs),
        occurredAt: new Date(alert.atMs),
        producedAt: new Date(producedAtMs),
        producer: 'avl',
      },
      alertId,
      routeId: alert.routeId,
      directionId: alert.directionId ?? 0,
      condition: alert.condition === 'BUNCHING' ? HeadwayCondition.BUNCHING : HeadwayCondition.GAP,
      state: alert.state === 'RAISED' ? AlertState.RAISED : AlertState.CLEARED,
      severity:
        alert.state === 'CLEARED'
          ? AlertSeverity.INFO
          : critical
            ? AlertSeverity.CRITICAL
            : AlertSeverity.WARNING,
      vehicleId: alert.vehicleId,
      tripId: context.tripId ?? '',
      leadingVehicleId: alert.leaderVehicleId ?? '',
      leadingTripId: context.leadingTripId ?? '',
      observedHeadwayS: alert.observedHeadwayS,
      scheduledHeadwayS: alert.scheduledHeadwayS,
      stopId: alert.stopId ?? '',
      ...(position ? { position } : {}),
      explanation: {
        decision: `${alert.condition.toLowerCase()}_${alert.state.toLowerCase()}`,
        strategy: 'headway-ratio@1',
        summary: alert.explanation,
        factors: [
          {
            name: 'headway_ratio',
            value: ratio,
            unit: 'ratio',
            comparison: Comparison.UNSPECIFIED,
            satisfied: true,
          },
        ],
      },
    });
  };
}
