#!/usr/bin/env bash
# cargo deny (deny.toml): licences, duplicates and sources always; advisories when the RustSec
# database can be fetched (on a closed network it cannot: then this says so plainly and does not
# pass them off as checked). Installs cargo-deny from crates.io when missing, once per machine,
# as a debug build: it compiles in about a minute and checks this graph in about 2 s.
# `scripts/deny.sh install` only installs it (.ci/run does that early, beside other steps).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "installing cargo-deny (needed by CI's dependency checks)"
  cargo install --debug --locked --quiet cargo-deny --target-dir target/cargo-deny
fi
[ "${1:-}" = install ] && exit 0
cargo deny --locked check --hide-inclusion-graph licenses bans sources
if timeout 20 git ls-remote -q https://github.com/RustSec/advisory-db HEAD >/dev/null 2>&1; then
  cargo deny --locked check advisories
else
  echo "deny: ADVISORIES NOT CHECKED: the RustSec advisory database cannot be reached from here"
fi
