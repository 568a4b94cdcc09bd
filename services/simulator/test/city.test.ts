import { buildTripSchedules, readGtfsZip } from '@mobility/gtfs';
import { haversineMetres } from '@mobility/runtime/util';
import { describe, expect, it, vi } from 'vitest';
import { parseIntersectionConfig } from '../../signal/src/domain/config.js';
import {
  type CitySize,
  cityGtfsZip,
  generateCity,
  intersectionConfigJson,
  pointAlong,
  polyline,
  type TransitPattern,
} from '../src/index.js';

const START = '20261102';

describe.each([
  ['town', 1],
  ['town', 7],
  ['small', 42],
] as [CitySize, number][])('a generated %s (seed %i)', (size, seed) => {
  const city = generateCity({ seed, size, startDate: START });
  const feed = readGtfsZip(cityGtfsZip(city));

  it('is a GTFS feed the project reads with zero issues, schedules included', () => {
    expect(feed.issues).toEqual([]);
    expect(buildTripSchedules(feed).issues).toEqual([]);
    expect(feed.files).toEqual(
      expect.arrayContaining([
        'agency.txt',
        'calendar.txt',
        'calendar_dates.txt',
        'feed_info.txt',
        'routes.txt',
        'shapes.txt',
        'stop_times.txt',
        'stops.txt',
        'trips.txt',
      ]),
    );
    expect(feed.stops).toHaveLength(city.transit.stops.length);
    expect(feed.trips).toHaveLength(city.transit.trips.length);
    expect(feed.trips.every((trip) => trip.blockId && trip.shapeId)).toBe(true);
    expect(feed.calendarDates.length).toBeGreaterThan(0);
  });

  it('has frequent and infrequent routes', () => {
    const peakHeadways = new Map<string, number>();
    const byPattern = new Map<string, number[]>();
    for (const trip of city.transit.trips) {
      if (trip.serviceId !== 'WD' || trip.startS < 7 * 3600 || trip.startS >= 9 * 3600) continue;
      const key = `${trip.routeId}|${trip.patternIndex}`;
      byPattern.set(key, [...(byPattern.get(key) ?? []), trip.startS]);
    }
    for (const [key, starts] of byPattern) {
      starts.sort((a, b) => a - b);
      const gaps = starts.slice(1).map((s, k) => s - (starts[k] as number));
      peakHeadways.set(key.split('|')[0] as string, Math.min(...gaps, Number.POSITIVE_INFINITY));
    }
    const headways = [...peakHeadways.values()];
    expect(Math.min(...headways)).toBeLessThanOrEqual(10 * 60);
    const kinds = new Set(city.transit.routes.map((route) => route.kind));
    expect(kinds).toEqual(new Set(['frequent', 'local']));
    // Local routes have no Sunday service, frequent ones do.
    const sundayRoutes = new Set(
      city.transit.trips.filter((t) => t.serviceId === 'SU').map((t) => t.routeId),
    );
    for (const route of city.transit.routes)
      expect(sundayRoutes.has(route.id)).toBe(route.kind === 'frequent');
  });

  it('never has one vehicle block run two trips at once', () => {
    const { schedules } = buildTripSchedules(feed);
    const byTrip = new Map(schedules.map((s) => [s.tripId, s]));
    const blocks = new Map<string, [number, number][]>();
    for (const trip of feed.trips) {
      const schedule = byTrip.get(trip.tripId);
      if (!schedule) throw new Error(`no schedule for ${trip.tripId}`);
      const key = `${trip.serviceId}|${trip.blockId}`;
      blocks.set(key, [
        ...(blocks.get(key) ?? []),
        [schedule.departures[0] as number, schedule.arrivals.at(-1) as number],
      ]);
    }
    for (const spans of blocks.values()) {
      spans.sort((a, b) => a[0] - b[0]);
      for (let k = 1; k < spans.length; k++)
        expect((spans[k] as [number, number])[0]).toBeGreaterThanOrEqual(
          (spans[k - 1] as [number, number])[1],
        );
    }
  });

  it('puts every stop beside its route shape, at the shape distance the timetable gives', () => {
    const stops = new Map(city.transit.stops.map((stop) => [stop.id, stop]));
    for (const pattern of city.transit.patterns as TransitPattern[]) {
      const line = polyline(pattern.shape, (a, b) => haversineMetres(a.lat, a.lon, b.lat, b.lon));
      for (const [k, stopId] of pattern.stopIds.entries()) {
        const stop = stops.get(stopId);
        if (!stop) throw new Error(`unknown stop ${stopId}`);
        const onShape = pointAlong(line, pattern.stopDistM[k] as number);
        expect(haversineMetres(stop.lat, stop.lon, onShape.lat, onShape.lon)).toBeLessThan(25);
      }
    }
  });

  it('writes an intersection config the signal service accepts, with safe, consistent timings', () => {
    const models = parseIntersectionConfig(intersectionConfigJson(city), 'generated.json');
    expect(models).toHaveLength(city.intersections.length);
    expect(models.length).toBeGreaterThan(0);
    for (const model of models) {
      const groups = new Map(model.signalGroups.map((group) => [group.id, group]));
      let intergreens = 0;
      for (const [index, stage] of model.stages.entries()) {
        const split = model.plan.splits.find((s) => s.stageId === stage.id);
        const stageGroups = stage.signalGroupIds.map((id) => groups.get(id));
        const minGreen = Math.max(
          ...stageGroups.map((g) =>
            Math.max(g?.minGreenS ?? 0, (g?.pedestrianWalkS ?? 0) + (g?.pedestrianClearanceS ?? 0)),
          ),
        );
        expect(split?.greenS).toBeGreaterThanOrEqual(minGreen);
        const next = new Set(model.stages[(index + 1) % model.stages.length]?.signalGroupIds);
        const ending = stageGroups.filter((g) => g && !next.has(g.id));
        intergreens += Math.max(0, ...ending.map((g) => g?.yellowS ?? 0));
        intergreens += Math.max(0, ...ending.map((g) => g?.allRedS ?? 0));
      }
      for (const group of model.signalGroups) {
        if (group.kind === 'vehicle') expect(group.yellowS).toBeGreaterThanOrEqual(3);
        expect(group.allRedS).toBeGreaterThanOrEqual(1);
      }
      const greens = model.plan.splits.reduce((sum, split) => sum + split.greenS, 0);
      expect(model.plan.cycleS).toBe(greens + intergreens);
      expect(model.plan.offsetS).toBeLessThan(model.plan.cycleS);
      expect(model.detectors.length).toBeGreaterThanOrEqual(model.approaches.length);
    }
    const detectorIds = city.detectors.map((d) => d.detectorId);
    expect(new Set(detectorIds).size).toBe(detectorIds.length);
  });

  it('places car parks a short walk from stops, park-and-ride lots at the edge', () => {
    expect(city.carParks.length).toBeGreaterThan(0);
    const stops = new Map(city.transit.stops.map((stop) => [stop.id, stop]));
    for (const carPark of city.carParks) {
      expect(carPark.capacity).toBeGreaterThan(0);
      expect(carPark.servedStopIds.length).toBeGreaterThan(0);
      for (const id of carPark.servedStopIds) {
        const stop = stops.get(id);
        if (!stop) throw new Error(`unknown stop ${id}`);
        expect(
          haversineMetres(stop.lat, stop.lon, carPark.location.lat, carPark.location.lon),
        ).toBeLessThanOrEqual(400);
      }
    }
    expect(city.carParks.some((carPark) => carPark.kind === 'park-and-ride')).toBe(true);
    expect(city.carParks.some((carPark) => carPark.kind === 'garage')).toBe(true);
  });
});

describe('generation', () => {
  it('is a pure function of its options: same seed, same bytes; another seed, another city', () => {
    // Generated years apart: nothing of the wall clock (zip entry times...) may leak into the bytes.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2020-01-01T00:00:00Z'));
    const a = cityGtfsZip(generateCity({ seed: 5, size: 'town', startDate: START }));
    vi.setSystemTime(new Date('2031-06-01T12:34:56Z'));
    const b = cityGtfsZip(generateCity({ seed: 5, size: 'town', startDate: START }));
    vi.useRealTimers();
    const c = cityGtfsZip(generateCity({ seed: 6, size: 'town', startDate: START }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('centres the city where asked and writes the time zone into the feed', () => {
    const centre = { lat: -16.92, lon: 145.77 };
    const city = generateCity({
      seed: 1,
      size: 'town',
      startDate: START,
      centre,
      timeZone: 'Australia/Brisbane',
    });
    const feed = readGtfsZip(cityGtfsZip(city));
    expect(feed.agencies[0]?.agencyTimezone).toBe('Australia/Brisbane');
    for (const stop of feed.stops)
      expect(haversineMetres(stop.stopLat, stop.stopLon, centre.lat, centre.lon)).toBeLessThan(5_000);
  });
});
