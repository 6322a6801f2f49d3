#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, -DSLUICE_FUZZ=ON, clang), replays every saved crash input
# in fuzz/regressions/<target>/, then runs each target for SECONDS (default 60) from a copy of its
# seed corpus fuzz/corpus/<target>/, so the repository is not modified. Fails on any crash,
# sanitizer report, leak or timeout, printing where the reproducer is. docs/testing.md explains
# how to reproduce one and keep it as a regression.
#
#   scripts/fuzz.sh [SECONDS]          all targets
#   SLUICE_FUZZ_TARGETS="fuzz_page_token fuzz_json_request" scripts/fuzz.sh 300
#
# One target at a time, one job each: the machine is shared. CCACHE_DIR set: ccache launches the
# compiler. SLUICE_FUZZ_BUILD_JOBS sets the build's parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
build_dir=build/fuzz
jobs="${SLUICE_FUZZ_BUILD_JOBS:-$(nproc)}"

launcher=()
[ -n "${CCACHE_DIR:-}" ] && command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
echo "== fuzz: build ($build_dir)"
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLUICE_FUZZ=ON "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j "$jobs"

targets=(${SLUICE_FUZZ_TARGETS:-$(cd fuzz && ls fuzz_*.cc | sed 's/\.cc$//')})
work=$(mktemp -d /tmp/sluice-fuzz.XXXXXX)
# Crash inputs (crash-*, leak-*, timeout-*, oom-*) land in $work/artifacts/<target>/ and stay
# there when something fails; a clean run removes everything.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
common=(-rss_limit_mb=2048 -timeout=10)
failed=()

for target in "${targets[@]}"; do
  binary="$build_dir/fuzz/$target"
  regressions="fuzz/regressions/$target"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    echo "== fuzz: $target: replaying $(ls "$regressions" | wc -l) regression inputs"
    if ! "$binary" "${common[@]}" "$regressions"/* >"$work/$target.replay.log" 2>&1; then
      tail -n 60 "$work/$target.replay.log"
      echo "FAILED: $target on a regression input in $regressions (log: $work/$target.replay.log)"
      failed+=("$target")
      continue
    fi
  fi

  echo "== fuzz: $target for ${seconds}s"
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  [ -d "fuzz/corpus/$target" ] && cp -r "fuzz/corpus/$target/." "$corpus/"
  dict=()
  [ -f "fuzz/$target.dict" ] && dict=(-dict="fuzz/$target.dict")
  if ! "$binary" "${common[@]}" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$artifacts" "$corpus" >"$work/$target.log" 2>&1; then
    tail -n 80 "$work/$target.log"
    echo "FAILED: $target; reproducer(s):"
    ls -1 "$artifacts"* 2>/dev/null | sed 's/^/  /'
    echo "  replay: $binary <file>   (log: $work/$target.log)"
    failed+=("$target")
    continue
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$work/$target.log" |
    sed "s/^/   $target /"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "Fuzzing FAILED: ${failed[*]} (inputs and logs kept in $work)"
  exit 1
fi
rm -rf "$work"
echo "Fuzzing passed: ${targets[*]}"
