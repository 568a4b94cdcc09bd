/**
 * The raw-ping consumer: one vehicle's pings arrive in order (Kafka key = vehicle id), so this is
 * where the history checks run and where the tracker learns. For each accepted ping it updates the
 * feeds in memory first (ping-to-feed latency), then stores the position and predictions, refreshes
 * hot state and publishes matched positions, predictions and headway alerts.
 *
 * Delivery is at least once. A ping whose storing or publishing failed is retried by the bus; the
 * validator only records a fix once everything succeeded, and the tracker's answer for that fix is
 * reused, so a retry neither counts as its own duplicate nor teaches the tracker twice. Rows are
 * keyed by vehicle and time, so a redelivery after a restart adds nothing.
 */
import {
  type HeadwayAlert,
  HeadwayAlert as HeadwayAlertCodec,
  RawVehiclePing,
  type TripPrediction,
  TripPrediction as TripPredictionCodec,
  type VehiclePositionMatched,
  VehiclePositionMatched as VehiclePositionMatchedCodec,
} from '@mobility/contracts/avl/v1/events';
import { VehicleState } from '@mobility/contracts/avl/v1/service';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import type { Clock, DeliveredMessage, EventBus, Logger } from '@mobility/runtime';
import type { HeadwayAlertResult, TrackerUpdate, VehiclePing } from '../domain/types.js';
import type { PingValidator } from '../domain/validation.js';
import type { FeedState } from '../feeds/state.js';
import { createHeadwayMapper, positionEvent, predictionEvents, type TripStartLookup } from '../mapping.js';
import type { Queryable } from '../store/history.js';
import { recordPosition, recordPredictions } from '../store/history.js';
import type { LatestStore } from '../store/latest.js';
import { candidateOf, trackerPingOf } from './raw-ping.js';
import type { RejectionSink } from './rejections.js';

export const TOPICS = {
  raw: 'avl.raw-ping.v1',
  matched: 'avl.position-matched.v1',
  prediction: 'avl.trip-prediction.v1',
  headway: 'avl.headway-alert.v1',
} as const;

/** What the pipeline needs of the domain's tracker and headway monitor. */
export interface TrackerPort {
  observe(ping: VehiclePing): TrackerUpdate;
  expire(nowMs: number): string[];
}
export interface HeadwayPort {
  observe(matched: NonNullable<TrackerUpdate['matched']>): HeadwayAlertResult[];
}

export interface PipelineDeps {
  db: Queryable;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  latest: LatestStore;
  feeds: FeedState;
  rejections: RejectionSink;
  validator: PingValidator;
  /** The current tracker, headway monitor and trip lookup (absent while no GTFS is loaded). */
  domain: () => { tracker: TrackerPort; headway: HeadwayPort; trips: TripStartLookup } | undefined;
}

/** The events one accepted ping produced; kept per vehicle so a retry reuses them. */
interface Outcome {
  observedAtMs: number;
  position: VehiclePositionMatched;
  predictions: TripPrediction[];
  headway: HeadwayAlert[];
}

export type PipelineResult = 'accepted' | 'rejected';

const NO_TRIP_LOOKUP: TripStartLookup = { startSecondsOf: () => undefined };

export function createPingPipeline(deps: PipelineDeps) {
  const { db, bus, clock, logger, latest, feeds, rejections, validator } = deps;
  const pending = new Map<string, Outcome>();
  const headwayEvent = createHeadwayMapper();

  function track(ping: RawVehiclePing, nowMs: number): Outcome {
    const domain = deps.domain();
    let update: TrackerUpdate = { matched: null, predictions: [] };
    let headway: HeadwayAlertResult[] = [];
    if (domain) {
      try {
        update = domain.tracker.observe(trackerPingOf(ping));
        if (update.matched) headway = domain.headway.observe(update.matched);
      } catch (error) {
        // A tracker bug must not stall the vehicle's partition: the position still goes out unmatched.
        logger.error(
          { err: error, vehicleId: ping.vehicleId },
          'tracker failed on a ping; publishing it unmatched',
        );
      }
    }
    const trips = domain?.trips ?? NO_TRIP_LOOKUP;
    const position = positionEvent(ping, update.matched, trips, nowMs);
    const at = ping.position;
    return {
      observedAtMs: ping.observedAt?.getTime() ?? 0,
      position,
      predictions: predictionEvents(update.predictions, trips, nowMs),
      headway: headway.map((alert) => {
        const tripOf = (vehicleId: string | undefined) =>
          vehicleId === undefined
            ? undefined
            : vehicleId === ping.vehicleId
              ? update.matched?.tripId
              : feeds.positions().find((p) => p.vehicleId === vehicleId)?.trip?.tripId;
        const tripId = tripOf(alert.vehicleId);
        const leadingTripId = tripOf(alert.leaderVehicleId);
        return headwayEvent(alert, nowMs, {
          ...(at ? { position: { lat: at.lat, lon: at.lon } } : {}),
          ...(tripId ? { tripId } : {}),
          ...(leadingTripId ? { leadingTripId } : {}),
        });
      }),
    };
  }

  async function process(ping: RawVehiclePing, source: PingSource): Promise<PipelineResult> {
    const nowMs = clock.now();
    const candidate = candidateOf(ping);
    let outcome = pending.get(candidate.vehicleId);
    if (!outcome || outcome.observedAtMs !== candidate.observedAtMs) {
      const verdict = validator.check(candidate, nowMs);
      if (!verdict.ok) {
        await rejections.reject({ reason: verdict.reason, message: verdict.message, source, ping });
        return 'rejected';
      }
      outcome = track(ping, nowMs);
      pending.set(candidate.vehicleId, outcome);
    }
    // Feeds first: riders see the fix before it is archived.
    feeds.applyPosition(outcome.position);
    for (const prediction of outcome.predictions) feeds.applyPrediction(prediction);

    const receivedAt = ping.receivedAt ?? new Date(nowMs);
    const vehicleState = VehicleState.fromPartial({
      vehicleId: candidate.vehicleId,
      position: outcome.position,
      lastSeenAt: receivedAt,
      stale: false,
    });
    await Promise.all([
      recordPosition(db, outcome.position, receivedAt, source),
      recordPredictions(db, outcome.predictions),
      latest.putVehicle(vehicleState),
      latest.putPredictions(outcome.predictions),
      bus.publish(TOPICS.matched, [
        {
          key: outcome.position.vehicleId,
          value: VehiclePositionMatchedCodec.encode(outcome.position).finish(),
          timestamp: outcome.observedAtMs,
        },
      ]),
      outcome.predictions.length > 0
        ? bus.publish(
            TOPICS.prediction,
            outcome.predictions.map((prediction) => ({
              key: prediction.trip?.tripId ?? prediction.vehicleId,
              value: TripPredictionCodec.encode(prediction).finish(),
              timestamp: outcome.observedAtMs,
            })),
          )
        : undefined,
      outcome.headway.length > 0
        ? bus.publish(
            TOPICS.headway,
            outcome.headway.map((alert) => ({
              key: alert.routeId,
              value: HeadwayAlertCodec.encode(alert).finish(),
            })),
          )
        : undefined,
    ]);
    validator.accept(candidate);
    pending.delete(candidate.vehicleId);
    rejections.accepted(source);
    return 'accepted';
  }

  return {
    process,
    /** The bus handler of `avl.raw-ping.v1`: an undecodable message is dead-lettered as malformed. */
    async handle(message: DeliveredMessage): Promise<PipelineResult> {
      let ping: RawVehiclePing;
      try {
        ping = RawVehiclePing.decode(message.value);
      } catch (error) {
        await rejections.reject({
          reason: 'malformed',
          message: `not a RawVehiclePing: ${(error as Error).message}`,
          source: PingSource.KAFKA,
          sourceRecordId: `${message.topic}/${message.partition}/${message.offset}`,
          ...(message.key ? { vehicleId: message.key } : {}),
        });
        return 'rejected';
      }
      const source = ping.source === PingSource.UNSPECIFIED ? PingSource.KAFKA : ping.source;
      return process(ping, source);
    },
    /** Drops vehicles silent too long from the tracker, the feeds and validation memory. */
    expire(nowMs: number): string[] {
      const gone = deps.domain()?.tracker.expire(nowMs) ?? [];
      for (const vehicleId of gone) feeds.removeVehicle(vehicleId);
      validator.forgetBefore(nowMs - 3_600_000);
      return gone;
    },
  };
}
