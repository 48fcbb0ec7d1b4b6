#!/usr/bin/env bash
# Builds actorprint and runs the whole test suite (unit, golden end-to-end, fuzz-corpus replays).
#   scripts/test.sh              release build in build/, warnings as errors
#   scripts/test.sh --sanitize   the same under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   scripts/test.sh --tsan       the ingest tests (two threads) under ThreadSanitizer (build-tsan/)
# Installs missing build dependencies first (scripts/install-deps.sh, Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
opts=(-DAP_WERROR=ON)
filter=()
if [[ "${1:-}" == "--sanitize" ]]; then
  dir=build-asan
  opts+=(-DAP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
elif [[ "${1:-}" == "--tsan" ]]; then
  dir=build-tsan
  opts+=(-DAP_TSAN=ON -DCMAKE_BUILD_TYPE=Debug)
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  filter=(-R 'ingest|kill')
fi
scripts/install-deps.sh
cmake -S . -B "$dir" -G Ninja "${opts[@]}" >/dev/null
ninja -C "$dir"
ctest --test-dir "$dir" --output-on-failure -j2 "${filter[@]}"
