#!/usr/bin/env bash
# Sets BLADE Studio up (scripts/setup.sh) and runs the whole test suite: every CTest test except the
# GPU ones (label cuda, run on a GPU machine with scripts/gpu/test.sh), then the Debian package
# (built, unpacked into a temporary root, its blade run from there) and the safetensors header
# fuzzer for a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
(cd build && ctest -LE cuda --output-on-failure -j"$(nproc)" --timeout 900)
scripts/check_package.sh
scripts/run_fuzzer.sh 60
