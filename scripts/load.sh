#!/usr/bin/env bash
# HTTP load benchmark of `skillcert serve`: POST /api/v1/verify with vc+jwt tokens, driven by
# crates/cli/examples/http_load.rs (HTTP/1.1 keep-alive over tokio, no external tool), next to the
# single-core CLI `verify --batch` rate measured in the same run. Phases:
#   1. closed loop (`--max`): CONNECTIONS connections back-to-back for DURATION s; the server
#      may use both cores; its CPU time is read from /proc, giving requests per CPU-second;
#   2. open loop (`--rate`) at half the measured maximum for DURATION s: requests are sent on a
#      fixed schedule whatever the answers, latency measured from each request's due time
#      (coordinated omission corrected, as wrk2 / `oha --rate`). With PIN=1 the server is
#      pinned to core 1 and the generator to core 0 for this phase; by default (PIN=0) both
#      may use both cores: on a 2-core machine shared with other work (builds), a pinned
#      server cannot move away from a busy core and its tail latency shows that, not itself.
#      With RT=1 the server (SCHED_FIFO 20) and the generator (SCHED_FIFO 10) run this phase
#      at real-time priority, so that other processes' CPU use (a build next door) cannot
#      preempt them: the server's own latency. Needs root (chrt); at half load, bounded.
# Reports rates, the HTTP / CLI ratio per core, open-loop p50/p99/p99.9/max, errors, verdicts
# (client and server counts) and the server's peak resident memory (VmHWM, after phase 2).
# Between the two, the HTTP floor: one-byte inputs (422 at once), the cost of a request without
# a certificate, and the ratio a server verifying exactly as fast as the CLI could reach.
# Beside our own generator, an independent one: `wrk` (the Debian package, installed here when
# missing; WRK=0 skips it) with scripts/wrk-verify.lua posting the same distinct tokens, closed
# loop, CONNECTIONS connections, 2 threads: its rate per server CPU-second and its ratio to the
# CLI. Then the batch route: wrk posting BATCH_LINES tokens a request (text/plain) to
# POST /api/v1/verify/batch on 2 connections: tokens verified per server CPU-second beside the
# CLI's `verify --batch`.
# Only loopback traffic; bounded in time (about 4 x DURATION + 40 s after the build).
#
# Usage: [PIN=0|1] [RT=0|1] [WRK=0|1] [BATCH_LINES=500] [SKILLCERT_BIN=path [HTTP_LOAD=path]]
#        scripts/load.sh [DURATION_SECONDS=10] [CONNECTIONS=64]
# SKILLCERT_BIN runs another build of the server and CLI (an earlier commit's, to compare);
# with HTTP_LOAD (a built http_load example) too, nothing is built.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-64}
PIN=${PIN:-0}
RT=${RT:-0}
CERTS=200
CLI_INPUTS=12000
FLOOR_SECONDS=5

WRK=${WRK:-1}
BATCH_LINES=${BATCH_LINES:-500}
if [ -n "${SKILLCERT_BIN:-}" ] && [ -n "${HTTP_LOAD:-}" ]; then
  BIN=$SKILLCERT_BIN
  LOADGEN=$HTTP_LOAD
else
  cargo build --release --quiet --bin skillcert --example http_load
  BIN=${SKILLCERT_BIN:-target/release/skillcert}
  LOADGEN=target/release/examples/http_load
fi
# wrk, installed once (a second run finds it); without it (no apt, not root) its phases are skipped.
if [ "$WRK" = 1 ] && ! command -v wrk >/dev/null; then
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo -n)
  { "${SUDO[@]}" apt-get install -y -qq wrk >/dev/null 2>&1 ||
    { "${SUDO[@]}" apt-get update -qq >/dev/null 2>&1 && "${SUDO[@]}" apt-get install -y -qq wrk >/dev/null 2>&1; }; } ||
    echo "wrk could not be installed (apt-get install wrk): its phases are skipped"
fi
command -v wrk >/dev/null || WRK=0
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Start the service on a free loopback port (a demo issuer is created in the empty data dir).
mkfifo "$WORK/out"
SKILLCERT_LOG=warn "$BIN" --json --data-dir "$WORK/data" serve --addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 >"$WORK/out" 2>"$WORK/server.log" &
SERVER_PID=$!
exec 3<"$WORK/out"
read -r FIRST <&3
URL=$(printf '%s' "$FIRST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
METRICS_URL=$(printf '%s' "$FIRST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metrics_url"])')
ADMIN=$(printf '%s' "$FIRST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["admin_token"])')
echo "server pid $SERVER_PID at $URL"

# Issue certificates through the admin API; keep their tokens.
python3 - "$URL" "$ADMIN" "$CERTS" "$WORK" <<'PY'
import json, sys, urllib.request
url, admin, n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
reqs = [{"holder": {"name": f"测试{i}", "name_latin": f"Test {i}"},
         "program": {"name": "焊工 Welder", "code": "6-25-04-08"},
         "level": {"framework": "cn-nvq", "value": str(1 + i % 5)}} for i in range(n)]
r = urllib.request.Request(url + "/api/v1/admin/certificates/batch", data=json.dumps(reqs).encode(),
                           headers={"content-type": "application/json", "authorization": "Bearer " + admin})
res = json.load(urllib.request.urlopen(r))
assert res["issued"] == n, res
with open(work + "/tokens.txt", "w") as f:
    for x in res["results"]:
        f.write(x["token"] + "\n")
for n in (1, 2):
    try:
        body = urllib.request.urlopen(f"{url}/status/{n}").read()
        open(f"{work}/status-{n}.json", "wb").write(body)
    except Exception as e:
        print("no status list", n, e)
PY

# Single-core CLI verify rate: `verify --batch` (the auditor's bulk path) over the same tokens,
# offline with the served status lists, pinned to one core.
STATUS_ARGS=()
for f in "$WORK"/status-*.json; do STATUS_ARGS+=(--status "$f"); done
for ((k = 0; k < CLI_INPUTS / CERTS; k++)); do cat "$WORK/tokens.txt"; done >"$WORK/cli-tokens.txt"
CLI_INPUTS=$(wc -l <"$WORK/cli-tokens.txt")
# Wall time and CPU time (user + system) of the CLI process.
read -r CLI_WALL CLI_CPU < <(python3 - "$WORK/cli.out" taskset -c 0 "$BIN" --json --data-dir "$WORK/data" verify --offline "${STATUS_ARGS[@]}" --batch "$WORK/cli-tokens.txt" <<'PY'
import resource, subprocess, sys, time
t = time.time()
with open(sys.argv[1], "w") as out:
    subprocess.run(sys.argv[2:], stdout=out, check=True)
w = time.time() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(w, r.ru_utime + r.ru_stime)
PY
)
CLI_VALID=$(grep -c '"verdict":"valid"' "$WORK/cli.out" || true)
CLI_RATE=$(python3 -c "print(round($CLI_INPUTS / $CLI_WALL))")
CLI_CPU_RATE=$(python3 -c "print(round($CLI_INPUTS / $CLI_CPU))")
echo "CLI verify (1 core, offline, $CLI_INPUTS tokens): $CLI_RATE tokens/s wall, $CLI_CPU_RATE tokens per CPU-second, $CLI_VALID valid"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
# Busy ticks of the whole machine (everything but idle and iowait), to see what else ran.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
affinity() { taskset -c -p "$SERVER_PID" | awk -F': ' '{print $2}'; }
seconds() { python3 -c "print(round(($2 - $1) / $HZ, 2))"; }
HZ=$(getconf CLK_TCK)
# One field of the LOAD line in file $1.
get() { grep '^LOAD ' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
GEN_PIN=(); [ "$PIN" = 1 ] && GEN_PIN=(taskset -c 0)
GEN_RT=(); [ "$RT" = 1 ] && GEN_RT=(chrt -f 10)

# Warm-up, then the closed-loop maximum (server on both cores).
"$LOADGEN" "$URL" "$WORK/tokens.txt" --max --duration 2 --connections "$CONNS" >/dev/null
echo
echo "-- phase 1: closed loop, $CONNS connections, ${DURATION}s (server on cores $(affinity), generator unpinned)"
TICKS0=$(cpu_ticks); BUSY0=$(busy_ticks)
"$LOADGEN" "$URL" "$WORK/tokens.txt" --max --duration "$DURATION" --connections "$CONNS" | tee "$WORK/max.out"
TICKS1=$(cpu_ticks); BUSY1=$(busy_ticks)
MAX_RPS=$(get "$WORK/max.out" rps)
MAX_DONE=$(get "$WORK/max.out" completed)
MAX_CPU=$(python3 -c "print(round(($TICKS1 - $TICKS0) / $HZ, 2))")
MAX_WALL=$(get "$WORK/max.out" seconds)
SERVER_CPU_RATE=$(python3 -c "print(round($MAX_DONE / max($MAX_CPU, 0.01)))")

# The same closed loop driven by wrk (an independent client): requests per server CPU-second.
# One field of the WRK line in variable WRK_LINE.
wget_() { printf '%s\n' "$WRK_LINE" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
if [ "$WRK" = 1 ]; then
  echo
  echo "-- phase 1b: wrk closed loop, $CONNS connections, 2 threads, ${DURATION}s"
  TICKS_W0=$(cpu_ticks)
  TOKENS="$WORK/tokens.txt" wrk -t2 -c"$CONNS" -d"${DURATION}s" -s scripts/wrk-verify.lua "$URL" | tee "$WORK/wrk.out"
  TICKS_W1=$(cpu_ticks)
  WRK_LINE=$(grep '^WRK ' "$WORK/wrk.out")
  WRK_DONE=$(wget_ requests)
  WRK_CPU=$(python3 -c "print(round(($TICKS_W1 - $TICKS_W0) / $HZ, 2))")
  WRK_CPU_RATE=$(python3 -c "print(round($WRK_DONE / max($WRK_CPU, 0.01)))")
  WRK_ERRORS="connect $(wget_ errors_connect), read $(wget_ errors_read), write $(wget_ errors_write), non-2xx $(wget_ errors_status), timeout $(wget_ errors_timeout)"
  WRK_SUMMARY="$(wget_ rps) requests/s, server CPU ${WRK_CPU} s; p50 $(wget_ p50_ms) / p99 $(wget_ p99_ms) ms (closed loop)"
fi

# The HTTP floor: the same connections posting a one-byte input, answered 422 at once (no
# certificate to read): what the server spends per request on TCP, HTTP, routing, the layers
# and a JSON answer. A server that verified as fast as the CLI could reach at most
# 1 / (1/CLI + 1/floor) requests per CPU-second.
printf 'x\n' >"$WORK/floor.txt"
TICKS_F0=$(cpu_ticks)
"$LOADGEN" "$URL" "$WORK/floor.txt" --max --duration "$FLOOR_SECONDS" --connections "$CONNS" >"$WORK/floor.out"
TICKS_F1=$(cpu_ticks)
FLOOR_DONE=$(get "$WORK/floor.out" completed)
FLOOR_422=$(get "$WORK/floor.out" errors_status)
FLOOR_CPU_RATE=$(python3 -c "print(round($FLOOR_DONE / max(($TICKS_F1 - $TICKS_F0) / $HZ, 0.01)))")

# The batch route: BATCH_LINES tokens a request, 2 connections; tokens verified per server
# CPU-second. One batch is checked first: every line answered, all valid.
BATCH_OK=0
if [ "$WRK" = 1 ] && python3 - "$URL" "$WORK/tokens.txt" "$BATCH_LINES" <<'PY'
import json, sys, urllib.error, urllib.request
url, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
tokens = [t for t in open(path).read().split("\n") if t]
body = "\n".join(tokens[i % len(tokens)] for i in range(n)).encode() + b"\n"
r = urllib.request.Request(url + "/api/v1/verify/batch", data=body, headers={"content-type": "text/plain"})
try:
    lines = urllib.request.urlopen(r).read().decode().splitlines()
except urllib.error.HTTPError as e:
    sys.exit(f"no batch route here ({e.code}): its phase is skipped")
valid = sum(json.loads(l)["verdict"] == "valid" for l in lines)
assert len(lines) == n and valid == n, (len(lines), valid)
PY
then
  BATCH_OK=1
  echo
  echo "-- phase 1c: wrk, POST /api/v1/verify/batch, $BATCH_LINES tokens a request, 2 connections, ${DURATION}s"
  TICKS_B0=$(cpu_ticks)
  TOKENS="$WORK/tokens.txt" BATCH="$BATCH_LINES" wrk -t1 -c2 -d"${DURATION}s" --timeout 30s -s scripts/wrk-verify.lua "$URL" | tee "$WORK/batch.out"
  TICKS_B1=$(cpu_ticks)
  WRK_LINE=$(grep '^WRK ' "$WORK/batch.out")
  BATCH_TOKENS=$(($(wget_ requests) * BATCH_LINES))
  BATCH_CPU=$(python3 -c "print(round(($TICKS_B1 - $TICKS_B0) / $HZ, 2))")
  BATCH_SECONDS=$(wget_ seconds)
  BATCH_CPU_RATE=$(python3 -c "print(round($BATCH_TOKENS / max($BATCH_CPU, 0.01)))")
  BATCH_SUMMARY="$BATCH_TOKENS tokens in $(wget_ requests) requests over $BATCH_SECONDS s = $(python3 -c "print(round($BATCH_TOKENS / max($BATCH_SECONDS, 0.01)))") tokens/s; server CPU $BATCH_CPU s; p50 $(wget_ p50_ms) ms a request; non-2xx $(wget_ errors_status)"
fi

# Open loop at half the maximum.
HALF=$(python3 -c "print(max(1, round($MAX_RPS / 2)))")
if [ "$PIN" = 1 ]; then taskset -a -p -c 1 "$SERVER_PID" >/dev/null; fi
if [ "$RT" = 1 ]; then chrt -a -f -p 20 "$SERVER_PID"; fi
echo
echo "-- phase 2: open loop at $HALF requests/s (half of $MAX_RPS), ${DURATION}s, $CONNS connections to start" \
  "(server on core(s) $(affinity), generator ${GEN_PIN[*]:-unpinned}; real-time priority: RT=$RT)"
TICKS2=$(cpu_ticks); BUSY2=$(busy_ticks)
"${GEN_RT[@]}" "${GEN_PIN[@]}" "$LOADGEN" "$URL" "$WORK/tokens.txt" --rate "$HALF" --duration "$DURATION" --connections "$CONNS" | tee "$WORK/rate.out"
TICKS3=$(cpu_ticks); BUSY3=$(busy_ticks)
OPEN_CPU=$(python3 -c "print(round(($TICKS3 - $TICKS2) / $HZ, 2))")
OPEN_WALL=$(get "$WORK/rate.out" seconds)
HWM_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
METRICS=$(python3 -c "import urllib.request; print(urllib.request.urlopen('$METRICS_URL').read().decode())")
VALID=$(printf '%s\n' "$METRICS" | awk -F' ' '/^skillcert_verifications_total\{verdict="valid"\}/ {print $2}')
NOT_VALID=$(printf '%s\n' "$METRICS" | awk '/^skillcert_verifications_total/ && !/verdict="valid"/ {s += $2} END {print s + 0}')
FIVEXX=$(printf '%s\n' "$METRICS" | awk '/^skillcert_http_requests_total/ && /status="5/ {s += $2} END {print s + 0}')

errors() {
  echo "connect $(get "$1" errors_connect), read $(get "$1" errors_read), non-2xx $(get "$1" errors_status), 200 without verdict $(get "$1" errors_body), timeout $(get "$1" errors_timeout)"
}
RATIO=$(python3 -c "print(round($SERVER_CPU_RATE / $CLI_CPU_RATE, 2))")
P99=$(get "$WORK/rate.out" p99_ms)
echo
echo "== skillcert HTTP load: POST /api/v1/verify, {\"input\": vc+jwt token}, $CERTS distinct tokens, ${DURATION}s per phase"
echo "note:              the load generator runs on the same 2 cores as the server (loopback), as does"
echo "                   anything else on the machine; phase 1 shares both cores between them, phase 2"
echo "                   pins server (core 1) and generator (core 0) apart only with PIN=1 (now PIN=$PIN)"
echo "                   and runs both at real-time priority only with RT=1 (now RT=$RT)"
echo "max (closed loop): $MAX_RPS requests/s with $CONNS connections; server CPU ${MAX_CPU} s over ${MAX_WALL} s" \
  "(machine busy $(seconds "$BUSY0" "$BUSY1") CPU-s: server, generator and anything else)"
echo "server per core:   $SERVER_CPU_RATE requests per server CPU-second"
echo "CLI per core:      $CLI_CPU_RATE tokens per CPU-second (verify --batch --offline, taskset -c 0; $CLI_RATE tokens/s wall)"
echo "HTTP / CLI per core: ${RATIO}x (goal >= 0.7)"
if [ "$WRK" = 1 ]; then
  echo "wrk (independent): $WRK_SUMMARY; errors: $WRK_ERRORS"
  echo "wrk per core:      $WRK_CPU_RATE requests per server CPU-second; HTTP (wrk) / CLI per core: $(python3 -c "print(round($WRK_CPU_RATE / $CLI_CPU_RATE, 2))")x (goal >= 0.7)"
fi
if [ "$BATCH_OK" = 1 ]; then
  echo "batch route:       $BATCH_SUMMARY"
  echo "batch per core:    $BATCH_CPU_RATE tokens per server CPU-second; batch / CLI per core: $(python3 -c "print(round($BATCH_CPU_RATE / $CLI_CPU_RATE, 2))")x (goal >= 0.9)"
fi
echo "HTTP floor:        $FLOOR_CPU_RATE requests per server CPU-second for a one-byte input ($FLOOR_422 of $FLOOR_DONE answered non-2xx, as they must be);" \
  "a server verifying as fast as the CLI would reach $(python3 -c "c=$CLI_CPU_RATE; f=$FLOOR_CPU_RATE; print(round(1 / (1 / c + 1 / f)), 'per CPU-second =', round(f / (c + f), 2))")x"
echo "open loop at half max ($HALF requests/s, $(get "$WORK/rate.out" rps) achieved, $(get "$WORK/rate.out" unsent) not sent, up to $(get "$WORK/rate.out" connections_max) connections):"
echo "  latency from due time: p50 $(get "$WORK/rate.out" p50_ms) / p99 $P99 / p99.9 $(get "$WORK/rate.out" p999_ms) / max $(get "$WORK/rate.out" max_ms) ms (goal p99 < 10 ms)"
echo "  generator lateness p99 $(get "$WORK/rate.out" late_p99_ms) ms (due time -> write; included in the latencies)"
echo "  server CPU ${OPEN_CPU} s over ${OPEN_WALL} s = $(python3 -c "print(round($OPEN_CPU / max($OPEN_WALL, 0.01), 2))") cores busy" \
  "(machine busy $(seconds "$BUSY2" "$BUSY3") CPU-s)"
echo "errors (max run):  $(errors "$WORK/max.out")"
echo "errors (open loop): $(errors "$WORK/rate.out"); server 5xx (all phases) $FIVEXX"
echo "verdicts (client): max run valid $(get "$WORK/max.out" valid), not valid $(get "$WORK/max.out" not_valid); open loop valid $(get "$WORK/rate.out" valid), not valid $(get "$WORK/rate.out" not_valid)"
echo "verdicts (server, all phases incl. warm-up): valid $VALID, not valid $NOT_VALID"
echo "server memory:     peak RSS $((HWM_KB / 1024)) MiB (VmHWM $HWM_KB kB), now $((RSS_KB / 1024)) MiB (goal < 100 MB)"
echo "machine load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; other processes share the 2 cores)"
