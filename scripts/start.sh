#!/usr/bin/env bash
# Sets BLADE Studio up (scripts/setup.sh) and starts the studio on the bundled default model.
# Arguments go to blade-studio (e.g. --model DIR). Without a display (a server), use the `blade`
# command line instead: build/app/cli/blade --help.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "BLADE Studio needs a display (DISPLAY or WAYLAND_DISPLAY is not set); on a server use build/app/cli/blade" >&2
  exit 1
fi
exec build/app/studio/blade-studio "$@"
