import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GtfsFeed, readGtfsFile } from '@mobility/gtfs';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeFeed,
  encodeFeed,
  type FeedEntity,
  type FeedMessage,
  hasField,
  indexGtfs,
  toNumber,
  validateFeed,
} from '../src/index.js';

const DIR = 'gtfs-rt/caltrain';
const available = sharedDataAvailable(
  `${DIR}/ct.zip`,
  `${DIR}/ct-trip-updates.pb`,
  `${DIR}/ct-vehicle-positions.pb`,
);

describe.skipIf(!available)('the real Caltrain feeds (2023-11-08) against their GTFS', () => {
  let gtfs: GtfsFeed;
  let tripUpdates: FeedMessage;
  let vehiclePositions: FeedMessage;
  const headerS = (feed: FeedMessage) => toNumber(feed.header?.timestamp) as number;

  beforeAll(async () => {
    gtfs = await readGtfsFile(join(SHARED_DATA, DIR, 'ct.zip'));
    tripUpdates = decodeFeed(readFileSync(join(SHARED_DATA, DIR, 'ct-trip-updates.pb')));
    vehiclePositions = decodeFeed(readFileSync(join(SHARED_DATA, DIR, 'ct-vehicle-positions.pb')));
  });

  it('TripUpdates: no errors and no warnings', () => {
    const report = validateFeed({ feed: tripUpdates, gtfs, nowS: headerS(tripUpdates) });
    expect(report.entities).toBe(tripUpdates.entity?.length);
    expect(report.entities).toBeGreaterThan(0);
    expect(report.errors).toEqual({});
    expect(report.warnings).toEqual({});
  });

  it('VehiclePositions: no errors; W009 for each vehicle trip without schedule_relationship', () => {
    const report = validateFeed({ feed: vehiclePositions, gtfs, nowS: headerS(vehiclePositions) });
    expect(report.entities).toBe(vehiclePositions.entity?.length);
    expect(report.errors).toEqual({});
    // Caltrain's vehicle trip descriptors carry trip_id, route_id and direction_id only.
    const unset = (vehiclePositions.entity ?? []).filter(
      (entity) => entity.vehicle?.trip && !hasField(entity.vehicle.trip, 'scheduleRelationship'),
    );
    expect(unset.length).toBeGreaterThan(0);
    expect(report.warnings).toEqual({ W009: unset.length });
  });

  it('both feeds together: no errors; W003 for each id of one feed missing from the other', () => {
    const report = validateFeed({
      feed: tripUpdates,
      gtfs,
      companion: vehiclePositions,
      nowS: headerS(tripUpdates),
    });
    expect(report.errors).toEqual({});
    // W003 counts each trip_id and vehicle_id of one feed that the other lacks.
    const ids = (feed: FeedMessage, pick: (entity: FeedEntity) => string | null | undefined) =>
      new Set((feed.entity ?? []).map(pick).filter((id): id is string => !!id));
    const updateTrips = ids(tripUpdates, (entity) => entity.tripUpdate?.trip?.tripId);
    const updateVehicles = ids(tripUpdates, (entity) => entity.tripUpdate?.vehicle?.id);
    const positionTrips = ids(vehiclePositions, (entity) => entity.vehicle?.trip?.tripId);
    const positionVehicles = ids(vehiclePositions, (entity) => entity.vehicle?.vehicle?.id);
    const lacking = (from: Set<string>, to: Set<string>) => [...from].filter((id) => !to.has(id)).length;
    const expected =
      lacking(updateTrips, positionTrips) +
      lacking(updateVehicles, positionVehicles) +
      lacking(positionTrips, updateTrips) +
      lacking(positionVehicles, updateVehicles);
    expect(expected).toBeGreaterThan(0);
    expect(report.warnings).toEqual({ W003: expected });
    expect(report.skipped).toEqual(['E017', 'E018', 'W007']);
  });

  it('an older fetch as the previous feed: the refresh interval is flagged (W007)', () => {
    // The VehiclePositions header is 25 s later than the TripUpdates one; a copy 60 s older than
    // itself stands in for the previous fetch.
    const previous = decodeFeed(encodeFeed(vehiclePositions));
    previous.header.timestamp = headerS(vehiclePositions) - 60;
    const report = validateFeed({ feed: vehiclePositions, gtfs, previous, nowS: headerS(vehiclePositions) });
    expect(report.errors).toEqual({});
    expect(report.warnings.W007).toBe(1);
  });

  it('validates a feed of thousands of trip updates quickly, building the GTFS index once', () => {
    const copies = 250;
    const entity = Array.from({ length: copies }, (_, copy) =>
      (tripUpdates.entity ?? []).map((item) => ({ ...item, id: `${copy}-${item.id}` })),
    ).flat();
    const big: FeedMessage = { header: tripUpdates.header, entity };
    const started = performance.now();
    const report = validateFeed({ feed: big, gtfs, nowS: headerS(tripUpdates) });
    const elapsedMs = performance.now() - started;
    expect(report.entities).toBe(copies * (tripUpdates.entity?.length ?? 0));
    expect(report.errors).toEqual({});
    expect(elapsedMs).toBeLessThan(3000);
    expect(indexGtfs(gtfs)).toBe(indexGtfs(gtfs));
  });
});
