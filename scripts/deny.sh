#!/usr/bin/env bash
# cargo deny (deny.toml): licences, duplicates and sources always; advisories when the RustSec
# database can be fetched (a closed network cannot: then this says so and does not pass them off
# as checked). Installs cargo-deny from crates.io when missing (once per machine).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "installing cargo-deny (needed by CI's dependency checks)"
  cargo install --locked --quiet cargo-deny
fi
cargo deny --locked check licenses bans sources
if timeout 120 cargo deny --locked check advisories; then
  echo "deny: advisories checked"
else
  status=$?
  if [ -d "${CARGO_HOME:-$HOME/.cargo}/advisory-dbs" ] && [ "$status" -ne 124 ]; then
    exit "$status"
  fi
  echo "deny: ADVISORIES NOT CHECKED: the RustSec advisory database could not be fetched"
fi
