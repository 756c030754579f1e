#!/usr/bin/env bash
# On a GPU server: builds the blade CLI and evaluates one BLADE-mini teacher folder: `blade eval`
# (teacher-50-dense, 24 held-out prompts x 1 seed), `blade text-separation` and `blade noise-levels`
# (16 prompts). Into OUT_DIR: card.txt, eval.jsonl (the eval row, then the separation, then one line
# per noise level and context), clips.jsonl (what the judge recovered per clip).
# usage: scripts/gpu/eval_teacher.sh OUT_DIR MODEL_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
usage="usage: eval_teacher.sh OUT_DIR MODEL_DIR"
out=${1:?$usage}
model=${2:?$usage}
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/card.txt"
date -u +%Y-%m-%dT%H:%MZ >> "$out/card.txt"
if ! BLADE_BUILD_TARGET=blade scripts/gpu/build.sh > "$out/build.log" 2>&1; then
  tail -60 "$out/build.log"; exit 1
fi
export LD_LIBRARY_PATH="/tmp/blade-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
blade=build-engine/app/cli/blade
rows=$(mktemp -d)
"$blade" eval --device cuda --teacher "$model" --rows teacher-50-dense --prompts 24 --seeds 1 --json \
  --clips "$out/clips.jsonl" --quiet > "$rows/eval.jsonl"
echo "eval: exit $?"
"$blade" text-separation --model "$model" --json > "$rows/separation.jsonl"
echo "text-separation: exit $?"
"$blade" noise-levels --model "$model" --device cuda --prompts 16 --json --quiet > "$rows/levels.jsonl"
echo "noise-levels: exit $?"
cat "$rows/eval.jsonl" "$rows/separation.jsonl" "$rows/levels.jsonl" > "$out/eval.jsonl"
rm -rf "$rows"
cut -c1-400 "$out/eval.jsonl"
