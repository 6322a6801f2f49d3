#!/usr/bin/env bash
# The benchmark suite, one command: installs what it needs (the project's packages, wrk and
# nginx from Debian, kinesalite 3.3.3 from npm), builds Release, and runs bench/suite.py: Sluice
# (3 AZ nodes, fsync and buffered), kinesalite and an nginx fixed-reply ceiling, in alternation,
# ROUNDS rounds; prints the Markdown table and writes it with the raw results to
# bench/results/suite-<date>.{md,jsonl}. Loopback only. See docs/benchmarks.md.
#
#   bench/run.sh [suite.py options]    e.g. --rounds 3 --seconds 10 --restart-records 10000000
#
# Exits non-zero when any run had an error or lost, duplicated or reordered a record.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
missing=()
for package in wrk nginx-light; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
peer_dir=bench/.peer
if [ ! -f "$peer_dir/node_modules/kinesalite/cli.js" ]; then
  npm install --prefix "$peer_dir" --no-audit --no-fund --silent kinesalite@3.3.3 >/dev/null
fi

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target sluice sluice-pipeline -j "$(nproc)" >/dev/null

exec python3 bench/suite.py --sluice build/release/sluice --pipeline build/release/sluice-pipeline \
  --kinesalite "$peer_dir/node_modules/kinesalite/cli.js" "$@"
