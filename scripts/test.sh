#!/usr/bin/env bash
# Quick start, command 2: install what is needed, build, and pass every test:
#   1. formatting (.clang-format) of every C++ file, and includes that respect the layers
#      (scripts/check-layers.sh);
#   2. the unit tests and the integration tests (the real binary driven by the AWS CLI v1 and v2
#      and boto3) in a RelWithDebInfo build;
#   3. the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   4. the unit tests again under ThreadSanitizer (RelWithDebInfo: optimised, so the slowdown
#      stays small, with line numbers in the reports);
#   5. the libFuzzer targets of the decoders (scripts/fuzz.sh, clang): saved crash inputs
#      replayed, then each target for SLUICE_FUZZ_SECONDS (default 30) from its seed corpus.
# SLUICE_SKIP_ASAN=1 skips step 3, SLUICE_SKIP_TSAN=1 step 4 and SLUICE_SKIP_FUZZ=1 step 5, for a
# quicker local loop.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/install-deps.sh

echo "== formatting"
scripts/check-format.sh

echo "== layer check"
scripts/check-layers.sh

echo "== build and test (RelWithDebInfo)"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/test -j "$jobs"
ctest --test-dir build/test --output-on-failure -j "$jobs"

if [ "${SLUICE_SKIP_ASAN:-0}" != "1" ]; then
  echo "== unit tests under ASan + UBSan"
  cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON >/dev/null
  cmake --build build/asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan -L unit --output-on-failure -j "$jobs"
fi
if [ "${SLUICE_SKIP_TSAN:-0}" != "1" ]; then
  echo "== unit tests under ThreadSanitizer"
  cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_TSAN=ON >/dev/null
  cmake --build build/tsan -j "$jobs"
  # A race makes its test exit non-zero (after every report). Suppressions: third-party false
  # positives only, each with its reason.
  TSAN_OPTIONS="second_deadlock_stack=1 history_size=7 suppressions=$PWD/tests/tsan.supp" \
    ctest --test-dir build/tsan -L unit --output-on-failure -j "$jobs"
fi
if [ "${SLUICE_SKIP_FUZZ:-0}" != "1" ]; then
  echo "== fuzz targets"
  # 8 targets x 30 s after a cold build of 1.5-3 minutes: 5.5-7 minutes on two cores.
  SLUICE_FUZZ_BUILD_JOBS="$jobs" scripts/fuzz.sh "${SLUICE_FUZZ_SECONDS:-30}"
fi
echo "All tests passed."
