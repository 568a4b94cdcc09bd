import { type HotState, type Pool, withTransaction } from '@mobility/runtime';
import type { LiveOccupancy } from '../domain/occupancy.js';
import { loadLiveState } from './facility-live.js';

const PREFIX = 'occupancy:';
/** Rounds of "write, then check the database moved on" before leaving it to the next input. */
const MAX_CACHE_ROUNDS = 5;

/**
 * Current occupancy per facility in hot state (JSON under `occupancy:<facility>`), shared by the
 * service's replicas. Hot state is a disposable cache of the facility_live table: a miss falls back
 * to the table, and ingest never reads its previous state from here.
 */
export interface LiveStore {
  get(facilityId: string): Promise<LiveOccupancy | undefined>;
  /**
   * Caches a committed state unless hot state already holds a newer revision. Hot state has no
   * compare-and-set, so after writing it re-reads the database: if another replica committed a newer
   * revision meanwhile (whose own write this one may have just overwritten), that one is cached.
   */
  cache(state: LiveOccupancy): Promise<void>;
  /** Current state of the given facilities (all with a state when omitted). */
  list(facilityIds?: readonly string[]): Promise<LiveOccupancy[]>;
}

export function createLiveStore(hotState: HotState, db: Pool): LiveStore {
  // In a transaction: on the embedded database (one PGlite backend behind several connections) a
  // plain query racing ingest transactions failed with 'portal "" does not exist'; transactions are
  // kept apart.
  const load = (facilityId: string) => withTransaction(db, (client) => loadLiveState(client, facilityId));
  const parse = (buffer: Buffer | undefined): LiveOccupancy | undefined =>
    buffer ? (JSON.parse(buffer.toString('utf8')) as LiveOccupancy) : undefined;
  const revisionOf = (state: LiveOccupancy | undefined) => state?.revision ?? 0;
  const store: LiveStore = {
    async get(facilityId) {
      const cached = parse(await hotState.get(PREFIX + facilityId));
      if (cached) return cached;
      const rebuilt = await load(facilityId);
      if (rebuilt) await store.cache(rebuilt);
      return rebuilt;
    },
    async cache(state) {
      let current = state;
      for (let round = 0; round < MAX_CACHE_ROUNDS; round++) {
        const cached = parse(await hotState.get(PREFIX + current.facilityId));
        if (cached && revisionOf(cached) >= revisionOf(current)) return;
        await hotState.set(PREFIX + current.facilityId, JSON.stringify(current));
        const latest = await load(current.facilityId);
        if (!latest || revisionOf(latest) <= revisionOf(current)) return;
        current = latest;
      }
    },
    async list(facilityIds) {
      const ids = facilityIds ?? (await hotState.keys(PREFIX)).map((key) => key.slice(PREFIX.length));
      const values = await hotState.getMany(ids.map((id) => PREFIX + id));
      const states: LiveOccupancy[] = [];
      for (const [index, id] of ids.entries()) {
        const state = parse(values[index]) ?? (facilityIds ? await store.get(id) : undefined);
        if (state) states.push(state);
      }
      return states.sort((a, b) => a.facilityId.localeCompare(b.facilityId));
    },
  };
  return store;
}
