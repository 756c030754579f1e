#!/usr/bin/env bash
# On a GPU server: builds (scripts/gpu/build.sh), runs the GPU tests and takes the measurements kept
# in docs/benchmarks.md, each into a file of the folder given (default out/gpu):
#   card.txt, build.log, ctest.log, generate.json (tiny pipeline on CUDA, f32 then bf16),
#   attention.json (ours at 0.8, 0.9, 0.95, the probe, the CPU) and, when a peer script is given,
#   peer.json (PyTorch's FlexAttention and cuDNN on the very same masks).
# usage: scripts/gpu/measure.sh [OUT_DIR] [PEER_BENCH.py]
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-out/gpu}
peer=${2:-}
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/card.txt"
date -u +%Y-%m-%dT%H:%MZ >> "$out/card.txt"
if ! scripts/gpu/build.sh > "$out/build.log" 2>&1; then
  tail -60 "$out/build.log"; exit 1
fi
export LD_LIBRARY_PATH="/tmp/blade-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
blade=build-engine/app/cli/blade
(cd build-engine && ctest -L cuda --output-on-failure --timeout 300) > "$out/ctest.log" 2>&1
tail -15 "$out/ctest.log"

for dtype in f32 bf16; do
  "$blade" generate --model tests/fixtures/wan-tiny --prompt "a small red circle drifts to the left over a blue sky" \
    --device cuda --dtype "$dtype" --frames 9 --size 32x32 --steps 3 --seed 42 --quiet --json \
    --out "/tmp/tiny-$dtype.y4m" >> "$out/generate.json"
done

for s in 0.8 0.9 0.95; do
  "$blade" bench attention --device cuda --sparsity "$s" --mask-file "/tmp/mask-$s.pt" --repeats 20 --json \
    >> "$out/attention.json"
  if [ -n "$peer" ]; then python3 "$peer" --mask-file "/tmp/mask-$s.pt" >> "$out/peer.json" 2>&1; fi
done
"$blade" bench attention --device cuda --sparsity 0.9 --mask probe --repeats 20 --json >> "$out/attention.json"
"$blade" bench attention --device cpu --sparsity 0.9 --repeats 5 --json >> "$out/attention.json"
cat "$out/generate.json"
