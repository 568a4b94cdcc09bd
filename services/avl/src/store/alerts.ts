/**
 * Service alerts authored by operators. Kept as the contract's canonical JSON so fields added to
 * the .proto survive without a migration; a withdrawn alert keeps its row (deleted_at) for audit.
 */
import { ServiceAlert } from '@mobility/contracts/avl/v1/service';
import type { Queryable } from './history.js';

export async function insertAlert(
  db: Queryable,
  alert: ServiceAlert,
  createdBy: string,
  at: Date,
): Promise<void> {
  await db.query(
    'INSERT INTO service_alerts (alert_id, alert, created_at, created_by) VALUES ($1, $2, $3, $4)',
    [alert.alertId, JSON.stringify(ServiceAlert.toJSON(alert)), at, createdBy],
  );
}

/** Alerts not withdrawn, oldest first. */
export async function liveAlerts(db: Queryable): Promise<ServiceAlert[]> {
  const { rows } = await db.query<{ alert: unknown }>(
    'SELECT alert FROM service_alerts WHERE deleted_at IS NULL ORDER BY created_at, alert_id',
  );
  return rows.map((row) =>
    ServiceAlert.fromJSON(typeof row.alert === 'string' ? JSON.parse(row.alert) : row.alert),
  );
}

/** True when a live alert was withdrawn; false when there was none (or it was already withdrawn). */
export async function withdrawAlert(
  db: Queryable,
  alertId: string,
  deletedBy: string,
  at: Date,
): Promise<boolean> {
  const result = await db.query(
    'UPDATE service_alerts SET deleted_at = $2, deleted_by = $3 WHERE alert_id = $1 AND deleted_at IS NULL',
    [alertId, at, deletedBy],
  );
  return (result.rowCount ?? 0) > 0;
}
