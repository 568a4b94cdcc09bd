-- Signal service tables. Everything is about intersections, detectors and signal timing. Buses are
-- fleet vehicles identified by their fleet id and trip; no person is identified anywhere here.
-- Every write is keyed so that a redelivered event or a repeated computation lands on the row it
-- already wrote (at-least-once delivery never duplicates rows).

-- Validated detector counts, one row per detector and counting interval: the input of the
-- controller and of the performance measures.
CREATE TABLE IF NOT EXISTS detector_counts (
  intersection_id  text             NOT NULL,
  detector_id      text             NOT NULL,
  interval_start   timestamptz      NOT NULL,
  interval_s       double precision NOT NULL CHECK (interval_s > 0),
  volume           integer          NOT NULL CHECK (volume >= 0),
  occupancy_ratio  double precision NOT NULL CHECK (occupancy_ratio BETWEEN 0 AND 1),
  -- Data-quality flags that applied (e.g. OUTLIER while an implausible-volume alarm is active).
  flags            text[]           NOT NULL DEFAULT '{}',
  event_id         text             NOT NULL,
  PRIMARY KEY (intersection_id, detector_id, interval_start)
);
SELECT mobility_create_hypertable('detector_counts', 'interval_start', interval '1 day');
SELECT mobility_set_retention('detector_counts', interval '400 days');

-- High-resolution controller event log in the spirit of the ATSPM "Indiana" event log: every
-- interval change (green, yellow, red clearance per stage) and every detector interval, plus
-- priority grants and overrides, at the instant it happened.
CREATE TABLE IF NOT EXISTS signal_events (
  intersection_id  text        NOT NULL,
  occurred_at      timestamptz NOT NULL,
  -- phase-green | phase-yellow | phase-red-clearance | detector-count | priority-granted |
  -- override-set | override-ended | detector-alarm-raised | detector-alarm-cleared
  event_type       text        NOT NULL,
  -- What the event is about: a stage id, a detector id, a request or override id.
  parameter        text        NOT NULL,
  details          jsonb       NOT NULL DEFAULT '{}',
  PRIMARY KEY (intersection_id, occurred_at, event_type, parameter)
);
SELECT mobility_create_hypertable('signal_events', 'occurred_at', interval '1 day');
SELECT mobility_set_retention('signal_events', interval '400 days');

-- Performance measures per approach and bin, computed from the event log and counts when a bin
-- closes; recomputing a bin overwrites it.
CREATE TABLE IF NOT EXISTS measure_bins (
  intersection_id    text             NOT NULL,
  approach_id        text             NOT NULL,
  bin_start          timestamptz      NOT NULL,
  bin_s              integer          NOT NULL CHECK (bin_s > 0),
  volume             integer          NOT NULL CHECK (volume >= 0),
  arrivals_on_green  double precision NOT NULL CHECK (arrivals_on_green >= 0),
  cycles             integer          NOT NULL CHECK (cycles >= 0),
  split_failures     integer          NOT NULL CHECK (split_failures >= 0),
  green_s            double precision NOT NULL CHECK (green_s >= 0),
  total_delay_veh_s  double precision NOT NULL CHECK (total_delay_veh_s >= 0),
  PRIMARY KEY (intersection_id, approach_id, bin_s, bin_start)
);
SELECT mobility_create_hypertable('measure_bins', 'bin_start', interval '7 days');
SELECT mobility_set_retention('measure_bins', interval '3 years');

-- Transit priority grants with the estimated bus time saved and the cost to other approaches.
CREATE TABLE IF NOT EXISTS priority_grants (
  intersection_id          text             NOT NULL,
  request_id               text             NOT NULL,
  granted_at               timestamptz      NOT NULL,
  vehicle_id               text             NOT NULL,
  trip_id                  text             NOT NULL,
  route_id                 text             NOT NULL,
  approach_id              text             NOT NULL,
  action                   text             NOT NULL CHECK (action IN ('green-extension', 'early-green')),
  adjustment_s             double precision NOT NULL CHECK (adjustment_s >= 0),
  schedule_deviation_s     integer          NOT NULL,
  estimated_time_saved_s   double precision NOT NULL,
  estimated_cross_delay_veh_s double precision NOT NULL,
  explanation              jsonb            NOT NULL,
  PRIMARY KEY (intersection_id, request_id, granted_at)
);
SELECT mobility_create_hypertable('priority_grants', 'granted_at', interval '30 days');
SELECT mobility_set_retention('priority_grants', interval '400 days');

-- Detector alarm episodes: raised, and cleared when the condition ended.
CREATE TABLE IF NOT EXISTS detector_alarms (
  alarm_id         text        NOT NULL,
  intersection_id  text        NOT NULL,
  detector_id      text        NOT NULL,
  kind             text        NOT NULL,
  raised_at        timestamptz NOT NULL,
  cleared_at       timestamptz,
  explanation      jsonb       NOT NULL,
  PRIMARY KEY (alarm_id, raised_at)
);
CREATE INDEX IF NOT EXISTS detector_alarms_open_idx ON detector_alarms (intersection_id) WHERE cleared_at IS NULL;
SELECT mobility_create_hypertable('detector_alarms', 'raised_at', interval '30 days');
SELECT mobility_set_retention('detector_alarms', interval '400 days');

-- Detector counts that were rejected or flagged at ingest, with why.
CREATE TABLE IF NOT EXISTS data_quality_log (
  observed_at      timestamptz NOT NULL,
  input_id         text        NOT NULL,
  intersection_id  text        NOT NULL,
  detector_id      text        NOT NULL,
  action           text        NOT NULL CHECK (action IN ('rejected', 'flagged')),
  reason_code      text        NOT NULL,
  reason           text        NOT NULL,
  flags            text[]      NOT NULL DEFAULT '{}',
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (input_id, observed_at)
);
CREATE INDEX IF NOT EXISTS data_quality_log_intersection_idx ON data_quality_log (intersection_id, observed_at DESC);
SELECT mobility_create_hypertable('data_quality_log', 'observed_at', interval '7 days');
SELECT mobility_set_retention('data_quality_log', interval '400 days');

-- Active operator overrides, so a restarted service resumes them until they expire. One per
-- intersection (a new override replaces the previous one).
CREATE TABLE IF NOT EXISTS active_overrides (
  intersection_id  text        PRIMARY KEY,
  override_id      text        NOT NULL,
  override         jsonb       NOT NULL,
  expires_at       timestamptz NOT NULL
);
