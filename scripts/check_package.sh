#!/usr/bin/env bash
# Builds the Debian package from build/ (uncompressed: the bundled LibTorch is gigabytes and xz on
# two cores would take longer than the rest of the tests), unpacks it into a temporary root and runs
# the unpacked programs there: `blade --version` and a one-step `blade generate` on the bundled
# model, with nothing of the build tree or the Python environment on the library path.
set -euo pipefail
cd "$(dirname "$0")/.."
# In build/, not /tmp (often a small RAM disk): about 8 GB at the peak.
root=$(mktemp -d -p "$PWD/build" package-check.XXXXXX)
trap 'rm -rf "$root"' EXIT
if ! (cd build && cpack -G DEB -B "$root/package" -D CPACK_DEBIAN_COMPRESSION_TYPE=none) > "$root/cpack.log" 2>&1; then
  tail -40 "$root/cpack.log"
  exit 1
fi
rm -rf "$root/package/_CPack_Packages"  # the staging copy: another 4 GB of disk otherwise
shopt -s nullglob
debs=("$root"/package/*.deb)
[ ${#debs[@]} -eq 1 ] || { echo "package: expected one .deb, cpack made ${#debs[@]}" >&2; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb"), $(du -h "$deb" | cut -f1)"
dpkg-deb -x "$deb" "$root/tree"
rm -f "$deb"
blade="$root/tree/usr/bin/blade"
model="$root/tree/usr/share/blade-studio/models/blade-mini"
[ -x "$blade" ] || { echo "package: no usr/bin/blade in $(basename "$deb")" >&2; exit 1; }
[ -f "$model/model_index.json" ] || { echo "package: the default model is missing from $(basename "$deb")" >&2; exit 1; }
env -u LD_LIBRARY_PATH "$blade" --version
env -u LD_LIBRARY_PATH "$blade" generate --prompt "a small red circle drifts to the left over a blue sky" \
  --model "$model" --steps 1 --seed 1 --out "$root/clip.mp4" --quiet
[ -s "$root/clip.mp4" ] || { echo "package: the unpacked blade wrote no clip" >&2; exit 1; }
echo "package: the unpacked blade generated $(du -h "$root/clip.mp4" | cut -f1) with its bundled model"
