import { z } from 'zod';
import { NAMESPACE_PATTERN } from '../bus/namespace.js';
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
export function loadConfigOrExit<S extends z.ZodObject>(
  program: string,
  schema: S,
  source = process.env,
): z.infer<S> {
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
 * Ctrl+C reaches the process twice (from the terminal and relayed by pnpm/tsx), so repeats within a
 * second are ignored; a signal after that, while still stopping, exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince > 1_000) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export const serviceEnv = withInfrastructure({
  GRPC_PORT: env.port(50051),
  HTTP_PORT: env.port(8080),
  BIND_HOST: z.string().default('0.0.0.0'),
  /** Runs the service inside a topic namespace, e.g. `replay.<run-id>` (see startService). */
  MESH_TOPIC_NAMESPACE: z
    .string()
    .regex(NAMESPACE_PATTERN, 'must be dot-separated lower-case kebab-case words, e.g. replay.r1')
    .optional(),
});

/** The body of every service's `main.ts`: one service, alone in its process (as in Kubernetes). */
export async function runService(definition: ServiceDefinition): Promise<void> {
  const config = loadConfigOrExit(definition.name, serviceEnv);
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const infrastructure = await connectInfrastructure(config, { clientId: definition.name, logger });
  const service = await startService(
    definition,
    infrastructure,
    {
      host: config.BIND_HOST,
      grpcPort: config.GRPC_PORT,
      httpPort: config.HTTP_PORT,
      ...(config.MESH_TOPIC_NAMESPACE ? { namespace: config.MESH_TOPIC_NAMESPACE } : {}),
    },
    logger,
  );
  stopOnSignals(async () => {
    await service.stop();
    await infrastructure.close();
    await shutdownTelemetry();
  }, logger);
}
