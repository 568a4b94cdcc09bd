import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/storage/index.js';

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

export async function createEmbeddedDatabase(): Promise<ScratchDatabase> {
  const embedded = await startEmbeddedPostgres({ maxConnections: 4 });
  return { url: embedded.url, maxConnections: embedded.maxConnections, drop: () => embedded.close() };
}
