#!/usr/bin/env bash
# On a GPU server (python3 with the CUDA torch wheel, nvcc, cmake, ninja, spdlog): unpacks .gpudeps/
# if present, builds the engine, the CLI and the GPU tests (preset engine-only) into build-engine/
# (only the targets named in BLADE_BUILD_TARGET, space-separated, when it is set).
set -euo pipefail
cd "$(dirname "$0")/../.."
DEPS=/tmp/blade-deps
prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
if ls .gpudeps/*.deb >/dev/null 2>&1; then
  mkdir -p "$DEPS"
  for deb in .gpudeps/*.deb; do dpkg -x "$deb" "$DEPS"; done
  prefix="$prefix;$DEPS/usr"
  export LD_LIBRARY_PATH="$DEPS/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
fi
cmake --preset engine-only -DCMAKE_PREFIX_PATH="$prefix" -DBLADE_BUILD_TESTS=ON >/dev/null
cmake --build --preset engine-only -j"$(nproc)" ${BLADE_BUILD_TARGET:+--target $BLADE_BUILD_TARGET}
