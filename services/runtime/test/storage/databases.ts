import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/storage/index.js';

/** A database a test may wreck: created for it, dropped after. */
export interface ScratchDatabase {
  url: string;
  /** How many pg connections it accepts at once (PGlite serves a fixed number). */
  maxConnections: number;
  drop(): Promise<void>;
}

/** CREATE DATABASE with a random name on a server where adminUrl is a superuser. */
export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `mobility_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    maxConnections: 10,
    async drop() {
      const cleaner = new pg.Client({ connectionString: adminUrl });
      await cleaner.connect();
      try {
        await cleaner.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleaner.end();
      }
    },
  };
}

/**
 * Embedded databases for a whole test file from one PGlite: booting PGlite takes seconds (initdb in
 * WASM), resetting its public schema takes milliseconds. Everything migrations create lives there.
 */
export function embeddedDatabases(): {
  createDatabase(): Promise<ScratchDatabase>;
  closeAll(): Promise<void>;
} {
  let started: Promise<EmbeddedPostgres> | undefined;
  return {
    async createDatabase() {
      started ??= startEmbeddedPostgres({ maxConnections: 4 });
      const embedded = await started;
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      try {
        await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      } finally {
        await client.end();
      }
      return { url: embedded.url, maxConnections: embedded.maxConnections, drop: async () => {} };
    },
    async closeAll() {
      await (await started)?.close();
    },
  };
}
