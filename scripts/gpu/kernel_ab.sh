#!/usr/bin/env bash
# On a GPU server: builds the attention kernels' tests and benchmark, runs the GPU tests that cover
# the attention forward, the probe, the fused norms and the pipeline, then compares the Hopper
# forward with its consumer warpgroups independent (2) and taking turns (3), and the probe's mma.sync
# scores kernel (2) with the wgmma one (3), twice each in alternation, on Wan2.1-1.3B's attention
# shape with ASA-GT's pooled tokens. Logs go to $OUT when set.
#   scripts/gpu/kernel_ab.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
logs="${OUT:-/tmp}"
export LD_LIBRARY_PATH="/tmp/blade-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$logs/card.txt"
BLADE_BUILD_TARGET="blade_asa_cuda_bench test_cuda_asa_forward test_cuda_asa_probe test_fused_norms_cuda test_pipeline_cuda" \
  scripts/gpu/build.sh > "$logs/build.log" 2>&1 || { grep -B2 -A10 " error" "$logs/build.log" | head -30; exit 1; }
status=0
for test in cuda_asa/test_cuda_asa_forward cuda_asa/test_cuda_asa_probe cuda/test_fused_norms_cuda cuda/test_pipeline_cuda; do
  name=$(basename "$test")
  timeout 300 "build-engine/tests/$test" > "$logs/$name.log" 2>&1
  rc=$?
  echo "== $name rc=$rc"; grep -iE "fail|error:" "$logs/$name.log" | head -8
  [ "$rc" = 0 ] || status=1
done
for variant in 2 3 2 3; do
  echo "== forward kernel $variant, probe variant $variant"
  timeout 120 build-engine/kernels/blade_asa_cuda_bench --sparsity 0.8,0.9 --pool 30 --probe --forward-kernel "$variant" \
    --probe-variant "$variant" 2>&1 | tail -3
done | tee "$logs/kernel_ab.txt"
exit $status
