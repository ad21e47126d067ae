#!/usr/bin/env bash
# Installs what the photo corpus needs (python3 with pip; Pillow, numpy and zxing-cpp) when it
# is missing; quick when everything is there.
set -euo pipefail
if python3 -c "import PIL, numpy, zxingcpp" >/dev/null 2>&1; then
  exit 0
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing python3-pip (needed by the photo corpus tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-pip >/dev/null
fi
echo "installing Pillow, numpy and zxing-cpp (needed by the photo corpus tests)"
python3 -m pip install -q pillow numpy zxing-cpp 2>/dev/null \
  || python3 -m pip install -q --break-system-packages pillow numpy zxing-cpp
python3 -c "import PIL, numpy, zxingcpp"
