import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgresOptions {
  /** A directory to keep the database in; in memory when omitted. */
  dataDir?: string;
  /** 0 (default) picks a free loopback port. */
  port?: number;
  /**
   * Socket connections accepted at once. They share one PGlite backend: statements are queued one
   * at a time and an open transaction keeps the backend to its connection, so a pg Pool with
   * max <= this works. A pool larger than this gets connections refused.
   */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** A postgres:// URL for pg, as for a real server. */
  url: string;
  /** Size pools against it with at most this many connections. */
  maxConnections: number;
  /** Stops the socket server and closes the database. End pools that use it first. */
  close(): Promise<void>;
}

/**
 * PostgreSQL in-process (PGlite, WASM) served on loopback over the wire protocol, so embedded mode
 * runs the exact pg code and migrations of real mode. There is no TimescaleDB here: the runtime's
 * shim migration detects that and falls back to plain tables.
 *
 * Caveat of the shared backend: session state is shared between connections (a SET on one is seen
 * by all; session advisory locks never block). Use SET LOCAL and transaction-scoped locks.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir ?? 'memory://');
  const maxConnections = options.maxConnections ?? 8;
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  let closed = false;
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    maxConnections,
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      // stop() detaches connections without awaiting their rollback of an open transaction; let
      // those finish before the database goes away under them.
      await new Promise((resolve) => setImmediate(resolve));
      await db.close();
    },
  };
}
