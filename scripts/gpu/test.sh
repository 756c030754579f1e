#!/usr/bin/env bash
# On a GPU server: build (scripts/gpu/build.sh) and run the tests labelled cuda.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/gpu/build.sh
export LD_LIBRARY_PATH="/tmp/blade-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
cd build-engine && ctest -L cuda --output-on-failure
