import {
  StopScheduleRelationship,
  type StopTimeEvent,
  type TripPrediction,
  TripPrediction as TripPredictionCodec,
  TripScheduleRelationship,
} from '@mobility/contracts/avl/v1/events';
import { addDays, isGtfsDate, serviceDayStart } from '@mobility/gtfs';
import type { EventBus, Logger, Subscription } from '@mobility/runtime';
import type {
  TripPrediction as DomainPrediction,
  StopTimePrediction as DomainStopPrediction,
  RealtimeOverlay,
} from '../domain/index.js';

export const PREDICTIONS_TOPIC = 'avl.trip-prediction.v1';
export const PREDICTIONS_GROUP = 'routing.predictions';

/**
 * A TripPrediction event as the overlay's input. Absolute predicted times are converted to seconds
 * of the run's service day (they win over delays in the overlay); without a start_date only delays
 * can be used. Returns undefined for an event that says nothing usable.
 */
export function toDomainPrediction(event: TripPrediction, timeZone: string): DomainPrediction | undefined {
  const tripId = event.trip?.tripId;
  if (!tripId) return undefined;
  const startDate = event.trip?.startDate ?? '';
  const serviceDate = isGtfsDate(startDate) ? startDate : undefined;
  const dayStartMs = serviceDate === undefined ? undefined : serviceDayStart(serviceDate, timeZone);
  const timestamp = (event.meta?.producedAt ?? event.meta?.occurredAt)?.getTime();
  const relationship = event.scheduleRelationship;
  const cancelled =
    relationship === TripScheduleRelationship.CANCELED || relationship === TripScheduleRelationship.DELETED;

  const secondsOf = (time: StopTimeEvent | undefined) =>
    time?.predictedTime && dayStartMs !== undefined
      ? Math.round((time.predictedTime.getTime() - dayStartMs) / 1000)
      : undefined;

  const stops = cancelled
    ? []
    : event.stopTimePredictions.map((stop): DomainStopPrediction => {
        const base = { stopSequence: stop.stopSequence, ...(stop.stopId ? { stopId: stop.stopId } : {}) };
        if (stop.scheduleRelationship === StopScheduleRelationship.SKIPPED) return { ...base, skipped: true };
        // GTFS-rt NO_DATA: from here on riders see the schedule, so the delay stops propagating.
        if (stop.scheduleRelationship === StopScheduleRelationship.NO_DATA) {
          return { ...base, arrivalDelay: 0, departureDelay: 0 };
        }
        const arrivalTime = secondsOf(stop.arrival);
        const departureTime = secondsOf(stop.departure);
        return {
          ...base,
          ...(stop.arrival ? { arrivalDelay: stop.arrival.delayS } : {}),
          ...(stop.departure ? { departureDelay: stop.departure.delayS } : {}),
          ...(arrivalTime === undefined ? {} : { arrivalTime }),
          ...(departureTime === undefined ? {} : { departureTime }),
        };
      });

  if (!cancelled && stops.length === 0) return undefined;
  return {
    tripId,
    ...(serviceDate === undefined ? {} : { serviceDate }),
    ...(cancelled ? { cancelled: true } : {}),
    stops,
    ...(timestamp === undefined ? {} : { timestamp }),
  };
}

/**
 * Keeps the overlay to the service days that can still be planned: a prediction for day D arrives
 * on D (or D+1 after midnight), so once day N is seen, days before N-1 are dropped. Without this the
 * overlay would grow by every trip of every day for as long as the process runs.
 */
export class OverlayRetention {
  private readonly tripsByDate = new Map<string, Set<string>>();
  private latest: string | undefined;

  constructor(private readonly overlay: RealtimeOverlay) {}

  record(tripId: string, serviceDate: string | undefined): void {
    if (serviceDate === undefined) return;
    if (this.latest !== undefined && serviceDate < addDays(this.latest, -1)) {
      // A late or replayed prediction for a day that can no longer be planned.
      this.overlay.remove(tripId, serviceDate);
      return;
    }
    let trips = this.tripsByDate.get(serviceDate);
    if (!trips) {
      trips = new Set();
      this.tripsByDate.set(serviceDate, trips);
    }
    trips.add(tripId);
    if (this.latest === undefined || serviceDate > this.latest) {
      this.latest = serviceDate;
      const keepFrom = addDays(serviceDate, -1);
      for (const [date, dropped] of this.tripsByDate) {
        if (date >= keepFrom) continue;
        for (const id of dropped) this.overlay.remove(id, date);
        this.tripsByDate.delete(date);
      }
    }
  }
}

/**
 * Group routing.predictions starts at the newest message when it has no committed offset: the AVL
 * service republishes a trip's prediction on every matched ping, and replaying days of superseded
 * predictions at start would delay the first realtime plan for nothing.
 */
export function subscribePredictions(
  bus: EventBus,
  overlay: RealtimeOverlay,
  options: { timeZone: string; group: string; logger: Logger },
): Promise<Subscription> {
  const retention = new OverlayRetention(overlay);
  const { timeZone, logger } = options;
  return bus.subscribe({
    group: options.group,
    topics: [PREDICTIONS_TOPIC],
    fromBeginning: false,
    handler: async (message) => {
      const event = TripPredictionCodec.decode(message.value);
      const prediction = toDomainPrediction(event, timeZone);
      if (!prediction) {
        logger.debug({ tripId: event.trip?.tripId }, 'prediction without stop times or trip ignored');
        return;
      }
      if (overlay.apply(prediction)) {
        retention.record(prediction.tripId, prediction.serviceDate);
      } else {
        logger.debug({ tripId: prediction.tripId }, 'prediction for a trip not in the timetable ignored');
      }
    },
  });
}
