import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import { DomainError, PermissionDeniedError } from '../grpc/errors.js';
import { unary } from '../grpc/handlers.js';
import type { Logger } from '../log/logger.js';
import { type AuditLog, type AuditOutcome, redactSecrets, requireReason } from './audit.js';
import { principalOf } from './grpc-interceptor.js';
import type { Principal } from './roles.js';

export interface AuditedContext<Req, Res> {
  readonly principal: Principal;
  /** The trimmed, validated reason. */
  readonly reason: string;
  readonly call: ServerUnaryCall<Req, Res>;
}

export interface AuditedOptions<Req> {
  readonly audit: AuditLog;
  readonly reasonOf: (request: Req) => string | undefined;
  readonly targetOf: (request: Req) => string;
  /** Extra facts for the record (new timing, duration); secret-looking keys are redacted anyway. */
  readonly detailsOf?: (request: Req) => Record<string, unknown>;
  readonly logger?: Logger;
}

/**
 * A state-changing unary RPC in one line: the caller must have passed access control, must give a
 * reason (else INVALID_ARGUMENT before anything happens), and the outcome is recorded in the audit
 * log whether the handler succeeds or throws.
 *
 *   setOverride: audited('SetOverride', (req, { principal }) => signals.override(req, principal), {
 *     audit, reasonOf: (req) => req.reason, targetOf: (req) => req.intersectionId,
 *   }),
 *
 * The record is written after the action, so it holds the real outcome. If that write fails the
 * action has already happened: the response still goes out and the full entry is logged at error
 * level (the log is the audit trail's second copy), rather than telling the operator it failed.
 */
export function audited<Req, Res>(
  action: string,
  handler: (request: Req, context: AuditedContext<Req, Res>) => Promise<Res>,
  options: AuditedOptions<Req>,
): handleUnaryCall<Req, Res> {
  return unary<Req, Res>(async (request, call) => {
    const principal = principalOf(call);
    const reason = requireReason(options.reasonOf(request), action);
    const target = options.targetOf(request);
    const details = options.detailsOf?.(request);
    const record = async (outcome: AuditOutcome, error?: unknown) => {
      const errorDetails =
        error === undefined
          ? {}
          : { error: error instanceof DomainError ? `${error.kind}: ${error.message}` : 'internal error' };
      const entry = { principal, action, target, reason, outcome, details: { ...details, ...errorDetails } };
      try {
        await options.audit.record(entry);
      } catch (auditError) {
        options.logger?.error(
          { err: auditError, audit: redactSecrets(entry) },
          `audit record for ${action} could not be written`,
        );
      }
    };
    let response: Res;
    try {
      response = await handler(request, { principal, reason, call });
    } catch (error) {
      await record(error instanceof PermissionDeniedError ? 'denied' : 'failed', error);
      throw error;
    }
    await record('succeeded');
    return response;
  }, options.logger);
}
