import { BayCategory, Facility } from '@mobility/contracts/parking/v1/facility';
import type { Queryable } from './db.js';

const capacityOf = (facility: Facility, category: BayCategory) =>
  facility.capacityByCategory.find((entry) => entry.category === category)?.capacity ?? 0;

/**
 * Creates or replaces a facility. The stored description is the contract's canonical JSON; the
 * columns beside it (kind, position, capacities) are what listing and planners' SQL filter on.
 */
export async function upsertFacility(db: Queryable, facility: Facility): Promise<{ created: boolean }> {
  const changedAt = facility.lastChanged?.changedAt ?? new Date();
  const { rows } = await db.query<{ created: boolean }>(
    `INSERT INTO facilities AS f (facility_id, name, kind, lat, lon, capacity, accessible_capacity, ev_capacity,
                                  description, updated_at, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (facility_id) DO UPDATE SET
       name = EXCLUDED.name, kind = EXCLUDED.kind, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
       capacity = EXCLUDED.capacity, accessible_capacity = EXCLUDED.accessible_capacity,
       ev_capacity = EXCLUDED.ev_capacity, description = EXCLUDED.description,
       updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
     RETURNING (xmax = 0) AS created`,
    [
      facility.facilityId,
      facility.name,
      facility.kind,
      facility.location?.lat ?? 0,
      facility.location?.lon ?? 0,
      facility.capacity,
      capacityOf(facility, BayCategory.ACCESSIBLE),
      capacityOf(facility, BayCategory.EV_CHARGING),
      JSON.stringify(Facility.toJSON(facility)),
      changedAt,
      facility.lastChanged?.actorId ?? '',
    ],
  );
  return { created: rows[0]?.created === true };
}

export async function getFacility(db: Queryable, facilityId: string): Promise<Facility | undefined> {
  const { rows } = await db.query<{ description: unknown }>(
    'SELECT description FROM facilities WHERE facility_id = $1',
    [facilityId],
  );
  return rows[0] ? Facility.fromJSON(rows[0].description) : undefined;
}

/** Every facility ordered by id. A city has hundreds to a few thousand: filtering happens in memory. */
export async function listFacilities(db: Queryable, facilityIds?: readonly string[]): Promise<Facility[]> {
  const { rows } =
    facilityIds && facilityIds.length > 0
      ? await db.query<{ description: unknown }>(
          'SELECT description FROM facilities WHERE facility_id = ANY($1::text[]) ORDER BY facility_id',
          [facilityIds],
        )
      : await db.query<{ description: unknown }>('SELECT description FROM facilities ORDER BY facility_id');
  return rows.map((row) => Facility.fromJSON(row.description));
}
