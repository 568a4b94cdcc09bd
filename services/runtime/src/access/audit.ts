import { trace } from '@opentelemetry/api';
import { InvalidArgumentError } from '../grpc/errors.js';
import type { Logger } from '../log/logger.js';
import type { Principal } from './roles.js';

/** The smallest database surface the audit log needs; a pg Pool or Client fits. */
export interface AuditDatabase {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

export type AuditOutcome = 'succeeded' | 'failed' | 'denied';

export interface AuditEntry {
  readonly principal: Principal;
  /** The operation, e.g. the RPC name `SetOverride`. */
  readonly action: string;
  /** What it acted on, e.g. an intersection id. */
  readonly target: string;
  /** Why, in the operator's words. Required: an unexplained change of live state is refused. */
  readonly reason: string | undefined;
  readonly outcome: AuditOutcome;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Defaults to the active OpenTelemetry trace, so the record links to the trace of the call. */
  readonly traceId?: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export const MAX_REASON_LENGTH = 1000;

/** The trimmed reason, or InvalidArgumentError naming the action that needs one. */
export function requireReason(reason: string | undefined, action: string): string {
  const trimmed = reason?.trim() ?? '';
  if (trimmed === '') throw new InvalidArgumentError(`${action} changes live state and needs a reason`);
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw new InvalidArgumentError(`${action} reason is longer than ${MAX_REASON_LENGTH} characters`);
  }
  return trimmed;
}

const SECRET_KEY = /authori[sz]ation|token|secret|password|passwd|credential|api[-_]?key|cookie/i;
// Three base64url segments starting with `{"`: a JWT pasted into free text (e.g. a reason).
const JWT_SHAPE = /eyJ[\w-]*\.[\w-]+\.[\w-]+/g;
const REDACTED = '[redacted]';

/** Copies `value` with secret-looking keys and JWT-shaped strings replaced, so none reach the table. */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(JWT_SHAPE, REDACTED);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_KEY.test(key) ? REDACTED : redactSecrets(inner),
      ]),
    );
  }
  return value;
}

const INSERT = `INSERT INTO audit_log (subject, role, action, target, reason, outcome, details, trace_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;

function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? context.traceId : undefined;
}

/**
 * Append-only audit trail of state-changing actions in the `audit_log` table (migration
 * 0002_audit_log.sql). `record` refuses an entry without a reason before touching the database.
 */
export function createAuditLog({ db, logger }: { db: AuditDatabase; logger: Logger }): AuditLog {
  return {
    async record(entry) {
      const reason = requireReason(entry.reason, entry.action);
      const row = {
        subject: entry.principal.subject,
        role: entry.principal.role,
        action: entry.action,
        target: redactSecrets(entry.target) as string,
        reason: redactSecrets(reason) as string,
        outcome: entry.outcome,
        details: entry.details === undefined ? null : redactSecrets(entry.details),
        trace_id: entry.traceId ?? activeTraceId() ?? null,
      };
      await db.query(INSERT, [
        row.subject,
        row.role,
        row.action,
        row.target,
        row.reason,
        row.outcome,
        row.details === null ? null : JSON.stringify(row.details),
        row.trace_id,
      ]);
      // The log line is a second copy: it survives even if the table is lost or lagging in replicas.
      logger.info(
        { audit: row },
        `audit: ${row.subject} (${row.role}) ${row.action} ${row.target}: ${row.outcome}`,
      );
    },
  };
}
