import Fastify from 'fastify';
import { createAuditLog } from '../access/audit.js';
import { createTokenVerifier } from '../access/token.js';
import { namespacedBus } from '../bus/namespace.js';
import type { EventBus } from '../bus/port.js';
import { createGrpcServer } from '../grpc/server.js';
import type { Logger } from '../log/logger.js';
import { migrate } from '../storage/migrations.js';
import { scheduleRetention } from '../storage/retention-schedule.js';
import { type Clock, systemClock } from '../util/clock.js';
import { createEventTimeClock } from './event-time-clock.js';
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
  /** The clock the service acts on (default: the wall clock; event time in a replay namespace). */
  clock?: Clock;
  /**
   * Runs the service inside a topic namespace (e.g. `replay.<run-id>`, see namespacedBus): its
   * topics, consumer groups and dead letters are prefixed, and it gets its own schema and hot-state
   * namespace, so nothing it does touches the live service's data. In a `replay.` namespace the
   * default clock follows the event time of the replayed inputs.
   */
  namespace?: string;
}

/** Prefix of the namespaces replays publish into. */
export const REPLAY_NAMESPACE_PREFIX = 'replay.';

/** Schema (and hot-state namespace) of a service inside a topic namespace: `replay_r1_parking`. */
export function namespacedServiceName(namespace: string, service: string): string {
  return `${namespace.replace(/[.-]/g, '_')}_${service}`;
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
  const { namespace } = options;
  const logger = parentLogger.child({ service: definition.name, ...(namespace ? { namespace } : {}) });
  let clock = options.clock ?? systemClock;
  let bus: EventBus = infrastructure.bus;
  if (namespace) {
    const eventTime =
      !options.clock && namespace.startsWith(REPLAY_NAMESPACE_PREFIX)
        ? createEventTimeClock(systemClock)
        : undefined;
    if (eventTime) clock = eventTime;
    bus = namespacedBus(infrastructure.bus, namespace, eventTime ? { aroundDelivery: eventTime.during } : {});
  }
  const storageName = namespace ? namespacedServiceName(namespace, definition.name) : definition.name;
  await bus.ensureTopics(busTopicsFor([...definition.publishes, ...definition.consumes]));
  const db = await infrastructure.storageFor(storageName);
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
    bus,
    db,
    hotState: infrastructure.hotStateFor(storageName),
    grpc,
    http,
    audit: createAuditLog({ db, logger }),
    verifier,
    clock,
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
      // A namespace view stops only its own leftovers; the shared bus stays up.
      if (bus !== infrastructure.bus) await bus.close();
      logger.info('service stopped');
    },
  };
}
