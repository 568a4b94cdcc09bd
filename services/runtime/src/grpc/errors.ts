import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { Logger } from '../log/logger.js';

/**
 * Domain errors carry what went wrong in words a caller can act on; the transport (gRPC status,
 * HTTP status) is chosen here and nowhere else, so domain code never imports @grpc/grpc-js and
 * every service answers the same failure with the same code.
 */
export type DomainErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'UNAVAILABLE';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
}

export class InvalidArgumentError extends DomainError {
  readonly kind = 'INVALID_ARGUMENT';
  override readonly name: string = 'InvalidArgumentError';
}

export class NotFoundError extends DomainError {
  readonly kind = 'NOT_FOUND';
  override readonly name: string = 'NotFoundError';
}

export class AlreadyExistsError extends DomainError {
  readonly kind = 'ALREADY_EXISTS';
  override readonly name: string = 'AlreadyExistsError';
}

/** The request is well-formed but the system is not in a state that allows it (e.g. plan locked). */
export class FailedPreconditionError extends DomainError {
  readonly kind = 'FAILED_PRECONDITION';
  override readonly name: string = 'FailedPreconditionError';
}

/** The caller is known but its role may not do this. */
export class PermissionDeniedError extends DomainError {
  readonly kind = 'PERMISSION_DENIED';
  override readonly name: string = 'PermissionDeniedError';
}

/** The caller could not be identified: no credential, or one that does not verify. */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'UNAUTHENTICATED';
  override readonly name: string = 'UnauthenticatedError';
}

/** A dependency is down; the caller may retry later. */
export class UnavailableError extends DomainError {
  readonly kind = 'UNAVAILABLE';
  override readonly name: string = 'UnavailableError';
}

const GRPC_CODE: Record<DomainErrorKind, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  UNAVAILABLE: status.UNAVAILABLE,
};

const HTTP_STATUS: Record<DomainErrorKind, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  UNAVAILABLE: 503,
};

export function grpcCodeOf(error: DomainError): status {
  return GRPC_CODE[error.kind];
}

export function httpStatusOf(error: DomainError): number {
  return HTTP_STATUS[error.kind];
}

/** True when `error` already is a gRPC status (e.g. a failed downstream call being passed on). */
function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === 'number' &&
    (error as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/**
 * Turns anything a handler threw into the status sent to the client. Domain errors keep their
 * message; anything else becomes INTERNAL with a generic message, because an unexpected error's text
 * (SQL, stack, connection strings) is for the log, not for the caller.
 */
export function toServiceError(error: unknown, logger?: Logger): Partial<ServiceError> {
  if (error instanceof DomainError) {
    return { code: grpcCodeOf(error), details: error.message, message: error.message };
  }
  if (isServiceError(error)) {
    // A downstream call failed: keep its code, but not its trailers, which belong to another hop. An
    // auth failure between services is our fault, not the caller's: telling the caller its token is
    // bad would send it looking in the wrong place.
    if (error.code === status.UNAUTHENTICATED || error.code === status.PERMISSION_DENIED) {
      logger?.error({ err: error }, "downstream call rejected this service's credentials");
      return { code: status.INTERNAL, details: 'internal error', message: 'internal error' };
    }
    return { code: error.code, details: error.details, message: error.details };
  }
  logger?.error({ err: error }, 'unexpected error in gRPC handler');
  return { code: status.INTERNAL, details: 'internal error', message: 'internal error' };
}
