-- Audit trail of state-changing actions (signal overrides, alarm acknowledgements, ...), written by
-- createAuditLog in src/access/audit.ts. Append-only: the runtime only ever INSERTs.
-- No primary key: on a hypertable every unique index must include the time column, and nothing
-- looks rows up by identity; queries go by time window and by target.
CREATE TABLE IF NOT EXISTS audit_log (
  at        timestamptz NOT NULL DEFAULT now(),
  subject   text        NOT NULL,
  role      text        NOT NULL CHECK (role IN ('operator', 'agency', 'planner', 'public')),
  action    text        NOT NULL,
  target    text        NOT NULL,
  -- An unexplained change of live state is refused before it reaches here; the constraint makes
  -- sure no other writer can slip one in.
  reason    text        NOT NULL CHECK (btrim(reason) <> ''),
  outcome   text        NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'denied')),
  details   jsonb,
  trace_id  text
);

CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
-- "What happened to intersection 42 last week": target first, newest first.
CREATE INDEX IF NOT EXISTS audit_log_target_at_idx ON audit_log (target, at DESC);

SELECT mobility_create_hypertable('audit_log', 'at', interval '7 days');
SELECT mobility_set_retention('audit_log', interval '400 days');
