#!/usr/bin/env bash
# On a GPU machine: runs ASA CUDA test programs and the benchmark that were built elsewhere and
# copied into one folder (default .asa-gpu/, with any shared libraries the machine lacks in lib/).
# LibTorch comes from the machine's own python3 torch, which must be the version they were built
# against. Writes logs to $OUT when set.
#   kernels/bench/run_device_checks.sh [folder] [--no-bench] [--peers] [--sanitize] [--ncu]
set -uo pipefail
cd "$(dirname "$0")/../.."
folder=.asa-gpu
bench=1
peers=0
sanitize=0
ncu_profile=0
for arg in "$@"; do
  case "$arg" in
    --no-bench) bench=0 ;;
    --peers) peers=1 ;;
    --sanitize) sanitize=1 ;;
    --ncu) ncu_profile=1 ;;
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
  b="$folder/blade_asa_cuda_bench"
  echo "== benchmark, defaults (Wan2.1-1.3B 480p self-attention shape)"
  "$b" --sparsity 0.5,0.8,0.9,0.95 --backward --probe 2>&1 | tee "$logs/bench.log"
  echo "== alternatives: forward key tile 32, backward 64 keys per block, fused probe"
  "$b" --sparsity 0.8,0.9 --backward --probe --key-tile 32 --backward-keys 64 --probe-variant 1 2>&1 | tee -a "$logs/bench.log"
  echo "== ASA-GT (pool 30)"
  "$b" --sparsity 0.8,0.9 --pool 30 --backward 2>&1 | tee -a "$logs/bench.log"
  echo "== head dim 64, block 64 (split, then fused probe)"
  "$b" --sparsity 0.9 --dim 64 --block 64 --heads 24 --probe --backward 2>&1 | tee -a "$logs/bench.log"
  "$b" --sparsity 0.9 --dim 64 --block 64 --heads 24 --probe --probe-variant 1 2>&1 | tee -a "$logs/bench.log"
fi
if [ "$peers" = 1 ] && [ -f "$folder/peer_attention_bench.py" ]; then
  echo "== peers"
  timeout 100 python3 "$folder/peer_attention_bench.py" --sparsity 0.8,0.9 --json "$logs/peers.json" > /dev/null 2>&1; python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print({k: round(v, 3) for k, v in d.items() if k.endswith(\"_ms\")})" "$logs/peers.json"
fi
if [ "$ncu_profile" = 1 ] && command -v ncu >/dev/null; then
  echo "== ncu (forward, backward and probe kernels at sparsity 0.9)"
  : > "$logs/ncu.txt"
  for kernel in sparse_forward sparse_backward probe_scores probe_select; do
    timeout 30 ncu --clock-control none --kernel-name regex:"$kernel" --launch-count 1 \
      --section SpeedOfLight --section Occupancy --section WarpStateStats \
      "$folder/blade_asa_cuda_bench" --sparsity 0.9 --backward --probe --repeats 1 >> "$logs/ncu.txt" 2>&1
  done
  grep -E "sparse_|probe_|Duration|Compute \(SM\) Throughput|Memory Throughput|Achieved Occupancy|Registers Per" "$logs/ncu.txt" | head -n 40
fi
if [ "$sanitize" = 1 ] && command -v compute-sanitizer >/dev/null; then
  echo "== compute-sanitizer racecheck (test_cuda_asa_probe)"
  timeout 60 compute-sanitizer --tool racecheck --print-limit 20 "$folder/test_cuda_asa_probe" > "$logs/sanitize.log" 2>&1
  tail -n 3 "$logs/sanitize.log"
  echo "== compute-sanitizer memcheck (test_cuda_asa_backward)"
  timeout 60 compute-sanitizer --tool memcheck --print-limit 20 "$folder/test_cuda_asa_backward" >> "$logs/sanitize.log" 2>&1
  tail -n 3 "$logs/sanitize.log"
fi
exit $status
