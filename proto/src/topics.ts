/**
 * The catalogue of Kafka topics of the mesh: hand-written, next to the generated code it points at.
 *
 * Rules (see /ARCHITECTURE.md and proto/README.md):
 * - A topic is named `<domain>.<event>.v<major>`: lower-case kebab-case words separated by dots, the
 *   domain being the owning service. A breaking change of the message is a new topic (`.v2`).
 * - One message type per topic; the Kafka key is the id of the entity the event is about, so one
 *   entity's events stay in order on one partition.
 * - Messages that fail after retries go to the consumer group's dead-letter topic
 *   (`deadLetterTopicFor`), with the original bytes untouched and the cause in headers (`DLQ_HEADERS`).
 */
import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  HeadwayAlert,
  PingRejected,
  RawVehiclePing,
  TripPrediction,
  VehiclePositionMatched,
} from './gen/mobility/avl/v1/events.js';
import {
  FacilityCountEvent,
  OccupancyChanged,
  OccupancySnapshot,
  ParkingSensorEvent,
} from './gen/mobility/parking/v1/events.js';
import {
  DetectorAlarm,
  DetectorCount,
  PhaseChanged,
  PlanChanged,
  PriorityGranted,
} from './gen/mobility/signal/v1/events.js';

/** Services of the mesh that own topics (routing publishes none). */
export type OwningService = 'avl' | 'signal' | 'parking';

/** Who may write to a topic besides its owner. `simulation` is the built-in city simulation. */
export type Producer = OwningService | 'simulation' | 'replay';

/**
 * How long a topic keeps data. Kafka is transport, not the archive: history lives in TimescaleDB.
 * - `raw`: field inputs, high volume; kept long enough to re-process after an outage.
 * - `derived`: computed by the mesh; kept for consumers that lag or rebuild state.
 * - `audit`: records of state changes and decisions someone may have to account for.
 * - `dead-letter`: failed messages awaiting inspection and replay.
 */
export type RetentionClass = 'raw' | 'derived' | 'audit' | 'dead-letter';

/** Broker settings of each retention class (topic config `retention.ms`, `cleanup.policy`). */
export const RETENTION: Readonly<Record<RetentionClass, { readonly retentionMs: number }>> = {
  raw: { retentionMs: 3 * 24 * 3_600_000 },
  derived: { retentionMs: 7 * 24 * 3_600_000 },
  audit: { retentionMs: 90 * 24 * 3_600_000 },
  'dead-letter': { retentionMs: 14 * 24 * 3_600_000 },
};

/** The binary and JSON codec of a message type; every generated message object satisfies it. */
export interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  toJSON(message: T): unknown;
  fromJSON(object: unknown): T;
}

/** One topic of the catalogue. */
export interface TopicSpec<T, N extends string = string> {
  /** Full topic name, e.g. `avl.position-matched.v1`. */
  readonly name: N;
  /** The service that owns the topic and its schema. */
  readonly owner: OwningService;
  /** Everything that may produce to it (the owner first). */
  readonly producers: readonly Producer[];
  /** Fully-qualified protobuf message type, e.g. `mobility.avl.v1.VehiclePositionMatched`. */
  readonly messageType: string;
  /** Generated codec of the message type. */
  readonly codec: MessageCodec<T>;
  /** Path of the key field in the TypeScript message (camelCase), for documentation and logs. */
  readonly keyField: string;
  /** Extracts the Kafka key; may return '' when the field is unset (see `messageKey`). */
  key(message: T): string;
  /** Default partition count when the topic is created. */
  readonly partitions: number;
  /** Retention class. */
  readonly retention: RetentionClass;
  /** One line: what a message on this topic means. */
  readonly description: string;
}

function defineTopic<T, const N extends string>(spec: TopicSpec<T, N>): TopicSpec<T, N> {
  return spec;
}

const CATALOGUE = [
  // --- avl ---------------------------------------------------------------------------------------
  defineTopic({
    name: 'avl.raw-ping.v1',
    owner: 'avl',
    producers: ['avl', 'simulation', 'replay'],
    messageType: 'mobility.avl.v1.RawVehiclePing',
    codec: RawVehiclePing,
    keyField: 'vehicleId',
    key: (m) => m.vehicleId,
    partitions: 6,
    retention: 'raw',
    description: 'Raw vehicle position reports as received by AVL ingest (HTTP, GTFS-rt poll, vendor feeds).',
  }),
  defineTopic({
    name: 'avl.ping-rejected.v1',
    owner: 'avl',
    producers: ['avl'],
    messageType: 'mobility.avl.v1.PingRejected',
    codec: PingRejected,
    keyField: 'vehicleId (else sourceRecordId, else meta.eventId)',
    key: (m) => m.vehicleId || m.sourceRecordId || (m.meta?.eventId ?? ''),
    partitions: 3,
    retention: 'derived',
    description: 'Pings refused at ingest with the reason (malformed, stale, implausible jump, ...).',
  }),
  defineTopic({
    name: 'avl.position-matched.v1',
    owner: 'avl',
    producers: ['avl'],
    messageType: 'mobility.avl.v1.VehiclePositionMatched',
    codec: VehiclePositionMatched,
    keyField: 'vehicleId',
    key: (m) => m.vehicleId,
    partitions: 6,
    retention: 'derived',
    description: 'Vehicle positions matched to trip, block and shape, with schedule deviation.',
  }),
  defineTopic({
    name: 'avl.trip-prediction.v1',
    owner: 'avl',
    producers: ['avl'],
    messageType: 'mobility.avl.v1.TripPrediction',
    codec: TripPrediction,
    keyField: 'trip.tripId',
    key: (m) => m.trip?.tripId ?? '',
    partitions: 6,
    retention: 'derived',
    description: 'Stop-level arrival/departure predictions of a trip run, including cancellations and skips.',
  }),
  defineTopic({
    name: 'avl.headway-alert.v1',
    owner: 'avl',
    producers: ['avl'],
    messageType: 'mobility.avl.v1.HeadwayAlert',
    codec: HeadwayAlert,
    keyField: 'routeId',
    key: (m) => m.routeId,
    partitions: 3,
    retention: 'derived',
    description: 'Bunching or gap between consecutive vehicles of a route, raised and cleared.',
  }),
  // --- signal ------------------------------------------------------------------------------------
  defineTopic({
    name: 'signal.detector-count.v1',
    owner: 'signal',
    producers: ['signal', 'simulation', 'replay'],
    messageType: 'mobility.signal.v1.DetectorCount',
    codec: DetectorCount,
    keyField: 'intersectionId',
    key: (m) => m.intersectionId,
    partitions: 6,
    retention: 'raw',
    description: 'Volume and occupancy of one detector over one counting interval.',
  }),
  defineTopic({
    name: 'signal.phase-changed.v1',
    owner: 'signal',
    producers: ['signal', 'simulation'],
    messageType: 'mobility.signal.v1.PhaseChanged',
    codec: PhaseChanged,
    keyField: 'intersectionId',
    key: (m) => m.intersectionId,
    partitions: 6,
    retention: 'derived',
    description: 'A controller started a new signal interval, with the explanation of the decision.',
  }),
  defineTopic({
    name: 'signal.plan-changed.v1',
    owner: 'signal',
    producers: ['signal'],
    messageType: 'mobility.signal.v1.PlanChanged',
    codec: PlanChanged,
    keyField: 'intersectionId',
    key: (m) => m.intersectionId,
    partitions: 3,
    retention: 'audit',
    description:
      'An intersection changed timing plan or mode (schedule, adaptive, audited operator override).',
  }),
  defineTopic({
    name: 'signal.priority-granted.v1',
    owner: 'signal',
    producers: ['signal'],
    messageType: 'mobility.signal.v1.PriorityGranted',
    codec: PriorityGranted,
    keyField: 'intersectionId',
    key: (m) => m.intersectionId,
    partitions: 3,
    retention: 'audit',
    description: 'Transit signal priority granted to a bus: action, time saved and cost to cross traffic.',
  }),
  defineTopic({
    name: 'signal.detector-alarm.v1',
    owner: 'signal',
    producers: ['signal'],
    messageType: 'mobility.signal.v1.DetectorAlarm',
    codec: DetectorAlarm,
    keyField: 'intersectionId',
    key: (m) => m.intersectionId,
    partitions: 3,
    retention: 'derived',
    description: 'A detector malfunction (stuck on, no activity, chatter, ...) was raised or cleared.',
  }),
  // --- parking -----------------------------------------------------------------------------------
  defineTopic({
    name: 'parking.sensor-event.v1',
    owner: 'parking',
    producers: ['parking', 'simulation', 'replay'],
    messageType: 'mobility.parking.v1.ParkingSensorEvent',
    codec: ParkingSensorEvent,
    keyField: 'facilityId',
    key: (m) => m.facilityId,
    partitions: 3,
    retention: 'raw',
    description: 'A bay sensor reported the bay occupied, free or faulty.',
  }),
  defineTopic({
    name: 'parking.facility-count.v1',
    owner: 'parking',
    producers: ['parking', 'simulation', 'replay'],
    messageType: 'mobility.parking.v1.FacilityCountEvent',
    codec: FacilityCountEvent,
    keyField: 'facilityId',
    key: (m) => m.facilityId,
    partitions: 3,
    retention: 'raw',
    description: 'Vehicles passed an entry or exit gate of a facility.',
  }),
  defineTopic({
    name: 'parking.occupancy-snapshot.v1',
    owner: 'parking',
    producers: ['parking', 'simulation', 'replay'],
    messageType: 'mobility.parking.v1.OccupancySnapshot',
    codec: OccupancySnapshot,
    keyField: 'facilityId',
    key: (m) => m.facilityId,
    partitions: 3,
    retention: 'raw',
    description: 'An absolute occupancy reading from a facility system or open-data feed, unvalidated.',
  }),
  defineTopic({
    name: 'parking.occupancy-changed.v1',
    owner: 'parking',
    producers: ['parking'],
    messageType: 'mobility.parking.v1.OccupancyChanged',
    codec: OccupancyChanged,
    keyField: 'facilityId',
    key: (m) => m.facilityId,
    partitions: 3,
    retention: 'derived',
    description: 'The validated occupancy of a facility changed (current state, band and trend).',
  }),
] as const;

type Catalogue = (typeof CATALOGUE)[number];

/** Name of a catalogued topic. */
export type TopicName = Catalogue['name'];

/** Each topic's spec by name, with its message type. */
export type TopicsByName = { readonly [S in Catalogue as S['name']]: S };

/** The message type carried by topic `N`. */
export type TopicMessage<N extends TopicName> = TopicsByName[N] extends TopicSpec<infer T, N> ? T : never;

/** A topic spec with its message type erased, for code that handles every topic alike. */
export type AnyTopicSpec = TopicSpec<unknown, TopicName>;

/** Every catalogued topic, in catalogue order. */
export const ALL_TOPICS: readonly AnyTopicSpec[] = CATALOGUE;

/** The catalogue by topic name. */
export const TOPICS = Object.freeze(
  Object.fromEntries(CATALOGUE.map((spec) => [spec.name, spec])),
) as TopicsByName;

/** The spec of a topic, typed by its name: `topic('avl.position-matched.v1').codec.decode(bytes)`. */
export function topic<N extends TopicName>(name: N): TopicsByName[N] {
  return TOPICS[name];
}

/** Looks a topic up by a runtime string (e.g. from config); undefined when not catalogued. */
export function findTopic(name: string): AnyTopicSpec | undefined {
  return ALL_TOPICS.find((spec) => spec.name === name);
}

/**
 * The Kafka key of a message. Throws when the key field is empty, because an empty key would pile
 * every such message onto one partition and break per-entity ordering silently.
 */
export function messageKey<T>(spec: TopicSpec<T>, message: T): string {
  const key = spec.key(message);
  if (key === '') {
    throw new TypeError(`message for topic ${spec.name} has an empty key (${spec.keyField})`);
  }
  return key;
}

/** `<domain>.<event>.v<major>`: lower-case kebab-case segments, major version >= 1. */
export const TOPIC_NAME_PATTERN =
  /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.v[1-9][0-9]*$/;

/** Whether a string follows the topic naming rule. */
export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME_PATTERN.test(name);
}

/** Consumer group names are `<service>.<purpose>` (kebab-case segments), e.g. `signal.transit-priority`. */
export const CONSUMER_GROUP_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Prefix of every dead-letter topic. */
export const DEAD_LETTER_PREFIX = 'dlq.';

/**
 * The dead-letter topic of a consumer group: `dlq.<service>.<purpose>.v1`.
 *
 * One DLQ per consumer group (not per source topic): a message is dead only for the group that
 * failed on it, and the group's owner is the one who inspects and replays it. The DLQ record keeps
 * the original key and value bytes untouched (it may be undecodable: that can be why it failed) and
 * carries the cause in the headers named by `DLQ_HEADERS`. DLQ topics use the `dead-letter`
 * retention class and 1 partition by default (low volume; order of failures kept).
 */
export function deadLetterTopicFor(consumerGroup: string): string {
  if (!CONSUMER_GROUP_PATTERN.test(consumerGroup)) {
    throw new TypeError(`consumer group "${consumerGroup}" does not follow <service>.<purpose> (kebab-case)`);
  }
  return `${DEAD_LETTER_PREFIX}${consumerGroup}.v1`;
}

/** Whether a topic name is a dead-letter topic. */
export function isDeadLetterTopic(name: string): boolean {
  return name.startsWith(DEAD_LETTER_PREFIX);
}

/** Kafka header names of a dead-letter record (values are UTF-8 strings). */
export const DLQ_HEADERS = {
  /** Why it failed: the last error's message. */
  reason: 'dlq-reason',
  /** Topic the message was consumed from. */
  sourceTopic: 'dlq-source-topic',
  /** Partition it was consumed from (decimal). */
  sourcePartition: 'dlq-source-partition',
  /** Offset it was consumed at (decimal). */
  sourceOffset: 'dlq-source-offset',
  /** Consumer group that gave up on it. */
  consumerGroup: 'dlq-consumer-group',
  /** Delivery attempts made (decimal). */
  attempts: 'dlq-attempts',
  /** When it was dead-lettered (ISO 8601). */
  failedAt: 'dlq-failed-at',
} as const;

/** Default partition count and retention of dead-letter topics. */
export const DEAD_LETTER_DEFAULTS = { partitions: 1, retention: 'dead-letter' } as const satisfies {
  partitions: number;
  retention: RetentionClass;
};
