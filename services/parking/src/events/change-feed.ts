import type { OccupancyChanged } from '@mobility/contracts/parking/v1/events';

/**
 * Fans occupancy changes out to open gRPC streams. Fed from the bus (every replica reads the whole
 * occupancy-changed topic), so a client sees every facility's changes whichever replica it reached.
 */
export interface ChangeFeed {
  publish(change: OccupancyChanged): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (change: OccupancyChanged) => void): () => void;
  readonly listeners: number;
}

export function createChangeFeed(): ChangeFeed {
  const listeners = new Set<(change: OccupancyChanged) => void>();
  return {
    publish(change) {
      for (const listener of listeners) listener(change);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get listeners() {
      return listeners.size;
    },
  };
}
