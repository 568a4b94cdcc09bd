import type { Pool, PoolClient } from 'pg';
import type { ArchivedClass } from '../domain/catalogue.js';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/** One event as archived. */
export interface ArchivedEvent {
  eventTime: number;
  topic: string;
  partition: number;
  offset: number;
  key: string;
  eventType: string;
  ingestTime: number;
  payload: Uint8Array;
  headers: Record<string, string>;
}

/**
 * Inserts events of one retention class in one statement: arrays bound as parameters and unnested
 * server-side, so a batch of thousands costs one round trip and one plan. A redelivered event hits
 * the unique key (topic, partition, offset, event time) and is skipped. Returns rows newly stored.
 */
export async function insertEvents(
  db: Queryable,
  retention: ArchivedClass,
  events: readonly ArchivedEvent[],
): Promise<number> {
  if (events.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO archived_events_${retention}
       (event_time, topic, "partition", "offset", event_key, event_type, ingest_time, payload, headers)
     SELECT to_timestamp(t / 1000.0), topic, p, o, k, ty, to_timestamp(it / 1000.0), pl, h
     FROM unnest($1::float8[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::float8[], $8::bytea[], $9::jsonb[])
       AS batch(t, topic, p, o, k, ty, it, pl, h)
     ON CONFLICT DO NOTHING`,
    [
      events.map((e) => e.eventTime),
      events.map((e) => e.topic),
      events.map((e) => e.partition),
      events.map((e) => e.offset),
      events.map((e) => e.key),
      events.map((e) => e.eventType),
      events.map((e) => e.ingestTime),
      events.map((e) => Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength)),
      events.map((e) => JSON.stringify(e.headers)),
    ],
  );
  return result.rowCount ?? 0;
}

/** An archived event as a replay reads it. */
export interface StoredEvent {
  eventTime: number;
  topic: string;
  partition: number;
  offset: number;
  key: string;
  payload: Uint8Array;
  headers: Record<string, string>;
}

/** The topic-partitions that hold events of the window, each one a stream a replay merges. */
export async function streamsInWindow(
  db: Queryable,
  window: { from: number; to: number; topics: readonly string[] },
): Promise<Array<{ topic: string; partition: number; events: number }>> {
  const { rows } = await db.query<{ topic: string; partition: number; events: string }>(
    `SELECT topic, "partition", count(*) AS events FROM archived_events
     WHERE event_time >= $1 AND event_time < $2 AND topic = ANY($3::text[])
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [new Date(window.from), new Date(window.to), [...window.topics]],
  );
  return rows.map((row) => ({ topic: row.topic, partition: row.partition, events: Number(row.events) }));
}

/**
 * The next events of one topic-partition in the window, in offset order (the order they had on the
 * bus, so per-key order is kept whatever their event times say).
 */
export async function readStream(
  db: Queryable,
  stream: { topic: string; partition: number; table: string },
  window: { from: number; to: number },
  afterOffset: number,
  limit: number,
): Promise<StoredEvent[]> {
  const { rows } = await db.query<{
    t: number;
    offset: string;
    event_key: string;
    payload: Buffer;
    headers: Record<string, string>;
  }>(
    `SELECT extract(epoch FROM event_time) * 1000 AS t, "offset", event_key, payload, headers
     FROM ${stream.table}
     WHERE topic = $1 AND "partition" = $2 AND event_time >= $3 AND event_time < $4 AND "offset" > $5
     ORDER BY "offset" LIMIT $6`,
    [stream.topic, stream.partition, new Date(window.from), new Date(window.to), afterOffset, limit],
  );
  return rows.map((row) => ({
    eventTime: Math.round(Number(row.t)),
    topic: stream.topic,
    partition: stream.partition,
    offset: Number(row.offset),
    key: row.event_key,
    payload: row.payload,
    headers: row.headers,
  }));
}
