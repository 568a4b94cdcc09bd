import { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import { describe, expect, it } from 'vitest';
import { ParkingAvailability } from '../../src/events/parking.js';
import type { ParkAndRideSite } from '../../src/feed/park-and-ride.js';

const site = (facilityId: string): ParkAndRideSite => ({
  facilityId,
  name: facilityId,
  lat: -16.9,
  lon: 145.7,
  capacity: 100,
  servedStopIds: [],
});
const now = new Date('2026-03-10T08:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const changed = (facilityId: string, free: number, observedAt: Date) =>
  OccupancyChanged.fromPartial({
    facilityId,
    occupancy: { observedAt, capacity: 100, occupied: 100 - free, free },
  });

describe('park-and-ride availability from occupancy events', () => {
  it('offers sites with free spaces, never full ones, and unknown ones only when free space is not required', () => {
    const availability = new ParkingAvailability(
      [site('free'), site('full'), site('quiet'), site('stale')],
      3_600_000,
    );
    availability.apply(changed('free', 12, minutesAgo(5)));
    availability.apply(changed('full', 0, minutesAgo(5)));
    availability.apply(changed('stale', 40, minutesAgo(61)));
    const ids = (requireFreeSpace: boolean) =>
      availability.available(now, requireFreeSpace).map((entry) => [entry.facilityId, entry.expectedFree]);
    expect(ids(true)).toEqual([['free', 12]]);
    expect(ids(false)).toEqual([
      ['free', 12],
      ['quiet', undefined],
      ['stale', undefined],
    ]);
  });

  it('keeps the newest reading when events arrive out of order or twice', () => {
    const availability = new ParkingAvailability([site('F1')], 3_600_000);
    expect(availability.apply(changed('F1', 0, minutesAgo(1)))).toBe(true);
    expect(availability.apply(changed('F1', 30, minutesAgo(10)))).toBe(false);
    expect(availability.available(now, true)).toEqual([]);
    expect(availability.apply(changed('F1', 7, minutesAgo(0)))).toBe(true);
    expect(availability.available(now, true).map((entry) => entry.expectedFree)).toEqual([7]);
    expect(availability.apply(OccupancyChanged.fromPartial({ facilityId: 'F1' }))).toBe(false);
  });
});
