import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GtfsFeed, readGtfsFile } from '@mobility/gtfs';
import { type FeedMessage, validateFeed } from '@mobility/gtfs-rt';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPingOfTrace } from '../../src/bench/trace.js';
import { parsePingTrace, type TracePing } from '../../src/eval/pings-csv.js';
import { decodeFeed } from '../../src/feeds/gtfs-rt.js';
import { type AvlHarness, bootAvl, recordingLogger, waitFor } from './support.js';

const GTFS = 'avl/wmata-2026-02-16/gtfs.zip';
const PINGS = 'avl/wmata-2026-02-16/pings.csv';
/** A slice of the afternoon trace: 8 minutes of both routes, stepped a minute at a time. */
const SLICE_START_MS = Date.UTC(2026, 1, 16, 17, 0, 0);
const SLICE_MINUTES = 8;
const STEP_MS = 60_000;

describe.skipIf(!sharedDataAvailable(GTFS, PINGS))(
  'WMATA trace through the service: feeds pass the GTFS-rt checker',
  () => {
    let harness: AvlHarness;
    let gtfs: GtfsFeed;
    let slice: TracePing[];

    beforeAll(async () => {
      gtfs = await readGtfsFile(join(SHARED_DATA, GTFS));
      slice = parsePingTrace(readFileSync(join(SHARED_DATA, PINGS), 'utf8'))
        .filter(
          (p) => p.timestampMs >= SLICE_START_MS && p.timestampMs < SLICE_START_MS + SLICE_MINUTES * 60_000,
        )
        .sort((a, b) => a.timestampMs - b.timestampMs);
      harness = await bootAvl({}, recordingLogger([]), { gtfsPath: join(SHARED_DATA, GTFS) }, SLICE_START_MS);
    }, 180_000);
    afterAll(async () => harness?.close());

    const status = async () =>
      (await (await fetch(`${harness.baseUrl}/avl/status`)).json()) as {
        accepted: number;
        rejected: Record<string, number>;
      };
    const fetchFeed = async (name: string): Promise<FeedMessage> =>
      decodeFeed(new Uint8Array(await (await fetch(`${harness.baseUrl}/gtfs-rt/${name}.pb`)).arrayBuffer()));

    it('produces VehiclePositions, TripUpdates and Alerts with zero checker errors at every minute', async () => {
      expect(slice.length).toBeGreaterThan(200);
      let published = 0;
      let previous: Record<string, FeedMessage | undefined> = {};
      const errors: Record<string, number> = {};
      let tripUpdates = 0;
      let vehicles = 0;
      for (
        let windowStart = SLICE_START_MS;
        windowStart < SLICE_START_MS + SLICE_MINUTES * 60_000;
        windowStart += STEP_MS
      ) {
        const window = slice.filter(
          (p) => p.timestampMs >= windowStart && p.timestampMs < windowStart + STEP_MS,
        );
        harness.clock.set(windowStart + STEP_MS);
        await harness.publishPings(window.map((row) => rawPingOfTrace(row)));
        published += window.length;
        await waitFor(
          async () => {
            const s = await status();
            const done = s.accepted + Object.values(s.rejected).reduce((a, b) => a + b, 0);
            return done >= published;
          },
          `pings up to ${new Date(windowStart + STEP_MS).toISOString()} processed`,
          60_000,
        );
        const nowS = Math.floor(harness.clock.now() / 1000);
        const feeds = {
          'vehicle-positions': await fetchFeed('vehicle-positions'),
          'trip-updates': await fetchFeed('trip-updates'),
          alerts: await fetchFeed('alerts'),
        };
        for (const [name, feed] of Object.entries(feeds)) {
          const companion =
            name === 'vehicle-positions'
              ? feeds['trip-updates']
              : name === 'trip-updates'
                ? feeds['vehicle-positions']
                : undefined;
          const report = validateFeed({
            feed,
            gtfs,
            nowS,
            ...(previous[name] ? { previous: previous[name] } : {}),
            ...(companion ? { companion } : {}),
          });
          for (const [code, count] of Object.entries(report.errors))
            errors[`${name}:${code}`] = (errors[`${name}:${code}`] ?? 0) + count;
          if (Object.keys(report.errors).length > 0) {
            console.error(
              name,
              JSON.stringify(report.notices.filter((n) => n.severity === 'error').slice(0, 5)),
            );
          }
        }
        vehicles = Math.max(vehicles, feeds['vehicle-positions'].entity?.length ?? 0);
        tripUpdates = Math.max(tripUpdates, feeds['trip-updates'].entity?.length ?? 0);
        previous = feeds;
      }
      expect(errors).toEqual({});
      // The slice really exercised the feeds: buses on both routes and their predictions.
      expect(vehicles).toBeGreaterThan(5);
      expect(tripUpdates).toBeGreaterThan(5);
      const final = await status();
      expect(final.accepted).toBeGreaterThan(published * 0.9);
    }, 240_000);
  },
);
