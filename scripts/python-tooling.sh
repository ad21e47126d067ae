#!/usr/bin/env bash
# The Python packages the tests drive, in a virtual environment of the clone's own
# (target/tooling-venv, never the system's site-packages): joserfc, cryptography and rfc8785
# (the JOSE and trust list interop tests), Pillow, numpy and zxing-cpp (the photo corpus).
# Prints the environment's bin folder; quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SKILLCERT_VENV:-$PWD/target/tooling-venv}"
PKGS=(joserfc cryptography rfc8785 pillow numpy zxing-cpp)
if "$VENV/bin/python3" -c "import joserfc, cryptography, rfc8785, PIL, numpy, zxingcpp" \
  >/dev/null 2>&1; then
  echo "$VENV/bin"
  exit 0
fi
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing python3-venv (needed by the interop and photo corpus tests)" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv >/dev/null
fi
echo "installing ${PKGS[*]} into $VENV (needed by the interop and photo corpus tests)" >&2
python3 -m venv "$VENV" >&2
"$VENV/bin/python3" -m pip install -q --disable-pip-version-check "${PKGS[@]}" >&2
"$VENV/bin/python3" -c "import joserfc, cryptography, rfc8785, PIL, numpy, zxingcpp"
echo "$VENV/bin"
