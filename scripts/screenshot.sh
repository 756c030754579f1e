#!/usr/bin/env bash
# Takes docs/studio.png: starts BLADE Studio on a virtual X display (Xvfb), lets it generate a
# clip with the bundled model (BLADE-mini, at the settings it recommends), and has the program save its own window when the clip is done
# (blade-studio --screenshot). Settings go to a scratch file, so the user's are never touched.
#   scripts/screenshot.sh [OUTPUT.png] [TAB]     TAB: timeline (default), attention or compare
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/studio.png}
tab=${2:-timeline}
studio=build/app/studio/blade-studio
[ -x "$studio" ] || { echo "screenshot: $studio is missing; build it first (cmake --build build --target blade-studio)" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "screenshot: xvfb-run is missing (apt-get install xvfb xauth)" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$(dirname "$out")"
# A fixed DPI and font size keep the picture the same from machine to machine.
QT_FONT_DPI=96 xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$studio" --settings "$scratch/studio.ini" \
    --prompt "a big yellow star orbits over a purple gradient" --seed 7 \
    --generate --tab "$tab" --screenshot "$out"
echo "screenshot: wrote $out"
