#!/usr/bin/env bash
# Measures SubscribeToShard push latency against a fresh Sluice and prints a Markdown table.
# Loopback only.
#
#   bench/push.sh [SECONDS_PER_N]        (default 10)
#
# Builds sluice and sluice-pushbench in Release, starts Sluice with 3 AZ nodes, quorum 2, fsync,
# --create-consumer-ms 0 and --consumer-limit 64 (AWS, and Sluice by default, allow 20 consumers
# per stream) on a free loopback port with a temporary data directory, then runs
# sluice-pushbench (bench/pushbench.cc) once for each subscriber count in SLUICE_PUSH_SUBSCRIBERS
# (default 1,2,4,8,16,32,64; at most 64): N subscribers, each its own
# connection and consumer, on shard 0 of a fresh 1-shard stream at LATEST, and one producer
# sending 100-byte PutRecords at SLUICE_PUSH_RATE per second (default 200). A run where any
# subscriber misses, repeats or reorders a record fails the script.
# The table and every run's JSON go to bench/results/push-<date>.md and .jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
# No operator port: benchmark servers need none, and two must never race for its port. (An
# environment variable rather than a flag, so binaries older than the setting ignore it.)
export SLUICE_ADMIN_LISTEN=off
seconds=${1:-10}
subscribers=${SLUICE_PUSH_SUBSCRIBERS:-1,2,4,8,16,32,64}
rate=${SLUICE_PUSH_RATE:-200}
root=$(mktemp -d /tmp/sluice-push-XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$root"
}
trap cleanup EXIT

scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target sluice sluice-pushbench -j 2 >/dev/null
sluice=build/release/sluice
pushbench=build/release/sluice-pushbench

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$sluice" --listen "127.0.0.1:$port" --data-dir "$root/data" --nodes 3 --quorum 2 \
  --durability fsync --create-stream-ms 0 --create-consumer-ms 0 --consumer-limit 64 \
  --log-level warn \
  >"$root/sluice.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  curl -s -o /dev/null "http://127.0.0.1:$port/health" -m 1 && break
  kill -0 "$server_pid" 2>/dev/null || { tail -20 "$root/sluice.log" >&2; exit 1; }
  sleep 0.1
done

results="$root/results.jsonl"
if ! "$pushbench" --endpoint "127.0.0.1:$port" --subscribers "$subscribers" --seconds "$seconds" \
  --rate "$rate" --record-bytes 100 >"$results"; then
  echo "sluice-pushbench failed; server log:" >&2
  tail -20 "$root/sluice.log" >&2
  exit 1
fi
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=

mkdir -p bench/results
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out="bench/results/push-$stamp.md"
cp "$results" "bench/results/push-$stamp.jsonl"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$results" "$seconds" "$rate" "$commit" <<'EOF' | tee "$out"
import json, os, platform, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"{sys.argv[2]} s per N, PutRecord at {sys.argv[3]}/s, 100-byte records, 1-shard stream, "
      f"3 AZ nodes, quorum 2, fsync; {os.cpu_count()} cores, {platform.machine()}; "
      f"commit {sys.argv[4]}\n")
print("| subscribers | records | deliveries | ack->arrival min ms | p50 ms | p99 ms | max ms | "
      "send->arrival p50 ms | p99 ms | max ms | PutRecord p50 ms | p99 ms |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['subscribers']} | {r['records']} | {r['deliveries']} | {r['ack_min_ms']:.2f} | "
          f"{r['ack_p50_ms']:.2f} | "
          f"{r['ack_p99_ms']:.2f} | {r['ack_max_ms']:.2f} | {r['send_p50_ms']:.2f} | "
          f"{r['send_p99_ms']:.2f} | {r['send_max_ms']:.2f} | {r['put_p50_ms']:.2f} | "
          f"{r['put_p99_ms']:.2f} |")

def doubling(key, label):
    base = next((r for r in rows if r["subscribers"] == 1), None)
    if base is None:
        return f"{label}: no N=1 run to compare with."
    if base[key] < 0.1:  # within noise of zero: twice it says nothing
        return (f"{label}: the N=1 p50 is {base[key]:.3f} ms, within noise of zero (push and ack "
                f"leave the server together), so 2x of it is not a meaningful threshold.")
    for r in rows:
        if r["subscribers"] > 1 and r[key] > 2 * base[key]:
            return (f"{label}: first exceeds 2x the N=1 p50 ({base[key]:.2f} ms) at "
                    f"N={r['subscribers']} ({r[key]:.2f} ms).")
    return (f"{label}: stays within 2x the N=1 p50 ({base[key]:.2f} ms) up to "
            f"N={max(r['subscribers'] for r in rows)}, the largest tested.")

print()
print("- " + doubling("ack_p50_ms", "p50 ack->arrival"))
print("- " + doubling("send_p50_ms", "p50 send->arrival"))
EOF
echo "written to $out (raw runs: bench/results/push-$stamp.jsonl)" >&2
