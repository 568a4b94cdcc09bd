import { ALL_TOPICS } from '@mobility/contracts/topics';
import {
  busTopicsFor,
  connectInfrastructure,
  type Infrastructure,
  type Logger,
  type RunningService,
  type ServiceDefinition,
  shutdownTelemetry,
  startService,
} from '@mobility/runtime';
import type { MeshConfig } from './config.js';
import { type StatusServer, startStatusServer } from './status/server.js';

export interface Mesh {
  infrastructure: Infrastructure;
  services: readonly RunningService[];
  status: StatusServer;
  /** Shutdown order: status page, then each service (gRPC, HTTP, consumers) in reverse, then the
   * shared infrastructure (producer flush, hot state, pools), then telemetry. */
  stop(): Promise<void>;
}

/** Boots every service on one shared infrastructure, plus the status page. */
export async function startMesh(
  config: MeshConfig,
  definitions: readonly ServiceDefinition[],
  logger: Logger,
): Promise<Mesh> {
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
  const status = await startStatusServer({
    host: config.BIND_HOST,
    port: config.MESH_HTTP_PORT,
    infrastructure,
    services,
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
