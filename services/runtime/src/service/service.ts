import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { AuditLog } from '../access/audit.js';
import type { AccessPolicy } from '../access/policy.js';
import type { TokenVerifier } from '../access/token.js';
import type { EventBus } from '../bus/port.js';
import type { GrpcServer } from '../grpc/server.js';
import type { HotState } from '../hot-state/index.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';

/**
 * What a service of the mesh declares about itself. The runtime does the rest the same way for
 * every service: connects infrastructure, runs its migrations, builds the gRPC server (with health
 * and access control) and the HTTP server, starts it, and shuts it down in order.
 */
export interface ServiceDefinition {
  /** Short lower-case name: avl, signal, parking, routing. Also its database schema and key namespace. */
  name: string;
  description: string;
  /** Topics it writes and reads (names from the contract catalogue), shown on the status page. */
  publishes: readonly string[];
  consumes: readonly string[];
  /** Folder of its own `NNNN_name.sql` migrations. */
  migrationsDir?: string;
  /** Which roles may call each of its gRPC methods; anything unlisted is denied. */
  accessPolicy: AccessPolicy;
  /** Wiring only: build the service from its dependencies; no sockets opened yet. */
  create(context: ServiceContext): ServiceApp | Promise<ServiceApp>;
}

/** Everything a service gets from the runtime. */
export interface ServiceContext {
  name: string;
  logger: Logger;
  bus: EventBus;
  /** Its own schema (real PostgreSQL/TimescaleDB) or its own embedded database (PGlite). */
  db: Pool;
  hotState: HotState;
  grpc: GrpcServer;
  http: FastifyInstance;
  audit: AuditLog;
  /** For HTTP routes: `http.addHook('onRequest', requireRole([...], verifier))`. */
  verifier: TokenVerifier;
  /** The time to act on: the wall clock, or a simulated one when the mesh runs accelerated. */
  clock: Clock;
}

export interface ServiceApp {
  /** Starts consumers and background work; gRPC and HTTP are already listening. */
  start?(): Promise<void>;
  /** Stops consumers (leaving their groups) and background work. */
  stop?(): Promise<void>;
}
