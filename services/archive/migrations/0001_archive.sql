-- Archive service tables: every domain event as it crossed the bus, replay runs, and the planner
-- KPI tables the archive derives from known event types at ingest (it never reads another
-- service's tables).

-- One hypertable per retention class of the topic catalogue, so each class is cut by dropping whole
-- chunks (cheap) rather than deleting rows by topic. The unique key is the event's place on the bus
-- (topic, partition, offset) plus the time column, as hypertables require: a redelivered event lands
-- on the row it already wrote. Payloads are stored as the contract encodes them (undeclared fields
-- dropped at ingest), never as arbitrary producer bytes.
CREATE TABLE IF NOT EXISTS archived_events_raw (
  event_time    timestamptz NOT NULL,
  topic         text        NOT NULL,
  "partition"   integer     NOT NULL CHECK ("partition" >= 0),
  "offset"      bigint      NOT NULL CHECK ("offset" >= 0),
  event_key     text        NOT NULL,
  event_type    text        NOT NULL,
  ingest_time   timestamptz NOT NULL,
  payload       bytea       NOT NULL,
  headers       jsonb       NOT NULL DEFAULT '{}',
  UNIQUE (topic, "partition", "offset", event_time)
);
SELECT mobility_create_hypertable('archived_events_raw', 'event_time', interval '1 day');

CREATE TABLE IF NOT EXISTS archived_events_derived (LIKE archived_events_raw INCLUDING ALL);
SELECT mobility_create_hypertable('archived_events_derived', 'event_time', interval '1 day');

CREATE TABLE IF NOT EXISTS archived_events_audit (LIKE archived_events_raw INCLUDING ALL);
SELECT mobility_create_hypertable('archived_events_audit', 'event_time', interval '7 days');

-- Defaults; the service re-applies ARCHIVE_RETENTION_<CLASS> at start when set. Kafka keeps days
-- (transport); the archive is the history planners study, so it keeps much longer.
SELECT mobility_set_retention('archived_events_raw', interval '90 days');
SELECT mobility_set_retention('archived_events_derived', interval '400 days');
SELECT mobility_set_retention('archived_events_audit', interval '7 years');

-- Every archived event whatever its class: what replays read.
CREATE OR REPLACE VIEW archived_events AS
  SELECT 'raw'::text AS retention_class, * FROM archived_events_raw
  UNION ALL SELECT 'derived', * FROM archived_events_derived
  UNION ALL SELECT 'audit', * FROM archived_events_audit;

-- Replay runs: their window, speed, state and how far they got. `cursor` holds the last offset
-- published per topic-partition, so pause/resume (even in another process) continues exactly there.
CREATE TABLE IF NOT EXISTS replay_runs (
  run_id            text PRIMARY KEY CHECK (run_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  window_from       timestamptz NOT NULL,
  window_to         timestamptz NOT NULL CHECK (window_to > window_from),
  topics            text[]      NOT NULL,
  speed             double precision NOT NULL CHECK (speed >= 0),
  state             text        NOT NULL CHECK (state IN ('pending', 'running', 'paused', 'completed', 'cancelled', 'failed')),
  total_events      bigint      NOT NULL DEFAULT 0,
  published_events  bigint      NOT NULL DEFAULT 0,
  replayed_until    timestamptz,
  cursor            jsonb       NOT NULL DEFAULT '{}',
  requested_by      text        NOT NULL,
  reason            text        NOT NULL,
  error             text        NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS replay_runs_created_idx ON replay_runs (created_at DESC);

-- ---- KPI tables, derived at ingest --------------------------------------------------------------

-- First observation of each trip run at each stop (from avl.position-matched): the actual arrival
-- that on-time performance, headways and prediction accuracy are measured against. Keyed by the
-- trip run so a redelivered or later observation never adds a second arrival; the earliest wins.
CREATE TABLE IF NOT EXISTS kpi_stop_arrivals (
  service_date        date        NOT NULL,
  trip_id             text        NOT NULL,
  stop_sequence       integer     NOT NULL,
  route_id            text        NOT NULL,
  direction_id        integer     NOT NULL,
  stop_id             text        NOT NULL,
  vehicle_id          text        NOT NULL,
  arrived_at          timestamptz NOT NULL,
  schedule_deviation_s integer    NOT NULL,
  PRIMARY KEY (trip_id, stop_sequence, service_date)
);
CREATE INDEX IF NOT EXISTS kpi_stop_arrivals_route_idx ON kpi_stop_arrivals (route_id, arrived_at);
SELECT mobility_create_hypertable('kpi_stop_arrivals', 'service_date', interval '7 days');
SELECT mobility_set_retention('kpi_stop_arrivals', interval '400 days');

-- Stop-level arrival predictions as published (avl.trip-prediction), up to the 30 min horizon the
-- accuracy bins cover.
CREATE TABLE IF NOT EXISTS kpi_predictions (
  issued_at           timestamptz NOT NULL,
  service_date        date        NOT NULL,
  trip_id             text        NOT NULL,
  stop_sequence       integer     NOT NULL,
  route_id            text        NOT NULL,
  predicted_arrival   timestamptz NOT NULL,
  PRIMARY KEY (trip_id, service_date, stop_sequence, issued_at)
);
SELECT mobility_create_hypertable('kpi_predictions', 'issued_at', interval '1 day');
SELECT mobility_set_retention('kpi_predictions', interval '400 days');

-- Headway alerts (avl.headway-alert): bunching and gaps raised per route.
CREATE TABLE IF NOT EXISTS kpi_headway_alerts (
  observed_at  timestamptz NOT NULL,
  alert_id     text        NOT NULL,
  route_id     text        NOT NULL,
  condition    text        NOT NULL CHECK (condition IN ('bunching', 'gap', 'unspecified')),
  state        text        NOT NULL CHECK (state IN ('raised', 'cleared', 'unspecified')),
  PRIMARY KEY (alert_id, state, observed_at)
);
SELECT mobility_create_hypertable('kpi_headway_alerts', 'observed_at', interval '7 days');
SELECT mobility_set_retention('kpi_headway_alerts', interval '400 days');

-- Signal intervals (signal.phase-changed): the intersection shows `color` from started_at until its
-- next change.
CREATE TABLE IF NOT EXISTS kpi_signal_intervals (
  started_at       timestamptz NOT NULL,
  intersection_id  text        NOT NULL,
  green            boolean     NOT NULL,
  PRIMARY KEY (intersection_id, started_at)
);
SELECT mobility_create_hypertable('kpi_signal_intervals', 'started_at', interval '1 day');
SELECT mobility_set_retention('kpi_signal_intervals', interval '400 days');

-- Detector volumes (signal.detector-count) per counting interval.
CREATE TABLE IF NOT EXISTS kpi_detector_counts (
  interval_start   timestamptz NOT NULL,
  intersection_id  text        NOT NULL,
  detector_id      text        NOT NULL,
  interval_s       double precision NOT NULL CHECK (interval_s > 0),
  volume           integer     NOT NULL CHECK (volume >= 0),
  PRIMARY KEY (intersection_id, detector_id, interval_start)
);
SELECT mobility_create_hypertable('kpi_detector_counts', 'interval_start', interval '1 day');
SELECT mobility_set_retention('kpi_detector_counts', interval '400 days');

-- Validated facility occupancy (parking.occupancy-changed): holds until the next change.
CREATE TABLE IF NOT EXISTS kpi_parking_occupancy (
  observed_at  timestamptz NOT NULL,
  facility_id  text        NOT NULL,
  occupied     integer     NOT NULL CHECK (occupied >= 0),
  capacity     integer     NOT NULL CHECK (capacity > 0),
  PRIMARY KEY (facility_id, observed_at)
);
SELECT mobility_create_hypertable('kpi_parking_occupancy', 'observed_at', interval '7 days');
SELECT mobility_set_retention('kpi_parking_occupancy', interval '400 days');
