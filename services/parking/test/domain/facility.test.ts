import { BayCategory, Facility, FacilityKind } from '@mobility/contracts/parking/v1/facility';
import { durationFromMs } from '@mobility/contracts/wkt';
import { describe, expect, it } from 'vitest';
import { categoryCapacity, facilityProblems, tariffOf } from '../../src/domain/facility.js';

const valid = () =>
  Facility.fromPartial({
    facilityId: 'P-1',
    name: 'P1',
    kind: FacilityKind.SURFACE_LOT,
    location: { lat: 51.5, lon: -0.1 },
    capacity: 50,
    capacityByCategory: [{ category: BayCategory.EV_CHARGING, capacity: 4 }],
    pricing: {
      steps: [{ maxStay: durationFromMs(7_200_000), price: { currencyCode: 'EUR', amountMinor: 400 } }],
    },
  });

describe('facility rules', () => {
  it('accepts a complete description', () => {
    expect(facilityProblems(valid())).toEqual([]);
    expect(tariffOf(valid())).toEqual({
      currency: 'EUR',
      free: false,
      steps: [{ maxStayMinutes: 120, priceMinor: 400 }],
    });
    expect(categoryCapacity(valid(), BayCategory.EV_CHARGING)).toBe(4);
    expect(categoryCapacity(valid(), BayCategory.ACCESSIBLE)).toBe(0);
    expect(categoryCapacity(valid(), BayCategory.UNSPECIFIED)).toBe(50);
  });

  it('names every problem', () => {
    const bad = {
      ...valid(),
      facilityId: 'has space',
      capacity: 3,
      location: { lat: 95, lon: 0 },
      targetOccupancyLow: 0.9,
      targetOccupancyHigh: 0.5,
    };
    expect(facilityProblems(bad)).toEqual([
      expect.stringContaining('facility_id'),
      expect.stringContaining('location'),
      'capacity_by_category sums to 4, more than capacity 3',
      expect.stringContaining('target_occupancy'),
    ]);
    expect(facilityProblems(undefined)).toEqual(['facility is required']);
  });
});
