#!/usr/bin/env bash
# Installs what BLADE Studio needs on Debian 12 (system packages, LibTorch from the PyPI torch
# wheel in .venv) and builds it into build/. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.11.0
APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config python3-venv python3-pip clang libclang-rt-14-dev
  qt6-base-dev libgl-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev ffmpeg
  libopencv-dev libspdlog-dev libfmt-dev libsentencepiece-dev nlohmann-json3-dev xvfb xauth
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
  echo "setup: installing torch $TORCH_VERSION (LibTorch) into .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check "torch==$TORCH_VERSION"
fi
TORCH_CMAKE=$(.venv/bin/python -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$TORCH_CMAKE" >/dev/null
cmake --build build -j"$(nproc)"
