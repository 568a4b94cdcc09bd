import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../config/config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { shutdownTelemetry } from '../telemetry/telemetry.js';
import { connectInfrastructure, withInfrastructure } from './infrastructure.js';
import type { ServiceDefinition } from './service.js';
import { startService } from './start.js';

/**
 * Loads configuration or ends the process with one clear line on stderr naming every bad
 * variable (exit code 2), before anything else starts.
 */
export function loadConfigOrExit<S extends z.ZodObject>(program: string, schema: S, source = process.env): z.infer<S> {
  try {
    return loadConfig(schema, source);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${program}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits: 0 after a clean stop, 1 if stopping failed.
 * A second signal while stopping exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

export const serviceEnv = withInfrastructure({
  GRPC_PORT: env.port(50051),
  HTTP_PORT: env.port(8080),
  BIND_HOST: z.string().default('0.0.0.0'),
});

/** The body of every service's `main.ts`: one service, alone in its process (as in Kubernetes). */
export async function runService(definition: ServiceDefinition): Promise<void> {
  const config = loadConfigOrExit(definition.name, serviceEnv);
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const infrastructure = await connectInfrastructure(config, { clientId: definition.name, logger });
  const service = await startService(
    definition,
    infrastructure,
    { host: config.BIND_HOST, grpcPort: config.GRPC_PORT, httpPort: config.HTTP_PORT },
    logger,
  );
  stopOnSignals(async () => {
    await service.stop();
    await infrastructure.close();
    await shutdownTelemetry();
  }, logger);
}
