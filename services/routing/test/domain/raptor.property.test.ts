import { seededRandom } from '@mobility/runtime/util';
import { describe, expect, it } from 'vitest';
import { buildReference, referenceArrivals, SYNTHETIC_DATE, syntheticFeed } from '../../src/bench/index.js';
import {
  buildTimetable,
  type Itinerary,
  type JourneyRequest,
  type Place,
  PlanningError,
  planJourneys,
} from '../../src/domain/index.js';

const RADIUS = 400;
const SPEED = 1.33;
const MAX_TRANSFERS = 3;

/**
 * Best arrival with at most t transfers (t = 0..maxTransfers), read off a Pareto set. A walk-only
 * journey and a single ride both count as 0 transfers, so the reference's "at most t + 1 rides"
 * is the matching figure.
 */
function arrivalsByTransfers(itineraries: Itinerary[], maxTransfers: number): number[] {
  const best = new Array<number>(maxTransfers + 1).fill(Number.POSITIVE_INFINITY);
  for (const it of itineraries)
    for (let t = it.transfers; t <= maxTransfers; t++) best[t] = Math.min(best[t] as number, it.arrival);
  return best;
}

describe('RAPTOR against the reference planner', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`agrees on Pareto arrivals on random queries (synthetic feed, seed ${seed})`, () => {
      const random = seededRandom(seed * 7919);
      const feed = syntheticFeed({
        stops: 49 + Math.floor(random() * 80),
        seed,
        spacingM: 150 + Math.floor(random() * 300),
        lineLength: 3 + Math.floor(random() * 6),
        headwaySeconds: 300 + Math.floor(random() * 1500),
        firstDeparture: 6 * 3600,
        lastDeparture: 9 * 3600,
      });
      const timetable = buildTimetable(feed, { footpathRadiusM: RADIUS, walkSpeedMps: SPEED });
      const reference = buildReference(feed, SYNTHETIC_DATE, RADIUS);
      const stops = feed.stops;
      const place = (): Place => {
        const stop = stops[Math.floor(random() * stops.length)] as (typeof stops)[number];
        if (random() < 0.6) return { kind: 'stop', stopId: stop.stopId };
        return {
          kind: 'point',
          lat: stop.stopLat + (random() - 0.5) * 0.004,
          lon: stop.stopLon + (random() - 0.5) * 0.004,
        };
      };
      const ends = (p: Place, maxWalkM: number) =>
        p.kind === 'stop'
          ? [{ stopId: p.stopId, seconds: 0, exact: true }]
          : timetable
              .stopsNear(p.lat, p.lon, maxWalkM)
              .map((s) => ({ stopId: s.stopId, seconds: Math.ceil(s.distanceM / SPEED), exact: false }));
      let compared = 0;
      for (let q = 0; q < 150; q++) {
        const from = place();
        const to = place();
        if (from.kind === 'stop' && to.kind === 'stop' && from.stopId === to.stopId) continue;
        const maxWalkM = random() < 0.5 ? RADIUS : 150 + Math.floor(random() * 250);
        const wheelchair = random() < 0.3;
        const request: JourneyRequest = {
          from,
          to,
          serviceDate: SYNTHETIC_DATE,
          departAt: 6 * 3600 + Math.floor(random() * 3 * 3600),
          maxTransfers: MAX_TRANSFERS,
          maxWalkM,
          wheelchair,
        };
        let itineraries: Itinerary[];
        try {
          itineraries = planJourneys(timetable, request);
          // A direct walk between two points is outside the reference's model.
          if (
            itineraries.some(
              (it) => it.legs.length === 1 && it.legs[0]?.mode === 'walk' && from.kind === 'point',
            )
          )
            continue;
        } catch (error) {
          // No stop within reach of a point: nothing to compare. Anything else is a failure.
          if (error instanceof PlanningError && error.code === 'outside-network') continue;
          throw error;
        }
        const expected = referenceArrivals(reference, {
          sources: ends(from, maxWalkM),
          targets: ends(to, maxWalkM),
          departAt: request.departAt as number,
          maxTrips: MAX_TRANSFERS + 1,
          maxWalkM,
          walkSpeedMps: SPEED,
          wheelchair,
        });
        expect(arrivalsByTransfers(itineraries, MAX_TRANSFERS), JSON.stringify(request)).toEqual(
          expected.slice(1),
        );
        // Every itinerary is consistent: legs in order, none before the requested time.
        for (const it of itineraries) {
          expect(it.departure).toBeGreaterThanOrEqual(request.departAt as number);
          it.legs.forEach((leg, i) => {
            expect(leg.arrival).toBeGreaterThanOrEqual(leg.departure);
            if (i > 0) expect(leg.departure).toBeGreaterThanOrEqual((it.legs[i - 1] as typeof leg).arrival);
          });
        }
        compared++;
      }
      expect(compared).toBeGreaterThan(50);
    });
  }

  it('arrive-by finds the latest departure (checked with the reference)', () => {
    const feed = syntheticFeed({
      stops: 100,
      seed: 9,
      lineLength: 5,
      headwaySeconds: 600,
      firstDeparture: 6 * 3600,
      lastDeparture: 9 * 3600,
    });
    const timetable = buildTimetable(feed, { footpathRadiusM: RADIUS, walkSpeedMps: SPEED });
    const reference = buildReference(feed, SYNTHETIC_DATE, RADIUS);
    const random = seededRandom(99);
    let checked = 0;
    for (let q = 0; q < 80; q++) {
      const from = feed.stops[Math.floor(random() * feed.stops.length)]?.stopId as string;
      const to = feed.stops[Math.floor(random() * feed.stops.length)]?.stopId as string;
      if (from === to) continue;
      const arriveBy = 7 * 3600 + Math.floor(random() * 2 * 3600);
      const result = planJourneys(timetable, {
        from: { kind: 'stop', stopId: from },
        to: { kind: 'stop', stopId: to },
        serviceDate: SYNTHETIC_DATE,
        arriveBy,
        maxTransfers: 8,
      });
      const earliestAt = (departAt: number) =>
        referenceArrivals(reference, {
          sources: [{ stopId: from, seconds: 0, exact: true }],
          targets: [{ stopId: to, seconds: 0, exact: true }],
          departAt,
          maxTrips: 9,
          maxWalkM: 1000,
          walkSpeedMps: SPEED,
        }).at(-1) as number;
      if (result.length === 0) {
        // Nothing arrives in time even leaving at the start of service.
        expect(earliestAt(6 * 3600 - 3600)).toBeGreaterThan(arriveBy);
        continue;
      }
      const latest = Math.max(...result.map((it) => it.departure));
      expect(Math.max(...result.map((it) => it.arrival))).toBeLessThanOrEqual(arriveBy);
      expect(earliestAt(latest)).toBeLessThanOrEqual(arriveBy);
      expect(earliestAt(latest + 1)).toBeGreaterThan(arriveBy);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
});
