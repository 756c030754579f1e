#!/usr/bin/env bash
# On a GPU server: builds the blade CLI (scripts/gpu/build.sh, target blade only) and measures the
# whole Wan2.1-1.3B pipeline on random weights of the true shapes, into OUT_DIR:
#   card.txt, pipeline.jsonl (one JSON line per row), pipeline.txt (the printed tables).
# usage: scripts/gpu/bench_pipeline.sh OUT_DIR main|scaling|memory
#   main     832x480, 81 frames: dense 50 steps + CFG, dense 8, ASA-GT 8 (sparsity 0.8)
#   scaling  the same at 17, 33 and 49 frames
#   memory   81 frames with the text encoder offloaded to the CPU between prompts
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: bench_pipeline.sh OUT_DIR main|scaling|memory}
what=${2:?usage: bench_pipeline.sh OUT_DIR main|scaling|memory}
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/card.txt"
date -u +%Y-%m-%dT%H:%MZ >> "$out/card.txt"
if ! BLADE_BUILD_TARGET="${BLADE_BUILD_TARGET:-blade}" scripts/gpu/build.sh > "$out/build.log" 2>&1; then
  tail -60 "$out/build.log"; exit 1
fi
export LD_LIBRARY_PATH="/tmp/blade-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
bench=(build-engine/app/cli/blade bench pipeline --random-weights wan2.1-t2v-1.3b --size 832x480
       --results "$out/pipeline.jsonl")
case "$what" in
  main) "${bench[@]}" --frames 81 ;;
  scaling) "${bench[@]}" --frames 17,33,49 ;;
  memory) "${bench[@]}" --frames 81 --dense-steps 2 --student-steps 2 --offload-text-encoder ;;
  *) echo "unknown measurement '$what'"; exit 2 ;;
esac 2>&1 | tee "$out/pipeline.txt" | grep -v "^\[" 
