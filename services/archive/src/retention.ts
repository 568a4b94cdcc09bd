import type { Pool } from 'pg';
import { ARCHIVED_CLASSES, type ArchivedClass, archiveTableFor } from './domain/catalogue.js';

/** `90 days`, `2 years`, `400 days`...: what PostgreSQL reads as an interval, kept to whole units. */
const INTERVAL = /^[1-9][0-9]{0,4} (hour|day|week|month|year)s?$/;

/**
 * How long the archive keeps each class: ARCHIVE_RETENTION_RAW, _DERIVED, _AUDIT (e.g. `180 days`);
 * unset keeps the migration's defaults (90 days, 400 days, 7 years). A bad value stops the start
 * with the variable's name.
 */
export function retentionSettings(env: NodeJS.ProcessEnv): Partial<Record<ArchivedClass, string>> {
  const settings: Partial<Record<ArchivedClass, string>> = {};
  const bad: string[] = [];
  for (const retention of ARCHIVED_CLASSES) {
    const name = `ARCHIVE_RETENTION_${retention.toUpperCase()}`;
    const value = env[name]?.trim();
    if (!value) continue;
    if (INTERVAL.test(value)) settings[retention] = value;
    else bad.push(name);
  }
  if (bad.length > 0) {
    throw new Error(
      `${bad.join(', ')} must be a whole number of hours, days, weeks, months or years (e.g. "180 days")`,
    );
  }
  return settings;
}

export async function applyRetentionSettings(
  db: Pool,
  settings: Partial<Record<ArchivedClass, string>>,
): Promise<void> {
  for (const [retention, keep] of Object.entries(settings) as Array<[ArchivedClass, string]>) {
    await db.query('SELECT mobility_set_retention($1::regclass, $2::interval)', [
      archiveTableFor(retention),
      keep,
    ]);
  }
}
