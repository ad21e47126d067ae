#!/usr/bin/env bash
# The whole test suite. Installs the external programs some tests drive (zbarimg, an independent
# QR reader; Chromium, for the browser test of the verification page) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing ${need[*]} (needed by the tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Node tooling of the interop tests (tests/tooling/package.json), installed once.
if [ ! -d tests/tooling/node_modules/@digitalbazaar/vc ] || [ ! -d tests/tooling/node_modules/jose ]; then
  echo "installing the node test tooling (tests/tooling)"
  (cd tests/tooling && npm install --no-audit --no-fund --loglevel=error)
fi
cargo test "$@"
