import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFeed, encodeFeed, type FeedEntity, type FeedMessage, validateFeed } from '../src/index.js';
import { DATE, GTFS, NOW, T0 } from './fixtures.js';

// Random feeds over the ids of the test GTFS (known and unknown ones), with odd values mixed in:
// millisecond and zero timestamps, NaN and infinite floats, malformed dates and times.
const time = fc.oneof(fc.integer({ min: T0 - 7200, max: T0 + 7200 }), fc.constantFrom(0, NOW * 1000));
const tripId = fc.constantFrom('T1', 'T2', 'T3', 'TF0', 'TF1', 'TBLANK', 'TNOBLOCK', 'NOPE', '');
const routeId = fc.constantFrom('R1', 'R2', 'R9');
const stopId = fc.constantFrom('S1', 'S2', 'S3', 'ST', 'S9', '');
const trip = fc.record(
  {
    tripId,
    routeId,
    directionId: fc.constantFrom(0, 1),
    startTime: fc.constantFrom('08:00:00', '8:00', '06:10:00', '09:00:00', '25:00:00'),
    startDate: fc.constantFrom(DATE, '2026-06-01', '20260231'),
    scheduleRelationship: fc.constantFrom(0, 1, 2, 3, 5, 6),
  },
  { requiredKeys: [] },
);
const vehicleDescriptor = fc.record({ id: fc.constantFrom('V1', 'V2', '') }, { requiredKeys: [] });
const event = fc.record(
  { time, delay: fc.integer({ min: -3600, max: 3600 }), uncertainty: fc.nat(600) },
  { requiredKeys: [] },
);
const stopTimeUpdate = fc.record(
  {
    stopSequence: fc.nat(5),
    stopId,
    arrival: event,
    departure: event,
    scheduleRelationship: fc.constantFrom(0, 1, 2, 3),
  },
  { requiredKeys: [] },
);
const tripUpdate = fc.record(
  {
    trip,
    vehicle: vehicleDescriptor,
    timestamp: time,
    delay: fc.integer({ min: -600, max: 600 }),
    stopTimeUpdate: fc.array(stopTimeUpdate, { maxLength: 6 }),
  },
  { requiredKeys: ['trip', 'stopTimeUpdate'] },
);
const vehicle = fc.record(
  {
    trip,
    vehicle: vehicleDescriptor,
    position: fc.record(
      {
        latitude: fc.oneof(fc.float({ min: Math.fround(36.99), max: Math.fround(37.03) }), fc.float()),
        longitude: fc.oneof(fc.float({ min: Math.fround(-122.01), max: Math.fround(-121.98) }), fc.float()),
        bearing: fc.float(),
        speed: fc.float(),
      },
      { requiredKeys: ['latitude', 'longitude'] },
    ),
    timestamp: time,
    stopId,
  },
  { requiredKeys: [] },
);
const alert = fc.record(
  {
    informedEntity: fc.array(
      fc.record(
        {
          agencyId: fc.constantFrom('A1', 'X'),
          routeId,
          routeType: fc.nat(7),
          trip,
          stopId,
          directionId: fc.constantFrom(0, 1),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
    activePeriod: fc.array(fc.record({ start: time, end: time }, { requiredKeys: [] }), { maxLength: 2 }),
    effect: fc.integer({ min: 1, max: 9 }),
  },
  { requiredKeys: ['informedEntity'] },
);
const entity: fc.Arbitrary<Omit<FeedEntity, 'id'>> = fc.oneof(
  tripUpdate.map((value) => ({ tripUpdate: value })),
  vehicle.map((value) => ({ vehicle: value })),
  alert.map((value) => ({ alert: value })),
);
const feed: fc.Arbitrary<FeedMessage> = fc
  .record({
    header: fc.record(
      {
        gtfsRealtimeVersion: fc.constantFrom('1.0', '2.0', '3'),
        incrementality: fc.constantFrom(0, 1),
        timestamp: time,
      },
      { requiredKeys: ['gtfsRealtimeVersion'] },
    ),
    entities: fc.array(fc.tuple(entity, fc.boolean()), { maxLength: 8 }),
  })
  .map(({ header, entities }) => ({
    header,
    entity: entities.map(([body, deleted], index) => ({
      id: `e${index}`,
      ...body,
      ...(deleted ? { isDeleted: true } : {}),
    })),
  }));

describe('random feeds', () => {
  it('encode -> decode -> encode gives the same bytes', () => {
    fc.assert(
      fc.property(feed, (message) => {
        const bytes = encodeFeed(message);
        expect(Buffer.from(encodeFeed(decodeFeed(bytes))).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('the checker never throws, and judges a plain object exactly as its decoded bytes', () => {
    fc.assert(
      fc.property(feed, (message) => {
        const input = { gtfs: GTFS, nowS: NOW, maxNoticesPerCode: 1000 };
        const plain = validateFeed({ ...input, feed: message });
        const decoded = validateFeed({ ...input, feed: decodeFeed(encodeFeed(message)) });
        expect(decoded).toEqual(plain);
        const total = [...Object.values(plain.errors), ...Object.values(plain.warnings)].reduce(
          (a, b) => a + b,
          0,
        );
        expect(plain.notices).toHaveLength(total);
      }),
      { numRuns: 200 },
    );
  });
});
