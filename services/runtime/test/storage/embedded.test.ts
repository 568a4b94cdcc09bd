import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import {
  createPool,
  type EmbeddedPostgres,
  type Pool,
  startEmbeddedPostgres,
  storageCapabilities,
  withTransaction,
} from '../../src/storage/index.js';

/**
 * Checks the facts the rest of the runtime relies on when it points pg at PGlite: several pooled
 * connections multiplexed onto one backend still get their own answers, and an open transaction
 * is not seen (or joined) by other connections.
 */
describe('embedded PostgreSQL (PGlite over a loopback socket)', () => {
  let embedded: EmbeddedPostgres;
  let pool: Pool;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres({ maxConnections: 4 });
    pool = createPool(embedded.url, { max: embedded.maxConnections, logger: silentLogger() });
  });
  afterAll(async () => {
    await pool.end();
    await embedded.close();
  });

  it('serves plain pg with plpgsql and reports no Timescale', async () => {
    expect(embedded.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    await pool.query(`CREATE FUNCTION answer() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 42; END $$`);
    expect((await pool.query('SELECT answer() AS a')).rows[0]?.a).toBe(42);
    const capabilities = await storageCapabilities(pool);
    expect(capabilities).toMatchObject({ timescale: false, version: null });
    expect(capabilities.postgresVersion).toMatch(/^\d+/);
  });

  it('gives every multiplexed query its own result, failing ones included', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        try {
          // Distinct statement text per query: a mixed-up unnamed statement would show as a wrong k.
          const sql =
            i % 5 === 0 ? `SELECT 1 / ($1::int - $1::int) AS k, ${i}` : `SELECT $1::int AS k, ${i} AS i`;
          const result = await pool.query(sql, [i]);
          return result.rows[0]?.k === i && result.rows[0]?.i === i ? 'ok' : 'mixed-up';
        } catch (error) {
          return i % 5 === 0 && /division by zero/.test(String(error)) ? 'ok' : `unexpected: ${error}`;
        }
      }),
    );
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
  });

  it('isolates an open transaction from the other connections', async () => {
    await pool.query('CREATE TABLE isolation_probe (id int PRIMARY KEY)');
    let seenFromOutside: number | undefined;
    await expect(
      withTransaction(pool, async (client) => {
        await client.query('INSERT INTO isolation_probe VALUES (1)');
        // Another pooled connection runs only once this transaction ends, so it sees no row...
        const outside = pool.query<{ n: number }>('SELECT count(*)::int AS n FROM isolation_probe');
        await new Promise((resolve) => setTimeout(resolve, 50));
        outside.then((r) => {
          seenFromOutside = r.rows[0]?.n;
        });
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // ...because the transaction rolled back before it ran.
    expect(seenFromOutside).toBe(0);
  });

  it('commits with withTransaction and keeps the connection usable after a rollback', async () => {
    await pool.query('CREATE TABLE tx_probe (id int PRIMARY KEY)');
    await withTransaction(pool, async (client) => {
      await client.query('INSERT INTO tx_probe VALUES (1), (2)');
    });
    await expect(
      withTransaction(pool, (client) => client.query('INSERT INTO tx_probe VALUES (2)')),
    ).rejects.toThrow(/duplicate key/);
    expect((await pool.query('SELECT count(*)::int AS n FROM tx_probe')).rows[0]?.n).toBe(2);
  });
});

describe('embedded PostgreSQL on disk', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mobility-pglite-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data across restarts when given a dataDir', async () => {
    const first = await startEmbeddedPostgres({ dataDir });
    const firstPool = createPool(first.url, { max: 1, logger: silentLogger() });
    await firstPool.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`);
    await firstPool.end();
    await first.close();

    const second = await startEmbeddedPostgres({ dataDir });
    const secondPool = createPool(second.url, { max: 1, logger: silentLogger() });
    try {
      expect((await secondPool.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
    } finally {
      await secondPool.end();
      await second.close();
    }
  });
});
