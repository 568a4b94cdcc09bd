import { DLQ_HEADERS, deadLetterTopicFor } from '@mobility/contracts/topics';
import type { Logger } from '../log/logger.js';
import { busMetrics } from './metrics.js';
import type { BatchHandler, DeliveredMessage, MessageHandler, OutgoingMessage } from './port.js';
import { inConsumerSpan } from './trace-context.js';

/**
 * What happens to one message once a consumer holds it, identical for both adapters: run the
 * handler inside a consumer span; on failure retry with exponential backoff; after the last attempt
 * publish it to the group's dead-letter topic with the reason and its origin in headers. Only when
 * the dead-letter publish itself fails does this throw, and the adapter then does not commit, so
 * the message is delivered again rather than lost.
 */
// Dead-letter naming and headers are part of the contract (tools outside the mesh read them).
export { DLQ_HEADERS, deadLetterTopicFor } from '@mobility/contracts/topics';

export interface DeliveryPolicy {
  group: string;
  maxAttempts: number;
  retryBackoffMs: number;
  logger: Logger;
  publishDeadLetter: (topic: string, message: OutgoingMessage) => Promise<void>;
  /** Called between attempts so a slow retry loop does not cost the member its group membership. */
  keepAlive?: () => Promise<void>;
  /** True once the subscription is stopping: retries end early and the message is not committed. */
  isStopping?: () => boolean;
  /** A client instrumentation already opened the consumer span; do not open a second one. */
  spanAlreadyOpen?: boolean;
  /** Dead-letter topic when not the group's default `dlq.<group>.v1`. */
  deadLetterTopic?: string;
}

export type DeliveryOutcome = 'handled' | 'dead-lettered' | 'abandoned';

export async function deliver(
  message: DeliveredMessage,
  handler: MessageHandler,
  policy: DeliveryPolicy,
): Promise<DeliveryOutcome> {
  const outcome = await attemptDelivery(message, handler, policy);
  busMetrics.delivered(message.topic, policy.group, outcome);
  return outcome;
}

async function attemptDelivery(
  message: DeliveredMessage,
  handler: MessageHandler,
  policy: DeliveryPolicy,
): Promise<DeliveryOutcome> {
  const run = () => handler(message);
  let lastError: unknown;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    const started = performance.now();
    try {
      if (policy.spanAlreadyOpen) await run();
      else await inConsumerSpan(message, policy.group, run);
      busMetrics.attempt(message.topic, policy.group, (performance.now() - started) / 1000, false);
      return 'handled';
    } catch (error) {
      busMetrics.attempt(message.topic, policy.group, (performance.now() - started) / 1000, true);
      lastError = error;
      policy.logger.warn(
        { err: error, topic: message.topic, partition: message.partition, offset: message.offset, attempt },
        'event handler failed',
      );
      if (attempt < policy.maxAttempts) {
        // Stopping mid-retry: leave the message uncommitted so the next owner tries it again.
        if (policy.isStopping?.()) return 'abandoned';
        await sleep(policy.retryBackoffMs * 2 ** (attempt - 1));
        await policy.keepAlive?.();
      }
    }
  }
  await policy.publishDeadLetter(policy.deadLetterTopic ?? deadLetterTopicFor(policy.group), {
    key: message.key,
    value: message.value,
    timestamp: message.timestamp,
    headers: {
      ...message.headers,
      [DLQ_HEADERS.reason]: describeError(lastError),
      [DLQ_HEADERS.sourceTopic]: message.topic,
      [DLQ_HEADERS.sourcePartition]: String(message.partition),
      [DLQ_HEADERS.sourceOffset]: String(message.offset),
      [DLQ_HEADERS.consumerGroup]: policy.group,
      [DLQ_HEADERS.attempts]: String(policy.maxAttempts),
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    },
  });
  policy.logger.error(
    { topic: message.topic, partition: message.partition, offset: message.offset, group: policy.group },
    'event dead-lettered',
  );
  return 'dead-lettered';
}

/** How a batch ended: `handled` counts the leading messages that are done (handled or dead-lettered). */
export interface BatchOutcome {
  outcome: 'handled' | 'abandoned';
  handled: number;
}

/**
 * One batch: the whole batch through the handler, retried as a single message would be; when it
 * still fails, each message alone through `deliver`, so a poison message is dead-lettered by itself
 * and the rest are stored. The handler must therefore be idempotent (at-least-once, as everywhere).
 */
export async function deliverBatch(
  messages: readonly DeliveredMessage[],
  handler: BatchHandler,
  policy: DeliveryPolicy,
): Promise<BatchOutcome> {
  const first = messages[0];
  if (!first) return { outcome: 'handled', handled: 0 };
  if (messages.length === 1) {
    const outcome = await deliver(first, (one) => handler([one]), policy);
    return outcome === 'abandoned' ? { outcome, handled: 0 } : { outcome: 'handled', handled: 1 };
  }
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    const started = performance.now();
    try {
      await handler(messages);
      busMetrics.attempt(first.topic, policy.group, (performance.now() - started) / 1000, false);
      for (const message of messages) busMetrics.delivered(message.topic, policy.group, 'handled');
      return { outcome: 'handled', handled: messages.length };
    } catch (error) {
      busMetrics.attempt(first.topic, policy.group, (performance.now() - started) / 1000, true);
      policy.logger.warn(
        { err: error, topic: first.topic, partition: first.partition, offset: first.offset, attempt },
        `batch handler failed on ${messages.length} messages`,
      );
      if (policy.isStopping?.()) return { outcome: 'abandoned', handled: 0 };
      if (attempt < policy.maxAttempts) {
        await sleep(policy.retryBackoffMs * 2 ** (attempt - 1));
        await policy.keepAlive?.();
      }
    }
  }
  let handled = 0;
  for (const message of messages) {
    const outcome = await deliver(message, (one) => handler([one]), policy);
    if (outcome === 'abandoned') return { outcome, handled };
    handled++;
  }
  return { outcome: 'handled', handled };
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // Headers are not a place for stack traces or megabytes of payload.
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const DELIVERY_DEFAULTS = { maxAttempts: 3, retryBackoffMs: 100, concurrency: 1 } as const;
