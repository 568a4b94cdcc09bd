# Shared settings and helpers for infra/up.sh and infra/down.sh (sourced, not run).
# Everything is derived from this file's location so the repo can live anywhere.

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Runtime state (Kafka data, logs, pid files, env). Git-ignored (/infra/.state/).
STATE_DIR="$INFRA_DIR/.state"
# Downloads and builds survive `rm -rf infra/.state`; CI can cache this one directory.
CACHE_DIR="${MOBILITY_INFRA_CACHE:-$HOME/.cache/mobility-infra}"

# Kafka: latest 3.9.x on Maven Central. Not 4.x: it dropped protocol versions kafkajs 2.2.4 needs.
KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
KAFKA_HOST=127.0.0.1
KAFKA_PORT=19092
KAFKA_CONTROLLER_PORT=19093
KAFKA_STATE="$STATE_DIR/kafka"

# TimescaleDB: Debian trixie's source package, built for bookworm's PostgreSQL 15.
PG_MAJOR=15
TS_CLUSTER=timescale
TS_PORT=5433
TS_SUITE=trixie
TS_WANT_SERIES="2.19."   # refuse a surprise major jump if trixie ever moves on

REDIS_PORT=6379
REDIS_STATE="$STATE_DIR/redis"

export DEBIAN_FRONTEND=noninteractive

# --- output -----------------------------------------------------------------
now_ms() { date +%s%3N; }
# elapsed_since <start_ms> -> "12.3s"
elapsed_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100)); }
say() { printf '%-10s %s\n' "$1" "$2"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Needs root for apt, `make install` and pg_ctlcluster; use sudo when not root.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -E "$@"; fi; }

# --- apt ----------------------------------------------------------------------
# apt_ensure pkg...: install only what is missing. `apt-get update` runs only when a
# package is missing AND the first install attempt fails (stale or empty lists on a
# fresh image), so a machine that has everything never touches apt at all.
apt_ensure() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "  apt: installing ${missing[*]}" >&2
  if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >"$STATE_DIR/apt.log" 2>&1; then
    echo "  apt: install failed, running apt-get update and retrying" >&2
    as_root apt-get update -q >>"$STATE_DIR/apt.log" 2>&1
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$STATE_DIR/apt.log" 2>&1 \
      || { tail -n 20 "$STATE_DIR/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
}

# --- processes / ports --------------------------------------------------------
# port_open <port>: something accepts TCP on 127.0.0.1:<port> (bash /dev/tcp, no nc needed).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_alive <pidfile> [cmdline-substring]: pid in file is running (and is the process we think).
pid_alive() {
  local pidfile=$1 needle=${2:-} pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  [ -z "$needle" ] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

# --- kafka paths (used by both scripts) -----------------------------------------
# The jar set is keyed by version and pom contents, so editing the pom refetches.
kafka_libs_dir() {
  local pom_hash
  pom_hash=$(sha256sum "$INFRA_DIR/kafka/pom.xml" | cut -c1-12)
  echo "$CACHE_DIR/kafka/$KAFKA_VERSION-$pom_hash/libs"
}
KAFKA_PIDFILE="$KAFKA_STATE/kafka.pid"
