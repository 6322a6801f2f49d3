#!/usr/bin/env bash
# PutRecord requests/s over HTTP/1.1 and over h2c (HTTP/2 without TLS, prior knowledge) against
# one fresh Sluice, with the same client for both: h2load (Debian nghttp2-client). Prints a
# Markdown table. Loopback only.
#
#   bench/h2c.sh [SECONDS_PER_RUN]        (default 10)
#
# Sluice: 3 AZ nodes, quorum 2, fsync, a 4-shard stream. Each run posts the same PutRecord (one
# 512-byte record; one partition key, so one shard) for the given seconds:
#   HTTP/1.1, 8 connections (one request at a time each, as sluice-loadgen does);
#   h2c, 8 connections, 1 stream at a time each (the same concurrency as HTTP/1.1);
#   h2c, 1 connection, 8 concurrent streams (the same concurrency on one connection).
# The table and h2load's output go to bench/results/h2c-<date>.md and .log.
set -euo pipefail
cd "$(dirname "$0")/.."
# No operator port: benchmark servers need none, and two must never race for its port. (An
# environment variable rather than a flag, so binaries older than the setting ignore it.)
export SLUICE_ADMIN_LISTEN=off
seconds=${1:-10}
root=$(mktemp -d /tmp/sluice-h2c-XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$root"
}
trap cleanup EXIT

scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target sluice -j 2 >/dev/null
sluice=build/release/sluice

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$sluice" --listen "127.0.0.1:$port" --data-dir "$root/data" --nodes 3 --quorum 2 \
  --durability fsync --create-stream-ms 0 --log-level warn >"$root/sluice.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  curl -s -o /dev/null "http://127.0.0.1:$port/health" -m 1 && break
  kill -0 "$server_pid" 2>/dev/null || { tail -20 "$root/sluice.log" >&2; exit 1; }
  sleep 0.1
done

headers=(-H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Date: 20240101T000000Z'
  -H 'Authorization: AWS4-HMAC-SHA256 Credential=bench/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000')
url="http://127.0.0.1:$port/"
curl -sf -o /dev/null "${headers[@]}" -H 'X-Amz-Target: Kinesis_20131202.CreateStream' \
  -d '{"StreamName":"h2c","ShardCount":4}' "$url"
python3 -c 'import base64, json, os
print(json.dumps({"StreamName": "h2c", "Data": base64.b64encode(os.urandom(512)).decode(),
                  "PartitionKey": "h2c"}))' >"$root/put.json"

log="$root/h2load.log"
: >"$log"
run() {  # label h2load-args...
  local label=$1
  shift
  echo "== $label" >>"$log"
  h2load -D "$seconds" "$@" -d "$root/put.json" "${headers[@]}" \
    -H 'X-Amz-Target: Kinesis_20131202.PutRecord' "$url" >>"$log" 2>&1
}
run "HTTP/1.1, 8 connections" --h1 -c 8 -m 1
run "h2c, 8 connections x 1 stream" -c 8 -m 1
run "h2c, 1 connection x 8 streams" -c 1 -m 8

mkdir -p bench/results
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out="bench/results/h2c-$stamp.md"
cp "$log" "bench/results/h2c-$stamp.log"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$log" "$seconds" "$commit" <<'EOF' | tee "$out"
import os, platform, re, sys

runs, label = [], None
for line in open(sys.argv[1]):
    if line.startswith("== "):
        label = line[3:].strip()
        runs.append({"label": label})
    elif m := re.match(r"finished in [\d.]+s, ([\d.]+) req/s", line):
        runs[-1]["rps"] = float(m.group(1))
    elif m := re.match(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored", line):
        runs[-1].update(total=int(m.group(1)), ok=int(m.group(2)), failed=int(m.group(3)) + int(m.group(4)))
    elif m := re.match(r"status codes: (\d+) 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx", line):
        runs[-1].update(s2xx=int(m.group(1)), not2xx=int(m.group(2)) + int(m.group(3)))
    elif m := re.match(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", line):
        runs[-1].update(min=m.group(1), max=m.group(2), mean=m.group(3))
print(f"h2load, {sys.argv[2]} s per run, PutRecord of one 512-byte record, 3 AZ nodes, quorum 2, "
      f"fsync; {os.cpu_count()} cores, {platform.machine()}; commit {sys.argv[3]}\n")
print("| protocol | requests/s | mean latency | max latency | 2xx | not 2xx or failed |")
print("|---|---:|---:|---:|---:|---:|")
failed = False
for r in runs:
    if "rps" not in r or r.get("total", 0) == 0:
        print(f"| {r['label']} | no request completed: see the .log | | | | |")
        failed = True
        continue
    bad = r.get("not2xx", 0) + r.get("failed", 0)
    print(f"| {r['label']} | {r['rps']:.0f} | {r.get('mean', '?')} | {r.get('max', '?')} | "
          f"{r.get('s2xx', 0)} | {bad} |")
sys.exit(1 if failed else 0)
EOF
echo "written to $out (h2load output: bench/results/h2c-$stamp.log)" >&2
