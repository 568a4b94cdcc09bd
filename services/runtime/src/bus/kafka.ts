import { DEAD_LETTER_DEFAULTS, RETENTION } from '@mobility/contracts/topics';
import { trace } from '@opentelemetry/api';
import {
  type Admin,
  type Consumer,
  type ConsumerRunConfig,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  type LogEntry,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { Logger } from '../log/logger.js';
import { DELIVERY_DEFAULTS, deadLetterTopicFor, deliver, deliverBatch, sleep } from './delivery.js';
import { busMetrics } from './metrics.js';
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
import { Semaphore } from './semaphore.js';
import { withTraceContext } from './trace-context.js';

/**
 * The EventBus on a real Kafka cluster. This is the only module that imports kafkajs (unmaintained
 * upstream), so replacing the client touches this file alone.
 */
export interface KafkaBusOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /** Replication of topics this bus creates; absent uses the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Sends in flight at once; further publishes wait, so a burst cannot exhaust memory. */
  maxPendingSends?: number;
  /** Group membership timing; short values suit tests, the defaults suit production. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How long subscribe() waits for the member to join its group before failing. */
  joinTimeoutMs?: number;
}

export async function createKafkaBus(options: KafkaBusOptions): Promise<EventBus> {
  const bus = new KafkaBus(options);
  await bus.connect();
  return bus;
}

class KafkaBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly subscriptions = new Set<Subscription>();
  private readonly sendSlots: Semaphore;
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.INFO,
      logCreator: () => (entry) => forwardLog(options.logger, entry),
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5_000 },
    });
    this.producer = this.kafka.producer({
      // Idempotence makes the broker drop a retried batch it already has, so a retry never
      // duplicates or reorders; it needs acks from all in-sync replicas and one request in flight.
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
    this.sendSlots = new Semaphore(options.maxPendingSends ?? 64);
  }

  async connect(): Promise<void> {
    await Promise.all([this.producer.connect(), this.admin.connect()]);
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const missing = specs.filter((spec) => !this.knownTopics.has(spec.name));
    if (missing.length === 0) return;
    const existing = new Set(await this.admin.listTopics());
    const toCreate = missing.filter((spec) => !existing.has(spec.name));
    if (toCreate.length > 0) {
      await this.admin.createTopics({
        // kafkajs's own wait gives up on "does not host this topic-partition" while a new topic's
        // metadata propagates; waitForLeaders below retries that until the deadline.
        waitForLeaders: false,
        topics: toCreate.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          ...(this.options.replicationFactor ? { replicationFactor: this.options.replicationFactor } : {}),
          configEntries: spec.retentionMs ? [{ name: 'retention.ms', value: String(spec.retentionMs) }] : [],
        })),
      });
    }
    await this.waitForLeaders(toCreate.map((spec) => spec.name));
    for (const spec of missing) this.knownTopics.add(spec.name);
  }

  private async waitForLeaders(topics: readonly string[], timeoutMs = 30_000): Promise<void> {
    if (topics.length === 0) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics: metadata } = await this.admin.fetchTopicMetadata({ topics: [...topics] });
        const ready = metadata.every(
          (topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0),
        );
        if (ready) return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline)
        throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.assertTopicExists(topic);
    await this.sendSlots.run(() =>
      this.producer.send({
        topic,
        acks: -1,
        messages: messages.map(toKafkaMessage),
      }),
    );
    busMetrics.published(topic, messages.length);
  }

  async publishBatch(batches: readonly TopicMessages[]): Promise<void> {
    const nonEmpty = batches.filter((batch) => batch.messages.length > 0);
    if (nonEmpty.length === 0) return;
    for (const batch of nonEmpty) await this.assertTopicExists(batch.topic);
    // One sendBatch: kafkajs groups it into one produce request per broker, where separate sends
    // would each wait their turn behind the idempotent producer's single in-flight request.
    await this.sendSlots.run(() =>
      this.producer.sendBatch({
        acks: -1,
        topicMessages: nonEmpty.map((batch) => ({
          topic: batch.topic,
          messages: batch.messages.map(toKafkaMessage),
        })),
      }),
    );
    for (const batch of nonEmpty) busMetrics.published(batch.topic, batch.messages.length);
  }

  /** Fails at once with a clear error, where kafkajs would retry metadata for a missing topic. */
  private async assertTopicExists(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    if (!(await this.admin.listTopics()).includes(topic)) {
      throw new Error(`unknown topic ${topic}: create it with ensureTopics first`);
    }
    this.knownTopics.add(topic);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const settings = { ...DELIVERY_DEFAULTS, ...options };
    return this.startConsumer(options, (stopping) => ({
      autoCommit: true,
      autoCommitInterval: 1_000,
      autoCommitThreshold: 100,
      partitionsConsumedConcurrently: settings.concurrency,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        const outcome = await deliver(fromKafkaMessage(topic, partition, message), options.handler, {
          ...this.deliveryPolicy(options, stopping),
          keepAlive: heartbeat,
          spanAlreadyOpen: trace.getActiveSpan() !== undefined,
        });
        // Throwing leaves the offset unresolved, so the member that takes over delivers it again.
        if (outcome === 'abandoned')
          throw new Error('subscription stopping; message left for the next owner');
      },
    }));
  }

  async subscribeBatch(options: BatchSubscribeOptions): Promise<Subscription> {
    const settings = { ...DELIVERY_DEFAULTS, ...options };
    const maxBatchSize = options.maxBatchSize ?? 1000;
    return this.startConsumer(options, (stopping) => ({
      autoCommit: true,
      autoCommitInterval: 1_000,
      autoCommitThreshold: 100,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.concurrency,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
      }) => {
        const delivered = batch.messages.map((message) =>
          fromKafkaMessage(batch.topic, batch.partition, message),
        );
        for (let start = 0; start < delivered.length; start += maxBatchSize) {
          if (!isRunning() || isStale()) return;
          const chunk = delivered.slice(start, start + maxBatchSize);
          const { outcome, handled } = await deliverBatch(chunk, options.handler, {
            ...this.deliveryPolicy(options, stopping),
            keepAlive: heartbeat,
          });
          const lastDone = chunk[handled - 1];
          if (lastDone) resolveOffset(String(lastDone.offset));
          if (outcome === 'abandoned')
            throw new Error('subscription stopping; messages left for the next owner');
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      },
    }));
  }

  private deliveryPolicy(options: Omit<SubscribeOptions, 'handler'>, stopping: () => boolean) {
    const settings = { ...DELIVERY_DEFAULTS, ...options };
    return {
      group: options.group,
      maxAttempts: settings.maxAttempts,
      retryBackoffMs: settings.retryBackoffMs,
      logger: this.options.logger,
      isStopping: stopping,
      ...(options.deadLetterTopic ? { deadLetterTopic: options.deadLetterTopic } : {}),
      publishDeadLetter: (deadLetterTopic: string, deadLetter: OutgoingMessage) =>
        this.publish(deadLetterTopic, [deadLetter]),
    };
  }

  /** Joins the group, runs the consumer with the given handler settings, and waits until it has joined. */
  private async startConsumer(
    options: Omit<SubscribeOptions, 'handler'>,
    runConfig: (stopping: () => boolean) => ConsumerRunConfig,
  ): Promise<Subscription> {
    await this.ensureTopics([
      {
        name: options.deadLetterTopic ?? deadLetterTopicFor(options.group),
        partitions: DEAD_LETTER_DEFAULTS.partitions,
        retentionMs: RETENTION[DEAD_LETTER_DEFAULTS.retention].retentionMs,
      },
    ]);
    const consumer: Consumer = this.kafka.consumer({
      groupId: options.group,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: 250,
      retry: { retries: 8 },
    });
    let stopping = false;
    const joined = new Promise<void>((resolve) => {
      const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? false });
    await consumer.run(runConfig(() => stopping));
    await withTimeout(
      joined,
      this.options.joinTimeoutMs ?? 60_000,
      `joining consumer group ${options.group}`,
    );

    const subscription: Subscription = {
      stop: async () => {
        if (stopping) return;
        stopping = true;
        this.subscriptions.delete(subscription);
        // disconnect() lets the message in hand finish, commits resolved offsets and leaves the group.
        await consumer.disconnect();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async resetOffsets(group: string, topic: string, to: OffsetReset): Promise<void> {
    if (typeof to === 'string') {
      await this.admin.resetOffsets({ groupId: group, topic, earliest: to === 'earliest' });
      return;
    }
    await this.admin.setOffsets({
      groupId: group,
      topic,
      partitions: to.map(({ partition, offset }) => ({ partition, offset: String(offset) })),
    });
  }

  async describeTopics(names?: readonly string[]): Promise<TopicInfo[]> {
    const wanted = names ?? (await this.admin.listTopics()).filter((name) => !name.startsWith('__')).sort();
    return Promise.all(
      wanted.map(async (name) => {
        const offsets = await this.admin.fetchTopicOffsets(name);
        return {
          name,
          partitions: offsets
            .map((entry) => ({
              partition: entry.partition,
              low: Number(entry.low),
              high: Number(entry.high),
            }))
            .sort((a, b) => a.partition - b.partition),
        };
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}

function toKafkaMessage(message: OutgoingMessage) {
  return {
    key: message.key,
    value: Buffer.from(message.value.buffer, message.value.byteOffset, message.value.byteLength),
    headers: withTraceContext(message.headers),
    timestamp: String(message.timestamp ?? Date.now()),
  };
}

function fromKafkaMessage(topic: string, partition: number, message: KafkaMessage): DeliveredMessage {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key?.toString() ?? '',
    value: message.value ?? Buffer.alloc(0),
    headers: decodeHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    decoded[name] = (Array.isArray(value) ? value.at(-1) : value)?.toString() ?? '';
  }
  return decoded;
}

/** kafkajs logs group joins at info; those are debug-level news for an operator. */
function forwardLog(logger: Logger, { namespace, level, log }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
  const context = { kafka: namespace, ...fields };
  if (level === logLevel.ERROR) logger.error(context, message);
  else if (level === logLevel.WARN) logger.warn(context, message);
  else logger.debug(context, message);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
