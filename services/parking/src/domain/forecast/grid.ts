import type { LocalClock } from './clock.js';
import type { OccupancyObservation } from './types.js';

/**
 * Each local day's occupancy, as a fraction of capacity, resampled onto a fixed grid of time-of-day
 * slots. Feeds report at irregular instants (07:59, 08:25, 08:59 ...), so averaging days slot by slot
 * needs a common grid; fractions let a capacity change mid-history leave the shape intact.
 */
export const SLOT_MINUTES = 15;
export const SLOTS_PER_DAY = (24 * 60) / SLOT_MINUTES;
/** Two readings further apart than this are not bridged: the feed was silent, not flat. */
const MAX_BRIDGE_MINUTES = 90;
/** A slot outside the span of a day's readings takes the nearest reading only this close. */
const MAX_EDGE_MINUTES = 20;

export type DayGrid = Float64Array;

interface TimedFraction {
  minute: number;
  fraction: number;
}

export function buildDayGrids(
  observations: readonly OccupancyObservation[],
  clock: LocalClock,
): Map<number, DayGrid> {
  const byDay = new Map<number, TimedFraction[]>();
  for (const observation of observations) {
    const local = clock(observation.at);
    let points = byDay.get(local.day);
    if (points === undefined) {
      points = [];
      byDay.set(local.day, points);
    }
    points.push({ minute: local.minuteOfDay, fraction: observation.occupied / observation.capacity });
  }
  const grids = new Map<number, DayGrid>();
  for (const [day, points] of byDay) grids.set(day, resample(points));
  return grids;
}

function resample(points: readonly TimedFraction[]): DayGrid {
  const grid = new Float64Array(SLOTS_PER_DAY).fill(Number.NaN);
  let next = 0;
  for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
    const minute = slot * SLOT_MINUTES;
    while (next < points.length && (points[next] as TimedFraction).minute < minute) next++;
    const before = points[next - 1];
    const after = points[next];
    if (before !== undefined && after !== undefined && after.minute - before.minute <= MAX_BRIDGE_MINUTES) {
      const span = after.minute - before.minute;
      const weight = span === 0 ? 0 : (minute - before.minute) / span;
      grid[slot] = before.fraction + weight * (after.fraction - before.fraction);
    } else if (after !== undefined && after.minute - minute <= MAX_EDGE_MINUTES) {
      grid[slot] = after.fraction;
    } else if (before !== undefined && minute - before.minute <= MAX_EDGE_MINUTES) {
      grid[slot] = before.fraction;
    }
  }
  return grid;
}

/** Slot-wise mean of the grids that have a value there (NaN where none has). */
export function meanGrid(grids: readonly DayGrid[]): DayGrid | undefined {
  if (grids.length === 0) return undefined;
  const sum = new Float64Array(SLOTS_PER_DAY);
  const count = new Float64Array(SLOTS_PER_DAY);
  for (const grid of grids) {
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
      const value = grid[slot] as number;
      if (!Number.isNaN(value)) {
        sum[slot] = (sum[slot] as number) + value;
        count[slot] = (count[slot] as number) + 1;
      }
    }
  }
  const mean = new Float64Array(SLOTS_PER_DAY);
  for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
    mean[slot] = (count[slot] as number) > 0 ? (sum[slot] as number) / (count[slot] as number) : Number.NaN;
  }
  return mean;
}

/** The grid's value at a fractional minute of the day, interpolating between slots. */
export function valueAt(grid: DayGrid | undefined, minuteOfDay: number): number {
  if (grid === undefined || !(minuteOfDay >= 0) || minuteOfDay >= 24 * 60) return Number.NaN;
  const position = minuteOfDay / SLOT_MINUTES;
  const low = Math.floor(position);
  const high = Math.min(low + 1, SLOTS_PER_DAY - 1);
  const weight = position - low;
  const a = grid[low] as number;
  const b = grid[high] as number;
  if (!Number.isNaN(a) && !Number.isNaN(b)) return a + weight * (b - a);
  // One side unknown: use the other only when it is the closer slot.
  if (!Number.isNaN(a) && weight <= 0.5) return a;
  if (!Number.isNaN(b) && weight >= 0.5) return b;
  return Number.NaN;
}
