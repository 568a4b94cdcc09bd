/**
 * Small, fast, disposable state shared by a service's replicas: the latest position per vehicle,
 * current occupancy per facility, the last encoded GTFS-rt feed. Everything here can be rebuilt
 * from events or TimescaleDB, so adapters favour speed over durability.
 *
 * Kept deliberately small; each method earns its place:
 * - set/get: values are bytes (protobuf-encoded feeds and messages) or text (JSON); a TTL lets
 *   stale entries (a bus that stopped reporting) vanish without a sweeper.
 * - getString: text values without every caller decoding Buffers.
 * - getMany: a feed builder reads hundreds of vehicles in one round trip (MGET), not hundreds.
 * - keys(prefix): lists what currently exists ("every vehicle with a live position"). A separate
 *   index set would go stale as TTLs expire entries one by one; a prefix scan never does.
 * - delete: an entity leaves service (vehicle logged off, facility closed).
 * No hashes: Redis 7.0 (what runs here) cannot expire hash fields one by one, which is the point.
 */
export interface HotState {
  /** The namespace every key is stored under, e.g. `avl`. */
  readonly namespace: string;
  get(key: string): Promise<Buffer | undefined>;
  getString(key: string): Promise<string | undefined>;
  /** Values in the order of keys; undefined where a key is missing or expired. */
  getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]>;
  /** Overwrites; without ttlSeconds the entry never expires (any previous TTL is cleared). */
  set(key: string, value: string | Uint8Array, options?: SetOptions): Promise<void>;
  /** True when something was deleted. */
  delete(key: string): Promise<boolean>;
  /** Live keys (without the namespace) starting with prefix, in no particular order. */
  keys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface SetOptions {
  /** Seconds until the entry expires; fractions allowed (millisecond precision). */
  ttlSeconds?: number;
}

export interface HotStateOptions {
  /** Usually the service name; keeps services sharing one Redis apart. */
  namespace: string;
}

const NAMESPACE = /^[a-z0-9][a-z0-9._-]*$/i;

export function validateNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace)) {
    throw new RangeError(`hot-state namespace "${namespace}" must be letters, digits, '.', '_' or '-'`);
  }
  return namespace;
}

/** Milliseconds for a TTL, or undefined for none; rejects values that would silently misbehave. */
export function ttlMilliseconds(options: SetOptions | undefined): number | undefined {
  const ttl = options?.ttlSeconds;
  if (ttl === undefined) return undefined;
  if (!Number.isFinite(ttl) || ttl <= 0) {
    throw new RangeError(`ttlSeconds must be a positive number, got ${ttl}`);
  }
  return Math.max(1, Math.round(ttl * 1000));
}

export function toBuffer(value: string | Uint8Array): Buffer {
  // Copy: a caller reusing its buffer must not change what was stored (Redis copies too).
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}
