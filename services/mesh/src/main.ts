import {
  type Clock,
  ConfigError,
  createLogger,
  loadConfigOrExit,
  stopOnSignals,
  systemClock,
  UsageError,
} from '@mobility/runtime';
import type { World } from '@mobility/simulator';
import { meshEnv } from './config.js';
import { selectServices, startMesh } from './mesh.js';
import type { RunningWorld } from './simulation.js';
import { parseStartFlags, START_USAGE, type StartFlags } from './start-flags.js';

// `pnpm start`: the whole mesh in one process, embedded by default, real with KAFKA_BROKERS,
// DATABASE_URL and REDIS_URL set; with a simulated city feeding it unless --no-sim. Flags and
// variables are checked before the services and the simulator are loaded, so a mistake is
// reported at once.
let flags: StartFlags;
try {
  flags = parseStartFlags(process.argv.slice(2));
} catch (error) {
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  if (!usage) throw error;
  process.stderr.write(`mesh: ${(error as Error).message}; usage: ${START_USAGE}\n`);
  process.exit(2);
}
const config = loadConfigOrExit('mesh', meshEnv);
const { SERVICES } = await import('./services.js');
try {
  selectServices(SERVICES, config.MESH_SERVICES);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`mesh: ${error.message}\n`);
  process.exit(2);
}
const { UnusableFeedError } = await import('@mobility/simulator');
const { pointServicesAt, prepareWorldFiles, simulationClock, startWorld } = await import('./simulation.js');
const logger = createLogger({ service: 'mesh', level: config.LOG_LEVEL });

let world: World | undefined;
let notes: string[] = [];
if (flags.simulate) {
  world = await prepareWorldFiles(flags).catch((error: unknown) => {
    if (!(error instanceof UnusableFeedError)) throw error;
    process.stderr.write(`mesh: ${error.message}\n`);
    process.exit(2);
  });
  notes = pointServicesAt(world, process.env);
}
const clock: Clock = world
  ? simulationClock(flags.speed, world.timeZone, Date.now(), 6, world.network.calendar)
  : systemClock;

const mesh = await startMesh(config, SERVICES, logger, { clock }).catch(async (error: unknown) => {
  await world?.dispose();
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`mesh: ${error.message}\n`);
  process.exit(2);
});
let running: RunningWorld | undefined;
if (world) {
  try {
    running = await startWorld(mesh, world, clock, logger);
  } catch (error) {
    await mesh.stop();
    await world.dispose();
    throw error;
  }
}
stopOnSignals(async () => {
  try {
    await running?.stop();
  } finally {
    // The services loaded the files at start; remove them before the slower infrastructure stop.
    await world?.dispose();
    await mesh.stop();
  }
}, logger);

const { mode, auth } = mesh.infrastructure;
const host = config.BIND_HOST;
const avl = mesh.services.find((service) => service.name === 'avl');
const lines = [
  '',
  `Mobility mesh is up (bus: ${mode.bus}, storage: ${mode.storage}, hot state: ${mode.hotState}).`,
  `  Status page   ${mesh.status.url}`,
  `  Status JSON   ${mesh.status.url}status.json`,
  ...mesh.services.map(
    (service) =>
      `  ${service.name.padEnd(12)}  gRPC ${host}:${service.grpcPort}  HTTP http://${host}:${service.httpPort}/`,
  ),
  ...(avl
    ? [
        '  GTFS-realtime',
        ...['vehicle-positions', 'trip-updates', 'alerts'].map(
          (feed) => `    http://${host}:${avl.httpPort}/gtfs-rt/${feed}.pb`,
        ),
      ]
    : []),
  ...(mesh.services.length === 0
    ? ['  No services are registered yet (services/mesh/src/services.ts).']
    : []),
  ...(world && running
    ? [
        `  Simulation    ${world.summary}`,
        `                clock ${flags.speed === 1 ? 'real time' : `${flags.speed}x, simulated time now ${new Date(clock.now()).toISOString()}`}; ${running.registeredCarParks} car parks registered with parking`,
        `                files in ${world.files.dir} (AVL_GTFS, ROUTING_GTFS, SIGNAL_INTERSECTIONS, ROUTING_PARK_AND_RIDE)`,
        ...notes.map((note) => `                ${note}`),
      ]
    : ['  Simulation    off (--no-sim)']),
  auth.ephemeral
    ? '  Auth          this run signs tokens with a one-off secret; set MOBILITY_AUTH_SECRET to mint tokens with `pnpm mobility token`.'
    : '  Auth          tokens signed with MOBILITY_AUTH_SECRET; mint one with `pnpm mobility token --role operator --subject you`.',
  'Press Ctrl+C to stop.',
  '',
];
process.stdout.write(lines.join('\n'));
