import {
  type Client,
  makeGenericClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { service as healthService, type ServingStatus } from 'grpc-health-check';
import { createClient } from './client.js';

// grpc-health-check loads its bundled health.proto with proto-loader; the result has the shape of a
// grpc-js ServiceDefinition, only typed by proto-loader's own (structurally equal) declaration.
const HealthClient = makeGenericClientConstructor(
  healthService as unknown as ServiceDefinition,
  'grpc.health.v1.Health',
);

interface HealthClientMethods extends Client {
  Check(
    request: { service: string },
    callback: (error: ServiceError | null, response?: { status: ServingStatus | 'SERVICE_UNKNOWN' }) => void,
  ): unknown;
}

export type HealthStatus = ServingStatus | 'SERVICE_UNKNOWN';

/**
 * One grpc.health.v1.Health/Check: resolves to the serving status of `service` ('' = the whole
 * server), rejects with the gRPC error (NOT_FOUND for an unknown service, UNAVAILABLE when nothing
 * listens, DEADLINE_EXCEEDED when it does not answer in time). The channel is closed afterwards.
 */
export async function healthCheck(
  address: string,
  options: { service?: string; deadlineMs?: number } = {},
): Promise<HealthStatus> {
  const client = createClient(
    HealthClient as unknown as new (
      ...args: ConstructorParameters<typeof HealthClient>
    ) => HealthClientMethods,
    address,
    {
      defaultDeadlineMs: options.deadlineMs ?? 1000,
    },
  );
  try {
    return await new Promise<HealthStatus>((resolve, reject) => {
      client.Check({ service: options.service ?? '' }, (error, response) =>
        error || !response ? reject(error ?? new Error('empty health response')) : resolve(response.status),
      );
    });
  } finally {
    client.close();
  }
}
