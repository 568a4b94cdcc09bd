import type { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import type { Facility } from '@mobility/contracts/parking/v1/facility';
import type { LiveOccupancy } from '../domain/occupancy.js';
import { toOccupancyChanged } from '../mapping.js';

/**
 * The opening message of a stream for one facility: its current state as a "change" from itself
 * (previous_occupied = occupied), so a client handles the snapshot and later changes alike.
 */
export function toOccupancyChangedSnapshot(
  state: LiveOccupancy,
  facility: Facility | undefined,
  now: number,
): OccupancyChanged {
  return toOccupancyChanged(state, state, facility, { now });
}
