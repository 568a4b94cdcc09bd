/**
 * The event bus port. Services publish and consume through this interface only; two adapters
 * implement it with the same semantics (Kafka via kafkajs, and an in-process bus for the embedded
 * mode), and one contract test suite holds both to it.
 *
 * Semantics, as Kafka's:
 * - a topic has a fixed number of partitions; a message goes to the partition its key hashes to
 *   (Kafka's murmur2), so all messages of one entity stay in order;
 * - consumers in one group share a topic's partitions; each partition is read by one member at a
 *   time, in order, and a member that leaves hands its partitions over to the others;
 * - delivery is at least once: a group's committed offset advances only after the handler finished,
 *   and a restarted member resumes from it;
 * - a handler that keeps failing does not block its partition: after `maxAttempts` the message goes
 *   to the group's dead-letter topic with the failure in its headers, and the partition moves on.
 */
export interface OutgoingMessage {
  /** Entity id (vehicle, intersection, facility): decides the partition and so the ordering scope. */
  key: string;
  value: Uint8Array;
  headers?: Record<string, string>;
  /** Event time in epoch milliseconds; defaults to the time of publishing. */
  timestamp?: number;
}

export interface DeliveredMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: Uint8Array;
  headers: Record<string, string>;
  timestamp: number;
}

export type MessageHandler = (message: DeliveredMessage) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group, named `<service>.<purpose>`. */
  group: string;
  topics: readonly string[];
  handler: MessageHandler;
  /** Where a group without a committed offset starts: the oldest retained message, or only new ones. */
  fromBeginning?: boolean;
  /** Handler attempts before a message is dead-lettered (default 3). */
  maxAttempts?: number;
  /** Wait before the first retry; doubles each retry (default 100 ms). */
  retryBackoffMs?: number;
  /** Partitions of this member processed at the same time (default 1). Order holds within each. */
  concurrency?: number;
  /**
   * Where messages that keep failing go; default `dlq.<group>.v1`. Set by wrappers that rename
   * groups (a replay namespace), so the dead letters stay inside the wrapper's namespace.
   */
  deadLetterTopic?: string;
}

/**
 * Receives consecutive messages of one partition at once, in offset order. Resolving commits all of
 * them; throwing retries the batch, then each message alone, so only a poison message dead-letters.
 */
export type BatchHandler = (messages: readonly DeliveredMessage[]) => Promise<void>;

export interface BatchSubscribeOptions extends Omit<SubscribeOptions, 'handler'> {
  handler: BatchHandler;
  /** Most messages handed over in one call (default 1000). */
  maxBatchSize?: number;
}

/** Messages for one topic within a multi-topic publish. */
export interface TopicMessages {
  topic: string;
  messages: readonly OutgoingMessage[];
}

export interface Subscription {
  /** Finishes the message in hand, commits, and leaves the group so others take over its partitions. */
  stop(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** How long messages are kept; absent means the bus's default. */
  retentionMs?: number;
}

export interface PartitionInfo {
  partition: number;
  /** Offset of the oldest message still retained. */
  low: number;
  /** Offset the next message will get (the "high watermark"). */
  high: number;
}

export interface TopicInfo {
  name: string;
  partitions: PartitionInfo[];
}

/** A starting point for replay: every partition of a topic to one position, or explicit offsets. */
export type OffsetReset = 'earliest' | 'latest' | ReadonlyArray<{ partition: number; offset: number }>;

export interface EventBus {
  /** Creates missing topics; existing ones are left as they are. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Resolves once every message is durably appended (acknowledged by all in-sync replicas). */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Publishes to several topics in one request where the adapter can (Kafka: one produce request
   * per broker), keeping each key's order as given. Resolves once everything is durably appended.
   */
  publishBatch(batches: readonly TopicMessages[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * As subscribe, with the handler taking runs of consecutive messages of a partition: for sinks
   * that write many rows per round trip (the archive). Same groups, offsets and dead-lettering.
   */
  subscribeBatch(options: BatchSubscribeOptions): Promise<Subscription>;
  /**
   * Moves a group's committed offsets on a topic, for replay. The group must have no active
   * members (as Kafka requires); the next member to join reads from there.
   */
  resetOffsets(group: string, topic: string, to: OffsetReset): Promise<void>;
  describeTopics(names?: readonly string[]): Promise<TopicInfo[]>;
  /** Stops every subscription, flushes what is being published, and disconnects. */
  close(): Promise<void>;
}
