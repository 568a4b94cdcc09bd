#!/usr/bin/env bash
# Stop what infra/up.sh started: the Kafka broker, the 15/timescale cluster, and Redis only
# if up.sh started it (the machine's own Redis and PostgreSQL 15/main are left alone).
# State (Kafka topics, database contents) is kept; `rm -rf infra/.state` resets Kafka,
# `pg_dropcluster --stop 15 timescale` resets the database (see README).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# stop_pid <pidfile> <cmdline-needle> <name> <grace-seconds>: TERM, wait, then KILL.
stop_pid() {
  local pidfile=$1 needle=$2 name=$3 grace=$4 pid i
  if ! pid_alive "$pidfile" "$needle"; then say "$name" "not running"; rm -f "$pidfile"; return 0; fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for i in $(seq 1 $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    say "$name" "killed after ${grace}s (pid $pid)"
  else
    say "$name" "stopped (pid $pid)"
  fi
  rm -f "$pidfile"
}

# Graceful shutdown flushes and closes the log segments, so the next start skips recovery.
down_kafka() { stop_pid "$KAFKA_PIDFILE" kafka.Kafka kafka "${KAFKA_STOP_TIMEOUT:-30}"; }

down_timescale() {
  if pg_lsclusters -h 2>/dev/null | awk -v c="$TS_CLUSTER" -v m="$PG_MAJOR" '$1==m && $2==c && $4=="online" {f=1} END {exit !f}'; then
    as_root pg_ctlcluster "$PG_MAJOR" "$TS_CLUSTER" stop -m fast
    say timescale "stopped (cluster $PG_MAJOR/$TS_CLUSTER)"
  else
    say timescale "not running"
  fi
}

down_redis() {
  if [ -f "$REDIS_STATE/started-by-up" ]; then
    stop_pid "$REDIS_STATE/redis.pid" redis-server redis 10
    rm -f "$REDIS_STATE/started-by-up"
  else
    say redis "left running (not started by up.sh)"
  fi
}

down_kafka
down_timescale
down_redis
