import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { createManualClock, silentLogger } from '@mobility/runtime';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { haversineMetres } from '@mobility/runtime/util';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIntersectionConfig } from '../../signal/src/domain/config.js';
import { cityGtfsZip, generateCity, prepareWorld, startSimulation, TOPICS } from '../src/index.js';
import { recordingBus, zurich } from './support.js';

const dirs: string[] = [];
async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-world-test-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the world a simulation runs in', () => {
  it('writes a generated city: GTFS, signal config and park-and-ride file for the services', async () => {
    const dir = join(await scratch(), 'world');
    const world = await prepareWorld({ dir, seed: 3, size: 'town', today: '20261118' });
    expect(world.origin).toBe('generated');
    expect(world.feed.issues).toEqual([]);
    // The timetable starts a week before today.
    expect(world.feed.feedInfo?.feedStartDate).toBe('20261111');
    const models = parseIntersectionConfig(await readFile(world.files.intersections, 'utf8'));
    expect(models.map((model) => model.id)).toEqual(world.intersections.map((i) => i.id));
    const parkAndRide = JSON.parse(await readFile(world.files.parkAndRide, 'utf8')) as {
      facilities: { facilityId: string }[];
    };
    expect(parkAndRide.facilities.map((f) => f.facilityId)).toEqual(
      world.carParks.filter((c) => c.kind === 'park-and-ride').map((c) => c.id),
    );
    await world.dispose();
    await expect(readFile(world.files.gtfs)).rejects.toThrow();
  });

  it('runs a feed without shapes on stop-to-stop lines, and leaves the user feed in place', async () => {
    const dir = await scratch();
    const files = unzipSync(cityGtfsZip(generateCity({ seed: 1, size: 'town', startDate: '20261102' })));
    delete files['shapes.txt'];
    // trips.txt still names shape ids: they now point at nothing, as in many real feeds.
    const gtfs = join(dir, 'no-shapes.zip');
    await writeFile(gtfs, zipSync(files));
    const world = await prepareWorld({
      dir: join(dir, 'world'),
      seed: 1,
      size: 'town',
      gtfs,
      today: '20261118',
    });
    expect(world.origin).toBe('feed');
    expect(world.network.withoutShape).toBe(world.network.trips.length);
    expect(world.intersections.length).toBeGreaterThan(0);
    expect(parseIntersectionConfig(await readFile(world.files.intersections, 'utf8'))).toHaveLength(
      world.intersections.length,
    );
    const clock = createManualClock(zurich('20261118', 8));
    const { bus, published } = recordingBus();
    const simulation = startSimulation({
      bus,
      clock,
      logger: silentLogger(),
      seed: 1,
      timeZone: world.timeZone,
      network: world.network,
      tickMs: 3_600_000,
    });
    for (let s = 0; s <= 300; s += 10) {
      clock.set(zurich('20261118', 8) + s * 1000);
      await simulation.tick();
    }
    await simulation.stop();
    const pings = (published.get(TOPICS.pings) ?? []).map((m) => RawVehiclePing.decode(m.value));
    expect(pings.length).toBeGreaterThan(50);
    const stops = world.feed.stops;
    // On a straight stop-to-stop line every position is within its segment's box (here: near a stop line).
    for (const ping of pings) {
      const nearest = Math.min(
        ...stops.map((stop) =>
          haversineMetres(stop.stopLat, stop.stopLon, ping.position?.lat ?? 0, ping.position?.lon ?? 0),
        ),
      );
      expect(nearest).toBeLessThan(600);
    }
    await world.dispose();
    await expect(readFile(gtfs)).resolves.toBeInstanceOf(Buffer);
  });

  it('refuses a file that is not a GTFS zip with a clear error', async () => {
    const dir = await scratch();
    const gtfs = join(dir, 'not-a-feed.zip');
    await writeFile(gtfs, strToU8('hello'));
    await expect(
      prepareWorld({ dir: join(dir, 'w'), seed: 1, size: 'town', gtfs, today: '20261118' }),
    ).rejects.toThrow(/cannot read GTFS feed .*not-a-feed\.zip/);
    // Nothing half-written is left behind.
    await expect(readdir(join(dir, 'w'))).rejects.toThrow(/ENOENT/);
  });

  it.runIf(sharedDataAvailable('gtfs/cairns/cairns_gtfs.zip'))(
    'derives signals and car parks around a real feed (Cairns) and drives its trips along their shapes',
    async () => {
      const world = await prepareWorld({
        dir: join(await scratch(), 'cairns'),
        seed: 1,
        size: 'town',
        gtfs: join(SHARED_DATA, 'gtfs/cairns/cairns_gtfs.zip'),
        today: '20261118',
      });
      expect(world.network.trips.length).toBeGreaterThan(1000);
      expect(world.network.withoutShape).toBe(0);
      expect(world.intersections).toHaveLength(12);
      expect(world.carParks.length).toBeGreaterThan(0);
      expect(world.timeZone).toBe('Australia/Brisbane');
      expect(parseIntersectionConfig(await readFile(world.files.intersections, 'utf8'))).toHaveLength(12);
      await world.dispose();
    },
    120_000,
  );
});
