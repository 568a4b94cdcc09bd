import { parseArgs } from 'node:util';
import { UsageError } from '@mobility/runtime';
import { CITY_SIZES, type CitySize, isCitySize } from '@mobility/simulator/sizes';

/**
 * `pnpm start` flags: what the built-in simulation runs (a generated city by default) and how fast.
 *   --gtfs <zip>   run the buses of a real feed instead of a generated city
 *   --seed <n>     seed of the generated city and of every random draw (default 1)
 *   --size <s>     town | small | medium | large (default town)
 *   --speed <x>    simulated seconds per real second (default 1 = real time)
 *   --no-sim       only the services, no simulation
 */
export interface StartFlags {
  simulate: boolean;
  gtfs?: string;
  seed: number;
  size: CitySize;
  speed: number;
}

export const START_USAGE =
  'pnpm start [-- --gtfs <zip>] [--seed <n>] [--size town|small|medium|large] [--speed <x>] [--no-sim]';

export function parseStartFlags(argv: readonly string[]): StartFlags {
  // `pnpm start -- --flag` passes the separator through on some pnpm versions.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      gtfs: { type: 'string' },
      seed: { type: 'string', default: '1' },
      size: { type: 'string', default: 'town' },
      speed: { type: 'string', default: '1' },
      'no-sim': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
  if (!isCitySize(values.size)) throw new UsageError(`--size must be one of ${CITY_SIZES.join(', ')}`);
  const speed = Number(values.speed);
  if (!(speed > 0) || speed > 3600) throw new UsageError('--speed must be a number above 0 and at most 3600');
  if (values.gtfs !== undefined && values.gtfs.trim() === '')
    throw new UsageError('--gtfs needs a path to a GTFS zip');
  return {
    simulate: !values['no-sim'],
    ...(values.gtfs ? { gtfs: values.gtfs } : {}),
    seed,
    size: values.size,
    speed,
  };
}
