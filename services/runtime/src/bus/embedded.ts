import { DEAD_LETTER_DEFAULTS } from '@mobility/contracts/topics';
import { type Logger, silentLogger } from '../log/logger.js';
import { DELIVERY_DEFAULTS, deadLetterTopicFor, deliver, deliverBatch, sleep } from './delivery.js';
import { busMetrics } from './metrics.js';
import { partitionFor } from './partitioner.js';
import type {
  BatchHandler,
  BatchSubscribeOptions,
  DeliveredMessage,
  EventBus,
  MessageHandler,
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
 * The in-process event bus of the embedded mode: Kafka's semantics (partitions by key, consumer
 * groups with rebalancing, committed offsets, replay by resetting offsets, dead-lettering) without a
 * broker. Logs live in memory and are trimmed by append time, so a long-running `pnpm start` keeps a
 * bounded window.
 */
export interface EmbeddedBusOptions {
  logger?: Logger;
  /** Retention for topics that do not set their own (default one hour). */
  defaultRetentionMs?: number;
}

export function createEmbeddedBus(options: EmbeddedBusOptions = {}): EventBus {
  return new EmbeddedBus(options);
}

interface StoredMessage {
  key: string;
  value: Uint8Array;
  headers: Record<string, string>;
  timestamp: number;
  appendedAt: number;
}

/** Lets any number of waiters sleep until the next change of one partition or assignment. */
class Signal {
  private wake: (() => void) | undefined;
  private pending: Promise<void> | undefined;
  wait(): Promise<void> {
    this.pending ??= new Promise((resolve) => {
      this.wake = resolve;
    });
    return this.pending;
  }
  notify(): void {
    this.wake?.();
    this.wake = undefined;
    this.pending = undefined;
  }
}

class PartitionLog {
  /** Offset of messages[head]. */
  private base = 0;
  private head = 0;
  private readonly messages: StoredMessage[] = [];
  readonly signal = new Signal();

  get low(): number {
    return this.base;
  }
  get high(): number {
    return this.base + this.messages.length - this.head;
  }
  append(message: StoredMessage): number {
    this.messages.push(message);
    this.signal.notify();
    return this.high - 1;
  }
  read(offset: number): StoredMessage | undefined {
    return this.messages[this.head + offset - this.base];
  }
  trim(appendedBefore: number): void {
    while (
      this.head < this.messages.length &&
      (this.messages[this.head] as StoredMessage).appendedAt < appendedBefore
    ) {
      this.head++;
      this.base++;
    }
    // Compact now and then instead of shifting the array on every trimmed message.
    if (this.head > 1024 && this.head * 2 > this.messages.length) {
      this.messages.splice(0, this.head);
      this.head = 0;
    }
  }
}

interface Topic {
  name: string;
  retentionMs: number;
  partitions: PartitionLog[];
}

/** How a member takes its messages: one at a time, or in runs of consecutive messages. */
type Consumption =
  | { kind: 'single'; handler: MessageHandler }
  | { kind: 'batch'; handler: BatchHandler; maxBatchSize: number };

interface MemberOptions {
  topics: readonly string[];
  fromBeginning: boolean;
  maxAttempts: number;
  retryBackoffMs: number;
  deadLetterTopic: string;
  consumption: Consumption;
}

interface Member {
  id: number;
  options: MemberOptions;
  stopping: boolean;
  /** Limits how many of this member's partitions run their handler at the same time. */
  slots: Semaphore;
}

interface Group {
  name: string;
  members: Member[];
  generation: number;
  committed: Map<string, number>;
  /** The worker currently reading each partition, so a new owner starts only after it is done. */
  workers: Map<string, Promise<void>>;
}

const tp = (topic: string, partition: number) => `${topic}\u0000${partition}`;

class EmbeddedBus implements EventBus {
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();
  private readonly logger: Logger;
  private readonly defaultRetentionMs: number;
  private nextMemberId = 1;
  private closed = false;

  constructor(options: EmbeddedBusOptions) {
    this.logger = options.logger ?? silentLogger();
    this.defaultRetentionMs = options.defaultRetentionMs ?? 3_600_000;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    let created = false;
    for (const spec of specs) {
      if (this.topics.has(spec.name)) continue;
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new Error(`topic ${spec.name}: partitions must be a positive integer`);
      }
      this.topics.set(spec.name, {
        name: spec.name,
        retentionMs: spec.retentionMs ?? this.defaultRetentionMs,
        partitions: Array.from({ length: spec.partitions }, () => new PartitionLog()),
      });
      created = true;
    }
    // Members already subscribed to a topic that just appeared start reading it.
    if (created) for (const group of this.groups.values()) this.rebalance(group);
  }

  async publish(topicName: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    const topic = this.topics.get(topicName);
    if (!topic) throw new Error(`unknown topic ${topicName}: create it with ensureTopics first`);
    const now = Date.now();
    for (const message of messages) {
      if (typeof message.key !== 'string')
        throw new Error(`topic ${topicName}: every message needs a string key`);
      const partition = topic.partitions[partitionFor(message.key, topic.partitions.length)] as PartitionLog;
      partition.trim(now - topic.retentionMs);
      partition.append({
        key: message.key,
        value: message.value,
        headers: withTraceContext(message.headers),
        timestamp: message.timestamp ?? now,
        appendedAt: now,
      });
    }
    busMetrics.published(topicName, messages.length);
  }

  async publishBatch(batches: readonly TopicMessages[]): Promise<void> {
    for (const batch of batches) {
      if (!this.topics.has(batch.topic))
        throw new Error(`unknown topic ${batch.topic}: create it with ensureTopics first`);
    }
    for (const batch of batches) await this.publish(batch.topic, batch.messages);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.join(options, { kind: 'single', handler: options.handler });
  }

  async subscribeBatch(options: BatchSubscribeOptions): Promise<Subscription> {
    return this.join(options, {
      kind: 'batch',
      handler: options.handler,
      maxBatchSize: options.maxBatchSize ?? 1000,
    });
  }

  private async join(
    options: Omit<SubscribeOptions, 'handler'>,
    consumption: Consumption,
  ): Promise<Subscription> {
    this.assertOpen();
    const deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicFor(options.group);
    // Created up front, as with Kafka, so tools can watch it before anything has failed.
    await this.ensureTopics([{ name: deadLetterTopic, partitions: DEAD_LETTER_DEFAULTS.partitions }]);
    const group = this.groupNamed(options.group);
    const member: Member = {
      id: this.nextMemberId++,
      options: {
        topics: options.topics,
        fromBeginning: options.fromBeginning ?? false,
        maxAttempts: options.maxAttempts ?? DELIVERY_DEFAULTS.maxAttempts,
        retryBackoffMs: options.retryBackoffMs ?? DELIVERY_DEFAULTS.retryBackoffMs,
        deadLetterTopic,
        consumption,
      },
      stopping: false,
      slots: new Semaphore(options.concurrency ?? DELIVERY_DEFAULTS.concurrency),
    };
    group.members.push(member);
    this.rebalance(group);
    return {
      stop: async () => {
        if (member.stopping) return;
        member.stopping = true;
        // The workers running now all belong to the generation this stop ends; later ones keep going.
        const ending = [...group.workers.values()];
        group.members = group.members.filter((other) => other !== member);
        this.rebalance(group);
        await Promise.allSettled(ending);
      },
    };
  }

  async resetOffsets(groupName: string, topicName: string, to: OffsetReset): Promise<void> {
    const group = this.groupNamed(groupName);
    if (group.members.length > 0) {
      throw new Error(`cannot reset offsets of group ${groupName}: it has active members`);
    }
    const topic = this.topics.get(topicName);
    if (!topic) throw new Error(`unknown topic ${topicName}`);
    const targets =
      typeof to === 'string'
        ? topic.partitions.map((log, partition) => ({
            partition,
            offset: to === 'earliest' ? log.low : log.high,
          }))
        : to;
    for (const { partition, offset } of targets) {
      if (!topic.partitions[partition]) throw new Error(`topic ${topicName} has no partition ${partition}`);
      group.committed.set(tp(topicName, partition), offset);
    }
  }

  async describeTopics(names?: readonly string[]): Promise<TopicInfo[]> {
    const wanted = names ?? [...this.topics.keys()].sort();
    return wanted.flatMap((name) => {
      const topic = this.topics.get(name);
      if (!topic) return [];
      return [
        {
          name,
          partitions: topic.partitions.map((log, partition) => ({ partition, low: log.low, high: log.high })),
        },
      ];
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const group of this.groups.values()) {
      for (const member of group.members) member.stopping = true;
      group.members = [];
      this.rebalance(group);
    }
    await Promise.allSettled([...this.groups.values()].flatMap((group) => [...group.workers.values()]));
  }

  private groupNamed(name: string): Group {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, members: [], generation: 0, committed: new Map(), workers: new Map() };
      this.groups.set(name, group);
    }
    return group;
  }

  /** Round-robin assignment of each topic's partitions over the members subscribed to it. */
  private rebalance(group: Group): void {
    group.generation++;
    const generation = group.generation;
    const subscribed = new Set(group.members.flatMap((member) => member.options.topics));
    for (const topicName of subscribed) {
      const topic = this.topics.get(topicName);
      if (!topic) continue;
      const members = group.members.filter((member) => member.options.topics.includes(topicName));
      topic.partitions.forEach((log, partition) => {
        const owner = members[partition % members.length] as Member;
        this.startWorker(group, owner, topic, partition, generation);
        log.signal.notify();
      });
    }
    // Wake workers of partitions that now have no owner, so they notice and end.
    for (const topic of this.topics.values()) for (const log of topic.partitions) log.signal.notify();
  }

  private startWorker(
    group: Group,
    member: Member,
    topic: Topic,
    partition: number,
    generation: number,
  ): void {
    const key = tp(topic.name, partition);
    const previous = group.workers.get(key) ?? Promise.resolve();
    // Handing over must not depend on how the previous worker ended.
    const run = () => this.consumePartition(group, member, topic, partition, generation);
    group.workers.set(key, previous.then(run, run));
  }

  private async consumePartition(
    group: Group,
    member: Member,
    topic: Topic,
    partition: number,
    generation: number,
  ): Promise<void> {
    const key = tp(topic.name, partition);
    const log = topic.partitions[partition] as PartitionLog;
    const owns = () => !member.stopping && !this.closed && group.generation === generation;
    if (!owns()) return;
    if (!group.committed.has(key))
      group.committed.set(key, member.options.fromBeginning ? log.low : log.high);
    const { options } = member;
    while (owns()) {
      const position = Math.max(group.committed.get(key) as number, log.low);
      const stored = log.read(position);
      if (!stored) {
        await log.signal.wait();
        continue;
      }
      const { consumption } = options;
      const batchSize = consumption.kind === 'batch' ? consumption.maxBatchSize : 1;
      const messages: DeliveredMessage[] = [];
      for (let offset = position; messages.length < batchSize; offset++) {
        const next = offset === position ? stored : log.read(offset);
        if (!next) break;
        messages.push({
          topic: topic.name,
          partition,
          offset,
          key: next.key,
          value: next.value,
          headers: { ...next.headers },
          timestamp: next.timestamp,
        });
      }
      const policy = {
        group: group.name,
        maxAttempts: options.maxAttempts,
        retryBackoffMs: options.retryBackoffMs,
        deadLetterTopic: options.deadLetterTopic,
        logger: this.logger,
        isStopping: () => !owns(),
        publishDeadLetter: async (deadLetterTopic: string, deadLetter: OutgoingMessage) => {
          await this.ensureTopics([{ name: deadLetterTopic, partitions: DEAD_LETTER_DEFAULTS.partitions }]);
          await this.publish(deadLetterTopic, [deadLetter]);
        },
      };
      let done: { outcome: 'handled' | 'dead-lettered' | 'abandoned'; handled: number };
      try {
        done = await member.slots.run(async () => {
          if (consumption.kind === 'batch') return deliverBatch(messages, consumption.handler, policy);
          const outcome = await deliver(messages[0] as DeliveredMessage, consumption.handler, policy);
          return { outcome, handled: outcome === 'abandoned' ? 0 : 1 };
        });
      } catch (error) {
        // Only a failed dead-letter publish lands here: keep the message uncommitted and try again.
        this.logger.error({ err: error, topic: topic.name, partition }, 'delivery failed; retrying message');
        await sleep(1000);
        continue;
      }
      if (done.handled > 0) group.committed.set(key, position + done.handled);
      if (done.outcome === 'abandoned') return;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event bus is closed');
  }
}
