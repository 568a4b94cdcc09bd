import { createHash } from 'node:crypto';

/** Pure part of migrations: naming, checksums and deciding what to apply. No I/O here. */

export interface MigrationFile {
  owner: string;
  version: number;
  /** The file name, e.g. `0002_vehicle_positions.sql`. */
  name: string;
  sql: string;
  checksum: string;
}

export interface AppliedMigration {
  owner: string;
  version: number;
  name: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_-]*)\.sql$/;

/** `0002_vehicle_positions.sql` -> 2; anything else ending in .sql is a mistake worth stopping for. */
export function parseMigrationFileName(fileName: string): { version: number; description: string } {
  const match = FILE_NAME.exec(fileName);
  if (!match?.[1] || !match[2]) {
    throw new MigrationError(
      `migration file ${fileName} must be named NNNN_description.sql (four digits, lower-case description)`,
    );
  }
  const version = Number(match[1]);
  if (version === 0) throw new MigrationError(`migration file ${fileName}: versions start at 0001`);
  return { version, description: match[2] };
}

/** Line endings are normalised so a Windows checkout does not look like a tampered file. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export function migrationFile(owner: string, fileName: string, sql: string): MigrationFile {
  const { version } = parseMigrationFileName(fileName);
  return { owner, version, name: fileName, sql, checksum: migrationChecksum(sql) };
}

/** Sorts by version and refuses two files claiming the same version for one owner. */
export function orderMigrations(files: readonly MigrationFile[]): MigrationFile[] {
  const sorted = [...files].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const current = sorted[i];
    if (previous && current && previous.version === current.version) {
      throw new MigrationError(
        `${current.owner}: ${previous.name} and ${current.name} share version ${current.version}`,
      );
    }
  }
  return sorted;
}

export interface MigrationPlan {
  pending: MigrationFile[];
  alreadyApplied: number;
  /** Recorded as applied but no longer on disk: normal while rolling back a deploy, so only reported. */
  missingOnDisk: AppliedMigration[];
}

export const migrationKey = (owner: string, version: number): string => `${owner}\u0000${version}`;

/**
 * Decides which files still need applying. An applied file whose content changed is an error:
 * the database would silently differ from what the repository says it is.
 */
export function planMigrations(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
): MigrationPlan {
  const appliedByKey = new Map(applied.map((row) => [migrationKey(row.owner, row.version), row]));
  const onDisk = new Set(files.map((file) => migrationKey(file.owner, file.version)));
  const pending: MigrationFile[] = [];
  let alreadyApplied = 0;
  for (const file of files) {
    const row = appliedByKey.get(migrationKey(file.owner, file.version));
    if (!row) {
      pending.push(file);
      continue;
    }
    assertUnchanged(file, row);
    alreadyApplied++;
  }
  const missingOnDisk = applied.filter((row) => !onDisk.has(migrationKey(row.owner, row.version)));
  return { pending, alreadyApplied, missingOnDisk };
}

export function assertUnchanged(file: MigrationFile, row: AppliedMigration): void {
  if (row.checksum !== file.checksum) {
    throw new MigrationError(
      `${file.owner} migration ${file.name} was changed after it was applied (as ${row.name}); ` +
        'add a new migration instead of editing an applied one',
    );
  }
}
