import type { Pool } from 'pg';
import type { Logger } from '../log/logger.js';
import { enforceRetention } from './timescale.js';

/**
 * Enforces each table's retention (mobility_set_retention) every `intervalMs`, because neither the
 * Apache-only TimescaleDB build nor PGlite has retention policies of its own. The first pass runs
 * one interval after start, so a restart never waits on a large delete.
 */
export function scheduleRetention(pool: Pool, logger: Logger, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= enforceRetention(pool)
      .then((outcomes) => {
        for (const outcome of outcomes) {
          if (outcome.deletedRows > 0 || outcome.droppedChunks.length > 0) {
            logger.info(
              {
                table: outcome.table,
                keep: outcome.keep,
                rows: outcome.deletedRows,
                chunks: outcome.droppedChunks.length,
              },
              'retention applied',
            );
          }
        }
      })
      .catch((error: unknown) => logger.error({ err: error }, 'retention pass failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
