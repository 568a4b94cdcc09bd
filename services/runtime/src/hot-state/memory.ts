import {
  type HotState,
  type HotStateOptions,
  type SetOptions,
  toBuffer,
  ttlMilliseconds,
  validateNamespace,
} from './hot-state.js';

interface Entry {
  value: Buffer;
  expiresAt: number | undefined;
}

export interface MemoryHotStateOptions extends HotStateOptions {
  /** Clock in milliseconds; tests pass a fake one to step through expiry. */
  now?: () => number;
}

/** How many writes between sweeps of expired entries that nobody reads again. */
const SWEEP_EVERY_WRITES = 1024;

/**
 * In-process hot state for embedded mode and tests, with Redis's TTL semantics: expired entries
 * are invisible at once and their memory is reclaimed lazily.
 */
export function createMemoryHotState(options: MemoryHotStateOptions): HotState {
  const namespace = validateNamespace(options.namespace);
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let writesSinceSweep = 0;
  let closed = false;

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const sweep = (): void => {
    const at = now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= at) entries.delete(key);
    }
  };

  const open = (): void => {
    if (closed) throw new Error(`hot state "${namespace}" is closed`);
  };

  return {
    namespace,
    async get(key) {
      open();
      const entry = live(key);
      return entry ? Buffer.from(entry.value) : undefined;
    },
    async getString(key) {
      open();
      return live(key)?.value.toString('utf8');
    },
    async getMany(keys) {
      open();
      return keys.map((key) => {
        const entry = live(key);
        return entry ? Buffer.from(entry.value) : undefined;
      });
    },
    async set(key, value, setOptions?: SetOptions) {
      open();
      const ttl = ttlMilliseconds(setOptions);
      entries.set(key, { value: toBuffer(value), expiresAt: ttl === undefined ? undefined : now() + ttl });
      if (++writesSinceSweep >= SWEEP_EVERY_WRITES) {
        writesSinceSweep = 0;
        sweep();
      }
    },
    async delete(key) {
      open();
      const existed = live(key) !== undefined;
      entries.delete(key);
      return existed;
    },
    async keys(prefix) {
      open();
      sweep();
      return [...entries.keys()].filter((key) => key.startsWith(prefix));
    },
    async close() {
      closed = true;
      entries.clear();
    },
  };
}
