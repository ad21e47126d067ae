#!/usr/bin/env bash
# HTTP load benchmark of `skillcert serve`: POST /api/v1/verify with vc+jwt tokens at 64
# connections (Debian `wrk`), next to the single-core CLI verify rate measured in the same run.
# Reports requests/s, p50/p99 latency, errors, verdicts counted by the server, and the server's
# peak resident memory (VmHWM). Only loopback traffic; bounded in time.
#
# Usage: scripts/load.sh [DURATION_SECONDS=15] [CONNECTIONS=64]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
CONNS=${2:-64}
THREADS=2
CERTS=200
CLI_INPUTS=4000

if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing wrk (Debian package)"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet
BIN=target/release/skillcert
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

# Warm up, then the measured run.
TOKENS="$WORK/tokens.txt" wrk -t$THREADS -c$CONNS -d2s -s scripts/load.lua "$URL" >/dev/null
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
TICKS0=$(cpu_ticks)
TOKENS="$WORK/tokens.txt" wrk -t$THREADS -c$CONNS -d"${DURATION}s" --latency -s scripts/load.lua "$URL" | tee "$WORK/wrk.out"
TICKS1=$(cpu_ticks)
HZ=$(getconf CLK_TCK)
HWM_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
METRICS=$(python3 -c "import urllib.request; print(urllib.request.urlopen('$METRICS_URL').read().decode())")
VALID=$(printf '%s\n' "$METRICS" | awk -F' ' '/^skillcert_verifications_total\{verdict="valid"\}/ {print $2}')
NOT_VALID=$(printf '%s\n' "$METRICS" | awk '/^skillcert_verifications_total/ && !/verdict="valid"/ {s += $2} END {print s + 0}')
FIVEXX=$(printf '%s\n' "$METRICS" | awk '/^skillcert_http_requests_total/ && /status="5/ {s += $2} END {print s + 0}')

LINE=$(grep '^LOAD ' "$WORK/wrk.out")
get() { printf '%s\n' "$LINE" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
RPS=$(get rps)
REQS=$(get requests)
SERVER_CPU=$(python3 -c "print(($TICKS1 - $TICKS0) / $HZ)")
SERVER_CPU_RATE=$(python3 -c "print(round($REQS / max($SERVER_CPU, 0.01)))")
echo
echo "== skillcert HTTP load: POST /api/v1/verify (vc+jwt tokens), $CONNS connections, ${DURATION}s, wrk -t$THREADS, 2-core machine shared with the load generator"
echo "requests/s:        $RPS"
echo "latency p50 / p99: $(get p50_ms) ms / $(get p99_ms) ms (max $(get max_ms) ms)"
echo "errors:            connect $(get errors_connect), read $(get errors_read), write $(get errors_write), non-2xx $(get errors_status), timeout $(get errors_timeout); server 5xx $FIVEXX"
echo "verdicts (server): valid $VALID, not valid $NOT_VALID"
echo "server memory:     peak RSS $((HWM_KB / 1024)) MiB (VmHWM $HWM_KB kB), now $((RSS_KB / 1024)) MiB"
echo "server CPU:        ${SERVER_CPU} s for $REQS requests = $SERVER_CPU_RATE requests per CPU-second"
echo "CLI verify:        $CLI_RATE tokens/s wall on one core (same run), $CLI_CPU_RATE tokens per CPU-second"
echo "HTTP / CLI:        $(python3 -c "print(round($RPS / $CLI_RATE, 2))")x by wall-clock rate; $(python3 -c "print(round($SERVER_CPU_RATE / $CLI_CPU_RATE, 2))")x per CPU-second"
echo "machine load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; other processes share the 2 cores)"
