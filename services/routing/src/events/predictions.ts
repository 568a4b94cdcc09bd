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
import { localDate } from '../grpc/time.js';

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

  // An invalid instant (NaN) is no prediction; the overlay also refuses absurd values.
  const secondsOf = (time: StopTimeEvent | undefined) => {
    const ms = time?.predictedTime?.getTime();
    return ms !== undefined && Number.isFinite(ms) && dayStartMs !== undefined
      ? Math.round((ms - dayStartMs) / 1000)
      : undefined;
  };

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
 * Keeps the overlay to the service days that can still be planned, by the clock: a prediction for
 * day D arrives on D (or D+1 after midnight, for trips past 24:00), so only days today-1..today+1
 * (local, the feed's time zone) are taken, and older days are dropped as the clock moves on.
 * Retention by the clock, not by the newest day seen: one far-future event (a bad start_date)
 * would otherwise make every current prediction look stale and switch realtime off for good.
 */
export class OverlayRetention {
  private readonly tripsByDate = new Map<string, Set<string>>();
  private ignoredCount = 0;

  constructor(
    private readonly overlay: Pick<RealtimeOverlay, 'remove'>,
    private readonly timeZone: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Predictions refused because their service day is outside today-1..today+1. */
  get ignored(): number {
    return this.ignoredCount;
  }

  /**
   * Whether a prediction for serviceDate may be applied (undefined: a delay for any day, yes).
   * Also expires the days the clock has left behind.
   */
  accepts(serviceDate: string | undefined): boolean {
    const today = localDate(this.now(), this.timeZone);
    const keepFrom = addDays(today, -1);
    this.expire(keepFrom);
    if (serviceDate === undefined) return true;
    if (serviceDate >= keepFrom && serviceDate <= addDays(today, 1)) return true;
    this.ignoredCount++;
    return false;
  }

  /** Notes an applied prediction so that it can be dropped once its day is over. */
  record(tripId: string, serviceDate: string | undefined): void {
    if (serviceDate === undefined) return;
    let trips = this.tripsByDate.get(serviceDate);
    if (!trips) {
      trips = new Set();
      this.tripsByDate.set(serviceDate, trips);
    }
    trips.add(tripId);
  }

  private expire(keepFrom: string): void {
    for (const [date, dropped] of this.tripsByDate) {
      if (date >= keepFrom) continue;
      for (const id of dropped) this.overlay.remove(id, date);
      this.tripsByDate.delete(date);
    }
  }
}

/** Decodes and applies one avl.trip-prediction.v1 message; the consumer's handler. */
export function predictionHandler(
  overlay: RealtimeOverlay,
  options: { timeZone: string; logger: Logger; now?: () => number },
): (value: Uint8Array) => void {
  const { timeZone, logger } = options;
  const retention = new OverlayRetention(overlay, timeZone, options.now);
  return (value) => {
    const event = TripPredictionCodec.decode(value);
    const prediction = toDomainPrediction(event, timeZone);
    if (!prediction) {
      logger.debug({ tripId: event.trip?.tripId }, 'prediction without stop times or trip ignored');
      return;
    }
    if (!retention.accepts(prediction.serviceDate)) {
      logger.debug(
        { tripId: prediction.tripId, serviceDate: prediction.serviceDate, ignored: retention.ignored },
        'prediction for a service day outside yesterday..tomorrow ignored',
      );
      return;
    }
    if (overlay.apply(prediction)) {
      retention.record(prediction.tripId, prediction.serviceDate);
    } else {
      logger.debug({ tripId: prediction.tripId }, 'prediction for a trip not in the timetable ignored');
    }
  };
}

/**
 * Group routing.predictions starts at the newest message when it has no committed offset: the AVL
 * service republishes a trip's prediction on every matched ping, and replaying days of superseded
 * predictions at start would delay the first realtime plan for nothing.
 */
export function subscribePredictions(
  bus: EventBus,
  overlay: RealtimeOverlay,
  options: { timeZone: string; group: string; logger: Logger; now?: () => number },
): Promise<Subscription> {
  const handle = predictionHandler(overlay, options);
  return bus.subscribe({
    group: options.group,
    topics: [PREDICTIONS_TOPIC],
    fromBeginning: false,
    handler: async (message) => handle(message.value),
  });
}
