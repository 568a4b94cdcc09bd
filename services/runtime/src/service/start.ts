import Fastify from 'fastify';
import { createAuditLog } from '../access/audit.js';
import { createTokenVerifier } from '../access/token.js';
import { createGrpcServer } from '../grpc/server.js';
import type { Logger } from '../log/logger.js';
import { migrate } from '../storage/migrations.js';
import { scheduleRetention } from '../storage/retention-schedule.js';
import type { Infrastructure } from './infrastructure.js';
import type { ServiceDefinition } from './service.js';
import { busTopicsFor } from './topics.js';

export interface ServiceOptions {
  host: string;
  /** 0 picks a free port. */
  grpcPort: number;
  httpPort: number;
  /** How often old rows are dropped per each table's retention (default hourly). */
  retentionIntervalMs?: number;
}

export interface RunningService {
  name: string;
  definition: ServiceDefinition;
  grpcPort: number;
  httpPort: number;
  /** Stops gRPC, then HTTP, then the service's consumers and retention; the shared infrastructure stays up. */
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
  options: ServiceOptions,
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
  const retention = scheduleRetention(db, logger, options.retentionIntervalMs ?? 3_600_000);
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
  const grpcPort = await grpc.start({ host: options.host, port: options.grpcPort });
  await http.listen({ host: options.host, port: options.httpPort });
  const address = http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : options.httpPort;
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
      await retention.stop();
      logger.info('service stopped');
    },
  };
}
