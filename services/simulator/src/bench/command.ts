import { parseArgs } from 'node:util';
import { readGtfsZip } from '@mobility/gtfs';
import { type Command, UsageError } from '@mobility/runtime';
import { CITY_SIZES, type CitySize, cityGtfsZip, generateCity, isCitySize } from '../index.js';

/**
 * `pnpm mobility bench city [--sizes town,small,medium,large] [--seed 1] [--check]`: how long it
 * takes to generate each city size and write its GTFS zip, and how big it is. `--check` also reads
 * the feed back with @mobility/gtfs and counts its issues (slow for the large size).
 */
export const cityBenchCommand: Command = {
  summary: 'generate synthetic cities of each size and time it (last line: JSON figures)',
  usage: 'bench city [--sizes town,small,medium,large] [--seed 1] [--check]',
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        sizes: { type: 'string', default: CITY_SIZES.join(',') },
        seed: { type: 'string', default: '1' },
        check: { type: 'boolean', default: false },
      },
    });
    const sizes = values.sizes.split(',').map((size) => size.trim());
    const bad = sizes.filter((size) => !isCitySize(size));
    if (bad.length > 0)
      throw new UsageError(`--sizes: unknown size(s) ${bad.join(', ')} (${CITY_SIZES.join(', ')})`);
    const seed = Number(values.seed);
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new UsageError('--seed must be a non-negative integer');
    const results = [];
    for (const size of sizes as CitySize[]) {
      const started = performance.now();
      const city = generateCity({ seed, size, startDate: '20261102' });
      const generated = performance.now();
      const zip = cityGtfsZip(city);
      const written = performance.now();
      const stopTimes = city.transit.trips.reduce(
        (sum, trip) => sum + (city.transit.patterns[trip.patternIndex]?.stopIds.length ?? 0),
        0,
      );
      const result: Record<string, number | string> = {
        size,
        stops: city.transit.stops.length,
        routes: city.transit.routes.length,
        trips: city.transit.trips.length,
        stop_times: stopTimes,
        intersections: city.intersections.length,
        detectors: city.detectors.length,
        car_parks: city.carParks.length,
        generate_ms: Math.round(generated - started),
        gtfs_zip_ms: Math.round(written - generated),
        total_ms: Math.round(written - started),
        zip_bytes: zip.length,
        heap_used_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
      };
      if (values.check) {
        const readStarted = performance.now();
        result.gtfs_issues = readGtfsZip(zip).issues.length;
        result.read_ms = Math.round(performance.now() - readStarted);
      }
      io.say(
        `${size.padEnd(7)} ${String(result.stops).padStart(6)} stops ${String(result.trips).padStart(7)} trips in ${result.total_ms} ms`,
      );
      results.push(result);
    }
    return { seed, results };
  },
};
