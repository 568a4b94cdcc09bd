import {
  ALL_TOPICS,
  type AnyTopicSpec,
  findTopic,
  isDeadLetterTopic,
  type RetentionClass,
} from '@mobility/contracts/topics';

/**
 * The topics the archive keeps: every domain topic of the catalogue. Dead-letter topics are left
 * out on purpose: they hold copies of events already archived from their source topic (or bytes that
 * never decoded), and their owners inspect and replay them from Kafka within its 14-day retention.
 */
export const ARCHIVED_TOPICS: readonly AnyTopicSpec[] = ALL_TOPICS.filter(
  (spec) => !isDeadLetterTopic(spec.name),
);

/** Retention classes that have an archive table (dead letters are not archived). */
export type ArchivedClass = Exclude<RetentionClass, 'dead-letter'>;
export const ARCHIVED_CLASSES: readonly ArchivedClass[] = ['raw', 'derived', 'audit'];

export function archiveTableFor(retention: RetentionClass): string {
  if (retention === 'dead-letter') throw new Error('dead-letter topics are not archived');
  return `archived_events_${retention}`;
}

/** The archived topic of that name, or an error naming the known ones (for CLI and gRPC input). */
export function archivedTopic(name: string): AnyTopicSpec {
  const spec = findTopic(name);
  if (!spec || !ARCHIVED_TOPICS.includes(spec)) {
    throw new RangeError(
      `unknown topic ${name}; archived topics: ${ARCHIVED_TOPICS.map((t) => t.name).join(', ')}`,
    );
  }
  return spec;
}
