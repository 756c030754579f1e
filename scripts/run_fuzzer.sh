#!/usr/bin/env bash
# Builds the safetensors header fuzzer with clang (libFuzzer + AddressSanitizer + UBSan, no
# LibTorch) and runs it for a number of seconds on a copy of its corpus. Fails on any crash.
#   scripts/run_fuzzer.sh [seconds=60] [extra libFuzzer flags...]
# Needs clang++ with libFuzzer (Debian: clang-14 libclang-rt-14-dev), libfmt-dev, nlohmann-json3-dev.
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BLADE_FUZZ_DIR:-${root}/build-fuzz}"
cxx="${CXX_FUZZ:-clang++}"
mkdir -p "${work}"

binary="${work}/safetensors_header_fuzzer"
echo "building ${binary} with ${cxx}"
"${cxx}" -std=c++20 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I "${root}/engine" \
  "${root}/tests/fuzz/safetensors_header_fuzzer.cpp" \
  "${root}/engine/io/safetensors_header.cpp" \
  -lfmt -o "${binary}"

# libFuzzer adds what it finds to the first corpus folder; the checked-in corpus stays as it is.
corpus="${work}/corpus-safetensors_header"
rm -rf "${corpus}"
mkdir -p "${corpus}" "${work}/artifacts"
cp "${root}"/tests/fuzz/corpus/safetensors_header/* "${corpus}/"

echo "fuzzing for ${seconds} s (crash inputs go to ${work}/artifacts/)"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
"${binary}" "${corpus}" -max_total_time="${seconds}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -dict="${root}/tests/fuzz/safetensors_header.dict" -print_final_stats=1 \
  -artifact_prefix="${work}/artifacts/" "$@"
echo "no crash in ${seconds} s"
