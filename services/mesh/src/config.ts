import { env, withInfrastructure } from '@mobility/runtime';
import { z } from 'zod';

/** The mesh process: infrastructure variables plus where it listens. */
export const meshEnv = withInfrastructure({
  /** The status page. */
  MESH_HTTP_PORT: env.port(8080),
  /** Service i (in SERVICES order) listens for gRPC on base + i and for HTTP on base + i. */
  MESH_GRPC_BASE_PORT: env.port(50051),
  MESH_HTTP_BASE_PORT: env.port(8081),
  /** Loopback by default: the embedded mesh is a local tool, not a public server. */
  BIND_HOST: z.string().default('127.0.0.1'),
  /**
   * Which registered services run inside this process: `all` (default), `none` (in Kubernetes,
   * where each runs in its own pod and this process only serves the status page), or a list.
   */
  MESH_SERVICES: z
    .string()
    .default('all')
    .transform((value): 'all' | string[] =>
      value === 'all' ? 'all' : value === 'none' ? [] : value.split(',').map((name) => name.trim()),
    ),
  /** Services running elsewhere whose health the status page checks: `name=host:port,...`. */
  MESH_REMOTE_SERVICES: z
    .string()
    .default('')
    .transform((value) => (value ? value.split(',').map((entry) => entry.trim().split('=')) : []))
    .refine(
      (pairs) =>
        pairs.every(
          (pair) =>
            pair.length === 2 &&
            /^[a-z][a-z0-9_]*$/.test(pair[0] ?? '') &&
            /^[\w.-]+:\d{1,5}$/.test(pair[1] ?? ''),
        ),
      {
        message: 'must be a comma-separated list of name=host:port',
      },
    )
    .transform((pairs) =>
      pairs.map(([name, address]) => ({ name: name as string, address: address as string })),
    ),
});

export type MeshConfig = z.infer<typeof meshEnv>;
