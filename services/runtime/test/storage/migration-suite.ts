import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import {
  createPool,
  enforceRetention,
  loadMigrationSet,
  type MigrationSet,
  migrate,
  RUNTIME_MIGRATIONS_DIR,
  storageCapabilities,
} from '../../src/storage/index.js';
import type { ScratchDatabase } from './databases.js';

export const FIXTURE_DIR = fileURLToPath(new URL('./fixtures/vehicle-service/', import.meta.url));

export const fixtureSets = (dir = FIXTURE_DIR): MigrationSet[] => [
  { owner: 'runtime', dir: RUNTIME_MIGRATIONS_DIR },
  { owner: 'vehicle-service', dir },
];

// Other runtime modules add their own shared tables; the suite follows whatever is on disk.
const RUNTIME_MIGRATIONS = (await loadMigrationSet({ owner: 'runtime', dir: RUNTIME_MIGRATIONS_DIR })).map(
  (file) => `runtime/${file.name}`,
);
const ALL_MIGRATIONS = [
  ...RUNTIME_MIGRATIONS,
  'vehicle-service/0001_vehicle_positions.sql',
  'vehicle-service/0002_vehicle_positions_speed.sql',
];

export interface MigrationBackend {
  name: string;
  timescale: boolean;
  createDatabase(): Promise<ScratchDatabase>;
  /** Once the file's tests are done. */
  teardown?(): Promise<void>;
}

/**
 * The same assertions on every backend: what differs between TimescaleDB and PGlite is only whether
 * the table became a hypertable and whether retention dropped chunks or deleted rows.
 */
export function describeMigrations(backend: MigrationBackend): void {
  describe(`migrations on ${backend.name}`, () => {
    let database: ScratchDatabase;
    let pools: Pool[];
    const pool = (): Pool => {
      const created = createPool(database.url, {
        max: Math.min(4, database.maxConnections),
        applicationName: 'migration-test',
        logger: silentLogger(),
      });
      pools.push(created);
      return created;
    };

    beforeEach(async () => {
      pools = [];
      database = await backend.createDatabase();
    });
    afterEach(async () => {
      await Promise.all(pools.map((p) => p.end()));
      await database.drop();
    });
    afterAll(async () => {
      await backend.teardown?.();
    });

    it('applies the runtime migrations first, then the service set, and records them', async () => {
      const db = pool();
      const report = await migrate(db, {
        service: 'vehicle-service',
        sets: fixtureSets(),
        logger: silentLogger(),
      });
      expect(report.applied.map((m) => `${m.owner}/${m.name}`)).toEqual(ALL_MIGRATIONS);
      expect(report.alreadyApplied).toBe(0);

      const ledger = await db.query<{ owner: string; version: number; checksum: string }>(
        'SELECT owner, version, checksum FROM schema_migrations ORDER BY applied_at, owner, version',
      );
      expect(ledger.rows.map((r) => `${r.owner}@${r.version}`)).toEqual([
        ...RUNTIME_MIGRATIONS.map((_, i) => `runtime@${i + 1}`),
        'vehicle-service@1',
        'vehicle-service@2',
      ]);
      expect(RUNTIME_MIGRATIONS[0]).toBe('runtime/0001_timescale_shims.sql');
      expect(ledger.rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);

      const capabilities = await storageCapabilities(db);
      expect(capabilities.timescale).toBe(backend.timescale);
      const retention = await db.query(
        `SELECT table_name, time_column, keep::text AS keep FROM mobility_retention WHERE table_name = 'vehicle_positions'`,
      );
      expect(retention.rows).toEqual([
        { table_name: 'vehicle_positions', time_column: 'recorded_at', keep: '7 days' },
      ]);
    });

    it(
      backend.timescale
        ? 'makes the declared table a hypertable'
        : 'keeps the declared table plain, with the time index',
      async () => {
        const db = pool();
        await migrate(db, { service: 'vehicle-service', sets: fixtureSets() });
        if (backend.timescale) {
          const hypertables = await db.query(
            `SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_name = 'vehicle_positions'`,
          );
          expect(hypertables.rowCount).toBe(1);
          const dimension = await db.query<{ column_name: string; time_interval: string }>(
            `SELECT column_name, time_interval::text AS time_interval FROM timescaledb_information.dimensions
             WHERE hypertable_name = 'vehicle_positions'`,
          );
          expect(dimension.rows).toEqual([{ column_name: 'recorded_at', time_interval: '1 day' }]);
        } else {
          const index = await db.query(
            `SELECT indexdef FROM pg_indexes WHERE tablename = 'vehicle_positions' AND indexname = 'vehicle_positions_recorded_at_idx'`,
          );
          expect(index.rows[0]?.indexdef).toMatch(/\(recorded_at DESC\)/);
        }
      },
    );

    it('re-running is a no-op', async () => {
      const db = pool();
      await migrate(db, { service: 'vehicle-service', sets: fixtureSets() });
      const before = await db.query('SELECT owner, version, applied_at FROM schema_migrations ORDER BY 1, 2');
      const again = await migrate(db, { service: 'vehicle-service', sets: fixtureSets() });
      expect(again).toEqual({ applied: [], alreadyApplied: ALL_MIGRATIONS.length });
      const after = await db.query('SELECT owner, version, applied_at FROM schema_migrations ORDER BY 1, 2');
      expect(after.rows).toEqual(before.rows);
    });

    it('refuses an applied file whose content changed, naming it, and applies nothing after it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mobility-migrations-'));
      try {
        await cp(FIXTURE_DIR, dir, { recursive: true });
        const db = pool();
        await migrate(db, { service: 'vehicle-service', sets: fixtureSets(dir) });

        await writeFile(join(dir, '0001_vehicle_positions.sql'), '-- edited after the fact\nSELECT 1;\n');
        await writeFile(join(dir, '0003_more.sql'), 'CREATE TABLE should_not_exist (id int);\n');
        await expect(migrate(db, { service: 'vehicle-service', sets: fixtureSets(dir) })).rejects.toThrow(
          /vehicle-service migration 0001_vehicle_positions\.sql was changed after it was applied/,
        );
        const created = await db.query(`SELECT to_regclass('should_not_exist') AS oid`);
        expect(created.rows[0]?.oid).toBeNull();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('rolls back a failing file entirely and names it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mobility-migrations-'));
      try {
        await writeFile(
          join(dir, '0001_half_done.sql'),
          'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
        );
        const db = pool();
        await expect(
          migrate(db, {
            service: 'broken',
            sets: fixtureSets(dir).slice(0, 1).concat({ owner: 'broken', dir }),
          }),
        ).rejects.toThrow(/broken migration 0001_half_done\.sql failed: .*no_such_function/);
        const leftovers = await db.query(`SELECT to_regclass('half_done') AS oid`);
        expect(leftovers.rows[0]?.oid).toBeNull();
        const ledger = await db.query(
          `SELECT count(*)::int AS n FROM schema_migrations WHERE owner = 'broken'`,
        );
        expect(ledger.rows[0]?.n).toBe(0);
        // The pool stays usable after the failed run.
        expect((await db.query('SELECT 1 AS ok')).rows[0]?.ok).toBe(1);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('serialises concurrent migrators: both succeed, every file applied once', async () => {
      // Two pools stand for two replicas starting at the same moment.
      const [first, second] = await Promise.all([
        migrate(pool(), { service: 'vehicle-service', sets: fixtureSets() }),
        migrate(pool(), { service: 'vehicle-service', sets: fixtureSets() }),
      ]);
      const appliedNames = [...first.applied, ...second.applied].map((m) => `${m.owner}/${m.name}`).sort();
      expect(appliedNames).toEqual([...ALL_MIGRATIONS].sort());
      expect(first.applied.length + first.alreadyApplied).toBe(ALL_MIGRATIONS.length);
      expect(second.applied.length + second.alreadyApplied).toBe(ALL_MIGRATIONS.length);
      const ledger = await pool().query('SELECT count(*)::int AS n FROM schema_migrations');
      expect(ledger.rows[0]?.n).toBe(ALL_MIGRATIONS.length);
    });

    it('stores idempotent writes and answers date_bin queries', async () => {
      const db = pool();
      await migrate(db, { service: 'vehicle-service', sets: fixtureSets() });
      const insert = `INSERT INTO vehicle_positions (vehicle_id, recorded_at, latitude, longitude, speed_mps)
                      SELECT 'bus-1', t, -16.92, 145.77, 8 FROM unnest($1::timestamptz[]) AS t
                      ON CONFLICT (vehicle_id, recorded_at) DO NOTHING`;
      const times = [
        '2026-02-16T08:00:10Z',
        '2026-02-16T08:00:40Z',
        '2026-02-16T08:01:10Z',
        '2026-02-16T08:05:00Z',
      ];
      expect((await db.query(insert, [times])).rowCount).toBe(4);
      // At-least-once delivery replays the batch: nothing is duplicated.
      expect((await db.query(insert, [times])).rowCount).toBe(0);

      const bins = await db.query<{ bucket: Date; n: number }>(
        `SELECT date_bin('1 minute', recorded_at, timestamptz '2000-01-01') AS bucket, count(*)::int AS n
         FROM vehicle_positions WHERE vehicle_id = 'bus-1' GROUP BY 1 ORDER BY 1`,
      );
      expect(bins.rows.map((r) => [r.bucket.toISOString(), r.n])).toEqual([
        ['2026-02-16T08:00:00.000Z', 2],
        ['2026-02-16T08:01:00.000Z', 1],
        ['2026-02-16T08:05:00.000Z', 1],
      ]);
    });

    it('retention removes rows past the kept interval and keeps recent ones', async () => {
      const db = pool();
      await migrate(db, { service: 'vehicle-service', sets: fixtureSets() });
      // Ages in hours: whole days well past 7 days (whole chunks on Timescale), one just past the
      // cutoff (in the chunk that straddles it) and recent ones.
      const ages = [24 * 20, 24 * 10, 24 * 9 + 5, 24 * 7 + 1, 24 * 6, 2, 0];
      await db.query(
        `INSERT INTO vehicle_positions (vehicle_id, recorded_at, latitude, longitude)
         SELECT 'bus-' || age, now() - make_interval(hours => age), 0, 0 FROM unnest($1::int[]) AS age`,
        [ages],
      );
      const chunksBefore = backend.timescale ? await chunkCount(db) : 0;

      const outcomes = await enforceRetention(db);
      const outcome = outcomes.find((o) => o.table === 'vehicle_positions');
      expect(outcome).toBeDefined();
      expect(outcome?.keep).toBe('7 days');
      expect(Math.abs((outcome?.cutoff.getTime() ?? 0) - (Date.now() - 7 * 86_400_000))).toBeLessThan(60_000);

      const remaining = await db.query<{ vehicle_id: string }>(
        'SELECT vehicle_id FROM vehicle_positions ORDER BY 1',
      );
      expect(remaining.rows.map((r) => r.vehicle_id)).toEqual(['bus-0', 'bus-144', 'bus-2']);
      if (backend.timescale) {
        expect(outcome?.droppedChunks.length).toBeGreaterThanOrEqual(3);
        expect(outcome?.droppedChunks.every((name) => name.includes('_hyper_'))).toBe(true);
        expect(await chunkCount(db)).toBe(chunksBefore - (outcome?.droppedChunks.length ?? 0));
        // Only rows outside fully expired chunks needed a row-level delete.
        expect(outcome?.deletedRows).toBeLessThanOrEqual(1);
      } else {
        expect(outcome?.droppedChunks).toEqual([]);
        expect(outcome?.deletedRows).toBe(4);
      }

      const second = (await enforceRetention(db)).find((o) => o.table === 'vehicle_positions');
      expect(second?.droppedChunks).toEqual([]);
      expect(second?.deletedRows).toBe(0);
    });
  });
}

async function chunkCount(db: Pool): Promise<number> {
  const result = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM show_chunks('vehicle_positions')`,
  );
  return result.rows[0]?.n ?? 0;
}
