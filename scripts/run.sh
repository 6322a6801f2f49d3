#!/usr/bin/env bash
# Quick start, command 1: install what is needed, build the broker (Release) and start it with
# its defaults: port 4567 serving HTTP and HTTPS, data in ./data. Extra arguments go to sluice
# (see ./build/release/sluice --help).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --build
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target sluice -j "$(nproc)"
exec ./build/release/sluice "$@"
