import type { DeliveredMessage, EventBus } from '../../src/bus/index.js';
import type { Logger } from '../../src/log/logger.js';

/** Polls `probe` until it gives a value (not undefined/false), or fails naming `what`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Collects what arrives on topics through a throw-away consumer group, from the beginning. */
export async function collectMessages(
  bus: EventBus,
  topics: string[],
  group: string,
): Promise<{ messages: DeliveredMessage[]; stop(): Promise<void> }> {
  const messages: DeliveredMessage[] = [];
  const subscription = await bus.subscribe({
    group,
    topics,
    fromBeginning: true,
    handler: async (message) => {
      messages.push(message);
    },
  });
  return { messages, stop: () => subscription.stop() };
}

/** Every log call, flattened to text, so a test can prove something never reached a log line. */
export function recordingLogger(lines: string[]): Logger {
  const logger: unknown = new Proxy(
    {},
    {
      get(_target, property) {
        if (property === 'child') return () => logger;
        if (property === 'level') return 'trace';
        if (property === 'isLevelEnabled') return () => true;
        return (...args: unknown[]) => {
          lines.push(
            JSON.stringify(args, (_key, value) => (typeof value === 'bigint' ? String(value) : value)),
          );
        };
      },
    },
  );
  return logger as Logger;
}
