#!/usr/bin/env bash
# Runs Sluice and kinesalite side by side under the same load and prints a Markdown table with
# throughput, latency percentiles and the ratio to kinesalite. Loopback only.
#
#   bench/az-faults.sh [SECONDS_PER_RUN]        (default 20)
#
# Scenarios: Sluice with 3 nodes in fsync durability, 3 nodes buffered, fsync with one AZ node
# failed, fsync with one AZ node slowed by 20 ms per group commit; kinesalite (the usual peer: in-memory, no replication, no fsync). Each is measured with
# PutRecords (100 records of 512 bytes per call) and PutRecord (one 512-byte record per call),
# 8 connections each. Results also go to bench/results/<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each server gets its operator port on a free port (flags below), to fail az-c.
seconds=${1:-20}
connections=8
root=$(mktemp -d /tmp/sluice-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT

scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target sluice sluice-loadgen -j "$(nproc)" >/dev/null
sluice=build/release/sluice
loadgen=build/release/sluice-loadgen

peer_dir=bench/.peer
if [ ! -f "$peer_dir/node_modules/kinesalite/cli.js" ]; then
  npm install --prefix "$peer_dir" --no-audit --no-fund --silent kinesalite@3.3.3 >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() {  # port
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/health" -m 1 && return 0
    # kinesalite has no /health: any HTTP answer will do
    curl -s -o /dev/null -X POST "http://127.0.0.1:$1/" -m 1 && return 0
    sleep 0.1
  done
  echo "server on port $1 did not come up" >&2
  return 1
}

results="$root/results.jsonl"
measure() {  # label port
  local label=$1 port=$2
  for batch in 100 0; do
    "$loadgen" --endpoint "127.0.0.1:$port" --stream "bench$batch" --shards 4 \
      --connections "$connections" --seconds "$seconds" --batch "$batch" --record-bytes 512 |
      python3 -c "import json,sys; r=json.load(sys.stdin); r['server']='$label'; print(json.dumps(r))" \
      >>"$results"
  done
}

admin_token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_sluice() {  # label durability extra...; sets $port, $admin_port and $server_pid
  local label=$1 durability=$2
  shift 2
  port=$(free_port)
  admin_port=$(free_port)
  "$sluice" --listen "127.0.0.1:$port" --data-dir "$root/$label" --create-stream-ms 0 \
    --admin-listen "127.0.0.1:$admin_port" --admin-token "$admin_token" \
    --durability "$durability" --log-level warn "$@" >"$root/$label.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  wait_up "$port"
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }

start_sluice sluice-fsync fsync
measure "Sluice, 3 nodes, fsync" "$port"
stop_server
start_sluice sluice-buffered buffered
measure "Sluice, 3 nodes, buffered" "$port"
stop_server
start_sluice sluice-degraded fsync
fail_az_c() { curl -s -X POST -H "Authorization: Bearer $admin_token" \
  "http://127.0.0.1:$admin_port/_sluice/nodes/az-c/fail$1" >/dev/null; }
fail_az_c ""
measure "Sluice, fsync, az-c failed" "$port"
stop_server
start_sluice sluice-slow fsync
fail_az_c "?latency_ms=20"
measure "Sluice, fsync, az-c 20 ms slow" "$port"
stop_server

port=$(free_port)
node "$peer_dir/node_modules/kinesalite/cli.js" --port "$port" --createStreamMs 0 --shardLimit 1000 \
  >"$root/kinesalite.log" 2>&1 &
pids+=($!)
wait_up "$port"
measure "kinesalite 3.3.3 (in-memory)" "$port"

mkdir -p bench/results
out="bench/results/$(date -u +%Y-%m-%dT%H%M%SZ).md"
python3 - "$results" "$seconds" "$connections" <<'EOF' | tee "$out"
import json, sys, platform, os
rows = [json.loads(line) for line in open(sys.argv[1])]
peer = {r["operation"]: r for r in rows if r["server"].startswith("kinesalite")}
print(f"{sys.argv[2]} s per run, {sys.argv[3]} connections, 512-byte records; "
      f"{os.cpu_count()} cores, {platform.machine()}\n")
print("| server | operation | records/s | MiB/s | p50 ms | p99 ms | failed | vs kinesalite (records/s) |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    op = r["operation"] + (f" x{r['batch']}" if r["batch"] else "")
    ratio = r["records_per_s"] / peer[r["operation"]]["records_per_s"] if r["operation"] in peer else 0
    failed = r["failed_calls"] + r["failed_records"]
    print(f"| {r['server']} | {op} | {r['records_per_s']:.0f} | {r['mib_per_s']:.2f} | "
          f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {failed} | {ratio:.2f}x |")
EOF
