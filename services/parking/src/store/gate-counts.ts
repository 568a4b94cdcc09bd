import type { Queryable } from './db.js';

/**
 * Claims a gate count for application: true the first time, false for a redelivery. Called in the
 * same transaction as the history write, so a count is either applied and remembered or neither.
 */
export async function claimGateCount(
  db: Queryable,
  count: { facilityId: string; inputId: string; occurredAt: number; delta: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO gate_count_inputs (facility_id, input_id, occurred_at, delta) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [count.facilityId, count.inputId, new Date(count.occurredAt), count.delta],
  );
  return rowCount === 1;
}
