#!/usr/bin/env bash
# Installs the Python modules the photo corpus needs (Pillow, numpy, zxing-cpp) when missing.
set -euo pipefail
if ! python3 -c "import PIL, numpy, zxingcpp" >/dev/null 2>&1; then
  echo "installing Pillow, numpy and zxing-cpp (needed by the photo corpus tests)"
  python3 -m pip install -q pillow numpy zxing-cpp 2>/dev/null \
    || python3 -m pip install -q --break-system-packages pillow numpy zxing-cpp
fi
