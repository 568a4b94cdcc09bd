import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '../log/logger.js';
import { toServiceError } from './errors.js';

/** A unary handler written as an async function: return the response or throw a DomainError. */
export type AsyncUnaryHandler<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>;

/**
 * Adapts an async handler to the callback form grpc-js (and ts-proto's `XxxServer` interfaces)
 * expect, mapping thrown errors to gRPC statuses in one place (toServiceError).
 */
export function unary<Req, Res>(
  handler: AsyncUnaryHandler<Req, Res>,
  logger?: Logger,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request, call).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toServiceError(error, logger)),
    );
  };
}
