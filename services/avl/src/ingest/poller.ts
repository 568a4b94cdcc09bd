/**
 * Polls a vendor's GTFS-realtime VehiclePositions feed (AVL_VP_POLL_URL) and queues each new fix on
 * `avl.raw-ping.v1`. A vehicle whose timestamp has not moved since the last poll is skipped (the
 * vendor simply has nothing new; that is not a duplicate to dead-letter, and a bad fix it keeps
 * serving is dead-lettered once). A failed fetch or an
 * undecodable body is logged and retried at the next interval; it never stops the service.
 */
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import type { Clock, EventBus, Logger } from '@mobility/runtime';
import { checkPing, type ValidationLimits } from '../domain/validation.js';
import { decodeFeed, toNumber } from '../feeds/gtfs-rt.js';
import { publishRawPings } from './http.js';
import { candidateOf, rawPingFromGtfsRt } from './raw-ping.js';
import type { RejectionSink } from './rejections.js';

export interface PollerDeps {
  url: string;
  intervalMs: number;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  rejections: RejectionSink;
  limits: () => ValidationLimits;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface PollOutcome {
  queued: number;
  rejected: number;
  unchanged: number;
}

export interface Poller {
  pollOnce(): Promise<PollOutcome>;
  start(): void;
  stop(): Promise<void>;
}

export function createVehiclePositionsPoller(deps: PollerDeps): Poller {
  const fetchFeed = deps.fetch ?? fetch;
  const lastSeen = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function pollOnce(): Promise<PollOutcome> {
    const outcome: PollOutcome = { queued: 0, rejected: 0, unchanged: 0 };
    const response = await fetchFeed(deps.url, {
      signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      headers: { accept: 'application/x-protobuf' },
    });
    if (!response.ok) throw new Error(`GET ${deps.url} answered ${response.status}`);
    const feed = decodeFeed(new Uint8Array(await response.arrayBuffer()));
    const nowMs = deps.clock.now();
    const headerS = toNumber(feed.header?.timestamp) ?? Math.floor(nowMs / 1000);
    const limits = deps.limits();
    const queued = [];
    const rejections: Promise<void>[] = [];
    for (const entity of feed.entity) {
      const ping = rawPingFromGtfsRt(entity, headerS, nowMs);
      if (!ping) continue;
      const observedAtMs = ping.observedAt?.getTime() ?? 0;
      if (ping.vehicleId !== '' && lastSeen.get(ping.vehicleId) === observedAtMs) {
        outcome.unchanged++;
        continue;
      }
      const verdict = checkPing(candidateOf(ping), nowMs, limits);
      // Remembered whatever the verdict: a bad fix the vendor keeps serving is dead-lettered once.
      if (ping.vehicleId !== '') lastSeen.set(ping.vehicleId, observedAtMs);
      if (!verdict.ok) {
        outcome.rejected++;
        rejections.push(
          deps.rejections.reject({
            reason: verdict.reason,
            message: verdict.message,
            source: PingSource.GTFS_RT_POLL,
            ping,
          }),
        );
        continue;
      }
      queued.push(ping);
    }
    await Promise.all([publishRawPings(deps.bus, queued), ...rejections]);
    outcome.queued = queued.length;
    return outcome;
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pollOnce()
        .then((outcome) =>
          deps.logger.debug({ url: deps.url, ...outcome }, 'polled GTFS-rt vehicle positions'),
        )
        .catch((error: unknown) =>
          deps.logger.warn(
            { url: deps.url, err: error },
            'GTFS-rt vehicle positions poll failed; retrying next interval',
          ),
        )
        .finally(schedule);
    }, deps.intervalMs);
    timer.unref();
  };

  return {
    pollOnce,
    start() {
      stopped = false;
      // First poll right away, then every interval.
      running = pollOnce()
        .catch((error: unknown) =>
          deps.logger.warn({ url: deps.url, err: error }, 'GTFS-rt vehicle positions poll failed'),
        )
        .finally(schedule);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
