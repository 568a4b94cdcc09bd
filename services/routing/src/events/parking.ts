import { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import type { EventBus, Logger, Subscription } from '@mobility/runtime';
import type { ParkAndRideSite } from '../feed/park-and-ride.js';

export const PARKING_TOPIC = 'parking.occupancy-changed.v1';
export const PARKING_GROUP = 'routing.parking';

interface OccupancyReading {
  readonly free: number;
  readonly capacity: number;
  readonly observedAt: number;
}

/** A site the planner may use, with what routing expects to find there. */
export interface AvailableSite extends ParkAndRideSite {
  /** Free spaces at the latest fresh reading; undefined when no fresh reading exists. */
  readonly expectedFree: number | undefined;
}

/**
 * The latest occupancy of each car park, from the parking service's events. Facilities come from
 * configuration (locations are not in the events); readings for unconfigured facilities are kept
 * too, so a site added to the file later starts with a known state.
 */
export class ParkingAvailability {
  private readonly readings = new Map<string, OccupancyReading>();

  constructor(
    private readonly sites: readonly ParkAndRideSite[],
    private readonly staleAfterMs: number,
  ) {}

  get siteCount(): number {
    return this.sites.length;
  }

  /** Applies one event; older than what is held (redelivery, out-of-order replay) is ignored. */
  apply(event: OccupancyChanged): boolean {
    const occupancy = event.occupancy;
    if (!event.facilityId || !occupancy) return false;
    const observedAt = (occupancy.observedAt ?? event.meta?.occurredAt)?.getTime() ?? 0;
    const held = this.readings.get(event.facilityId);
    if (held && held.observedAt > observedAt) return false;
    this.readings.set(event.facilityId, {
      free: occupancy.free,
      capacity: occupancy.capacity,
      observedAt,
    });
    return true;
  }

  /**
   * Sites worth driving to at `now`. A site known to be full is never offered; with
   * `requireFreeSpace` a site must also have a fresh reading showing free spaces, otherwise a site
   * without data is offered with `expectedFree` undefined.
   */
  available(now: Date, requireFreeSpace: boolean): AvailableSite[] {
    const result: AvailableSite[] = [];
    for (const site of this.sites) {
      const reading = this.readings.get(site.facilityId);
      const fresh = reading !== undefined && now.getTime() - reading.observedAt <= this.staleAfterMs;
      const expectedFree = fresh ? reading.free : undefined;
      if (expectedFree === 0) continue;
      if (requireFreeSpace && expectedFree === undefined) continue;
      result.push({ ...site, expectedFree });
    }
    return result;
  }
}

/**
 * Group routing.parking reads the whole retained topic on first start: occupancy only changes when
 * cars move, so a quiet car park's last event may be hours old and still current.
 */
export function subscribeParking(
  bus: EventBus,
  availability: ParkingAvailability,
  { group, logger }: { group: string; logger: Logger },
): Promise<Subscription> {
  return bus.subscribe({
    group,
    topics: [PARKING_TOPIC],
    fromBeginning: true,
    handler: async (message) => {
      const event = OccupancyChanged.decode(message.value);
      if (availability.apply(event)) {
        logger.debug({ facilityId: event.facilityId, free: event.occupancy?.free }, 'occupancy applied');
      }
    },
  });
}
