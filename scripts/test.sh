#!/usr/bin/env bash
# The whole test suite. A plain `cargo test --workspace` needs only Rust: it runs every test
# that needs nothing else and lists the others as ignored, each with what it needs. This script
# installs those outside programs when they are missing and runs every test, ignored ones
# included (a missing program then fails its test; nothing is skipped):
#   - zbarimg (zbar-tools), an independent QR reader;
#   - pdftoppm/pdftotext (poppler-utils), to render and read printed certificates;
#   - Chromium and fontconfig's fc-list, for the browser test of the verification page;
#   - jq and curl, which the README's commands use;
#   - node with the JOSE and Data Integrity libraries of crates/cli/tests/tooling (npm ci);
#   - Python packages in a virtual environment of the clone's (scripts/python-tooling.sh);
#   - PostgreSQL, for the register tests (scripts/postgres.sh; stopped again at the end when this
#     script started it);
#   - HAProxy, for the deployment test (crates/cli/tests/deploy: deploy/skillcert-deploy.sh starts
#     its own PostgreSQL primary and replica, serve instances and HAProxy, and stops them).
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p skillcert`).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing ${need[*]} (needed by the tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# node jose and Digital Bazaar's libraries (exactly package-lock.json), again only when the lock
# file is newer than what npm last installed.
tooling=crates/cli/tests/tooling
if [ $tooling/package-lock.json -nt $tooling/node_modules/.package-lock.json ]; then
  echo "installing $tooling node packages (needed by the interop tests)"
  (cd $tooling && npm ci --no-audit --no-fund --loglevel=error)
fi
# The Python packages, in target/tooling-venv: the tests call `python3` from PATH.
PATH="$(scripts/python-tooling.sh):$PATH"
export PATH
# PostgreSQL: stopped at the end only if this run started it.
if ! scripts/postgres.sh status >/dev/null 2>&1; then
  trap 'scripts/postgres.sh stop' EXIT
fi
SKILLCERT_TEST_POSTGRES="$(scripts/postgres.sh)"
export SKILLCERT_TEST_POSTGRES
# Everything after a `--` among the arguments goes to the test binaries.
sep=(--)
for a in "$@"; do
  [ "$a" = "--" ] && sep=()
done
cargo test --workspace "$@" "${sep[@]}" --include-ignored
