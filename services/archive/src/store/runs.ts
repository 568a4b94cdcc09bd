import type { Pool, PoolClient } from 'pg';
import type { ReplayState } from '../domain/replay.js';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

export interface ReplayRunRecord {
  runId: string;
  from: number;
  to: number;
  topics: string[];
  speed: number;
  state: ReplayState;
  totalEvents: number;
  publishedEvents: number;
  replayedUntil: number | undefined;
  /** Last offset published per `topic/partition`. */
  cursor: Record<string, number>;
  requestedBy: string;
  reason: string;
  error: string;
  createdAt: number;
  updatedAt: number;
}

interface RunRow {
  run_id: string;
  window_from: Date;
  window_to: Date;
  topics: string[];
  speed: number;
  state: ReplayState;
  total_events: string;
  published_events: string;
  replayed_until: Date | null;
  cursor: Record<string, number>;
  requested_by: string;
  reason: string;
  error: string;
  created_at: Date;
  updated_at: Date;
}

function fromRow(row: RunRow): ReplayRunRecord {
  return {
    runId: row.run_id,
    from: row.window_from.getTime(),
    to: row.window_to.getTime(),
    topics: row.topics,
    speed: row.speed,
    state: row.state,
    totalEvents: Number(row.total_events),
    publishedEvents: Number(row.published_events),
    replayedUntil: row.replayed_until?.getTime(),
    cursor: row.cursor,
    requestedBy: row.requested_by,
    reason: row.reason,
    error: row.error,
    createdAt: row.created_at.getTime(),
    updatedAt: row.updated_at.getTime(),
  };
}

export async function createRun(
  db: Queryable,
  run: {
    runId: string;
    from: number;
    to: number;
    topics: readonly string[];
    speed: number;
    requestedBy: string;
    reason: string;
    totalEvents: number;
  },
): Promise<ReplayRunRecord> {
  const { rows } = await db.query<RunRow>(
    `INSERT INTO replay_runs (run_id, window_from, window_to, topics, speed, state, total_events, requested_by, reason)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8) RETURNING *`,
    [
      run.runId,
      new Date(run.from),
      new Date(run.to),
      [...run.topics],
      run.speed,
      run.totalEvents,
      run.requestedBy,
      run.reason,
    ],
  );
  return fromRow(rows[0] as RunRow);
}

export async function getRun(db: Queryable, runId: string): Promise<ReplayRunRecord | undefined> {
  const { rows } = await db.query<RunRow>('SELECT * FROM replay_runs WHERE run_id = $1', [runId]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function listRuns(db: Queryable, limit: number): Promise<ReplayRunRecord[]> {
  const { rows } = await db.query<RunRow>(
    'SELECT * FROM replay_runs ORDER BY created_at DESC, run_id DESC LIMIT $1',
    [limit],
  );
  return rows.map(fromRow);
}

/** Moves a run from `expected` to `next`; undefined when it was no longer in `expected` (someone else moved it). */
export async function transition(
  db: Queryable,
  runId: string,
  expected: readonly ReplayState[],
  next: ReplayState,
  error = '',
): Promise<ReplayRunRecord | undefined> {
  const { rows } = await db.query<RunRow>(
    `UPDATE replay_runs SET state = $3, error = $4, updated_at = now()
     WHERE run_id = $1 AND state = ANY($2::text[]) RETURNING *`,
    [runId, [...expected], next, error],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Records progress and returns the run's current state, which pause/cancel may have changed meanwhile. */
export async function saveProgress(
  db: Queryable,
  runId: string,
  progress: { publishedEvents: number; replayedUntil: number | undefined; cursor: Record<string, number> },
): Promise<ReplayState> {
  const { rows } = await db.query<{ state: ReplayState }>(
    `UPDATE replay_runs SET published_events = $2, replayed_until = $3, cursor = $4, updated_at = now()
     WHERE run_id = $1 RETURNING state`,
    [
      runId,
      progress.publishedEvents,
      progress.replayedUntil === undefined ? null : new Date(progress.replayedUntil),
      JSON.stringify(progress.cursor),
    ],
  );
  const state = rows[0]?.state;
  if (!state) throw new Error(`replay run ${runId} disappeared`);
  return state;
}

/** A run whose worker has not reported for this long is taken as orphaned (its process died). */
export const ORPHANED_AFTER_MS = 30_000;

/**
 * Claims a run for this worker: a pending run starts running; a running or paused run whose worker
 * stopped reporting is taken over. One UPDATE, so two workers never both get it.
 */
export async function claimRun(db: Queryable, runId: string): Promise<ReplayRunRecord | undefined> {
  const { rows } = await db.query<RunRow>(
    `UPDATE replay_runs
     SET state = CASE WHEN state = 'pending' THEN 'running' ELSE state END, updated_at = now()
     WHERE run_id = $1 AND (state = 'pending'
       OR (state IN ('running', 'paused') AND updated_at < now() - make_interval(secs => $2)))
     RETURNING *`,
    [runId, ORPHANED_AFTER_MS / 1000],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Runs left running or paused by a worker that stopped reporting. */
export async function orphanedRuns(db: Queryable): Promise<ReplayRunRecord[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT * FROM replay_runs WHERE state IN ('running', 'paused')
     AND updated_at < now() - make_interval(secs => $1) ORDER BY created_at`,
    [ORPHANED_AFTER_MS / 1000],
  );
  return rows.map(fromRow);
}
