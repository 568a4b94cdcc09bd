import { type handleUnaryCall, type ServiceError, status } from '@grpc/grpc-js';
import { type Logger, toServiceError } from '@mobility/runtime';
import { PlanningError, type PlanningErrorCode } from '../domain/index.js';

/**
 * Status of each planning failure. The runtime's DomainError kinds have no OUT_OF_RANGE, which is
 * the precise code for a date outside the feed (valid request, may succeed once a newer feed is
 * loaded), so planning errors are mapped here rather than squeezed into FAILED_PRECONDITION.
 */
const PLANNING_STATUS: Record<PlanningErrorCode, status> = {
  'unknown-place': status.NOT_FOUND,
  'outside-network': status.INVALID_ARGUMENT,
  'date-outside-feed': status.OUT_OF_RANGE,
  'invalid-request': status.INVALID_ARGUMENT,
};

export function planningStatusOf(error: PlanningError): status {
  return PLANNING_STATUS[error.code];
}

export function toRoutingServiceError(error: unknown, logger?: Logger): Partial<ServiceError> {
  if (error instanceof PlanningError) {
    return { code: planningStatusOf(error), details: error.message, message: error.message };
  }
  return toServiceError(error, logger);
}

/** The runtime's `unary` adapter, plus the planning errors above. */
export function routingUnary<Req, Res>(
  handler: (request: Req) => Promise<Res>,
  logger?: Logger,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toRoutingServiceError(error, logger)),
    );
  };
}
