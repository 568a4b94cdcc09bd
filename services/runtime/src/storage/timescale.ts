import type { Pool, PoolClient } from 'pg';
import { inTransaction, originalError } from './transaction.js';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

export interface StorageCapabilities {
  /** The timescaledb extension is installed in this database. */
  timescale: boolean;
  /** Its version, e.g. `2.19.3`, or null without Timescale. */
  version: string | null;
  /** server_version, e.g. `15.20 (Debian ...)` or `18.6` on PGlite. */
  postgresVersion: string;
}

export async function storageCapabilities(db: Queryable): Promise<StorageCapabilities> {
  const result = await db.query<{ version: string | null; postgres_version: string }>(
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS version,
            current_setting('server_version') AS postgres_version`,
  );
  const row = result.rows[0];
  const version = row?.version ?? null;
  return { timescale: version !== null, version, postgresVersion: row?.postgres_version ?? 'unknown' };
}

export interface RetentionOutcome {
  table: string;
  timeColumn: string;
  /** The interval as PostgreSQL prints it, e.g. `30 days`. */
  keep: string;
  /** Rows older than this were removed. */
  cutoff: Date;
  /** Whole chunks dropped (hypertables only). */
  droppedChunks: string[];
  /** Rows deleted one by one: on plain tables all of them, on hypertables those in the boundary chunk. */
  deletedRows: number;
}

interface RetentionRow {
  table_name: string;
  time_column: string;
  keep: string;
  hypertable: boolean;
}

/**
 * Applies mobility_retention: what mobility_set_retention registered. Meant for a periodic job;
 * the Apache-only TimescaleDB build has no retention policy to do it for us.
 *
 * On a hypertable, whole chunks past the cutoff go with drop_chunks (cheap: no row-by-row delete,
 * no bloat), then the rows of the one chunk straddling the cutoff are deleted so that every backend
 * (TimescaleDB, plain PostgreSQL, PGlite) answers the same queries after a run.
 */
export async function enforceRetention(pool: Pool): Promise<RetentionOutcome[]> {
  const { timescale } = await storageCapabilities(pool);
  // to_regclass skips tables dropped since they were registered instead of failing the whole run.
  const registered = await pool.query<RetentionRow>(
    `SELECT r.table_name, r.time_column, r.keep::text AS keep, ${
      timescale
        ? `EXISTS (SELECT 1 FROM timescaledb_information.hypertables h
                   WHERE to_regclass(format('%I.%I', h.hypertable_schema, h.hypertable_name)) = to_regclass(r.table_name))`
        : 'false'
    } AS hypertable
     FROM mobility_retention r
     WHERE to_regclass(r.table_name) IS NOT NULL
     ORDER BY r.table_name`,
  );

  const outcomes: RetentionOutcome[] = [];
  for (const row of registered.rows) {
    outcomes.push(await enforceOne(pool, row));
  }
  return outcomes;
}

async function enforceOne(pool: Pool, row: RetentionRow): Promise<RetentionOutcome> {
  const client = await pool.connect();
  let failure: unknown;
  try {
    // One transaction so now() is one instant: drop_chunks and DELETE cut at the same time.
    return await inTransaction(client, async () => {
      const cutoffResult = await client.query<{ cutoff: Date }>('SELECT now() - $1::interval AS cutoff', [
        row.keep,
      ]);
      const cutoff = cutoffResult.rows[0]?.cutoff ?? new Date();
      let droppedChunks: string[] = [];
      if (row.hypertable) {
        // drop_chunks(relation regclass, older_than => interval) returns the dropped chunk names;
        // an interval works whatever the time column's type (timestamptz, timestamp, date).
        const dropped = await client.query<{ chunk: string }>(
          'SELECT drop_chunks($1::regclass, older_than => $2::interval) AS chunk',
          [row.table_name, row.keep],
        );
        droppedChunks = dropped.rows.map((chunk) => chunk.chunk);
      }
      const deleted = await client.query(
        `DELETE FROM ${row.table_name} WHERE ${quoteIdentifier(row.time_column)} < now() - $1::interval`,
        [row.keep],
      );
      return {
        table: row.table_name,
        timeColumn: row.time_column,
        keep: row.keep,
        cutoff,
        droppedChunks,
        deletedRows: deleted.rowCount ?? 0,
      };
    });
  } catch (error) {
    failure = error;
    throw originalError(error);
  } finally {
    client.release(failure instanceof Error ? failure : undefined);
  }
}

/** table_name comes from regclass::text and is already quoted; column names are not. */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
