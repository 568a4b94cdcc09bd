import { describe, expect, it } from 'vitest';
import { distanceMetres } from '../../src/domain/geo.js';
import {
  type EvaluatedOption,
  estimateArrival,
  expectOnArrival,
  type GuidanceFacility,
  nearby,
  rankOptions,
} from '../../src/domain/guidance.js';

const facility = (id: string, overrides: Partial<GuidanceFacility> = {}): GuidanceFacility => ({
  facilityId: id,
  location: { lat: 52.4778, lon: -1.8989 },
  capacity: 100,
  categoryCapacity: 100,
  tariff: { currency: 'GBP', free: false, steps: [{ maxStayMinutes: 60, priceMinor: 200 }] },
  band: { low: 0.6, high: 0.8 },
  ...overrides,
});

describe('distance and arrival', () => {
  it('measures great-circle distance (1 degree of latitude is about 111 km)', () => {
    expect(distanceMetres({ lat: 52, lon: -1.9 }, { lat: 53, lon: -1.9 })).toBeCloseTo(111_195, -2);
  });

  it('keeps facilities within the walk, nearest first', () => {
    const list = [
      { id: 'far', location: { lat: 52.49, lon: -1.8989 } },
      { id: 'near', location: { lat: 52.478, lon: -1.8989 } },
      { id: 'mid', location: { lat: 52.481, lon: -1.8989 } },
    ];
    expect(nearby(list, { lat: 52.4778, lon: -1.8989 }, 800).map((e) => e.facility.id)).toEqual([
      'near',
      'mid',
    ]);
  });

  it('takes the given arrival, else distance over speed from the origin, else now', () => {
    const now = 1_000_000;
    const at = { lat: 52.4778, lon: -1.8989 };
    expect(estimateArrival(now, at, { arrivalTime: now + 5_000 })).toBe(now + 5_000);
    const origin = { lat: 52.4778 + 0.045, lon: -1.8989 }; // ~5 km north
    const arrival = estimateArrival(now, at, { origin, speedMps: 10 });
    expect((arrival - now) / 1000).toBeCloseTo(distanceMetres(origin, at) / 10, 3);
    expect(estimateArrival(now, at, {})).toBe(now);
  });
});

describe('expected free bays on arrival', () => {
  it('uses the forecast for later arrivals and the live state for imminent ones', () => {
    const forecast = { expectedOccupied: 95, lower: 90, upper: 100, level: 0.8, method: 'model' };
    const later = expectOnArrival(facility('A'), { occupied: 50, capacity: 100 }, forecast, 30);
    expect(later).toMatchObject({ basis: 'forecast', expectedFree: 5 });
    const now = expectOnArrival(facility('A'), { occupied: 50, capacity: 100 }, forecast, 2);
    expect(now).toMatchObject({ basis: 'current', expectedFree: 50 });
    expect(now.probabilityFree).toBeGreaterThan(0.99);
    expect(later.probabilityFree).toBeLessThan(now.probabilityFree);
  });

  it('anchors a bay category on its own count: a full EV row in a half-empty garage reads as full', () => {
    const ev = facility('A', { categoryCapacity: 4 });
    const full = expectOnArrival(ev, { occupied: 50, capacity: 100, categoryOccupied: 4 }, undefined, 0);
    expect(full.expectedFree).toBe(0);
    expect(full.probabilityFree).toBeLessThan(0.5);
    const unknownSplit = expectOnArrival(ev, { occupied: 50, capacity: 100 }, undefined, 0);
    expect(unknownSplit.expectedFree).toBeCloseTo(2);
  });

  it('says when nothing is known', () => {
    expect(expectOnArrival(facility('A'), undefined, undefined, 0).basis).toBe('unknown');
  });
});

describe('ranking', () => {
  const option = (
    id: string,
    walkM: number,
    expectedFree: number,
    probabilityFree: number,
    priceMinor = 200,
  ): EvaluatedOption => ({
    facility: facility(id),
    walkM,
    arrivalAt: 0,
    expectation: {
      expectedFree,
      expectedRatio: 1 - expectedFree / 100,
      probabilityFree,
      basis: 'current',
      method: 'persistence',
    },
    priceMinor,
  });
  const context = { maxWalkM: 800, stayMinutes: 60, minProbability: 0, maxResults: 5 };

  it('prefers a likely space over a short walk, and a short walk over a small saving', () => {
    const ranked = rankOptions(
      [option('close-full', 50, 0, 0.05), option('further-free', 500, 30, 0.99)],
      context,
    );
    expect(ranked.map((r) => r.facility.facilityId)).toEqual(['further-free', 'close-full']);
    const walkVsPrice = rankOptions(
      [option('cheap-far', 700, 30, 0.99, 100), option('dear-near', 100, 30, 0.99, 300)],
      context,
    );
    expect(walkVsPrice[0]?.facility.facilityId).toBe('dear-near');
  });

  it('drops options under the minimum probability and caps the list', () => {
    const ranked = rankOptions(
      [option('a', 100, 10, 0.9), option('b', 200, 10, 0.3), option('c', 300, 10, 0.95)],
      { ...context, minProbability: 0.5, maxResults: 1 },
    );
    expect(ranked.map((r) => r.facility.facilityId)).toEqual(['a']);
  });

  it('explains each option: weighted factors, price advice and the alternatives with why they lost', () => {
    const [best, second] = rankOptions(
      [option('busy', 100, 5, 0.8), option('quiet', 300, 70, 0.999)],
      context,
    );
    expect(best?.facility.facilityId).toBe('quiet');
    expect(best?.explanation.summary).toMatch(/^best option: 100% chance of a free bay/);
    // 'quiet' is at 30% occupancy: below the band, advice to lower the price.
    expect(best?.explanation.decision).toBe('lower_price');
    expect(second?.explanation.decision).toBe('raise_price');
    const weights = Object.fromEntries(best?.explanation.factors.map((f) => [f.name, f.weight]) ?? []);
    expect(weights).toMatchObject({ availability_probability: 0.6, walk_distance_m: 0.3, price_minor: 0.1 });
    const alternatives = second?.explanation.alternatives ?? [];
    expect(alternatives.find((a) => a.option === 'facility:busy')?.chosen).toBe(true);
    expect(alternatives.find((a) => a.option === 'facility:quiet')?.rejectedBecause?.code).toBe(
      'listed_separately',
    );
    expect(
      best?.explanation.alternatives.find((a) => a.option === 'facility:busy')?.rejectedBecause?.code,
    ).toBe('lower_score');
    expect(best?.score).toBeGreaterThan(second?.score ?? 1);
  });
});
