#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the tests (installing Debian's `postgresql` when it
# is missing) on 127.0.0.1:${SKILLCERT_PG_PORT:-55432}, data in /tmp/skillcert-postgres-PORT, and prints its
# URL. A second run finds it running and only prints the URL. `scripts/postgres.sh stop` stops it
# (scripts/test.sh does, when it was the one that started it).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SKILLCERT_PG_PORT:-55432}"
URL="postgres://skillcert@127.0.0.1:${PORT}/skillcert"
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing postgresql (needed by the register tests)" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
# Outside the clone: the `postgres` user must be able to reach it.
DATA="${TMPDIR:-/tmp}/skillcert-postgres-$PORT"
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
# The tests' role, its database, and the right to make a database per test (idempotent).
roles() {
  "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<SQL || true
CREATE ROLE skillcert LOGIN;
CREATE DATABASE skillcert OWNER skillcert;
ALTER ROLE skillcert CREATEDB;
SQL
}
if [ "${1:-}" = status ]; then
  exec "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"
fi
if [ "${1:-}" = stop ]; then
  if [ -f "$DATA/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
  exit 0
fi
if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
  roles
  echo "$URL"
  exit 0
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  rm -rf "$DATA"
  mkdir -p "$DATA"
  [ "$(id -u)" -eq 0 ] && chown postgres "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
fi
as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k /tmp -c max_connections=200 -c fsync=off" start >&2
roles
echo "$URL"
