import { readGtfsZip } from '@mobility/gtfs';
import { describe, expect, it } from 'vitest';
import { cityGtfsZip, generateCity } from '../src/index.js';

/**
 * The large size: a city of tens of thousands of stops, generated and zipped in seconds, whose feed
 * the project's GTFS reader loads with zero issues. Times are logged, not asserted tightly: CI
 * machines differ; the bound only catches an order-of-magnitude regression.
 */
describe('bigger generated cities', () => {
  it('a medium city (thousands of stops) reads back with zero issues', () => {
    const city = generateCity({ seed: 3, size: 'medium', startDate: '20261102' });
    const feed = readGtfsZip(cityGtfsZip(city));
    expect(city.transit.stops.length).toBeGreaterThan(2_000);
    expect(feed.issues).toEqual([]);
    expect(feed.stopTimes.length).toBeGreaterThan(100_000);
  }, 120_000);

  it('has tens of thousands of stops, is generated in seconds, and reads back with zero issues', () => {
    const started = performance.now();
    const city = generateCity({ seed: 1, size: 'large', startDate: '20261102' });
    const zip = cityGtfsZip(city);
    const elapsedMs = performance.now() - started;
    console.info(
      `large city: ${city.transit.stops.length} stops, ${city.transit.trips.length} trips, ${city.intersections.length} signals, ${zip.length} zip bytes in ${Math.round(elapsedMs)} ms`,
    );
    expect(city.transit.stops.length).toBeGreaterThan(20_000);
    expect(elapsedMs).toBeLessThan(60_000);
    const feed = readGtfsZip(zip);
    expect(feed.issues).toEqual([]);
    expect(feed.stops).toHaveLength(city.transit.stops.length);
    expect(feed.trips).toHaveLength(city.transit.trips.length);
  }, 240_000);
});
