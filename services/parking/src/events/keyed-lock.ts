/**
 * Runs tasks one at a time per key. The three ingest consumers (sensors, gates, snapshots) read
 * different topics, so one facility's inputs can arrive in parallel; each read-modify-write of its
 * live state must not interleave with another.
 */
export function createKeyedLock() {
  const tails = new Map<string, Promise<unknown>>();
  return async function withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
