import type { Pool, PoolClient } from 'pg';

/**
 * Runs fn inside BEGIN/COMMIT on one client, rolling back when fn throws. A client whose ROLLBACK
 * also failed is destroyed instead of returned, so a broken session never reaches the next caller.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await inTransaction(client, fn);
  } catch (error) {
    if (error instanceof RollbackFailed) broken = error;
    throw originalError(error);
  } finally {
    client.release(broken);
  }
}

/**
 * BEGIN/COMMIT on a client the caller already holds. When ROLLBACK itself fails it throws a
 * RollbackFailed wrapping the first error: the caller should then release the client with an error.
 */
export async function inTransaction<T>(
  client: PoolClient,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  let result: T;
  try {
    result = await fn(client);
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      throw new RollbackFailed(error, rollbackError);
    }
    throw error;
  }
  await client.query('COMMIT');
  return result;
}

/** The error worth reporting: the one fn threw, not the ROLLBACK failure that followed it. */
export function originalError(error: unknown): unknown {
  return error instanceof RollbackFailed ? error.original : error;
}

/** Carries the caller's error out while marking the session as unusable. */
export class RollbackFailed extends Error {
  constructor(
    readonly original: unknown,
    cause: unknown,
  ) {
    super('ROLLBACK failed', { cause });
  }
}
