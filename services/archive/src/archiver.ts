import { findTopic } from '@mobility/contracts/topics';
import type { DeliveredMessage, Logger } from '@mobility/runtime';
import { withTransaction } from '@mobility/runtime';
import type { Pool } from 'pg';
import { ARCHIVED_TOPICS, type ArchivedClass } from './domain/catalogue.js';
import { deriveRows, emptyDerivedRows } from './domain/derive.js';
import { normalizeEvent } from './domain/envelope.js';
import { insertDerived } from './store/derived.js';
import { type ArchivedEvent, insertEvents } from './store/events.js';

/** Consumer group of the archive: one group reading every archived topic. */
export const ARCHIVE_GROUP = 'archive.events';

/**
 * How the archive consumes: partitions of different topics written in parallel (each batch one
 * transaction on its own pooled connection, the pool holding 10), up to 5000 events per batch.
 */
export const ARCHIVE_CONSUMPTION = {
  concurrency: 8,
  maxBatchSize: 5000,
} as const;

/** Headers that are transport, not history: a replay starts fresh traces. */
const TRANSIENT_HEADERS = new Set(['traceparent', 'tracestate']);

export interface ArchiveStats {
  stored: number;
  duplicates: number;
}

/**
 * Stores a batch of consecutive messages of one partition: every event in its class's hypertable and
 * the KPI rows of known types, in one transaction, so a batch is either fully archived (and then
 * committed on the bus) or not at all (and redelivered). A payload that is not a message of its topic
 * throws: the bus retries the batch, then each message alone, and dead-letters only that one.
 */
export function createArchiver(deps: { db: Pool; logger: Logger; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const stats: ArchiveStats = { stored: 0, duplicates: 0 };
  const archived = new Set(ARCHIVED_TOPICS.map((spec) => spec.name));

  async function archiveBatch(messages: readonly DeliveredMessage[]): Promise<void> {
    const byClass = new Map<ArchivedClass, ArchivedEvent[]>();
    const derived = emptyDerivedRows();
    const ingestTime = now();
    for (const message of messages) {
      const spec = findTopic(message.topic);
      if (!spec || !archived.has(spec.name) || spec.retention === 'dead-letter') {
        throw new Error(`topic ${message.topic} is not archived`);
      }
      const event = normalizeEvent(spec, message.value, message.timestamp);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers)) {
        if (!TRANSIENT_HEADERS.has(name)) headers[name] = value;
      }
      let rows = byClass.get(spec.retention);
      if (!rows) {
        rows = [];
        byClass.set(spec.retention, rows);
      }
      rows.push({
        eventTime: event.eventTime,
        topic: spec.name,
        partition: message.partition,
        offset: message.offset,
        key: message.key,
        eventType: spec.messageType,
        ingestTime,
        payload: event.payload,
        headers,
      });
      deriveRows(spec.name, event.message, event.eventTime, derived);
    }
    const stored = await withTransaction(deps.db, async (client) => {
      let inserted = 0;
      for (const [retention, rows] of byClass) inserted += await insertEvents(client, retention, rows);
      await insertDerived(client, derived);
      return inserted;
    });
    stats.stored += stored;
    stats.duplicates += messages.length - stored;
  }

  return { archiveBatch, stats };
}
