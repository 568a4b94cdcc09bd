/**
 * Matched bus positions (`avl.position-matched.v1`) into priority requests. Only confidently
 * matched, late, fresh positions are considered; the controllers decide on their next tick whether
 * and how to serve them (see domain/priority.ts). Positions are not stored: the grant record keeps
 * what the decision needed.
 */
import { MatchStatus, VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import type { Clock, DeliveredMessage, Logger } from '@mobility/runtime';
import type { IntersectionController } from '../control/intersection-controller.js';
import { DEFAULT_PRIORITY, isLate, type PriorityOptions } from '../domain/priority.js';

/** A position older than this no longer says where the bus is. */
export const MAX_POSITION_AGE_MS = 60_000;

export type PositionOutcome = 'queued' | 'ignored';

export function createPriorityIngest(deps: {
  controllers: ReadonlyMap<string, IntersectionController>;
  clock: Clock;
  logger: Logger;
  options?: PriorityOptions;
}) {
  const { controllers, clock, logger } = deps;
  const options = deps.options ?? DEFAULT_PRIORITY;

  return async function handlePosition(message: DeliveredMessage): Promise<PositionOutcome> {
    const position = VehiclePositionMatched.decode(message.value);
    if (position.matchStatus !== MatchStatus.MATCHED || !position.trip || !position.position)
      return 'ignored';
    if (!isLate(position.scheduleDeviationS, options)) return 'ignored';
    const nowMs = clock.now();
    const observedMs = position.observedAt?.getTime() ?? Number.NaN;
    if (
      !Number.isFinite(observedMs) ||
      nowMs - observedMs > MAX_POSITION_AGE_MS ||
      observedMs - nowMs > MAX_POSITION_AGE_MS
    ) {
      return 'ignored';
    }
    const where = position.snappedPosition ?? position.position;
    let queued = false;
    for (const controller of controllers.values()) {
      const result = controller.requestPriority(
        {
          vehicleId: position.vehicleId,
          tripId: position.trip.tripId,
          routeId: position.trip.routeId,
          lat: where.lat,
          lon: where.lon,
          ...(position.bearingDeg === undefined ? {} : { bearingDeg: position.bearingDeg }),
          ...(position.speedMps === undefined ? {} : { speedMps: position.speedMps }),
          scheduleDeviationS: position.scheduleDeviationS,
        },
        nowMs,
        position.meta?.eventId ?? `${message.topic}/${message.partition}/${message.offset}`,
      );
      if (result.queued) {
        queued = true;
        logger.debug(
          { intersectionId: controller.model.id, approachId: result.approachId, requestId: result.requestId },
          'transit priority requested',
        );
      }
    }
    return queued ? 'queued' : 'ignored';
  };
}
