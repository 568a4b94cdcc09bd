import { AsyncLocalStorage } from 'node:async_hooks';
import type { DeliveredMessage } from '../bus/port.js';
import type { Clock } from '../util/clock.js';

/**
 * The clock of a service running on a replay: time is the event time of the replayed input being
 * handled, not the wall clock, so a decision taken while handling an input ("is this reading in the
 * future?", "is that state stale?") comes out the same on every replay of the same window, whatever
 * the replay speed or the machine's load.
 *
 * Inside a handler, now() is that message's bus timestamp (the replay publishes each event with its
 * original event time). Outside handlers (timers, gRPC calls) it is the latest event time handled so
 * far, or the fallback clock before the first one.
 */
export interface EventTimeClock extends Clock {
  /** Runs `run` with now() pinned to the message's event time; for `namespacedBus`'s aroundDelivery. */
  during<T>(message: DeliveredMessage, run: () => Promise<T>): Promise<T>;
}

export function createEventTimeClock(fallback: Clock): EventTimeClock {
  const current = new AsyncLocalStorage<number>();
  let latest: number | undefined;
  return {
    now: () => current.getStore() ?? latest ?? fallback.now(),
    during(message, run) {
      const at = message.timestamp;
      if (!Number.isFinite(at)) return run();
      if (latest === undefined || at > latest) latest = at;
      return current.run(at, run);
    },
  };
}
