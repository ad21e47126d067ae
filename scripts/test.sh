#!/usr/bin/env bash
# The whole test suite. Installs the external programs some tests drive (zbarimg, an independent
# QR reader; Chromium, for the browser test of the verification page; zxing-cpp and the Python
# modules of the photo corpus) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing ${need[*]} (needed by the tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Pillow, numpy and zxing-cpp for the photo corpus test (tests/library/qr_photos.rs).
scripts/python-tooling.sh
cargo test "$@"
