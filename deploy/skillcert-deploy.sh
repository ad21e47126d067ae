#!/usr/bin/env bash
# A province's skillcert on one machine, for tests and to read before building the real one
# (docs/DEPLOY.md): PostgreSQL primary + streaming replica, N `serve` instances of the issuer
# and N of the portal, HAProxy in front checking each instance's /readyz. Everything listens on
# 127.0.0.1; everything it makes is under the work dir; `stop` stops everything it started.
#
#   deploy/skillcert-deploy.sh start          # installs postgresql/haproxy when missing
#   deploy/skillcert-deploy.sh status
#   deploy/skillcert-deploy.sh primary stop   # the failure drill: the replica keeps answering
#   deploy/skillcert-deploy.sh primary start
#   deploy/skillcert-deploy.sh stop
#
# Settings (environment):
#   SKILLCERT_DEPLOY_DIR  work dir (default ${TMPDIR:-/tmp}/skillcert-deploy); must be
#                         reachable by the `postgres` user when run as root
#   SKILLCERT_BIN         the skillcert binary (default: `skillcert` on PATH)
#   PG_PRIMARY_PORT, PG_REPLICA_PORT              (default 56432, 56433)
#   ISSUER_PORTS, PORTAL_PORTS  space-separated    (default "18081 18082", "18091 18092")
#   ISSUER_LB_PORT, PORTAL_LB_PORT, STATS_PORT    HAProxy (default 18080, 18090, 18099)
#   TRUST_LIST, TRUST_ANCHOR  the authority's list (file or URL) and key for the portal;
#                         default: a demo authority in the work dir accrediting the issuer
#   REPORT_EVERY          seconds between the issuer's scheduled reports (default 300)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${SKILLCERT_DEPLOY_DIR:-${TMPDIR:-/tmp}/skillcert-deploy}"
PG_PRIMARY_PORT="${PG_PRIMARY_PORT:-56432}"
PG_REPLICA_PORT="${PG_REPLICA_PORT:-56433}"
ISSUER_PORTS="${ISSUER_PORTS:-18081 18082}"
PORTAL_PORTS="${PORTAL_PORTS:-18091 18092}"
ISSUER_LB_PORT="${ISSUER_LB_PORT:-18080}"
PORTAL_LB_PORT="${PORTAL_LB_PORT:-18090}"
STATS_PORT="${STATS_PORT:-18099}"
REPORT_EVERY="${REPORT_EVERY:-300}"
SK="${SKILLCERT_BIN:-skillcert}"
# Every instance gets its data dir and databases from this script, never from the caller's
# environment.
unset SKILLCERT_DATA_DIR SKILLCERT_DATABASE SKILLCERT_READ_DATABASE
PRIMARY="$WORK/pg/primary"
REPLICA="$WORK/pg/replica"
RUN="$WORK/run"
LOGS="$WORK/logs"
DB="postgres://skillcert@127.0.0.1"
REGISTER_URL="$DB:$PG_PRIMARY_PORT/skillcert_register"
REPLICA_URL="$DB:$PG_REPLICA_PORT/skillcert_register"
ISSUER_DB_URL="$DB:$PG_PRIMARY_PORT/skillcert_issuer"
# The issuer's instances share one data dir (its keys, holder-ID secret and settings, 0600) and
# one PostgreSQL database (certificates, status, idempotency keys). To run them on the embedded
# SQLite database of the shared data dir instead (one machine only): ISSUER_DB_ARGS=()
ISSUER_DB_ARGS=(--database "$ISSUER_DB_URL")

say() { echo "skillcert-deploy: $*" >&2; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Debian packages, installed only when their program is missing (a second run is quick).
need_packages() {
  local need=()
  ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || need+=(postgresql)
  command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
}

# PostgreSQL refuses to run as root: as root, its clusters belong to the `postgres` user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_admin() {
  "$BIN/psql" -q -X -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

pg_start() { # data dir, port
  if as_pg "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; then return 0; fi
  as_pg "$BIN/pg_ctl" -D "$1" -l "$1/server.log" -w -t 60 \
    -o "-p $2 -k $WORK/pg/run" start >/dev/null
}

pg_stop() { # data dir
  if [ -f "$1/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null || true
  fi
}

start_primary() {
  if [ ! -f "$PRIMARY/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$PRIMARY" -A trust -U postgres >/dev/null
    as_pg tee "$PRIMARY/skillcert.conf" <"$HERE/postgresql/primary.conf" >/dev/null
    as_pg tee "$PRIMARY/pg_hba.conf" <"$HERE/postgresql/pg_hba.conf" >/dev/null
    echo "include 'skillcert.conf'" | as_pg tee -a "$PRIMARY/postgresql.conf" >/dev/null
  fi
  pg_start "$PRIMARY" "$PG_PRIMARY_PORT"
  # Roles and databases, idempotent: errors of "already exists" are expected on a second run.
  psql_admin -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<'SQL' || true
CREATE ROLE replicator REPLICATION LOGIN;
CREATE ROLE skillcert LOGIN;
CREATE DATABASE skillcert_register OWNER skillcert;
CREATE DATABASE skillcert_issuer OWNER skillcert;
SQL
  psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = 'skillcert_register'" | grep -q 1
}

start_replica() {
  if [ ! -f "$REPLICA/PG_VERSION" ]; then
    # A copy of the primary that follows it (-R: standby.signal and primary_conninfo), through
    # a replication slot so the primary keeps the WAL the replica has not received yet; a fast
    # checkpoint (the default spreads it over minutes).
    as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U replicator \
      -D "$REPLICA" -R -X stream -C -S skillcert_replica -c fast >/dev/null
    as_pg tee "$REPLICA/skillcert.conf" <"$HERE/postgresql/replica.conf" >/dev/null
  fi
  pg_start "$REPLICA" "$PG_REPLICA_PORT"
}

# Waits until URL answers 200.
wait_ready() {
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  say "$1 did not become ready (logs: $LOGS)"
  return 1
}

# Starts one serve instance NAME on PORT with the rest of the arguments, unless running.
serve_one() {
  local name=$1 port=$2 pid
  shift 2
  pid="$RUN/$name.pid"
  if [ -f "$pid" ] && kill -0 "$(cat "$pid")" 2>/dev/null; then return 0; fi
  SKILLCERT_LOG=info nohup "$SK" "$@" serve --addr "127.0.0.1:$port" \
    --trusted-proxy 127.0.0.1/32 "${SERVE_ARGS[@]}" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$pid"
  wait_ready "http://127.0.0.1:$port/readyz"
}

start_issuers() {
  local dir="$WORK/issuer" first=1
  if [ ! -f "$dir/config.json" ]; then
    "$SK" --data-dir "$dir" "${ISSUER_DB_ARGS[@]}" init --name "Demo Vocational Skills Assessment Center" \
      --base-url "http://127.0.0.1:$ISSUER_LB_PORT" >/dev/null
  fi
  for p in $ISSUER_PORTS; do
    # One after the other: the first makes the admin token (printed once, in its log).
    SERVE_ARGS=()
    if [ $first -eq 1 ]; then
      SERVE_ARGS=(--report-to "http://127.0.0.1:$PORTAL_LB_PORT" --report-every "$REPORT_EVERY")
    fi
    serve_one "issuer-$p" "$p" --data-dir "$dir" "${ISSUER_DB_ARGS[@]}"
    first=0
  done
}

# The portal's trust list: TRUST_LIST/TRUST_ANCHOR, or a demo authority accrediting the issuer.
trust_list() {
  if [ -n "${TRUST_LIST:-}" ]; then
    ANCHOR="${TRUST_ANCHOR:?TRUST_ANCHOR goes with TRUST_LIST}"
    return 0
  fi
  local a="$WORK/authority"
  [ -d "$a" ] ||
    "$SK" --data-dir "$a" authority init --name "Demo provincial authority" >/dev/null
  "$SK" --data-dir "$WORK/issuer" "${ISSUER_DB_ARGS[@]}" trust export --out "$WORK/issuer-trust.json" >/dev/null
  "$SK" --data-dir "$a" authority accredit "$WORK/issuer-trust.json" --from "$(date -u +%F)" >/dev/null
  "$SK" --data-dir "$a" authority publish --out "$WORK/scheme.json" --valid-days 30 >/dev/null
  TRUST_LIST="$WORK/scheme.json"
  ANCHOR="$("$SK" --data-dir "$a" authority key)"
}

start_portals() {
  local first=""
  trust_list
  SERVE_ARGS=(--base-url "http://127.0.0.1:$PORTAL_LB_PORT" --trust "$TRUST_LIST"
    --trust-anchor "$ANCHOR" --database "$REGISTER_URL" --read-database "$REPLICA_URL")
  for p in $PORTAL_PORTS; do
    local dir="$WORK/portal-$p"
    # Instances of one portal share its receipt key and the register's holder-ID secret.
    if [ -n "$first" ] && [ ! -f "$dir/portal-key.secret" ]; then
      mkdir -p -m 0700 "$dir/keys"
      cp -p "$first/portal-key.secret" "$dir/"
      cp -p "$first/keys/register-id.secret" "$dir/keys/"
    fi
    serve_one "portal-$p" "$p" --data-dir "$dir"
    first="${first:-$dir}"
  done
}

start_haproxy() {
  local issuers="" portals=""
  for p in $ISSUER_PORTS; do issuers+="    server issuer-$p 127.0.0.1:$p check"$'\n'; done
  for p in $PORTAL_PORTS; do portals+="    server portal-$p 127.0.0.1:$p check"$'\n'; done
  local cfg="$RUN/haproxy.cfg" text
  text="$(sed -e "s|@RUN@|$RUN|g" -e "s|@ISSUER_LB_PORT@|$ISSUER_LB_PORT|g" \
    -e "s|@PORTAL_LB_PORT@|$PORTAL_LB_PORT|g" -e "s|@STATS_PORT@|$STATS_PORT|g" \
    "$HERE/haproxy.cfg.in")"
  text="${text/@ISSUER_SERVERS@/${issuers%$'\n'}}"
  echo "${text/@PORTAL_SERVERS@/${portals%$'\n'}}" >"$cfg"
  haproxy -c -q -f "$cfg"
  if [ -f "$RUN/haproxy.pid" ] && kill -0 "$(cat "$RUN/haproxy.pid")" 2>/dev/null; then
    haproxy -D -f "$cfg" -p "$RUN/haproxy.pid" -sf "$(cat "$RUN/haproxy.pid")"
  else
    haproxy -D -f "$cfg" -p "$RUN/haproxy.pid"
  fi
  wait_ready "http://127.0.0.1:$ISSUER_LB_PORT/readyz"
  wait_ready "http://127.0.0.1:$PORTAL_LB_PORT/readyz"
}

start() {
  need_packages
  mkdir -p "$WORK"
  # The postgres user must reach its data dirs; no one else may list the work dir.
  chmod 0711 "$WORK"
  mkdir -p -m 0700 "$RUN" "$LOGS"
  mkdir -p "$WORK/pg/run"
  [ "$(id -u)" -ne 0 ] || chown postgres "$WORK/pg" "$WORK/pg/run"
  start_primary
  start_replica
  start_issuers
  start_portals
  start_haproxy
  cat <<EOF
issuer_url=http://127.0.0.1:$ISSUER_LB_PORT
portal_url=http://127.0.0.1:$PORTAL_LB_PORT
stats_url=http://127.0.0.1:$STATS_PORT/
register_database=$REGISTER_URL
register_replica=$REPLICA_URL
issuer_data_dir=$WORK/issuer
logs=$LOGS
EOF
  # The issuer's database, when its instances use PostgreSQL (ISSUER_DB_ARGS).
  if [ ${#ISSUER_DB_ARGS[@]} -gt 0 ]; then echo "issuer_database=$ISSUER_DB_URL"; fi
}

# SIGTERM to every process of these pid files at once (each finishes its requests in flight),
# then SIGKILL to any still running 10 s later.
stop_pidfiles() {
  local f pids=()
  for f in "$@"; do
    [ -f "$f" ] || continue
    kill -TERM "$(cat "$f")" 2>/dev/null && pids+=("$(cat "$f")")
  done
  for _ in $(seq 1 100); do
    local alive=0 pid
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 1 ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      say "process $pid did not stop within 10 s: killed"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$@"
}

stop() {
  BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  stop_pidfiles "$RUN/haproxy.pid"
  stop_pidfiles "$RUN"/issuer-*.pid "$RUN"/portal-*.pid
  if [ -n "$BIN" ]; then
    pg_stop "$REPLICA"
    pg_stop "$PRIMARY"
  fi
}

status() {
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  for d in "$PRIMARY" "$REPLICA"; do
    printf '%s: ' "$(basename "$d")"
    as_pg "$BIN/pg_ctl" -D "$d" status >/dev/null 2>&1 && echo running || echo stopped
  done
  for f in "$RUN"/*.pid; do
    [ -f "$f" ] || continue
    printf '%s: ' "$(basename "$f" .pid)"
    kill -0 "$(cat "$f")" 2>/dev/null && echo running || echo stopped
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  primary)
    BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    case "${2:-}" in
      stop) pg_stop "$PRIMARY" ;;
      start) pg_start "$PRIMARY" "$PG_PRIMARY_PORT" ;;
      *) echo "usage: $0 primary stop|start" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 start|stop|status|primary stop|primary start" >&2; exit 2 ;;
esac
