/**
 * Drives every intersection controller on the service clock. A wall-clock timer wakes the runner
 * often; each wake runs every whole control second between the last one run and `clock.now()`, so
 * the same code keeps real time, follows an accelerated simulation clock (many seconds per wake),
 * and follows a manual clock in tests. A clock that jumps far ahead (a replay, a paused process) is
 * not replayed second by second beyond `MAX_CATCH_UP_S`: the controllers jump, which the safety guard
 * handles because it compares absolute times.
 */
import type { Clock, Logger } from '@mobility/runtime';
import type { Publisher } from '../events/publisher.js';
import type { IntersectionController } from './intersection-controller.js';

/** Control seconds run one by one per wake at most; further behind, the controllers jump. */
export const MAX_CATCH_UP_S = 600;
/** How often detectors are checked for having gone silent (control seconds). */
const SILENCE_CHECK_EVERY_S = 10;

export interface ControlRunner {
  start(): void;
  stop(): Promise<void>;
  /** Runs every control second up to `clock.now()` (what the timer does on each wake). */
  runDue(): void;
  /** Control seconds run so far (for tests and metrics). */
  secondsRun(): number;
}

export interface RunnerDeps {
  controllers: ReadonlyMap<string, IntersectionController>;
  clock: Clock;
  publisher: Publisher;
  logger: Logger;
  /** Wall-clock wake period (default 200 ms: a 5x accelerated clock still gets one wake per second). */
  wakeEveryMs?: number;
  /** Called when a control second crosses into a new measures bin (with the closed bin's start). */
  onBinClosed?: (binStartMs: number) => void;
  binMs?: number;
}

export function createControlRunner(deps: RunnerDeps): ControlRunner {
  const { controllers, clock, publisher, logger } = deps;
  const wakeEveryMs = deps.wakeEveryMs ?? 200;
  const binMs = deps.binMs ?? 900_000;
  let lastSecond = Math.floor(clock.now() / 1000);
  let timer: NodeJS.Timeout | undefined;
  let count = 0;

  function runSecond(second: number): void {
    const nowMs = second * 1000;
    for (const controller of controllers.values()) {
      try {
        publisher.tick(controller.model, controller.tick(nowMs));
        if (second % SILENCE_CHECK_EVERY_S === 0) {
          void publisher.alarms(controller.model, controller.health.checkSilence(nowMs));
        }
      } catch (error) {
        // One intersection's failure must not stop the others; its guard keeps its last safe state.
        logger.error({ err: error, intersectionId: controller.model.id }, 'control tick failed');
      }
    }
    count += 1;
    const previousBin = Math.floor(((second - 1) * 1000) / binMs);
    const bin = Math.floor(nowMs / binMs);
    if (bin > previousBin) deps.onBinClosed?.(previousBin * binMs);
  }

  const runner: ControlRunner = {
    runDue() {
      const target = Math.floor(clock.now() / 1000);
      if (target <= lastSecond) return;
      let from = lastSecond + 1;
      if (target - lastSecond > MAX_CATCH_UP_S) {
        logger.warn({ behindS: target - lastSecond }, 'control clock jumped ahead; controllers skip to now');
        from = target;
      }
      for (let second = from; second <= target; second++) runSecond(second);
      lastSecond = target;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => runner.runDue(), wakeEveryMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await publisher.idle();
    },
    secondsRun: () => count,
  };
  return runner;
}
