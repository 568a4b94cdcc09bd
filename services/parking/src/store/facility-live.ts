import type { LiveOccupancy } from '../domain/occupancy.js';
import type { Queryable } from './db.js';
import { latestHistory } from './history.js';

/**
 * The authoritative live state of a facility (table facility_live). Falls back to the newest history
 * row for a facility whose state predates the table; that row carries no revision (treated as 0).
 */
export async function loadLiveState(db: Queryable, facilityId: string): Promise<LiveOccupancy | undefined> {
  const { rows } = await db.query<{ state: LiveOccupancy; revision: string | number }>(
    'SELECT state, revision FROM facility_live WHERE facility_id = $1',
    [facilityId],
  );
  const row = rows[0];
  if (row) return { ...row.state, revision: Number(row.revision) };
  return latestHistory(db, facilityId);
}

/** Writes the state and returns it with its new revision. Call under the facility's advisory lock. */
export async function saveLiveState(db: Queryable, state: LiveOccupancy): Promise<LiveOccupancy> {
  const { revision: _ignored, ...plain } = state;
  const { rows } = await db.query<{ revision: string | number }>(
    `INSERT INTO facility_live AS l (facility_id, state, revision, updated_at) VALUES ($1, $2, 1, now())
     ON CONFLICT (facility_id) DO UPDATE SET state = EXCLUDED.state, revision = l.revision + 1, updated_at = now()
     RETURNING revision`,
    [state.facilityId, JSON.stringify(plain)],
  );
  return { ...plain, revision: Number(rows[0]?.revision) };
}

/** Serialises every ingest transaction of one facility, across processes and replicas. */
export async function lockFacility(db: Queryable, facilityId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [facilityId]);
}
