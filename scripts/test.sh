#!/usr/bin/env bash
# The whole test suite. Installs the external programs some tests drive (zbarimg, an independent
# QR reader; poppler-utils, to render and read printed certificates; Chromium, for the browser
# test of the verification page, and fontconfig's fc-list to run it without Chinese fonts; jq
# and curl, which the README's commands use; node and Python with the independent JOSE and Data
# Integrity libraries of tests/tooling; zxing-cpp and the Python modules of the photo corpus;
# PostgreSQL, for the register tests) when they are missing.
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
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-pip)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing ${need[*]} (needed by the tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# tests/tooling: node jose and Digital Bazaar's libraries (exactly package-lock.json), again
# only when the lock file is newer than what npm last installed.
if [ tests/tooling/package-lock.json -nt tests/tooling/node_modules/.package-lock.json ]; then
  echo "installing tests/tooling node packages (needed by the interop tests)"
  (cd tests/tooling && npm ci --no-audit --no-fund --loglevel=error)
fi
# Python joserfc, cryptography and rfc8785 (the joserfc and trust list interop tests).
if ! python3 -c 'import joserfc, cryptography, rfc8785' >/dev/null 2>&1; then
  echo "installing joserfc, cryptography, rfc8785 (needed by the interop tests)"
  python3 -m pip install -q joserfc cryptography rfc8785 \
    || python3 -m pip install -q --break-system-packages joserfc cryptography rfc8785
fi
# Pillow, numpy and zxing-cpp for the photo corpus test (tests/library/qr_photos.rs).
scripts/python-tooling.sh
# PostgreSQL for the register tests (the same suite runs on SQLite and PostgreSQL).
SKILLCERT_TEST_POSTGRES="$(scripts/postgres.sh)"
export SKILLCERT_TEST_POSTGRES
cargo test "$@"
