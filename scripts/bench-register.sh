#!/usr/bin/env bash
# The portal register's figures in one run, with the machine and the date: ingestion on
# PostgreSQL in records/s, end to end as POST /api/v1/register/bundles does it (bundles of
# 1,000 verified against the scheme's trust list, stored, receipt signed; as many bundles at once
# as the route checks), and the query (number + name, through Register::query) in an open loop
# at RATE/s over FILL records, p50 and p99 from each query's due time. The README's register
# figures come from this script.
#
#   scripts/bench-register.sh
#
# Environment: FILL (records the register holds before ingesting, made server-side; default
# 10000000, about 1.5 GB a million), RECORDS (ingested through the register, default 200000),
# RATE (queries/s, default 2000), SECONDS (default 30), WORKERS (bundles at once, default the
# route's), SKILLCERT_BENCH_POSTGRES (a server URL to use instead of the throw-away test server
# of scripts/postgres.sh, which runs with fsync=off), KEEP=1 (keep the database and the portal
# dir for another run: prints how to use them again).
set -euo pipefail
cd "$(dirname "$0")/.."
FILL="${FILL:-10000000}"
RECORDS="${RECORDS:-200000}"
RATE="${RATE:-2000}"
SECONDS_="${SECONDS:-30}"
if [ -n "${SKILLCERT_BENCH_POSTGRES:-}" ]; then
  URL="$SKILLCERT_BENCH_POSTGRES"
  DATA=""
else
  URL=$(scripts/postgres.sh)
  DATA="${TMPDIR:-/tmp}/skillcert-postgres-${SKILLCERT_PG_PORT:-55432}"
fi
SERVER="${URL%/*}"

# About 1.6 KB a record on disk (table, indexes, numbers), plus 2 GB for index builds and WAL.
need_kb=$(( FILL * 16 / 10 + 2000000 ))
free_kb=$(df -Pk "${DATA:-/}" | awk 'NR == 2 { print $4 }')
if [ -n "$DATA" ] && [ "$free_kb" -lt "$need_kb" ]; then
  echo "bench-register: $FILL records need about $(( need_kb / 1000000 )) GB free on $DATA's disk; $(( free_kb / 1000000 )) GB are (set FILL lower)" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-register.XXXXXX")
DB="bench_register_$(date +%s)_$$"
psql "$URL" -qc "CREATE DATABASE $DB"
cleanup() {
  if [ "${KEEP:-}" = 1 ]; then
    echo "kept: database $SERVER/$DB, portal dir $WORK/portal (run the example again with --dir $WORK/portal)"
  else
    psql "$URL" -qc "DROP DATABASE IF EXISTS $DB" || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

cargo build -q --release --example bench_register -p skillcert-cli
BIN="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/examples/bench_register"

echo "date:     $(date -u +%Y-%m-%dT%H:%MZ)"
echo "commit:   $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' (with uncommitted changes)')"
echo "machine:  $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(free -g | awk '/^Mem/ { print $2 }') GB RAM"
echo "postgres: $(psql "$URL" -Atc 'SHOW server_version'), fsync=$(psql "$URL" -Atc 'SHOW fsync'), synchronous_commit=$(psql "$URL" -Atc 'SHOW synchronous_commit'), shared_buffers=$(psql "$URL" -Atc 'SHOW shared_buffers')"
echo "load:     $(uptime | sed 's/.*load average: //') before the run (1, 5, 15 min; other work shares the machine)"
args=("$RECORDS" "$SERVER/$DB" --rate "$RATE" --seconds "$SECONDS_" --dir "$WORK/portal")
[ "$FILL" -gt 0 ] && args+=(--fill "$FILL")
[ -n "${WORKERS:-}" ] && args+=(--workers "$WORKERS")
/usr/bin/time -f "bench process: %U s user, %S s system, %e s wall" "$BIN" "${args[@]}"
echo "load:     $(uptime | sed 's/.*load average: //') after the run"
