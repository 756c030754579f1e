#!/usr/bin/env bash
# Sets BLADE Studio up (scripts/setup.sh) and starts it on the bundled model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p out
build/app/cli/blade generate --model tests/fixtures/wan-tiny --prompt "a small red circle drifts to the left over a blue sky" \
  --steps 4 --frames 17 --size 64x64 --seed 7 --out out/first-clip.mp4 "$@"
echo "wrote out/first-clip.mp4"
