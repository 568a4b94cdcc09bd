import { describe, expect, it } from 'vitest';
import {
  MigrationError,
  migrationChecksum,
  parseMigrationFileName,
  planMigrations,
} from '../../src/storage/index.js';
import { migrationFile, orderMigrations } from '../../src/storage/migration-plan.js';

describe('migration file names', () => {
  it('reads the version from NNNN_description.sql', () => {
    expect(parseMigrationFileName('0007_parking_occupancy.sql')).toEqual({
      version: 7,
      description: 'parking_occupancy',
    });
  });

  it.each(['7_x.sql', '0001-x.sql', '0001_X.sql', '0001_.sql', '0000_zero.sql', 'readme.sql'])(
    'refuses %s',
    (name) => {
      expect(() => parseMigrationFileName(name)).toThrow(MigrationError);
    },
  );
});

describe('planning', () => {
  const a1 = migrationFile('avl', '0001_a.sql', 'CREATE TABLE a ();');
  const a2 = migrationFile('avl', '0002_b.sql', 'CREATE TABLE b ();');
  const r1 = migrationFile('runtime', '0001_shims.sql', 'SELECT 1;');

  it('orders by version and refuses two files with one version', () => {
    expect(orderMigrations([a2, a1]).map((f) => f.name)).toEqual(['0001_a.sql', '0002_b.sql']);
    const clash = migrationFile('avl', '0002_c.sql', 'SELECT 2;');
    expect(() => orderMigrations([a1, a2, clash])).toThrow(/0002_b\.sql and 0002_c\.sql share version 2/);
  });

  it('keeps owners apart: the same version number under two owners is two migrations', () => {
    const plan = planMigrations(
      [r1, a1, a2],
      [{ owner: 'runtime', version: 1, name: r1.name, checksum: r1.checksum }],
    );
    expect(plan.pending.map((f) => `${f.owner}/${f.name}`)).toEqual(['avl/0001_a.sql', 'avl/0002_b.sql']);
    expect(plan.alreadyApplied).toBe(1);
  });

  it('names the file whose applied content changed', () => {
    expect(() =>
      planMigrations([a1], [{ owner: 'avl', version: 1, name: a1.name, checksum: 'f'.repeat(64) }]),
    ).toThrow(/avl migration 0001_a\.sql was changed after it was applied/);
  });

  it('reports applied migrations that are gone from disk without failing', () => {
    const plan = planMigrations(
      [a1],
      [
        { owner: 'avl', version: 1, name: a1.name, checksum: a1.checksum },
        { owner: 'avl', version: 2, name: '0002_b.sql', checksum: a2.checksum },
      ],
    );
    expect(plan.pending).toEqual([]);
    expect(plan.missingOnDisk.map((m) => m.name)).toEqual(['0002_b.sql']);
  });

  it('treats CRLF and LF checkouts of one file as the same content', () => {
    expect(migrationChecksum('SELECT 1;\r\nSELECT 2;\r\n')).toBe(migrationChecksum('SELECT 1;\nSELECT 2;\n'));
    expect(migrationChecksum('SELECT 1;')).not.toBe(migrationChecksum('SELECT 2;'));
  });
});
