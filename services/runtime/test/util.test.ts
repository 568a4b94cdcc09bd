import { describe, expect, it } from 'vitest';
import { distanceMetres, haversineMetres, seededRandom, zoneOffsetMs } from '../src/util/index.js';

describe('shared helpers', () => {
  it('measures great-circle distances', () => {
    // One degree of latitude is about 111.2 km everywhere on a sphere of this radius.
    expect(haversineMetres(0, 0, 1, 0)).toBeCloseTo(111_195, -1);
    expect(distanceMetres({ lat: 52.4862, lon: -1.8904 }, { lat: 52.4862, lon: -1.8904 })).toBe(0);
    // Birmingham New Street to Moor Street, about 500 m.
    const d = distanceMetres({ lat: 52.4778, lon: -1.8984 }, { lat: 52.4791, lon: -1.8922 });
    expect(d).toBeGreaterThan(400);
    expect(d).toBeLessThan(500);
  });

  it('repeats draws from a seed and differs between seeds', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('reads time-zone offsets across daylight saving', () => {
    expect(zoneOffsetMs('Europe/London', Date.UTC(2026, 0, 15, 12))).toBe(0);
    expect(zoneOffsetMs('Europe/London', Date.UTC(2026, 6, 15, 12))).toBe(3_600_000);
    expect(zoneOffsetMs('Australia/Brisbane', Date.UTC(2026, 6, 15, 12))).toBe(10 * 3_600_000);
    expect(zoneOffsetMs('America/New_York', Date.UTC(2026, 0, 15, 12))).toBe(-5 * 3_600_000);
  });
});
