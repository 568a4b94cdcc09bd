import type { IngestOutcome } from '../domain/ingest.js';
import type { Queryable } from './db.js';

export interface FlaggedInput {
  inputId: string;
  facilityId: string;
  topic: string;
  /** Event time, else the bus timestamp: deterministic, so a redelivery lands on the same row. */
  observedAt: number;
  outcome: IngestOutcome;
}

/** Records a clamped or rejected input with its flags and reason; a redelivery is a no-op. */
export async function recordFlaggedInput(db: Queryable, input: FlaggedInput): Promise<void> {
  const { outcome } = input;
  if (outcome.flags.length === 0 || outcome.action === undefined) return;
  await db.query(
    `INSERT INTO data_quality_log (observed_at, input_id, facility_id, topic, flags, action, reason,
                                   raw_occupied, raw_capacity, used_occupied)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (input_id, observed_at) DO NOTHING`,
    [
      new Date(input.observedAt),
      input.inputId,
      input.facilityId,
      input.topic,
      outcome.flags,
      outcome.action,
      outcome.reason,
      finiteOrNull(outcome.rawOccupied),
      finiteOrNull(outcome.rawCapacity),
      outcome.next?.occupied ?? null,
    ],
  );
}

const finiteOrNull = (value: number | undefined) =>
  value !== undefined && Number.isFinite(value) ? Math.round(value) : null;
