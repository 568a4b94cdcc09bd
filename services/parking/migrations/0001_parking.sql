-- Parking service tables. Everything here is about car parks and bays, never about drivers or
-- vehicles: a plate or other vehicle identifier is dropped at decode and has no column to land in.

-- Facilities (off-street car parks and on-street zones). The full description is kept as the
-- contract's canonical JSON (Facility.toJSON), so a field added to the .proto survives a round trip
-- without a migration; the columns beside it are what queries filter and sort on.
CREATE TABLE IF NOT EXISTS facilities (
  facility_id          text PRIMARY KEY CHECK (btrim(facility_id) <> ''),
  name                 text NOT NULL,
  kind                 smallint NOT NULL,
  lat                  double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon                  double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  capacity             integer NOT NULL CHECK (capacity > 0),
  accessible_capacity  integer NOT NULL DEFAULT 0 CHECK (accessible_capacity >= 0),
  ev_capacity          integer NOT NULL DEFAULT 0 CHECK (ev_capacity >= 0),
  description          jsonb NOT NULL,
  updated_at           timestamptz NOT NULL,
  updated_by           text NOT NULL
);

-- Validated occupancy, one row per accepted reading. The primary key includes the time column
-- (required on a hypertable) and makes a redelivered reading land on the row it already wrote.
CREATE TABLE IF NOT EXISTS occupancy_history (
  facility_id   text        NOT NULL,
  observed_at   timestamptz NOT NULL,
  occupied      integer     NOT NULL CHECK (occupied >= 0),
  capacity      integer     NOT NULL CHECK (capacity > 0 AND occupied <= capacity),
  -- What the source said when it was impossible and had to be clamped.
  raw_occupied  integer,
  source        smallint    NOT NULL,
  flags         text[]      NOT NULL DEFAULT '{}',
  input_id      text        NOT NULL,
  PRIMARY KEY (facility_id, observed_at)
);
SELECT mobility_create_hypertable('occupancy_history', 'observed_at', interval '7 days');
-- Aggregate, non-personal and what forecasts learn from (weekly seasonality wants years for holidays).
SELECT mobility_set_retention('occupancy_history', interval '3 years');

-- Inputs that were clamped or rejected, with why: how dirty each source is, inspectable by planners.
CREATE TABLE IF NOT EXISTS data_quality_log (
  observed_at   timestamptz NOT NULL,
  input_id      text        NOT NULL,
  facility_id   text        NOT NULL,
  topic         text        NOT NULL,
  flags         text[]      NOT NULL CHECK (cardinality(flags) > 0),
  action        text        NOT NULL CHECK (action IN ('clamped', 'rejected', 'accepted')),
  reason        text        NOT NULL,
  raw_occupied  integer,
  raw_capacity  integer,
  used_occupied integer,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (input_id, observed_at)
);
CREATE INDEX IF NOT EXISTS data_quality_log_facility_idx ON data_quality_log (facility_id, observed_at DESC);
SELECT mobility_create_hypertable('data_quality_log', 'observed_at', interval '7 days');
SELECT mobility_set_retention('data_quality_log', interval '400 days');

-- Gate counts are deltas: applying one twice would drift the occupancy. This remembers which were
-- applied so a redelivery is skipped; it only has to outlive the bus's redelivery window.
CREATE TABLE IF NOT EXISTS gate_count_inputs (
  facility_id   text        NOT NULL,
  input_id      text        NOT NULL,
  occurred_at   timestamptz NOT NULL,
  delta         integer     NOT NULL,
  PRIMARY KEY (facility_id, input_id, occurred_at)
);
SELECT mobility_create_hypertable('gate_count_inputs', 'occurred_at', interval '1 day');
SELECT mobility_set_retention('gate_count_inputs', interval '14 days');

-- Latest state per sensed bay; a facility's occupancy from bay sensors is the count of its occupied
-- bays. Only the bay and its sensor's hardware id, never what is parked in it.
CREATE TABLE IF NOT EXISTS bay_state (
  facility_id   text        NOT NULL,
  bay_id        text        NOT NULL,
  state         text        NOT NULL CHECK (state IN ('occupied', 'free', 'fault')),
  category      smallint    NOT NULL,
  sensor_id     text        NOT NULL DEFAULT '',
  observed_at   timestamptz NOT NULL,
  PRIMARY KEY (facility_id, bay_id)
);
