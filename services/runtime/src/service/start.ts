import Fastify from 'fastify';
import { createAuditLog } from '../access/audit.js';
import { createTokenVerifier } from '../access/token.js';
import { createGrpcServer } from '../grpc/server.js';
import type { Logger } from '../log/logger.js';
import { migrate } from '../storage/migrations.js';
import type { Infrastructure } from './infrastructure.js';
import type { ServiceDefinition } from './service.js';
import { busTopicsFor } from './topics.js';

export interface ServicePorts {
  host: string;
  /** 0 picks a free port. */
  grpcPort: number;
  httpPort: number;
}

export interface RunningService {
  name: string;
  definition: ServiceDefinition;
  grpcPort: number;
  httpPort: number;
  /** Stops gRPC, then HTTP, then the service's consumers; the shared infrastructure stays up. */
  stop(): Promise<void>;
}

/**
 * Brings one service up on the given infrastructure: its storage and migrations, gRPC server (with
 * health and access control) and HTTP server, then its own start(). The same for a service running
 * alone (runService) and for the whole mesh in one process.
 */
export async function startService(
  definition: ServiceDefinition,
  infrastructure: Infrastructure,
  ports: ServicePorts,
  parentLogger: Logger,
): Promise<RunningService> {
  const logger = parentLogger.child({ service: definition.name });
  await infrastructure.bus.ensureTopics(busTopicsFor([...definition.publishes, ...definition.consumes]));
  const db = await infrastructure.storageFor(definition.name);
  await migrate(db, {
    service: definition.name,
    ...(definition.migrationsDir ? { dir: definition.migrationsDir } : {}),
    logger,
  });
  const verifier = createTokenVerifier(infrastructure.auth.secret);
  const grpc = createGrpcServer({ logger, accessControl: { policy: definition.accessPolicy, verifier } });
  const http = Fastify({ logger: false });
  http.get('/healthz', async () => ({ status: 'ok', service: definition.name }));

  const app = await definition.create({
    name: definition.name,
    logger,
    bus: infrastructure.bus,
    db,
    hotState: infrastructure.hotStateFor(definition.name),
    grpc,
    http,
    audit: createAuditLog({ db, logger }),
    verifier,
  });
  const grpcPort = await grpc.start({ host: ports.host, port: ports.grpcPort });
  await http.listen({ host: ports.host, port: ports.httpPort });
  const address = http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : ports.httpPort;
  await app.start?.();
  logger.info({ grpcPort, httpPort }, 'service started');

  return {
    name: definition.name,
    definition,
    grpcPort,
    httpPort,
    stop: async () => {
      await grpc.stop();
      await http.close();
      await app.stop?.();
      logger.info('service stopped');
    },
  };
}
