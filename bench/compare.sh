#!/usr/bin/env bash
# Compares two sluice binaries (say, before and after a change) under the same load and prints
# a Markdown table with the medians of both and the after/before ratios. Loopback only.
#
#   bench/compare.sh BEFORE_BINARY AFTER_BINARY [SECONDS_PER_RUN]     (default 20)
#
# Both binaries run in one invocation, in alternation, so that both see the same machine:
# ROUNDS rounds (default 3; SLUICE_BENCH_ROUNDS overrides), before then after in odd rounds and
# after then before in even ones, so a drift in the machine's load does not favour one side.
# Each side gets a fresh server and data directory per round: 3 AZ nodes, quorum 2, fsync
# durability. On each server: a 1-shard and an 8-shard stream, each measured with PutRecords
# (100 records of 512 bytes per call) and PutRecord (one 512-byte record per call), 8
# connections, driven by the same sluice-loadgen (built from this tree in Release, or
# SLUICE_LOADGEN). The table shows medians over the rounds; it also goes to
# bench/results/compare-<date>.md, with every run's raw JSON beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
# No operator port: benchmark servers need none, and two must never race for its port. (An
# environment variable rather than a flag, so binaries older than the setting ignore it.)
export SLUICE_ADMIN_LISTEN=off
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: bench/compare.sh BEFORE_BINARY AFTER_BINARY [SECONDS_PER_RUN]" >&2
  exit 2
fi
before=$(realpath "$1")
after=$(realpath "$2")
seconds=${3:-20}
rounds=${SLUICE_BENCH_ROUNDS:-3}
connections=8
for binary in "$before" "$after"; do
  [ -x "$binary" ] || { echo "not an executable: $binary" >&2; exit 2; }
done

root=$(mktemp -d /tmp/sluice-compare-XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$root"
}
trap cleanup EXIT

if [ -n "${SLUICE_LOADGEN:-}" ]; then
  loadgen=$(realpath "$SLUICE_LOADGEN")
else
  scripts/install-deps.sh
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF \
    >/dev/null
  cmake --build build/release --target sluice-loadgen -j "$(nproc)" >/dev/null
  loadgen=$PWD/build/release/sluice-loadgen
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() {  # binary dir; sets $port and $server_pid
  port=$(free_port)
  "$1" --listen "127.0.0.1:$port" --data-dir "$2" --create-stream-ms 0 --durability fsync \
    --nodes 3 --quorum 2 --log-level warn >"$2.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health" -m 1 && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$1 did not come up on port $port:" >&2
  tail -20 "$2.log" >&2
  return 1
}

stop_server() {  # SIGTERM, SIGKILL after 30 s
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

results="$root/results.jsonl"
tag() {  # side round shards: adds them to the loadgen's JSON line
  python3 -c '
import json, sys
r = json.load(sys.stdin)
r.update(side=sys.argv[1], round=int(sys.argv[2]), shards=int(sys.argv[3]))
print(json.dumps(r))' "$@"
}
measure() {  # side round
  local side=$1 round=$2 shards batch
  for shards in 1 8; do
    for batch in 100 0; do
      "$loadgen" --endpoint "127.0.0.1:$port" --stream "s${shards}b${batch}" --shards "$shards" \
        --connections "$connections" --seconds "$seconds" --batch "$batch" --record-bytes 512 |
        tag "$side" "$round" "$shards" >>"$results"
    done
  done
}

for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order="before after"; else order="after before"; fi
  for side in $order; do
    if [ "$side" = before ]; then binary=$before; else binary=$after; fi
    echo "round $round/$rounds: $side ($binary)" >&2
    start_server "$binary" "$root/$side-$round"
    measure "$side" "$round"
    stop_server
  done
done

mkdir -p bench/results
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out="bench/results/compare-$stamp.md"
cp "$results" "bench/results/compare-$stamp.jsonl"
python3 - "$results" "$seconds" "$connections" "$rounds" "$before" "$after" <<'EOF' | tee "$out"
import hashlib, json, os, platform, statistics, sys

path, seconds, connections, rounds, before, after = sys.argv[1:]
rows = [json.loads(line) for line in open(path)]

def digest(binary):
    with open(binary, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]

print(f"before: `{before}` (sha256 {digest(before)})  ")
print(f"after: `{after}` (sha256 {digest(after)})  ")
print(f"{rounds} rounds alternating before/after, medians; {seconds} s per run, {connections} "
      f"connections, 512-byte records, 3 AZ nodes, quorum 2, fsync; "
      f"{os.cpu_count()} cores, {platform.machine()}\n")
print("| stream | operation | before records/s | after records/s | after/before | "
      "before p50 ms | after p50 ms | before p99 ms | after p99 ms | p99 after/before | "
      "failed (before/after) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

def ratio(a, b):
    return f"{a / b:.2f}x" if b else "n/a"

for shards in (1, 8):
    for operation, batch in (("PutRecords", 100), ("PutRecord", 0)):
        cell = {}
        for side in ("before", "after"):
            runs = [r for r in rows if r["side"] == side and r["shards"] == shards
                    and r["batch"] == batch]
            cell[side] = {
                "rps": statistics.median(r["records_per_s"] for r in runs),
                "p50": statistics.median(r["p50_ms"] for r in runs),
                "p99": statistics.median(r["p99_ms"] for r in runs),
                "failed": sum(r["failed_calls"] + r["failed_records"] for r in runs),
            }
        b, a = cell["before"], cell["after"]
        op = operation + (f" x{batch}" if batch else "")
        print(f"| {shards} shard{'s' if shards > 1 else ''} | {op} | {b['rps']:.0f} | "
              f"{a['rps']:.0f} | {ratio(a['rps'], b['rps'])} | {b['p50']:.1f} | {a['p50']:.1f} | "
              f"{b['p99']:.1f} | {a['p99']:.1f} | {ratio(a['p99'], b['p99'])} | "
              f"{b['failed']}/{a['failed']} |")
EOF
echo "written to $out (raw runs: bench/results/compare-$stamp.jsonl)" >&2
