#!/usr/bin/env bash
# Verification speed, side by side in one run: makes N independent credentials of each form
# (tokens signed with Python joserfc, eddsa-jcs-2022 documents with Python cryptography + rfc8785,
# QR texts re-signed with cryptography; all by a key of the script, after a skillcert-issued
# template), then verifies them with `skillcert verify --batch` (release build; all cores, and
# one core through taskset), Python joserfc and node jose (tokens), Python cryptography + rfc8785
# (documents, signature only), and prints rates and ratios next to the raw Ed25519 rates of this
# machine (crates/cli/examples/ed25519_rate.rs). The form `docset` is the skillcert-issued
# template document itself, with its proof set (eddsa-jcs-2022 + eddsa-rdfc-2022: JSON-LD
# expansion, RDFC-1.0 and JCS for every document), N copies verified against the issuer's own
# trust list and status lists (no independent signer makes the RDFC proof here; nothing is
# cached per document, only the processed bundled contexts per thread). Its independent peer is
# Digital Bazaar's @digitalbazaar/vc with data-integrity and the eddsa-jcs-2022 and
# eddsa-rdfc-2022 cryptosuites (crates/cli/tests/tooling/di_bench.mjs, one core), which verifies
# the same docset documents, and the form `rdfc`: documents it signed itself with an
# eddsa-rdfc-2022 proof alone (by a key added to the issuer's trust list), verified by both. For
# these two forms the rates are also given per CPU second (user + system time of the verifying
# process), which a loaded machine changes less than wall time.
# Usage: scripts/bench-verify.sh [N] (default 20000); NODE_N documents for the node peer
# (default N, at most 2000: it is about a hundred times slower).
# BEFORE=path/to/older/skillcert also runs that binary on the same inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20000}"
work="${BENCH_DIR:-target/bench-verify}"
rm -rf "$work" && mkdir -p "$work/template" && work=$(realpath "$work")
PATH="$(scripts/python-tooling.sh):$PATH"
if [ ! -d crates/cli/tests/tooling/node_modules/jose ]; then
  (cd crates/cli/tests/tooling && npm ci --no-audit --no-fund --loglevel=error)
fi
cargo build --release --quiet --bin skillcert --example ed25519_rate
bin=target/release/skillcert
data="$work/issuer"
"$bin" --data-dir "$data" init --name "Benchmark Centre" --base-url https://verify.example.cn >/dev/null
"$bin" --data-dir "$data" --json issue --holder "张三" --holder-latin "Zhang San" \
  --program "焊工 Welder" --program-code 6-29-03-01 --level 3 --formats document,token \
  --out "$work/template/out" >"$work/template/issued.json"
python3 - "$work/template" <<'PY'
import json, sys, shutil
t = sys.argv[1]
j = json.load(open(f"{t}/issued.json"))
shutil.copy(j["files"]["document"], f"{t}/document.json")
shutil.copy(j["files"]["token"], f"{t}/token.txt")
open(f"{t}/qr.txt", "w").write(j["qr_text"])
PY
"$bin" --data-dir "$data" status export --out "$work/template/lists" >/dev/null
python3 scripts/bench_verify.py make "$work" "$n"
"$bin" --data-dir "$data" trust export --out "$work/issuer-trust.json" >/dev/null
python3 - "$work" "$n" <<'PY'
import json, sys
w, n = sys.argv[1], int(sys.argv[2])
doc = json.dumps(json.load(open(f"{w}/template/document.json")), ensure_ascii=False, separators=(",", ":"))
open(f"{w}/docset.txt", "w").write((doc + "\n") * n)
PY
# The node peer: N_SIGNED documents signed with eddsa-rdfc-2022 by its own key (each its own
# id), repeated to N lines; that key joins the issuer's trust list as #node-bench.
ob=crates/canon/src/rdfc/contexts/ob-context-3.0.3.jsonld
signed=$(( n < 200 ? n : 200 ))
node_n="${NODE_N:-$(( n < 2000 ? n : 2000 ))}"
issuer_id=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); i=d["issuer"]; print(i["id"] if isinstance(i, dict) else i)' "$work/template/document.json")
node_key=$(node crates/cli/tests/tooling/di_bench.mjs sign "$work/template/document.json" \
  "$work/rdfc-signed.txt" "$signed" "$ob" "$issuer_id#node-bench")
python3 - "$work" "$n" "$node_n" "$issuer_id#node-bench" "$node_key" <<'PY'
import json, sys
w, n, node_n, kid, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
t = json.load(open(f"{w}/issuer-trust.json"))
k = dict(t["issuers"][0]["keys"][0], id=kid, publicKeyMultibase=key)
t["issuers"][0]["keys"].append(k)
json.dump(t, open(f"{w}/issuer-node-trust.json", "w"))
signed = open(f"{w}/rdfc-signed.txt").read().splitlines()
open(f"{w}/rdfc.txt", "w").write("".join(signed[i % len(signed)] + "\n" for i in range(n)))
for form in ["docset", "rdfc"]:
    lines = open(f"{w}/{form}.txt").read().splitlines()[:node_n]
    open(f"{w}/{form}-node.txt", "w").write("".join(l + "\n" for l in lines))
PY
status=() issuer_status=()
for f in "$work"/lists/*.json; do status+=(--status "$f"); done
for f in "$work"/template/lists/*.json; do issuer_status+=(--status "$f"); done
cores=$(nproc)
echo "N=$n, $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
read -r _ strict < <("target/release/examples/ed25519_rate" | grep verify_strict)
read -r _ many < <("target/release/examples/ed25519_rate" | grep verify_many)
printf '%-44s %9.0f/s\n' "raw verify_strict (one core)" "$strict" "raw verify_many, batches (one core)" "$many"

# skillcert: rate of `verify --batch FILE` (wall time of the process); every verdict must be valid.
run_skillcert() { # binary file [taskset args...]
  local b="$1" f="$2"; shift 2
  local auditor; auditor=$(mktemp -d)
  local start end trust="$work/trust.json" st=("${status[@]}")
  case "$f" in
    "$work/docset.txt" | "$work/rdfc.txt")
      trust="$work/issuer-node-trust.json" st=("${issuer_status[@]}") ;;
  esac
  start=$(date +%s.%N)
  "$@" "$b" --data-dir "$auditor" verify --batch "$f" --trust "$trust" "${st[@]}" \
    --offline >"$work/out.jsonl"
  end=$(date +%s.%N)
  rm -rf "$auditor"
  local bad; bad=$(grep -vc '"verdict":"valid"' "$work/out.jsonl" || true)
  [ "$bad" = 0 ] || { echo "$bad verdicts not valid in $f:"; grep -v '"verdict":"valid"' "$work/out.jsonl" | head -2; exit 1; }
  echo "$(wc -l <"$f") / ($end - $start)" | bc -l
}
# skillcert on one core: documents per CPU second (user + system of `verify --batch`).
cpu_skillcert() { # binary file
  local auditor t; auditor=$(mktemp -d) t=$(mktemp)
  /usr/bin/time -f '%U %S' -o "$t" taskset -c 0 "$1" --data-dir "$auditor" verify --batch "$2" \
    --trust "$work/issuer-node-trust.json" "${issuer_status[@]}" --offline >"$work/out.jsonl"
  rm -rf "$auditor"
  local bad; bad=$(grep -vc '"verdict":"valid"' "$work/out.jsonl" || true)
  [ "$bad" = 0 ] || { echo "$bad verdicts not valid in $2" >&2; exit 1; }
  read -r u s <"$t"; rm -f "$t"
  echo "$(wc -l <"$2") / ($u + $s)" | bc -l
}
declare -A rate
for form in tokens documents docset rdfc qr; do
  rate[$form]=$(run_skillcert "$bin" "$work/$form.txt")
  rate[$form.1]=$(run_skillcert "$bin" "$work/$form.txt" taskset -c 0)
  if [ -n "${BEFORE:-}" ]; then
    rate[$form.before]=$(run_skillcert "$BEFORE" "$work/$form.txt")
    rate[$form.before1]=$(run_skillcert "$BEFORE" "$work/$form.txt" taskset -c 0)
  fi
done
read -r cnt secs < <(python3 scripts/bench_verify.py joserfc "$work")
joserfc=$(echo "$cnt / $secs" | bc -l)
read -r cnt secs < <(cd crates/cli/tests/tooling && node jose_bench.mjs "$work/tokens.txt" "$work/jwk.json")
jose=$(echo "$cnt / $secs" | bc -l)
read -r cnt secs < <(python3 scripts/bench_verify.py documents "$work")
pydocs=$(echo "$cnt / $secs" | bc -l)
declare -A di
for form in docset rdfc; do
  suites=set; [ "$form" = rdfc ] && suites=rdfc
  read -r cnt secs cpu < <(node crates/cli/tests/tooling/di_bench.mjs verify \
    "$work/$form-node.txt" "$work/issuer-node-trust.json" "$ob" "$suites")
  di[$form]=$(echo "$cnt / $secs" | bc -l)
  di[$form.cpu]=$(echo "$cnt / $cpu" | bc -l)
  di[$form.ours]=$(cpu_skillcert "$bin" "$work/$form.txt")
  if [ -n "${BEFORE:-}" ]; then di[$form.before]=$(cpu_skillcert "$BEFORE" "$work/$form.txt"); fi
done

line() { printf '%-44s %9.0f/s  %s\n' "$1" "$2" "$3"; }
ratio() { echo "$1 / ($2)" | bc -l | xargs printf '%.2f'; }
for form in tokens documents docset rdfc qr; do
  r=${rate[$form]} r1=${rate[$form.1]}
  line "skillcert verify --batch $form ($cores cores)" "$r" "per core $(ratio "$r" "$cores * $strict")x raw"
  line "skillcert verify --batch $form (1 core)" "$r1" "$(ratio "$r1" "$strict")x raw verify_strict"
  if [ -n "${BEFORE:-}" ]; then
    line "  before: $form ($cores cores)" "${rate[$form.before]}" "after/before $(ratio "$r" "${rate[$form.before]}")x"
    line "  before: $form (1 core)" "${rate[$form.before1]}" "after/before $(ratio "$r1" "${rate[$form.before1]}")x"
  fi
done
line "python joserfc, tokens (1 core)" "$joserfc" "skillcert batch / joserfc $(ratio "${rate[tokens]}" "$joserfc")x"
line "node jose, tokens (1 core)" "$jose" "skillcert batch / jose $(ratio "${rate[tokens]}" "$jose")x"
line "python cryptography+rfc8785, documents" "$pydocs" "skillcert batch / it $(ratio "${rate[documents]}" "$pydocs")x"
for form in docset rdfc; do
  what="proof set"; [ "$form" = rdfc ] && what="eddsa-rdfc-2022 alone, signed by it"
  line "node Digital Bazaar vc, $form (1 core)" "${di[$form]}" "skillcert 1 core / it $(ratio "${rate[$form.1]}" "${di[$form]}")x ($what)"
  line "  per CPU second: node" "${di[$form.cpu]}" ""
  line "  per CPU second: skillcert (1 core)" "${di[$form.ours]}" "skillcert / node $(ratio "${di[$form.ours]}" "${di[$form.cpu]}")x"
  if [ -n "${BEFORE:-}" ]; then
    line "  per CPU second: before (1 core)" "${di[$form.before]}" "after/before $(ratio "${di[$form.ours]}" "${di[$form.before]}")x"
  fi
done
