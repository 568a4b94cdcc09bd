#!/bin/sh
# Runs once, when the TimescaleDB data directory is first initialised (docker-entrypoint-initdb.d).
# Creates one role and one database per service from that service's own DATABASE_URL secret, so
# each credential is written in exactly one place. Expects postgres://user:password@host:port/db
# with URL-safe user, password and database names (generate-secrets.sh makes them so).
set -eu
for variable in AVL_DATABASE_URL SIGNAL_DATABASE_URL PARKING_DATABASE_URL ROUTING_DATABASE_URL ARCHIVE_DATABASE_URL; do
  eval "url=\${$variable}"
  rest=${url#*://}
  credentials=${rest%%@*}
  role=${credentials%%:*}
  password=${credentials#*:}
  database=${rest#*/}
  database=${database%%\?*}
  echo "mobility: creating role and database '$database' for $variable"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=role="$role" --set=password="$password" --set=database="$database" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
\connect :"database"
CREATE EXTENSION IF NOT EXISTS timescaledb;
SQL
done
