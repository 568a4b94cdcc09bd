import type { EventBus, Logger } from '@mobility/runtime';
import type { Pool } from 'pg';
import { orphanedRuns } from '../store/runs.js';
import { executeReplay, type ReplayDeps } from './engine.js';

/**
 * The replays this process runs in the background (started over gRPC, or orphaned by a worker that
 * died). Stopping leaves each run in its state with its cursor, so another worker continues it.
 */
export function createReplayWorkers(deps: { db: Pool; bus: EventBus; logger: Logger } & Partial<ReplayDeps>) {
  const running = new Map<string, Promise<unknown>>();
  let stopping = false;

  function start(runId: string): void {
    if (stopping || running.has(runId)) return;
    const work = executeReplay(deps, runId, { stopping: () => stopping })
      .catch((error: unknown) => deps.logger.error({ err: error, runId }, 'replay run ended with an error'))
      .finally(() => running.delete(runId));
    running.set(runId, work);
  }

  return {
    start,
    /** Picks up runs whose worker stopped reporting. */
    async resumeOrphans(): Promise<void> {
      for (const run of await orphanedRuns(deps.db)) {
        deps.logger.info({ runId: run.runId, state: run.state }, 'taking over an orphaned replay run');
        start(run.runId);
      }
    },
    isRunning: (runId: string) => running.has(runId),
    async stop(): Promise<void> {
      stopping = true;
      await Promise.allSettled([...running.values()]);
    },
  };
}

export type ReplayWorkers = ReturnType<typeof createReplayWorkers>;
