import { ConfigError, createLogger, loadConfigOrExit, stopOnSignals } from '@mobility/runtime';
import { meshEnv } from './config.js';
import { startMesh } from './mesh.js';
import { SERVICES } from './services.js';

// `pnpm start`: the whole mesh in one process, embedded by default, real with KAFKA_BROKERS,
// DATABASE_URL and REDIS_URL set.
const config = loadConfigOrExit('mesh', meshEnv);
const logger = createLogger({ service: 'mesh', level: config.LOG_LEVEL });
const mesh = await startMesh(config, SERVICES, logger).catch((error: unknown) => {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`mesh: ${error.message}\n`);
  process.exit(2);
});
stopOnSignals(mesh.stop, logger);

const { mode, auth } = mesh.infrastructure;
const lines = [
  '',
  `Mobility mesh is up (bus: ${mode.bus}, storage: ${mode.storage}, hot state: ${mode.hotState}).`,
  `  Status page   ${mesh.status.url}`,
  `  Status JSON   ${mesh.status.url}status.json`,
  ...mesh.services.map(
    (service) =>
      `  ${service.name.padEnd(12)}  gRPC ${config.BIND_HOST}:${service.grpcPort}  HTTP http://${config.BIND_HOST}:${service.httpPort}/`,
  ),
  ...(mesh.services.length === 0
    ? ['  No services are registered yet (services/mesh/src/services.ts).']
    : []),
  auth.ephemeral
    ? '  Auth          this run signs tokens with a one-off secret; set MOBILITY_AUTH_SECRET to mint tokens with `pnpm mobility token`.'
    : '  Auth          tokens signed with MOBILITY_AUTH_SECRET; mint one with `pnpm mobility token --role operator --subject you`.',
  'Press Ctrl+C to stop.',
  '',
];
process.stdout.write(lines.join('\n'));
