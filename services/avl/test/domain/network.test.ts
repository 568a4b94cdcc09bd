import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPolyline, placeStopsAlong, project } from '../../src/domain/index.js';
import { at, fixtureNetwork } from './fixtures.js';

describe('buildTransitNetwork', () => {
  const network = fixtureNetwork();

  it('places each trip stop along its shape, in order, with schedules and blocks', () => {
    const trip = network.trips.get('T1');
    expect(trip).toBeDefined();
    const distances = trip?.stops.map((stop) => stop.distM) ?? [];
    expect(distances[0]).toBeLessThan(5);
    for (let i = 1; i < distances.length; i++) {
      expect((distances[i] as number) - (distances[i - 1] as number)).toBeGreaterThan(350);
      expect((distances[i] as number) - (distances[i - 1] as number)).toBeLessThan(450);
    }
    expect(trip?.startS).toBe(8 * 3600);
    expect(trip?.stops[0]?.timepoint).toBe(true);
    expect(trip?.stops[1]?.timepoint).toBe(false);
    const first = network.instance('T1', '20260216');
    expect(first && network.nextInBlock(first)?.trip.tripId).toBe('T2');
    const second = network.instance('T2', '20260216');
    expect(second && network.nextInBlock(second)?.trip.tripId).toBe('T3');
  });

  it('falls back to stop-to-stop lines when the feed has no shapes', () => {
    const bare = fixtureNetwork({ withShapes: false });
    const trip = bare.trips.get('U2');
    expect(trip?.shapeFromStops).toBe(true);
    expect(trip?.shape.lengthM).toBeGreaterThan(1900);
    const distances = trip?.stops.map((stop) => stop.distM) ?? [];
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
    expect(bare.issues.some((issue) => issue.message.includes('no usable shape'))).toBe(true);
  });

  it('finds trips running past midnight on the previous service day', () => {
    // 25:15 on Monday the 16th is 01:15 local on Tuesday the 17th.
    const active = network.activeTrips(at(25 * 3600 + 15 * 60), { lateS: 0, earlyS: 0 });
    expect(active.map((instance) => `${instance.trip.tripId}@${instance.startDate}`)).toContain(
      'N1@20260216',
    );
    const morning = network.activeTrips(at(8 * 3600 + 5 * 60), { lateS: 0, earlyS: 0 });
    expect(morning.map((instance) => instance.trip.tripId).sort()).toEqual(['T1']);
  });

  it('prunes candidates by place: nothing far from every shape', () => {
    const near = network.candidateTrips(38.9, -76.99, at(8 * 3600 + 5 * 60));
    expect(near.length).toBeGreaterThan(0);
    expect(network.candidateTrips(39.5, -76.99, at(8 * 3600 + 5 * 60))).toEqual([]);
  });
});

describe('placeStopsAlong', () => {
  // An out-and-back shape: east 1 km, then back west on the same street (a few metres north).
  const line = buildPolyline('loop', [
    { lat: 38.9, lon: -77 },
    { lat: 38.9, lon: -76.9885 },
    { lat: 38.90003, lon: -76.9885 },
    { lat: 38.90003, lon: -77 },
  ]);

  it('puts a stop served twice on the right pass each time', () => {
    const stop = { lat: 38.90001, lon: -76.994 };
    const end = { lat: 38.90002, lon: -76.9886 };
    const [out, turn, back] = placeStopsAlong(line, [stop, end, stop]);
    expect(out).toBeLessThan(600);
    expect(turn).toBeGreaterThan(900);
    expect(back).toBeGreaterThan(1300);
  });

  it('never decreases, whatever the stop positions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -77.001, max: -76.988, noNaN: true }), { minLength: 2, maxLength: 12 }),
        (lons) => {
          const placed = placeStopsAlong(
            line,
            lons.map((lon) => ({ lat: 38.90001, lon })),
          );
          for (let i = 1; i < placed.length; i++)
            expect(placed[i]).toBeGreaterThanOrEqual(placed[i - 1] as number);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('projects within a window, so progress on the return leg is not confused with the way out', () => {
    const point = { lat: 38.90002, lon: -76.994 };
    const anywhere = project(line, point.lat, point.lon);
    const onReturn = project(line, point.lat, point.lon, 1100);
    expect(anywhere.offM).toBeLessThan(5);
    expect(onReturn.distM).toBeGreaterThan(1100);
    expect(onReturn.offM).toBeLessThan(5);
  });
});
