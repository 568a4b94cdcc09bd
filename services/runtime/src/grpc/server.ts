import {
  type ChannelOptions,
  Server,
  ServerCredentials,
  type ServerInterceptor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { type AccessControl, createAccessInterceptor } from '../access/grpc-interceptor.js';
import type { Logger } from '../log/logger.js';

export type { ServingStatus };

export interface GrpcServerOptions {
  readonly logger: Logger;
  /** Token verification and per-method policy; without it every method is open (a warning is logged). */
  readonly accessControl?: AccessControl;
  /** Run after access control, e.g. for metrics. */
  readonly interceptors?: readonly ServerInterceptor[];
  readonly channelOptions?: ChannelOptions;
  /** How long in-flight calls get to finish on shutdown before they are cut. */
  readonly shutdownTimeoutMs?: number;
}

export interface GrpcServer {
  /**
   * Registers a ts-proto service (`XxxService` definition + `XxxServer` implementation) and gives it
   * its own health entry, named by its full proto name (e.g. `mobility.signal.v1.SignalService`).
   */
  addService<Impl extends UntypedServiceImplementation>(
    definition: ServiceDefinition<Impl>,
    implementation: Impl,
  ): void;
  /** Binds host:port (port 0 picks a free one), marks everything SERVING, resolves to the bound port. */
  start(address: { host?: string; port: number }): Promise<number>;
  /** Marks NOT_SERVING, lets in-flight calls finish for up to shutdownTimeoutMs, then cuts the rest. */
  stop(): Promise<void>;
  /** For readiness: e.g. NOT_SERVING while the database is unreachable. `''` is the whole server. */
  setStatus(service: string, status: ServingStatus): void;
  /** Full proto names of the registered services. */
  readonly services: readonly string[];
  /** The underlying grpc-js server, for what this wrapper does not cover. */
  readonly server: Server;
}

/** `/mobility.signal.v1.SignalService/SetOverride` -> `mobility.signal.v1.SignalService`. */
export function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error('a gRPC service definition needs at least one method');
  return first.path.slice(1, first.path.lastIndexOf('/'));
}

function bindAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A grpc-js server with the standard grpc.health.v1.Health service always on it, so kubelet probes
 * and the mesh's own checks work the same for every service.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const { logger } = options;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const interceptors = [
    ...(options.accessControl ? [createAccessInterceptor(options.accessControl, logger)] : []),
    ...(options.interceptors ?? []),
  ];
  if (!options.accessControl) logger.warn('gRPC server has no access control: every method is open');

  const server = new Server({ ...options.channelOptions, interceptors });
  // Nothing is SERVING until start() has bound the port: a probe must not pass on a half-built server.
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  const services: string[] = [];
  let state: 'idle' | 'started' | 'stopped' = 'idle';

  const setAll = (status: ServingStatus) => {
    for (const name of ['', ...services]) health.setStatus(name, status);
  };

  return {
    server,
    services,
    setStatus: (service, status) => health.setStatus(service, status),

    addService(definition, implementation) {
      if (state !== 'idle') throw new Error('add gRPC services before start()');
      const name = serviceNameOf(definition);
      server.addService(definition, implementation);
      services.push(name);
      health.setStatus(name, 'NOT_SERVING');
    },

    async start({ host = '0.0.0.0', port }) {
      if (state !== 'idle') throw new Error(`gRPC server cannot start: it is ${state}`);
      const bound = await new Promise<number>((resolve, reject) => {
        server.bindAsync(bindAddress(host, port), ServerCredentials.createInsecure(), (error, actual) =>
          error ? reject(error) : resolve(actual),
        );
      });
      state = 'started';
      setAll('SERVING');
      logger.info({ host, port: bound, services }, 'gRPC server listening');
      return bound;
    },

    async stop() {
      if (state === 'stopped') return;
      const wasStarted = state === 'started';
      state = 'stopped';
      // Tell health watchers first, so load balancers stop routing here while calls drain.
      setAll('NOT_SERVING');
      if (!wasStarted) {
        server.forceShutdown();
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ shutdownTimeoutMs }, 'gRPC calls still running at shutdown timeout: cutting them');
          server.forceShutdown();
          resolve();
        }, shutdownTimeoutMs);
        timer.unref();
        server.tryShutdown((error) => {
          clearTimeout(timer);
          if (error) {
            logger.warn({ err: error }, 'gRPC graceful shutdown failed: forcing');
            server.forceShutdown();
          }
          resolve();
        });
      });
      logger.info('gRPC server stopped');
    },
  };
}
