import pg from 'pg';
import { createLogger, type Logger } from '../log/logger.js';

export interface PoolOptions {
  /** Connections per process. Against embedded PostgreSQL keep it <= its maxConnections. */
  max?: number;
  /** Shown in pg_stat_activity, so a slow query can be traced to its service. */
  applicationName?: string;
  /** Server-side limit per statement; 0 disables it. */
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  logger?: Logger;
}

export type { Pool, PoolClient } from 'pg';

/**
 * A pg Pool with defaults suited to a service: bounded size, a statement timeout so a runaway
 * query cannot hold a connection forever, and TCP keep-alive so dead peers are noticed.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const applicationName = options.applicationName ?? 'mobility';
  const logger = options.logger ?? createLogger({ service: applicationName });
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: applicationName,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    keepAlive: true,
  });
  // An idle client can lose its server (restart, failover, network). pg emits 'error' on the pool
  // for it; without a listener Node would treat it as unhandled and kill the process. The pool
  // already discards the broken client, so logging is all that is left to do.
  pool.on('error', (error) => {
    logger.warn({ err: error }, 'idle PostgreSQL client failed; it was removed from the pool');
  });
  return pool;
}
