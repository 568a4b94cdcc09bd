-- Shared by every service: the same migration SQL must run on TimescaleDB, on plain PostgreSQL and
-- on PGlite (embedded mode). Services never call Timescale functions directly; they call the
-- mobility_* functions below, which use Timescale when the extension is installed and fall back to
-- plain tables (plus the index Timescale would have made) when it is not.

DO $$
BEGIN
  -- Both checks matter: where the package is installed but the library is not preloaded (a plain
  -- PostgreSQL cluster on a machine that also runs a Timescale one), CREATE EXTENSION raises a FATAL
  -- error that ends the session, which no exception handler can catch.
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     AND coalesce(current_setting('shared_preload_libraries', true), '') ~ '(^|[\s,"])timescaledb([\s,"]|$)'
  THEN
    BEGIN
      -- In public, which every service's search_path ends with: services own one schema each, and
      -- the extension (one per database) must be visible from all of them.
      CREATE EXTENSION IF NOT EXISTS timescaledb WITH SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
      -- Preloaded but not creatable here (no privilege, say): the service still works on plain
      -- tables, and storageCapabilities() reports timescale = false.
      RAISE WARNING 'timescaledb is available but could not be enabled: %', SQLERRM;
    END;
  END IF;
END
$$;

-- Tables declared as time series through mobility_create_hypertable, with their time column, so
-- retention knows which column to cut on. Names are stored as text (schema-qualified, quoted as
-- needed) rather than regclass: a dropped table then leaves a harmless row instead of a dangling oid.
CREATE TABLE IF NOT EXISTS mobility_time_series (
  table_name text PRIMARY KEY,
  time_column name NOT NULL,
  chunk_interval interval NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now()
);

-- How long each data class is kept. enforceRetention() (TypeScript) reads this: the Apache-only
-- TimescaleDB build has no retention policies, and PGlite has no Timescale at all.
CREATE TABLE IF NOT EXISTS mobility_retention (
  table_name text PRIMARY KEY,
  time_column name NOT NULL,
  keep interval NOT NULL CHECK (keep > interval '0'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION mobility_create_hypertable(
  table_name regclass,
  time_column name,
  chunk_interval interval DEFAULT interval '1 day'
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  qualified text := table_name::text;
  is_hypertable boolean := false;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_attribute a
    WHERE a.attrelid = table_name AND a.attname = time_column AND a.attnum > 0 AND NOT a.attisdropped
  ) THEN
    RAISE EXCEPTION 'mobility_create_hypertable: table % has no column %', qualified, time_column;
  END IF;

  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    -- Dynamic SQL: on servers without Timescale, create_hypertable/by_range do not exist and a
    -- static reference would fail when the function body is checked.
    EXECUTE 'SELECT create_hypertable($1, by_range($2, $3), if_not_exists => true, migrate_data => true)'
      USING table_name, time_column, chunk_interval;
    is_hypertable := true;
  ELSE
    -- The same index create_hypertable makes by default, so time-range queries plan alike.
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS %I ON %s (%I DESC)',
      left((SELECT c.relname FROM pg_class c WHERE c.oid = table_name) || '_' || time_column || '_idx', 63),
      qualified,
      time_column
    );
  END IF;

  INSERT INTO mobility_time_series AS ts (table_name, time_column, chunk_interval)
  VALUES (qualified, time_column, chunk_interval)
  ON CONFLICT ON CONSTRAINT mobility_time_series_pkey
  DO UPDATE SET time_column = EXCLUDED.time_column, chunk_interval = EXCLUDED.chunk_interval;

  RETURN is_hypertable;
END
$$;

CREATE OR REPLACE FUNCTION mobility_set_retention(table_name regclass, keep interval)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  qualified text := table_name::text;
  column_name name;
BEGIN
  SELECT ts.time_column INTO column_name FROM mobility_time_series ts WHERE ts.table_name = qualified;
  IF column_name IS NULL THEN
    RAISE EXCEPTION 'mobility_set_retention: call mobility_create_hypertable(%, ...) first', qualified;
  END IF;

  INSERT INTO mobility_retention AS r (table_name, time_column, keep)
  VALUES (qualified, column_name, keep)
  ON CONFLICT ON CONSTRAINT mobility_retention_pkey
  DO UPDATE SET time_column = EXCLUDED.time_column, keep = EXCLUDED.keep, updated_at = now();
END
$$;
