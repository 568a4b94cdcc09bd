import { ALL_TOPICS } from '@mobility/contracts/topics';
import {
  busTopicsFor,
  ConfigError,
  connectInfrastructure,
  type Infrastructure,
  type Logger,
  type RunningService,
  type ServiceDefinition,
  shutdownTelemetry,
  startService,
} from '@mobility/runtime';
import type { Clock } from '@mobility/runtime/util';
import type { MeshConfig } from './config.js';
import { type StatusServer, startStatusServer } from './status/server.js';
import type { ServiceEndpoint } from './status/snapshot.js';

export interface Mesh {
  infrastructure: Infrastructure;
  /** Services running in this process. */
  services: readonly RunningService[];
  status: StatusServer;
  /** Shutdown order: status page, then each service (gRPC, HTTP, consumers) in reverse, then the
   * shared infrastructure (producer flush, hot state, pools), then telemetry. */
  stop(): Promise<void>;
}

/** The registered services MESH_SERVICES asks for; an unknown name is a configuration error. */
export function selectServices(
  registry: readonly ServiceDefinition[],
  selection: MeshConfig['MESH_SERVICES'],
): ServiceDefinition[] {
  if (selection === 'all') return [...registry];
  const unknown = selection.filter((name) => !registry.some((definition) => definition.name === name));
  if (unknown.length > 0) {
    const known = registry.map((definition) => definition.name).join(', ') || 'none yet';
    throw new ConfigError([
      `MESH_SERVICES names unknown service(s) ${unknown.join(', ')} (registered: ${known})`,
    ]);
  }
  return registry.filter((definition) => selection.includes(definition.name));
}

/**
 * Boots the selected services on one shared infrastructure, plus the status page, which also checks
 * the services that MESH_REMOTE_SERVICES says run elsewhere.
 */
export interface MeshOptions {
  /** The clock every service acts on: the wall clock by default, a scaled one for a simulation. */
  clock?: Clock;
}

export async function startMesh(
  config: MeshConfig,
  registry: readonly ServiceDefinition[],
  logger: Logger,
  options: MeshOptions = {},
): Promise<Mesh> {
  const definitions = selectServices(registry, config.MESH_SERVICES);
  const infrastructure = await connectInfrastructure(config, { clientId: 'mesh', logger });
  // Every catalogue topic exists from the start, so the status page shows the whole contract.
  await infrastructure.bus.ensureTopics(busTopicsFor(ALL_TOPICS.map((topic) => topic.name)));
  const services: RunningService[] = [];
  try {
    for (const [index, definition] of definitions.entries()) {
      services.push(
        await startService(
          definition,
          infrastructure,
          {
            host: config.BIND_HOST,
            grpcPort: config.MESH_GRPC_BASE_PORT && config.MESH_GRPC_BASE_PORT + index,
            httpPort: config.MESH_HTTP_BASE_PORT && config.MESH_HTTP_BASE_PORT + index,
            ...(options.clock ? { clock: options.clock } : {}),
          },
          logger,
        ),
      );
    }
  } catch (error) {
    await Promise.allSettled(services.map((service) => service.stop()));
    await infrastructure.close();
    throw error;
  }
  const describe = (name: string) => registry.find((definition) => definition.name === name);
  const endpoints: ServiceEndpoint[] = [
    ...services.map((service) => ({
      name: service.name,
      runs: 'in-process' as const,
      grpcAddress: `${config.BIND_HOST}:${service.grpcPort}`,
      httpUrl: `http://${config.BIND_HOST}:${service.httpPort}/`,
      definition: service.definition,
    })),
    ...config.MESH_REMOTE_SERVICES.map(({ name, address }) => ({
      name,
      runs: 'remote' as const,
      grpcAddress: address,
      definition: describe(name),
    })),
  ];
  const status = await startStatusServer({
    host: config.BIND_HOST,
    port: config.MESH_HTTP_PORT,
    infrastructure,
    services: endpoints,
    logger,
  });
  return {
    infrastructure,
    services,
    status,
    stop: async () => {
      await status.close();
      for (const service of [...services].reverse()) await service.stop();
      await infrastructure.close();
      await shutdownTelemetry();
    },
  };
}
