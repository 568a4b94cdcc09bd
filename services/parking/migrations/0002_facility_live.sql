-- The authoritative live state per facility (the full LiveOccupancy as JSON), written in the same
-- transaction as the history row under a per-facility advisory lock. Replicas read the previous
-- state from here, not from hot state, so concurrent consumers on different pods cannot lose an
-- update. `revision` grows by one per write: hot state keeps only the highest revision it has seen.
CREATE TABLE IF NOT EXISTS facility_live (
  facility_id  text        PRIMARY KEY,
  state        jsonb       NOT NULL,
  revision     bigint      NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
