#!/bin/sh
# Writes the git-ignored secrets/*.env files the dev overlay's secretGenerator reads, with random
# hex values (URL-safe, so they can sit inside DATABASE_URL). Existing files are kept: the
# database roles are created once, from the values present when TimescaleDB first initialises.
set -eu
cd "$(dirname "$0")/secrets"
random() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
write() {
  if [ -e "$1" ]; then echo "kept    $1"; return; fi
  (umask 077 && printf '%s\n' "$2" > "$1")
  echo "created $1"
}
write mobility-auth.env "MOBILITY_AUTH_SECRET=$(random 32)"
write timescaledb-superuser.env "POSTGRES_PASSWORD=$(random 24)"
for service in avl signal parking routing archive; do
  write "$service-database.env" "DATABASE_URL=postgres://$service:$(random 24)@timescaledb:5432/$service"
done
