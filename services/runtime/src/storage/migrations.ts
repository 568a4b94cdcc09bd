import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool, PoolClient } from 'pg';
import { type Logger, silentLogger } from '../log/logger.js';
import {
  type AppliedMigration,
  assertUnchanged,
  type MigrationFile,
  migrationFile,
  orderMigrations,
  planMigrations,
} from './migration-plan.js';
import { inTransaction, originalError } from './transaction.js';

/** Shared tables and the Timescale shims every service gets, applied before the service's own. */
export const RUNTIME_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface MigrationSet {
  /** Who owns the files: `runtime` or the service name. Versions are per owner. */
  owner: string;
  dir: string;
}

export interface MigrateOptions {
  service: string;
  /** The service's own migrations folder; omit for a service without tables. */
  dir?: string;
  /** Full control over what runs, in order; replaces the runtime + service default. */
  sets?: readonly MigrationSet[];
  logger?: Logger;
  /** Per migration file; long data migrations (create_hypertable on a big table) need room. */
  statementTimeoutMs?: number;
}

export interface MigrationReport {
  applied: { owner: string; version: number; name: string; durationMs: number }[];
  alreadyApplied: number;
}

/**
 * One key for all migrators of a database. A transaction-scoped lock, not a session lock: PGlite
 * multiplexes every connection onto one backend, where a session lock is re-entrant for everyone,
 * while an open transaction pins the backend to its connection and so still serialises there.
 */
const MIGRATION_LOCK_KEY = 7_154_270_613_981_055_001n;

const CREATE_LEDGER = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    owner text NOT NULL,
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    execution_ms integer NOT NULL DEFAULT 0,
    PRIMARY KEY (owner, version)
  )`;

export function defaultMigrationSets(service: string, dir?: string): MigrationSet[] {
  const sets: MigrationSet[] = [{ owner: 'runtime', dir: RUNTIME_MIGRATIONS_DIR }];
  if (dir !== undefined) sets.push({ owner: service, dir });
  return sets;
}

export async function loadMigrationSet(set: MigrationSet): Promise<MigrationFile[]> {
  const names = (await readdir(set.dir)).filter((name) => name.endsWith('.sql'));
  const files = await Promise.all(
    names.map(async (name) => migrationFile(set.owner, name, await readFile(join(set.dir, name), 'utf8'))),
  );
  return orderMigrations(files);
}

/**
 * Applies pending migrations: the runtime's first, then the service's, each file in its own
 * transaction and recorded in schema_migrations. Safe to run from every replica at start-up.
 */
export async function migrate(pool: Pool, options: MigrateOptions): Promise<MigrationReport> {
  const logger = options.logger ?? silentLogger();
  const sets = options.sets ?? defaultMigrationSets(options.service, options.dir);
  const files = (await Promise.all(sets.map(loadMigrationSet))).flat();
  const timeoutMs = options.statementTimeoutMs ?? 600_000;

  const client = await pool.connect();
  let failure: unknown;
  try {
    await inTransaction(client, async () => {
      await lock(client);
      await client.query(CREATE_LEDGER);
    });

    // Checked before anything runs, so a tampered file stops the whole run, not half of it.
    const plan = planMigrations(files, await readLedger(client));
    for (const row of plan.missingOnDisk) {
      logger.warn({ owner: row.owner, migration: row.name }, 'applied migration not found on disk');
    }

    const report: MigrationReport = { applied: [], alreadyApplied: plan.alreadyApplied };
    for (const file of plan.pending) {
      const outcome = await applyOne(client, file, timeoutMs);
      if (outcome === 'applied-elsewhere') {
        report.alreadyApplied++;
        continue;
      }
      report.applied.push({ owner: file.owner, version: file.version, name: file.name, durationMs: outcome });
      logger.info({ owner: file.owner, migration: file.name, durationMs: outcome }, 'migration applied');
    }
    return report;
  } catch (error) {
    failure = error;
    throw originalError(error);
  } finally {
    // After a failure the session may hold anything (an aborted transaction, a SET): drop it.
    client.release(failure instanceof Error ? failure : undefined);
  }
}

/** Returns the duration, or 'applied-elsewhere' when another migrator got there first. */
async function applyOne(
  client: PoolClient,
  file: MigrationFile,
  timeoutMs: number,
): Promise<number | 'applied-elsewhere'> {
  return inTransaction(client, async () => {
    await lock(client);
    const existing = await client.query<AppliedMigration>(
      'SELECT owner, version, name, checksum FROM schema_migrations WHERE owner = $1 AND version = $2',
      [file.owner, file.version],
    );
    const row = existing.rows[0];
    if (row) {
      assertUnchanged(file, row);
      return 'applied-elsewhere';
    }
    await client.query(`SET LOCAL statement_timeout = ${Math.max(0, Math.trunc(timeoutMs))}`);
    const started = performance.now();
    try {
      // No parameters: the simple query protocol, so a file may hold many statements.
      await client.query(file.sql);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${file.owner} migration ${file.name} failed: ${message}`, { cause: error });
    }
    const durationMs = Math.round(performance.now() - started);
    await client.query(
      'INSERT INTO schema_migrations (owner, version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4, $5)',
      [file.owner, file.version, file.name, file.checksum, durationMs],
    );
    return durationMs;
  });
}

async function lock(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
}

async function readLedger(client: PoolClient): Promise<AppliedMigration[]> {
  const result = await client.query<AppliedMigration>(
    'SELECT owner, version, name, checksum FROM schema_migrations ORDER BY owner, version',
  );
  return result.rows;
}
