import type { BayStatus } from '../domain/ngsi-ld.js';
import type { Queryable } from './db.js';

export type BayUpdate = 'applied' | 'redelivered' | 'out-of-order';

/**
 * Stores a bay's new state unless a newer one is already there: sensors on one facility share a
 * partition, but a retry or a replay can still bring an older report after a newer one.
 */
export async function applyBayState(
  db: Queryable,
  bay: {
    facilityId: string;
    bayId: string;
    state: BayStatus['state'];
    category: number;
    sensorId: string;
    observedAt: number;
  },
): Promise<BayUpdate> {
  const at = new Date(bay.observedAt);
  const { rowCount } = await db.query(
    `INSERT INTO bay_state AS b (facility_id, bay_id, state, category, sensor_id, observed_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (facility_id, bay_id) DO UPDATE SET
       state = EXCLUDED.state, category = EXCLUDED.category, sensor_id = EXCLUDED.sensor_id,
       observed_at = EXCLUDED.observed_at
     WHERE b.observed_at < EXCLUDED.observed_at`,
    [bay.facilityId, bay.bayId, bay.state, bay.category, bay.sensorId, at],
  );
  if (rowCount === 1) return 'applied';
  const { rows } = await db.query<{ state: string; observed_at: Date }>(
    'SELECT state, observed_at FROM bay_state WHERE facility_id = $1 AND bay_id = $2',
    [bay.facilityId, bay.bayId],
  );
  const stored = rows[0];
  return stored && stored.observed_at.getTime() === bay.observedAt && stored.state === bay.state
    ? 'redelivered'
    : 'out-of-order';
}

/** Occupied bays per category (BayCategory value), over bays whose sensor works. */
export async function occupiedBaysByCategory(
  db: Queryable,
  facilityId: string,
): Promise<Map<number, number>> {
  const { rows } = await db.query<{ category: number; occupied: number }>(
    `SELECT category, count(*)::int AS occupied FROM bay_state
     WHERE facility_id = $1 AND state = 'occupied' GROUP BY category`,
    [facilityId],
  );
  return new Map(rows.map((row) => [Number(row.category), row.occupied]));
}

export async function listBays(
  db: Queryable,
  facilityIds?: readonly string[],
): Promise<Map<string, BayStatus[]>> {
  const { rows } = await db.query<{
    facility_id: string;
    bay_id: string;
    state: BayStatus['state'];
    category: number;
    observed_at: Date;
  }>(
    facilityIds
      ? 'SELECT facility_id, bay_id, state, category, observed_at FROM bay_state WHERE facility_id = ANY($1::text[]) ORDER BY facility_id, bay_id'
      : 'SELECT facility_id, bay_id, state, category, observed_at FROM bay_state ORDER BY facility_id, bay_id',
    facilityIds ? [facilityIds] : [],
  );
  const byFacility = new Map<string, BayStatus[]>();
  for (const row of rows) {
    const list = byFacility.get(row.facility_id) ?? [];
    list.push({
      bayId: row.bay_id,
      state: row.state,
      category: Number(row.category),
      observedAt: row.observed_at.getTime(),
    });
    byFacility.set(row.facility_id, list);
  }
  return byFacility;
}
