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
});

export type MeshConfig = z.infer<typeof meshEnv>;
