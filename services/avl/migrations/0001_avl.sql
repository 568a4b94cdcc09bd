-- AVL service tables. Vehicles are fleet numbers, never people: driver or operator ids are dropped
-- at ingest and have no column to land in.

-- Matched (or unmatched) positions, one row per accepted ping. The primary key is the idempotency
-- key: a redelivered ping lands on the row it already wrote (INSERT ... ON CONFLICT DO NOTHING).
CREATE TABLE IF NOT EXISTS vehicle_positions (
  vehicle_id            text             NOT NULL CHECK (btrim(vehicle_id) <> ''),
  observed_at           timestamptz      NOT NULL,
  received_at           timestamptz      NOT NULL,
  lat                   double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon                   double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  bearing_deg           real,
  speed_mps             real,
  source                smallint         NOT NULL,
  match_status          smallint         NOT NULL,
  trip_id               text,
  route_id              text,
  direction_id          smallint,
  start_date            text,
  shape_dist_m          double precision,
  off_shape_m           real,
  stop_sequence         integer,
  stop_id               text,
  stop_status           smallint,
  schedule_deviation_s  integer,
  match_confidence      real,
  PRIMARY KEY (vehicle_id, observed_at)
);
CREATE INDEX IF NOT EXISTS vehicle_positions_trip_idx ON vehicle_positions (trip_id, observed_at DESC);
SELECT mobility_create_hypertable('vehicle_positions', 'observed_at', interval '1 day');
-- Fleet positions are operational records; a year covers seasonal travel-time learning and audits.
SELECT mobility_set_retention('vehicle_positions', interval '400 days');

-- Stop-level predictions as issued: one row per (trip run, stop, issue time) so accuracy can be
-- measured afterwards against the positions. Keyed on the vehicle and issue time as well, which
-- makes a re-issued prediction from a redelivered ping idempotent.
CREATE TABLE IF NOT EXISTS stop_predictions (
  vehicle_id            text        NOT NULL,
  issued_at             timestamptz NOT NULL,
  trip_id               text        NOT NULL,
  start_date            text        NOT NULL,
  route_id              text        NOT NULL,
  stop_sequence         integer     NOT NULL,
  stop_id               text        NOT NULL,
  predicted_arrival     timestamptz,
  predicted_departure   timestamptz,
  scheduled_arrival     timestamptz,
  scheduled_departure   timestamptz,
  uncertainty_s         integer,
  PRIMARY KEY (vehicle_id, issued_at, trip_id, start_date, stop_sequence)
);
CREATE INDEX IF NOT EXISTS stop_predictions_trip_idx ON stop_predictions (trip_id, start_date, issued_at DESC);
SELECT mobility_create_hypertable('stop_predictions', 'issued_at', interval '1 day');
SELECT mobility_set_retention('stop_predictions', interval '90 days');

-- Rider-facing service alerts authored by operators through gRPC (published in alerts.pb). The
-- contract's canonical JSON keeps fields added to the .proto without a migration. A deleted alert
-- is kept (deleted_at set) so the audit trail can point at what was withdrawn.
CREATE TABLE IF NOT EXISTS service_alerts (
  alert_id     text        PRIMARY KEY,
  alert        jsonb       NOT NULL,
  created_at   timestamptz NOT NULL,
  created_by   text        NOT NULL,
  deleted_at   timestamptz,
  deleted_by   text
);

-- The static GTFS feed the service runs on: which version and what was wrong with it, per file
-- and line, so an agency can fix its feed.
CREATE TABLE IF NOT EXISTS gtfs_feeds (
  content_hash  text        PRIMARY KEY,
  feed_version  text,
  loaded_at     timestamptz NOT NULL,
  agencies      integer     NOT NULL,
  routes        integer     NOT NULL,
  trips         integer     NOT NULL,
  stops         integer     NOT NULL,
  stop_times    integer     NOT NULL,
  issues        jsonb       NOT NULL
);

-- Summaries of the current feed for queries and joins by planners (the in-memory network is what
-- matching runs on). Replaced as a whole when another feed is loaded.
CREATE TABLE IF NOT EXISTS gtfs_routes (
  route_id      text PRIMARY KEY,
  agency_id     text,
  short_name    text,
  long_name     text,
  route_type    integer NOT NULL
);
CREATE TABLE IF NOT EXISTS gtfs_stops (
  stop_id       text PRIMARY KEY,
  stop_name     text NOT NULL,
  lat           double precision NOT NULL,
  lon           double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS gtfs_trips (
  trip_id       text PRIMARY KEY,
  route_id      text NOT NULL,
  service_id    text NOT NULL,
  direction_id  smallint,
  block_id      text,
  shape_id      text,
  headsign      text
);
