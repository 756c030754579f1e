#!/usr/bin/env bash
# On a GPU machine: runs ASA CUDA test programs and the benchmark that were built elsewhere and
# copied into one folder (default .asa-gpu/, with any shared libraries the machine lacks in lib/).
# LibTorch comes from the machine's own python3 torch, which must be the version they were built
# against. Writes logs to $OUT when set.
#   kernels/bench/run_device_checks.sh [folder] [--no-bench] [--peers] [--sanitize]
set -uo pipefail
cd "$(dirname "$0")/../.."
folder=.asa-gpu
bench=1
peers=0
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --no-bench) bench=0 ;;
    --peers) peers=1 ;;
    --sanitize) sanitize=1 ;;
    *) folder="$arg" ;;
  esac
done
logs="${OUT:-/tmp}"
torch_lib="$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$PWD/$folder/lib:$torch_lib:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))'

status=0
for name in forward backward probe backend; do
  program="$folder/test_cuda_asa_$name"
  [ -x "$program" ] || continue
  echo "== test_cuda_asa_$name"
  "$program" > "$logs/test_cuda_asa_$name.log" 2>&1
  rc=$?
  grep -E "FAIL|CHECK|error" "$logs/test_cuda_asa_$name.log" | head -n 20
  tail -n 3 "$logs/test_cuda_asa_$name.log"
  echo "== test_cuda_asa_$name rc=$rc"
  [ "$rc" = 0 ] || status=1
done

if [ "$bench" = 1 ] && [ -x "$folder/blade_asa_cuda_bench" ]; then
  echo "== benchmark (Wan2.1-1.3B 480p self-attention shape)"
  "$folder/blade_asa_cuda_bench" --sparsity 0.5,0.8,0.9,0.95 --backward --probe 2>&1 | tee "$logs/bench.log"
  "$folder/blade_asa_cuda_bench" --sparsity 0.8,0.9 --pool 30 2>&1 | tee -a "$logs/bench.log"
  echo "== forward key tile 64 / 32"
  "$folder/blade_asa_cuda_bench" --sparsity 0.8,0.9 --key-tile 64 2>&1 | tee -a "$logs/bench.log"
  "$folder/blade_asa_cuda_bench" --sparsity 0.8,0.9 --key-tile 32 2>&1 | tee -a "$logs/bench.log"
  echo "== head dim 64, block 64"
  "$folder/blade_asa_cuda_bench" --sparsity 0.9 --dim 64 --block 64 --heads 24 --probe 2>&1 | tee -a "$logs/bench.log"
fi
if [ "$peers" = 1 ] && [ -f "$folder/peer_attention_bench.py" ]; then
  echo "== peers"
  timeout 100 python3 "$folder/peer_attention_bench.py" --sparsity 0.8,0.9 --json "$logs/peers.json" 2>&1 | tail -n 30
fi
if [ "$sanitize" = 1 ] && command -v compute-sanitizer >/dev/null; then
  echo "== compute-sanitizer racecheck (test_cuda_asa_backend)"
  timeout 50 compute-sanitizer --tool racecheck --print-limit 20 "$folder/test_cuda_asa_backend" > "$logs/sanitize.log" 2>&1
  tail -n 8 "$logs/sanitize.log"
  echo "== compute-sanitizer memcheck (test_cuda_asa_backward)"
  timeout 70 compute-sanitizer --tool memcheck --print-limit 20 "$folder/test_cuda_asa_backward" >> "$logs/sanitize.log" 2>&1
  tail -n 8 "$logs/sanitize.log"
fi
exit $status
