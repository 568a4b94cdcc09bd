import { deadLetterTopicFor } from './delivery.js';
import type {
  BatchSubscribeOptions,
  DeliveredMessage,
  EventBus,
  OffsetReset,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicInfo,
  TopicMessages,
  TopicSpec,
} from './port.js';

/**
 * A view of a bus in which every topic and consumer group lives under a prefix: a service started
 * on `namespacedBus(bus, 'replay.r1')` publishing `parking.occupancy-changed.v1` writes to
 * `replay.r1.parking.occupancy-changed.v1`, and its group `parking.sensor-events` is
 * `replay.r1.parking.sensor-events`. The service keeps using catalogue names (delivered messages carry
 * the un-prefixed topic), so the same code recomputes its outputs from replayed inputs without
 * reading or writing a live topic or moving a live group's offsets.
 */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$/;

export interface NamespaceOptions {
  /**
   * Runs around every handler call with the message (or the first of a batch): how a replay clock
   * learns the event time of what the service is processing.
   */
  aroundDelivery?: <T>(message: DeliveredMessage, run: () => Promise<T>) => Promise<T>;
}

export interface NamespacedBus extends EventBus {
  readonly namespace: string;
  /** The full name of a catalogue topic in this namespace. */
  topicName(topic: string): string;
}

export function namespacedBus(
  bus: EventBus,
  namespace: string,
  options: NamespaceOptions = {},
): NamespacedBus {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new TypeError(`topic namespace "${namespace}" must be dot-separated lower-case kebab-case words`);
  }
  const prefix = `${namespace}.`;
  const inside = (name: string) => `${prefix}${name}`;
  const outside = (name: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  const around = options.aroundDelivery ?? ((_message, run) => run());
  const subscriptions = new Set<Subscription>();

  const scoped = <O extends Omit<SubscribeOptions, 'handler'>>(subscribe: O): O => ({
    ...subscribe,
    group: inside(subscribe.group),
    topics: subscribe.topics.map(inside),
    // The group's own dead letters, inside the namespace: a replay never writes to a live DLQ.
    deadLetterTopic: inside(subscribe.deadLetterTopic ?? deadLetterTopicFor(subscribe.group)),
  });
  const unscoped = (message: DeliveredMessage): DeliveredMessage => ({
    ...message,
    topic: outside(message.topic),
  });
  const track = (subscription: Subscription): Subscription => {
    const tracked: Subscription = {
      stop: async () => {
        subscriptions.delete(tracked);
        await subscription.stop();
      },
    };
    subscriptions.add(tracked);
    return tracked;
  };

  return {
    namespace,
    topicName: inside,
    ensureTopics: (topics: readonly TopicSpec[]) =>
      bus.ensureTopics(topics.map((topic) => ({ ...topic, name: inside(topic.name) }))),
    publish: (topic: string, messages: readonly OutgoingMessage[]) => bus.publish(inside(topic), messages),
    publishBatch: (batches: readonly TopicMessages[]) =>
      bus.publishBatch(batches.map((batch) => ({ ...batch, topic: inside(batch.topic) }))),
    async subscribe(subscribe: SubscribeOptions) {
      return track(
        await bus.subscribe({
          ...scoped(subscribe),
          handler: (message) => {
            const delivered = unscoped(message);
            return around(delivered, () => subscribe.handler(delivered));
          },
        }),
      );
    },
    async subscribeBatch(subscribe: BatchSubscribeOptions) {
      return track(
        await bus.subscribeBatch({
          ...scoped(subscribe),
          handler: (messages) => {
            const delivered = messages.map(unscoped);
            const first = delivered[0];
            return first ? around(first, () => subscribe.handler(delivered)) : Promise.resolve();
          },
        }),
      );
    },
    resetOffsets: (group: string, topic: string, to: OffsetReset) =>
      bus.resetOffsets(inside(group), inside(topic), to),
    async describeTopics(names?: readonly string[]): Promise<TopicInfo[]> {
      const described = names
        ? await bus.describeTopics(names.map(inside))
        : (await bus.describeTopics()).filter((topic) => topic.name.startsWith(prefix));
      return described.map((topic) => ({ ...topic, name: outside(topic.name) }));
    },
    // The underlying bus belongs to the process: closing the view ends only what it started.
    async close() {
      await Promise.allSettled([...subscriptions].map((subscription) => subscription.stop()));
    },
  };
}
