#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan, UBSan) in ./build-fuzz and runs
# one of them for SECONDS on its committed corpus (fuzz/corpus/TARGET).
# New inputs go to build-fuzz/corpus/TARGET, never into the repository; a
# crash leaves its input in build-fuzz/crashes/ and fails the run.
# Usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags…]
#        scripts/fuzz.sh --build-only
# TARGET: http_request, api_bodies, jwt, jwks, pagination, schema.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true
if [[ ! -f build-fuzz/build.ninja ]]; then
  CXX=clang++ CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWORKSPACED_FUZZ=ON -DWORKSPACED_TESTS=OFF >/dev/null
fi
if [[ "${1:-}" == "--build-only" ]]; then
  exec cmake --build build-fuzz -j "$(nproc)" --target fuzzers
fi
target="${1:?usage: scripts/fuzz.sh TARGET SECONDS}"
seconds="${2:?usage: scripts/fuzz.sh TARGET SECONDS}"
shift 2
cmake --build build-fuzz -j "$(nproc)" --target "${target}_fuzzer"
mkdir -p "build-fuzz/corpus/$target" build-fuzz/crashes
# -rss_limit_mb: a request is at most 1 MiB of body; more memory is a leak.
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
  "build-fuzz/fuzz/${target}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 \
  -max_len=65536 -timeout=10 -artifact_prefix="build-fuzz/crashes/${target}-" -print_final_stats=1 \
  "$@" "build-fuzz/corpus/$target" "fuzz/corpus/$target"
