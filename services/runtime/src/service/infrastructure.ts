import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';
import { createEmbeddedBus } from '../bus/embedded.js';
import { createKafkaBus } from '../bus/kafka.js';
import type { EventBus } from '../bus/port.js';
import { env } from '../config/config.js';
import { createMemoryHotState, createRedisHotState, type HotState } from '../hot-state/index.js';
import type { Logger } from '../log/logger.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../storage/embedded.js';
import { createPool } from '../storage/pool.js';

/**
 * The variables that choose between the two runtime modes, per component: with KAFKA_BROKERS,
 * DATABASE_URL and REDIS_URL set, services use Kafka, PostgreSQL/TimescaleDB and Redis; each one
 * left unset is replaced by its embedded stand-in (in-process bus, PGlite, memory).
 */
export const infrastructureVariables = {
  KAFKA_BROKERS: env.brokerList().optional(),
  DATABASE_URL: env.url(['postgres', 'postgresql']).optional(),
  REDIS_URL: env.url(['redis', 'rediss']).optional(),
  MOBILITY_AUTH_SECRET: env.secret().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.url(['http', 'https']).optional(),
  LOG_LEVEL: env.logLevel(),
};

/** Builds a process's configuration schema: the infrastructure variables plus its own. */
export function withInfrastructure<Shape extends z.ZodRawShape>(own: Shape) {
  return z.object({ ...infrastructureVariables, ...own }).superRefine((parsed, context) => {
    const config = parsed as Partial<Record<keyof typeof infrastructureVariables, unknown>>;
    const real = config.KAFKA_BROKERS || config.DATABASE_URL || config.REDIS_URL;
    // An ephemeral secret would make tokens unverifiable across replicas: real mode needs one.
    if (real && !config.MOBILITY_AUTH_SECRET) {
      context.addIssue({
        code: 'custom',
        path: ['MOBILITY_AUTH_SECRET'],
        message: 'is not set (required whenever real infrastructure is configured)',
      });
    }
  });
}

export type InfrastructureEnv = z.infer<ReturnType<typeof withInfrastructure<Record<never, never>>>>;

export interface Infrastructure {
  mode: { bus: 'kafka' | 'embedded'; storage: 'postgresql' | 'pglite'; hotState: 'redis' | 'memory' };
  bus: EventBus;
  /** The secret tokens are signed with. Generated per run in fully embedded mode (`ephemeral`). */
  auth: { secret: string; ephemeral: boolean };
  /** The pool on the service's own storage: its schema on the real server, its own PGlite otherwise. */
  storageFor(service: string): Promise<Pool>;
  /** The service's hot state, namespaced by its name. The same instance on every call. */
  hotStateFor(service: string): HotState;
  /** Closes in the documented order: producer flush, hot state, pools, embedded databases. */
  close(): Promise<void>;
}

export async function connectInfrastructure(
  config: InfrastructureEnv,
  { clientId, logger }: { clientId: string; logger: Logger },
): Promise<Infrastructure> {
  const bus = config.KAFKA_BROKERS
    ? await createKafkaBus({
        brokers: config.KAFKA_BROKERS,
        clientId,
        logger: logger.child({ component: 'kafka' }),
      })
    : createEmbeddedBus({ logger: logger.child({ component: 'bus' }) });

  const pools = new Map<string, Promise<Pool>>();
  const embeddedDatabases: EmbeddedPostgres[] = [];
  const hotStates = new Map<string, HotState>();

  const openStorage = async (service: string): Promise<Pool> => {
    assertIdentifier(service);
    if (config.DATABASE_URL) {
      // Each service owns one schema; `public` stays on the path for extension functions.
      const setup = createPool(config.DATABASE_URL, { max: 1, applicationName: `${service}-setup`, logger });
      try {
        await setup.query(`CREATE SCHEMA IF NOT EXISTS "${service}"`);
      } finally {
        await setup.end();
      }
      const url = new URL(config.DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${service},public`);
      return createPool(url.toString(), { applicationName: service, logger });
    }
    const database = await startEmbeddedPostgres();
    embeddedDatabases.push(database);
    return createPool(database.url, { max: database.maxConnections, applicationName: service, logger });
  };

  const storageFor = (service: string): Promise<Pool> => {
    let pool = pools.get(service);
    if (!pool) {
      pool = openStorage(service);
      pools.set(service, pool);
    }
    return pool;
  };

  const hotStateFor = (service: string): HotState => {
    let hotState = hotStates.get(service);
    if (!hotState) {
      hotState = config.REDIS_URL
        ? createRedisHotState(config.REDIS_URL, { namespace: service })
        : createMemoryHotState({ namespace: service });
      hotStates.set(service, hotState);
    }
    return hotState;
  };

  return {
    mode: {
      bus: config.KAFKA_BROKERS ? 'kafka' : 'embedded',
      storage: config.DATABASE_URL ? 'postgresql' : 'pglite',
      hotState: config.REDIS_URL ? 'redis' : 'memory',
    },
    bus,
    auth: config.MOBILITY_AUTH_SECRET
      ? { secret: config.MOBILITY_AUTH_SECRET, ephemeral: false }
      : { secret: randomBytes(32).toString('base64url'), ephemeral: true },
    storageFor,
    hotStateFor,
    close: async () => {
      await bus.close();
      await Promise.allSettled([...hotStates.values()].map((hotState) => hotState.close()));
      await Promise.allSettled([...pools.values()].map(async (pool) => (await pool).end()));
      await Promise.allSettled(embeddedDatabases.map((database) => database.close()));
    },
  };
}

function assertIdentifier(name: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    throw new Error(`service name ${name} must be a lower-case identifier`);
}
