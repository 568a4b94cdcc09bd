import { Redis } from 'ioredis';
import {
  type HotState,
  type HotStateOptions,
  type SetOptions,
  toBuffer,
  ttlMilliseconds,
  validateNamespace,
} from './hot-state.js';

/**
 * Hot state in Redis, shared by all replicas of a service. Keys are stored as `<namespace>:<key>`.
 *
 * Given a URL it owns the connection and close() quits it; given an ioredis instance it borrows it
 * and close() leaves it open for its owner (one connection can then serve several namespaces).
 */
export function createRedisHotState(connection: string | Redis, options: HotStateOptions): HotState {
  const namespace = validateNamespace(options.namespace);
  const owned = typeof connection === 'string';
  const redis =
    typeof connection === 'string'
      ? new Redis(connection, {
          // Fail commands fast while Redis is away instead of queueing them without bound.
          maxRetriesPerRequest: 2,
          enableOfflineQueue: true,
          lazyConnect: false,
        })
      : connection;
  const prefix = `${namespace}:`;
  const full = (key: string): string => prefix + key;

  return {
    namespace,
    async get(key) {
      return (await redis.getBuffer(full(key))) ?? undefined;
    },
    async getString(key) {
      return (await redis.get(full(key))) ?? undefined;
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      const values = await redis.mgetBuffer(...keys.map(full));
      return values.map((value) => value ?? undefined);
    },
    async set(key, value, setOptions?: SetOptions) {
      const ttl = ttlMilliseconds(setOptions);
      if (ttl === undefined) await redis.set(full(key), toBuffer(value));
      else await redis.set(full(key), toBuffer(value), 'PX', ttl);
    },
    async delete(key) {
      return (await redis.del(full(key))) > 0;
    },
    async keys(keyPrefix) {
      // SCAN, never KEYS: KEYS blocks the server for the whole keyspace walk.
      const found = new Set<string>();
      const stream = redis.scanStream({ match: `${escapeGlob(full(keyPrefix))}*`, count: 500 });
      for await (const batch of stream as AsyncIterable<string[]>) {
        // SCAN may return a key twice; the set removes duplicates.
        for (const key of batch) found.add(key.slice(prefix.length));
      }
      return [...found];
    },
    async close() {
      if (owned && redis.status !== 'end') await redis.quit();
    },
  };
}

/** A prefix is literal: `bus*` must not match `bus-12` by glob. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
