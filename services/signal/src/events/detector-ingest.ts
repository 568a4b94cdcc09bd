/**
 * Detector counts from Kafka (`signal.detector-count.v1`) into the controllers, the tables and the
 * health monitor. A message that cannot be decoded or names no intersection throws, so the bus
 * retries and then dead-letters it with the reason. A readable but bad count (unknown detector,
 * negative or impossible volume, occupancy out of range, broken interval, future time) is recorded
 * in `data_quality_log` with its reason and kept away from control and measures.
 */
import { DetectorCount } from '@mobility/contracts/signal/v1/events';
import { durationToMs } from '@mobility/contracts/wkt';
import type { Clock, DeliveredMessage, Logger } from '@mobility/runtime';
import type { IntersectionController } from '../control/intersection-controller.js';
import { type CountRejection, validateDetectorCount } from '../domain/detector-health.js';
import { insertCount, type Queryable, recordEvents, recordQuality } from '../store/signal-store.js';
import type { Publisher } from './publisher.js';

export class UnattributableCount extends Error {}

export type CountIngestResult = 'applied' | 'redelivered' | 'rejected';

/** Rejections that still say something true about the detector's health. */
const HEALTH_RELEVANT: ReadonlySet<CountRejection> = new Set(['impossible_volume']);

export function createDetectorIngest(deps: {
  controllers: ReadonlyMap<string, IntersectionController>;
  db: Queryable;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
}) {
  const { controllers, db, publisher, clock, logger } = deps;

  return async function handleCount(message: DeliveredMessage): Promise<CountIngestResult> {
    // Undecodable bytes throw here: retried, then dead-lettered with the decode error.
    const count = DetectorCount.decode(message.value);
    if (count.intersectionId.trim() === '' || count.detectorId.trim() === '') {
      throw new UnattributableCount('detector count without intersection_id or detector_id');
    }
    const inputId = count.meta?.eventId?.trim() || `${message.topic}/${message.partition}/${message.offset}`;
    const controller = controllers.get(count.intersectionId);
    const replayRunId = count.meta?.replayRunId ?? '';
    controller?.noteReplayRun(replayRunId);
    const intervalStartMs = count.intervalStart ? count.intervalStart.getTime() : Number.NaN;
    const intervalS = count.interval ? durationToMs(count.interval) / 1000 : Number.NaN;
    const occurredAtMs = count.meta?.occurredAt?.getTime();
    const validation = validateDetectorCount(
      {
        intersectionId: count.intersectionId,
        detectorId: count.detectorId,
        intervalStartMs,
        intervalS,
        volume: count.volume,
        occupancyRatio: count.occupancyRatio,
        ...(count.rawVolume === undefined ? {} : { rawVolume: count.rawVolume }),
        ...(occurredAtMs === undefined ? {} : { occurredAtMs }),
      },
      { detectorLanes: controller?.detectorLanes, nowMs: clock.now() },
    );
    // The quality record is keyed by a time that is always storable.
    const observedAtMs = Number.isFinite(intervalStartMs) ? intervalStartMs : message.timestamp;

    if (!validation.ok) {
      await recordQuality(db, {
        observedAtMs,
        inputId,
        intersectionId: count.intersectionId,
        detectorId: count.detectorId,
        action: 'rejected',
        reasonCode: validation.code,
        reason: validation.message,
        flags: ['OUT_OF_RANGE'],
      });
      logger.debug(
        { intersectionId: count.intersectionId, detectorId: count.detectorId, reason: validation.code },
        'detector count rejected',
      );
      if (controller && HEALTH_RELEVANT.has(validation.code) && Number.isFinite(intervalS)) {
        const changes = controller.health.observe({
          detectorId: count.detectorId,
          intervalStartMs,
          intervalS,
          volume: count.volume,
          occupancyRatio: Math.min(1, Math.max(0, count.occupancyRatio)),
        });
        await publisher.alarms(controller.model, changes, replayRunId);
      }
      return 'rejected';
    }
    if (!controller) return 'rejected';

    const suspectBefore = controller.health.isSuspect(count.detectorId);
    const flags = suspectBefore ? ['SENSOR_FAULT'] : [];
    const inserted = await insertCount(db, count.intersectionId, validation.count, inputId, flags);
    // Every step from here is idempotent (the controller ignores an interval it has seen, the tables
    // are keyed), so a redelivery after a failure below completes what the first delivery began.
    const changes = controller.observeCount(validation.count);
    // Alarms first: the monitor reports a change once, so it must not be lost to a later failure.
    await publisher.alarms(controller.model, changes, replayRunId);
    const suspectAfter = controller.health.isSuspect(count.detectorId);
    if (suspectAfter) {
      await recordQuality(db, {
        observedAtMs,
        inputId,
        intersectionId: count.intersectionId,
        detectorId: count.detectorId,
        action: 'flagged',
        reasonCode: 'detector_alarm',
        reason: 'detector under an active health alarm; count kept out of control',
        flags: ['SENSOR_FAULT'],
      });
    }
    await recordEvents(db, [
      {
        intersectionId: count.intersectionId,
        occurredAtMs: validation.count.intervalStartMs + validation.count.intervalS * 1000,
        type: 'detector-count',
        parameter: count.detectorId,
        details: {
          volume: validation.count.volume,
          occupancy: validation.count.occupancyRatio,
          intervalS: validation.count.intervalS,
        },
      },
    ]);
    return inserted ? 'applied' : 'redelivered';
  };
}
