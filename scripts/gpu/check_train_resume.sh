#!/usr/bin/env bash
# On a GPU server: builds the CUDA training test (scripts/gpu/build.sh, preset engine-only, into
# build-engine/) and runs it with verbose output: bf16 teacher training, the exact-resume check
# (20 iterations straight vs 10 + checkpoint + resume + 10 under deterministic kernels, judged
# against the straight-vs-straight noise floor; it also prints the floor of the default kernels)
# and TDM distillation. SKIP_BUILD=1 runs what build-engine/ already holds.
# usage: scripts/gpu/check_train_resume.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  BLADE_BUILD_TARGET=test_train_cuda scripts/gpu/build.sh
fi
export LD_LIBRARY_PATH="/tmp/blade-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
cd build-engine
ctest -R '^test_train_cuda$' --verbose --output-on-failure
