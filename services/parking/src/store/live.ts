import type { HotState } from '@mobility/runtime';
import type { LiveOccupancy } from '../domain/occupancy.js';
import type { Queryable } from './db.js';
import { latestHistory } from './history.js';

const PREFIX = 'occupancy:';

/**
 * Current occupancy per facility in hot state (JSON under `occupancy:<facility>`), shared by the
 * service's replicas. Hot state is disposable: a miss falls back to the newest history row.
 */
export interface LiveStore {
  get(facilityId: string): Promise<LiveOccupancy | undefined>;
  set(state: LiveOccupancy): Promise<void>;
  /** Current state of the given facilities (all with a state when omitted). */
  list(facilityIds?: readonly string[]): Promise<LiveOccupancy[]>;
}

export function createLiveStore(hotState: HotState, db: Queryable): LiveStore {
  const parse = (buffer: Buffer | undefined): LiveOccupancy | undefined =>
    buffer ? (JSON.parse(buffer.toString('utf8')) as LiveOccupancy) : undefined;
  const store: LiveStore = {
    async get(facilityId) {
      const cached = parse(await hotState.get(PREFIX + facilityId));
      if (cached) return cached;
      const rebuilt = await latestHistory(db, facilityId);
      if (rebuilt) await store.set(rebuilt);
      return rebuilt;
    },
    async set(state) {
      await hotState.set(PREFIX + state.facilityId, JSON.stringify(state));
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
