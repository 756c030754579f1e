#!/usr/bin/env bash
# On a GPU server: builds the blade CLI and trains BLADE-mini in time-boxed stages, each resuming
# its run in RUN_DIR when a checkpoint is there (so a long training can span several sessions on a
# machine that keeps RUN_DIR).
# usage: scripts/gpu/train_mini.sh OUT_DIR RUN_DIR STAGE...
#   teacher:MIN[:ITER]          the dense teacher (flow matching), MIN minutes, ITER total iterations
#   student8:MIN:ITER           8-step ASA-GT student distilled from RUN_DIR/teacher/model
#   student4:MIN:ITER           4-step ASA-GT student
#   TEACHER=DIR overrides the teacher folder the students start from.
#   INIT=DIR starts a new teacher run from an exported teacher folder (blade train --init);
#   SEED=N picks the world's clip stream (use another than the folder's run, or it sees the same clips).
#   OBJECT_WEIGHT=W weighs object pixels W in a new teacher run's loss (blade train --object-loss-weight).
#   MOTION_WEIGHT=W adds W times the frame-to-frame error term (blade train --motion-loss-weight).
#   TEXT_PRETRAIN=N pretrains a new run's text encoder N iterations first (blade train --text-pretrain).
#   FLOW_SHIFT=S trains a new run at the noise levels of shift S (blade train --flow-shift).
#   TRAIN_SIZE=WxH trains the teacher stage on clips of that size (blade train --train-size), e.g.
#   TRAIN_SIZE=32x32 for a first stage, then the same RUN_DIR without it (64x64) to go on.
# Into OUT_DIR: card.txt, <stage>.log (the CLI's output), <stage>_log.jsonl (losses) and the
# exported model folder as <stage>-model.tar.partNN pieces of at most 15 MiB.
set -uo pipefail
cd "$(dirname "$0")/../.."
usage="usage: train_mini.sh OUT_DIR RUN_DIR teacher:MIN[:ITER] | student8:MIN:ITER | student4:MIN:ITER ..."
out=${1:?$usage}
run=${2:?$usage}
shift 2
mkdir -p "$out" "$run"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/card.txt"
date -u +%Y-%m-%dT%H:%MZ >> "$out/card.txt"
if ! BLADE_BUILD_TARGET=blade scripts/gpu/build.sh > "$out/build.log" 2>&1; then
  tail -60 "$out/build.log"; exit 1
fi
export LD_LIBRARY_PATH="/tmp/blade-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
blade=build-engine/app/cli/blade

pack() {  # pack STAGE: the stage's model folder and loss log into OUT_DIR
  local stage=$1 dir="$run/$1"
  tar -C "$dir" -cf - model | split -b 15M -d - "$out/$stage-model.tar.part"
  cp "$dir"/*_log.jsonl "$out/${stage}_log.jsonl" 2>/dev/null || true
}

for spec in "$@"; do
  IFS=: read -r stage minutes iterations <<< "$spec"
  dir="$run/$stage"
  resume=()
  [ -f "$dir/checkpoint.json" ] && resume=(--resume)
  case "$stage" in
    teacher)
      init=()
      [ ${#resume[@]} -eq 0 ] && [ -n "${INIT:-}" ] && init=(--init "$INIT" --seed "${SEED:-1}")
      [ ${#resume[@]} -eq 0 ] && [ -n "${OBJECT_WEIGHT:-}" ] && init+=(--object-loss-weight "$OBJECT_WEIGHT")
      [ ${#resume[@]} -eq 0 ] && [ -n "${MOTION_WEIGHT:-}" ] && init+=(--motion-loss-weight "$MOTION_WEIGHT")
      [ ${#resume[@]} -eq 0 ] && [ -n "${TEXT_PRETRAIN:-}" ] && init+=(--text-pretrain "$TEXT_PRETRAIN")
      [ ${#resume[@]} -eq 0 ] && [ -n "${FLOW_SHIFT:-}" ] && init+=(--flow-shift "$FLOW_SHIFT")
      [ -n "${TRAIN_SIZE:-}" ] && init+=(--train-size "$TRAIN_SIZE")
      cmd=("$blade" train --device cuda --out "$dir" --minutes "$minutes" --checkpoint-minutes 2
           --iterations "${iterations:-200000}" "${init[@]}" "${resume[@]}") ;;
    student8|student4)
      setup=()
      [ ${#resume[@]} -eq 0 ] && setup=(--teacher "${TEACHER:-$run/teacher/model}" --steps "${stage#student}")
      cmd=("$blade" distill --device cuda --out "$dir" --minutes "$minutes" --checkpoint-minutes 2
           --iterations "$iterations" "${setup[@]}" "${resume[@]}") ;;
    *) echo "unknown stage '$stage'"; exit 2 ;;
  esac
  echo "== ${cmd[*]}"
  start=$(date +%s)
  "${cmd[@]}" > "$out/$stage.log" 2>&1
  rc=$?
  echo "== $stage: exit $rc after $(( $(date +%s) - start )) s"
  tr '\r' '\n' < "$out/$stage.log" | tail -n 6
  [ $rc -eq 0 ] || exit $rc
  pack "$stage"
done
