/**
 * The signal service's tables (migrations/0001_signal.sql). Every write is idempotent: keyed so a
 * redelivered event or a recomputed bin lands on the row it already wrote.
 */
import type { GrantRecord, OverrideState } from '../control/records.js';
import type { AlarmChange, CountObservation } from '../domain/detector-health.js';
import type { ApproachBin, CountRecord, GreenInterval } from '../domain/measures.js';

/** The query surface the stores need: a pg Pool or a client inside a transaction. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

export type SignalEventType =
  | 'phase-green'
  | 'phase-yellow'
  | 'phase-red-clearance'
  | 'detector-count'
  | 'priority-granted'
  | 'override-set'
  | 'override-ended'
  | 'detector-alarm-raised'
  | 'detector-alarm-cleared';

export interface SignalEventRow {
  intersectionId: string;
  occurredAtMs: number;
  type: SignalEventType;
  parameter: string;
  details?: Record<string, unknown>;
}

/** Stores a validated count; false when this interval of this detector was stored before. */
export async function insertCount(
  db: Queryable,
  intersectionId: string,
  count: CountObservation,
  eventId: string,
  flags: readonly string[],
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO detector_counts (intersection_id, detector_id, interval_start, interval_s, volume,
                                  occupancy_ratio, flags, event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (intersection_id, detector_id, interval_start) DO NOTHING`,
    [
      intersectionId,
      count.detectorId,
      new Date(count.intervalStartMs),
      count.intervalS,
      count.volume,
      count.occupancyRatio,
      flags,
      eventId,
    ],
  );
  return (result.rowCount ?? 0) > 0;
}

export interface QualityRecord {
  observedAtMs: number;
  inputId: string;
  intersectionId: string;
  detectorId: string;
  action: 'rejected' | 'flagged';
  reasonCode: string;
  reason: string;
  flags: readonly string[];
}

export async function recordQuality(db: Queryable, record: QualityRecord): Promise<void> {
  await db.query(
    `INSERT INTO data_quality_log (observed_at, input_id, intersection_id, detector_id, action, reason_code, reason, flags)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (input_id, observed_at) DO NOTHING`,
    [
      new Date(record.observedAtMs),
      record.inputId,
      record.intersectionId,
      record.detectorId,
      record.action,
      record.reasonCode,
      record.reason,
      record.flags,
    ],
  );
}

/** Appends to the high-resolution event log in one statement. */
export async function recordEvents(db: Queryable, rows: readonly SignalEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values: unknown[] = [];
  const tuples = rows.map((row, i) => {
    values.push(
      row.intersectionId,
      new Date(row.occurredAtMs),
      row.type,
      row.parameter,
      JSON.stringify(row.details ?? {}),
    );
    const b = i * 5;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
  });
  await db.query(
    `INSERT INTO signal_events (intersection_id, occurred_at, event_type, parameter, details)
     VALUES ${tuples.join(', ')}
     ON CONFLICT (intersection_id, occurred_at, event_type, parameter) DO NOTHING`,
    values,
  );
}

export async function recordGrant(db: Queryable, grant: GrantRecord): Promise<void> {
  await db.query(
    `INSERT INTO priority_grants (intersection_id, request_id, granted_at, vehicle_id, trip_id, route_id, approach_id,
                                  action, adjustment_s, schedule_deviation_s, estimated_time_saved_s,
                                  estimated_cross_delay_veh_s, explanation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (intersection_id, request_id, granted_at) DO NOTHING`,
    [
      grant.intersectionId,
      grant.requestId,
      new Date(grant.atMs),
      grant.vehicleId,
      grant.tripId,
      grant.routeId,
      grant.approachId,
      grant.action,
      grant.adjustmentS,
      Math.round(grant.scheduleDeviationS),
      grant.timeSavedS,
      grant.crossDelayVehS,
      JSON.stringify(grant.explanation),
    ],
  );
}

export async function recordAlarm(db: Queryable, intersectionId: string, change: AlarmChange): Promise<void> {
  if (change.state === 'raised') {
    await db.query(
      `INSERT INTO detector_alarms (alarm_id, intersection_id, detector_id, kind, raised_at, explanation)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (alarm_id, raised_at) DO NOTHING`,
      [
        change.alarmId,
        intersectionId,
        change.detectorId,
        change.kind,
        new Date(change.atMs),
        JSON.stringify(change.explanation),
      ],
    );
  } else {
    await db.query(`UPDATE detector_alarms SET cleared_at = $2 WHERE alarm_id = $1 AND cleared_at IS NULL`, [
      change.alarmId,
      new Date(change.atMs),
    ]);
  }
}

export async function saveOverride(
  db: Queryable,
  intersectionId: string,
  override: OverrideState,
): Promise<void> {
  await db.query(
    `INSERT INTO active_overrides (intersection_id, override_id, override, expires_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (intersection_id) DO UPDATE
       SET override_id = EXCLUDED.override_id, override = EXCLUDED.override, expires_at = EXCLUDED.expires_at`,
    [intersectionId, override.overrideId, JSON.stringify(override), new Date(override.expiresAtMs)],
  );
}

export async function deleteOverride(
  db: Queryable,
  intersectionId: string,
  overrideId: string,
): Promise<void> {
  await db.query('DELETE FROM active_overrides WHERE intersection_id = $1 AND override_id = $2', [
    intersectionId,
    overrideId,
  ]);
}

export async function loadOverrides(
  db: Queryable,
): Promise<{ intersectionId: string; override: OverrideState }[]> {
  const { rows } = await db.query<{ intersection_id: string; override: OverrideState | string }>(
    'SELECT intersection_id, override FROM active_overrides',
  );
  return rows.map((row) => ({
    intersectionId: row.intersection_id,
    override: typeof row.override === 'string' ? (JSON.parse(row.override) as OverrideState) : row.override,
  }));
}

export async function loadCounts(
  db: Queryable,
  intersectionId: string,
  fromMs: number,
  toMs: number,
): Promise<CountRecord[]> {
  const { rows } = await db.query<{
    detector_id: string;
    interval_start: Date;
    interval_s: number;
    volume: number;
    occupancy_ratio: number;
  }>(
    `SELECT detector_id, interval_start, interval_s, volume, occupancy_ratio FROM detector_counts
     WHERE intersection_id = $1 AND interval_start >= $2 AND interval_start < $3
     ORDER BY interval_start`,
    [intersectionId, new Date(fromMs), new Date(toMs)],
  );
  return rows.map((row) => ({
    detectorId: row.detector_id,
    startMs: new Date(row.interval_start).getTime(),
    intervalS: Number(row.interval_s),
    volume: Number(row.volume),
    occupancyRatio: Number(row.occupancy_ratio),
  }));
}

/** How far before a window a green may have started and still reach into it. */
const GREEN_LOOKBACK_MS = 3_600_000;

/**
 * Green intervals per stage overlapping [fromMs, toMs), from the event log: a green runs from its
 * phase-green event to the next interval change of the intersection (its yellow, or another green).
 */
export async function loadGreens(
  db: Queryable,
  intersectionId: string,
  fromMs: number,
  toMs: number,
  openUntilMs: number,
): Promise<GreenInterval[]> {
  const { rows } = await db.query<{ occurred_at: Date; event_type: string; parameter: string }>(
    `SELECT occurred_at, event_type, parameter FROM signal_events
     WHERE intersection_id = $1 AND occurred_at >= $2 AND occurred_at < $3
       AND event_type IN ('phase-green', 'phase-yellow', 'phase-red-clearance')
     ORDER BY occurred_at, event_type`,
    [intersectionId, new Date(fromMs - GREEN_LOOKBACK_MS), new Date(toMs + GREEN_LOOKBACK_MS)],
  );
  const greens: GreenInterval[] = [];
  let open: { stageId: string; startMs: number } | undefined;
  for (const row of rows) {
    const atMs = new Date(row.occurred_at).getTime();
    if (open) {
      greens.push({ stageId: open.stageId, startMs: open.startMs, endMs: atMs });
      open = undefined;
    }
    if (row.event_type === 'phase-green') open = { stageId: row.parameter, startMs: atMs };
  }
  if (open)
    greens.push({ stageId: open.stageId, startMs: open.startMs, endMs: Math.max(open.startMs, openUntilMs) });
  return greens.filter((g) => g.endMs > fromMs && g.startMs < toMs);
}

export async function upsertMeasureBins(
  db: Queryable,
  intersectionId: string,
  binS: number,
  bins: readonly ApproachBin[],
): Promise<void> {
  for (const bin of bins) {
    await db.query(
      `INSERT INTO measure_bins (intersection_id, approach_id, bin_start, bin_s, volume, arrivals_on_green, cycles,
                                 split_failures, green_s, total_delay_veh_s)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (intersection_id, approach_id, bin_s, bin_start) DO UPDATE SET
         volume = EXCLUDED.volume, arrivals_on_green = EXCLUDED.arrivals_on_green, cycles = EXCLUDED.cycles,
         split_failures = EXCLUDED.split_failures, green_s = EXCLUDED.green_s,
         total_delay_veh_s = EXCLUDED.total_delay_veh_s`,
      [
        intersectionId,
        bin.approachId,
        new Date(bin.binStartMs),
        binS,
        bin.volume,
        bin.arrivalsOnGreen,
        bin.cycles,
        bin.splitFailures,
        bin.greenS,
        bin.totalDelayVehS,
      ],
    );
  }
}
