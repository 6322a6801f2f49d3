#!/usr/bin/env python3
"""The benchmark suite: Sluice (3 AZ nodes, quorum 2; fsync and buffered), kinesalite (the usual
peer: in memory, no replication, no fsync) and nginx answering every POST with a fixed body (the
machine's HTTP ceiling), under the same loads, in alternation, on loopback. Called by
bench/run.sh, which builds and installs what it needs; see docs/benchmarks.md.

Per round, each server (fresh process, fresh data directory) takes, in a rotating order:
  - PutRecord of 100 B and of 1 KiB records at 64 connections, PutRecords of 500 x 100 B and of
    100 x 1 KiB at 16 connections (wrk with bench/wrk/put.lua; 4-shard streams; every answer
    checked);
  - producer+consumer (not nginx): 8 producers of PutRecords 100 x 100 B and one GetRecords
    consumer per shard of a 4-shard stream; every record verified once and in order, put->get
    latency measured (sluice-pipeline --mode pipeline);
  - GetRecords read throughput (not nginx): one shard filled, then read back in 10,000-record
    calls (sluice-pipeline --mode read).
Then, for Sluice fsync: restart time with a retained log (fill, SIGTERM, start, /health ready)
and peak RSS after ingesting it.

Each test's table cell is the median over rounds; ratios are medians of per-round ratios. A run
with any error, lost, duplicated or reordered record is not a result: it is reported and the
whole suite exits non-zero.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUT_TESTS = [  # (name, records per call (0: PutRecord), record bytes, connections)
    ("PutRecord 100 B", 0, 100, 64),
    ("PutRecord 1 KiB", 0, 1024, 64),
    ("PutRecords 500 x 100 B", 500, 100, 16),
    ("PutRecords 100 x 1 KiB", 100, 1024, 16),
]
PIPELINE = "producers+consumers 100 x 100 B"
READ = "GetRecords from one shard"
SERVERS = ("sluice-fsync", "sluice-buffered", "kinesalite", "nginx")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Server:
    """One server process of a kind, on a free loopback port, with its own directory."""

    def __init__(self, kind, args, workdir):
        self.kind = kind
        self.args = args
        self.dir = tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir)
        self.port = free_port()
        self.proc = None

    def command(self):
        if self.kind.startswith("sluice"):
            durability = "fsync" if self.kind == "sluice-fsync" else "buffered"
            return [self.args.sluice, "--listen", f"127.0.0.1:{self.port}", "--admin-listen", "off",
                    "--data-dir", os.path.join(self.dir, "data"), "--durability", durability,
                    "--create-stream-ms", "0", "--delete-stream-ms", "0", "--log-level", "warn"]
        if self.kind == "kinesalite":
            return ["node", self.args.kinesalite, "--port", str(self.port), "--createStreamMs", "0",
                    "--deleteStreamMs", "0", "--shardLimit", "1000"]
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(port=self.port, dir=self.dir))
        return ["nginx", "-p", self.dir, "-c", conf, "-g", "daemon off;"]

    def start(self):
        log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        started = time.monotonic()
        deadline = started + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited at start: {self.log_tail()}")
            if self.ready():
                return time.monotonic() - started
            time.sleep(0.01)
        raise RuntimeError(f"{self.kind} not ready after 120 s: {self.log_tail()}")

    def ready(self):
        path, method = ("/health", "GET") if self.kind.startswith("sluice") else ("/", "POST")
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                         data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            return not self.kind.startswith("sluice")  # any answer from the others will do
        except OSError:
            return False

    def peak_rss_mb(self):
        return peak_rss_mb(self.proc.pid) if self.proc else None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return f.read()[-2000:].decode(errors="replace")
        except OSError:
            return ""


NGINX_CONF = """
worker_processes auto;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_max_body_size 16m;
  server {{
    listen 127.0.0.1:{port};
    default_type application/x-amz-json-1.1;
    location / {{ return 200 '{{"FailedRecordCount":0,"Records":[]}}'; }}
  }}
}}
"""


def kinesis_call(port, operation, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": f"Kinesis_20131202.{operation}",
                 "X-Amz-Date": "20240101T000000Z",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20240101/us-east-1/"
                                  "kinesis/aws4_request, SignedHeaders=host;x-amz-date, "
                                  "Signature=0000"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def create_stream(port, name, shards):
    kinesis_call(port, "CreateStream", {"StreamName": name, "ShardCount": shards})
    for _ in range(600):
        summary = kinesis_call(port, "DescribeStreamSummary", {"StreamName": name})
        if summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            return
        time.sleep(0.05)
    raise RuntimeError(f"stream {name} not ACTIVE")


def run_wrk(args, server, stream, batch, record_bytes, connections):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{args.seconds}s", "--timeout", "10s",
               "-s", os.path.join(ROOT, "bench", "wrk", "put.lua"),
               f"http://127.0.0.1:{server.port}/", "--", stream, str(batch), str(record_bytes)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 120)
    match = re.search(r"^RESULT (\{.*\})$", output.stdout, re.M)
    if not match:
        raise RuntimeError(f"wrk gave no result: {output.stdout}\n{output.stderr}")
    result = json.loads(match.group(1))
    calls_per_s = result["requests"] / result["seconds"]
    result["calls_per_s"] = calls_per_s
    result["records_per_s"] = calls_per_s * max(batch, 1)
    result["errors"] = result["bad_status"] + result["failed_batches"] + result["socket_errors"]
    return result


def run_pipeline(args, server, mode, stream, extra):
    command = [args.pipeline, "--mode", mode, "--endpoint", f"127.0.0.1:{server.port}",
               "--stream", stream, *extra]
    output = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    try:
        result = json.loads(output.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"sluice-pipeline gave no result: {output.stdout}\n{output.stderr}")
    bad = len(result["errors"]) + result["duplicates"] + result["out_of_order"] + result["missing"]
    result["errors_total"] = bad
    return result


def run_server_tests(args, kind, workdir, record):
    server = Server(kind, args, workdir)
    server.start()
    try:
        for name, batch, record_bytes, connections in PUT_TESTS:
            stream = f"put-{batch}-{record_bytes}"
            if kind != "nginx":
                create_stream(server.port, stream, 4)
            result = run_wrk(args, server, stream, batch, record_bytes, connections)
            record(kind, name, result, result["errors"])
        if kind != "nginx":
            result = run_pipeline(args, server, "pipeline", "pipeline", [
                "--shards", "4", "--producers", "8", "--batch", "100", "--record-bytes", "100",
                "--seconds", str(args.seconds)])
            record(kind, PIPELINE, result, result["errors_total"])
            result = run_pipeline(args, server, "read", "read", [
                "--records", str(args.read_records), "--record-bytes", "100", "--limit", "10000",
                "--producers", "4", "--batch", "500"])
            record(kind, READ, result, result["errors_total"])
        record(kind, "peak RSS", {"peak_rss_mb": server.peak_rss_mb()}, 0)
    finally:
        server.stop()


def run_restart(args, workdir, record):
    server = Server("sluice-fsync", args, workdir)
    server.start()
    try:
        fill = run_pipeline(args, server, "fill", "retained", [
            "--records", str(args.restart_records), "--record-bytes", "100", "--producers", "4",
            "--batch", "500"])
        rss_after_fill = server.peak_rss_mb()
        started = time.monotonic()
        server.stop()
        stop_s = time.monotonic() - started
        ready_s = server.start()
        disk = sum(os.path.getsize(os.path.join(d, f))
                   for d, _, files in os.walk(os.path.join(server.dir, "data")) for f in files)
        result = {"records": fill["records"], "fill_records_per_s": fill["records_per_s"],
                  "peak_rss_mb_after_fill": rss_after_fill, "stop_s": stop_s,
                  "restart_ready_s": ready_s, "rss_mb_after_restart": server.peak_rss_mb(),
                  "disk_mb": disk / (1 << 20)}
        record("sluice-fsync", "restart", result, fill["errors_total"])
    finally:
        server.stop()


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "-"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def report(results, args, started):
    """The Markdown report: medians per server and test, and per-round ratios."""
    by = {}
    for r in results:
        by.setdefault((r["server"], r["test"]), []).append(r)

    def med(server, test, key):
        return median([r["result"].get(key) for r in by.get((server, test), [])])

    def ratio(test, key, numerator, denominator, invert=False):
        ratios = []
        for n, d in zip(by.get((numerator, test), []), by.get((denominator, test), [])):
            a, b = n["result"].get(key), d["result"].get(key)
            if a and b:
                ratios.append(b / a if invert else a / b)
        return median(ratios)

    lines = [f"# Benchmark suite, {started:%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {os.cpu_count()} cores, {platform.platform()}; {args.rounds} rounds of "
             f"{args.seconds} s per test; medians, ratios are medians of per-round ratios.", "",
             "| test | Sluice fsync | Sluice buffered | kinesalite | nginx ceiling | "
             "fsync / kinesalite | fsync / nginx | Sluice fsync p99 | kinesalite p99 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, batch, _, connections in PUT_TESTS:
        unit = "rec/s" if batch else "req/s"
        lines.append(
            f"| {name}, {connections} conns ({unit}) | "
            f"{fmt(med('sluice-fsync', name, 'records_per_s'))} | "
            f"{fmt(med('sluice-buffered', name, 'records_per_s'))} | "
            f"{fmt(med('kinesalite', name, 'records_per_s'))} | "
            f"{fmt(med('nginx', name, 'records_per_s'))} | "
            f"{fmt(ratio(name, 'records_per_s', 'sluice-fsync', 'kinesalite'), 1)}x | "
            f"{fmt(ratio(name, 'records_per_s', 'sluice-fsync', 'nginx'), 2)}x | "
            f"{fmt(med('sluice-fsync', name, 'p99_ms'), 1)} ms | "
            f"{fmt(med('kinesalite', name, 'p99_ms'), 1)} ms |")
    for name, key, p99 in ((PIPELINE, "records_per_s", "e2e_p99_ms"),
                           (READ, "records_per_s", "get_p99_ms")):
        lines.append(
            f"| {name} (rec/s) | {fmt(med('sluice-fsync', name, key))} | "
            f"{fmt(med('sluice-buffered', name, key))} | {fmt(med('kinesalite', name, key))} | - | "
            f"{fmt(ratio(name, key, 'sluice-fsync', 'kinesalite'), 1)}x | - | "
            f"{fmt(med('sluice-fsync', name, p99), 1)} ms | "
            f"{fmt(med('kinesalite', name, p99), 1)} ms |")
    lines.append(
        f"| peak RSS over the round (MB) | {fmt(med('sluice-fsync', 'peak RSS', 'peak_rss_mb'))} | "
        f"{fmt(med('sluice-buffered', 'peak RSS', 'peak_rss_mb'))} | "
        f"{fmt(med('kinesalite', 'peak RSS', 'peak_rss_mb'))} | - | - | - | - | - |")
    lines += ["", "Producer+consumer details (medians): "
              f"Sluice fsync put->get p50 {fmt(med('sluice-fsync', PIPELINE, 'e2e_p50_ms'), 1)} ms, "
              f"p99 {fmt(med('sluice-fsync', PIPELINE, 'e2e_p99_ms'), 1)} ms, consumers caught up "
              f"{fmt(med('sluice-fsync', PIPELINE, 'drain_s'), 2)} s after the producers stopped; "
              f"kinesalite p50 {fmt(med('kinesalite', PIPELINE, 'e2e_p50_ms'), 1)} ms, p99 "
              f"{fmt(med('kinesalite', PIPELINE, 'e2e_p99_ms'), 1)} ms, caught up "
              f"{fmt(med('kinesalite', PIPELINE, 'drain_s'), 2)} s after.", ""]
    if by.get(("sluice-fsync", "restart")):
        lines += [f"Restart (Sluice fsync, {fmt(med('sluice-fsync', 'restart', 'records'))} records "
                  f"of 100 B retained, {fmt(med('sluice-fsync', 'restart', 'disk_mb'))} MB on disk "
                  f"over 3 nodes): /health ready "
                  f"{fmt(med('sluice-fsync', 'restart', 'restart_ready_s'), 2)} s after start "
                  f"(shutdown took {fmt(med('sluice-fsync', 'restart', 'stop_s'), 2)} s); peak RSS "
                  f"after ingesting them "
                  f"{fmt(med('sluice-fsync', 'restart', 'peak_rss_mb_after_fill'))} MB, "
                  f"{fmt(med('sluice-fsync', 'restart', 'rss_mb_after_restart'))} MB after the "
                  "restart.", ""]
    invalid = [r for r in results if r["errors"]]
    if invalid:
        lines += ["**Runs with errors (not results):**", ""]
        lines += [f"- round {r['round']}, {r['server']}, {r['test']}: {json.dumps(r['result'])}"
                  for r in invalid]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--kinesalite", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--read-records", type=int, default=200000)
    parser.add_argument("--restart-records", type=int, default=1000000)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = parser.parse_args()
    servers = [s for s in args.servers.split(",") if s]
    started = datetime.datetime.now(datetime.timezone.utc)
    workdir = tempfile.mkdtemp(prefix="sluice-suite-")
    os.makedirs(args.out, exist_ok=True)
    stamp = f"{started:%Y%m%d-%H%M}"
    raw_path = os.path.join(args.out, f"suite-{stamp}.jsonl")
    results = []
    try:
        with open(raw_path, "w") as raw:
            current_round = [0]

            def record(server, test, result, errors):
                entry = {"round": current_round[0], "server": server, "test": test,
                         "errors": errors, "result": result}
                results.append(entry)
                raw.write(json.dumps(entry) + "\n")
                raw.flush()
                summary = {k: v for k, v in result.items()
                           if k in ("records_per_s", "p99_ms", "e2e_p99_ms", "restart_ready_s",
                                    "peak_rss_mb")}
                print(f"round {current_round[0]} {server:16} {test:34} "
                      f"{json.dumps(summary)}{'  ERRORS' if errors else ''}", flush=True)

            for round_number in range(1, args.rounds + 1):
                current_round[0] = round_number
                shift = (round_number - 1) % len(servers)
                for kind in servers[shift:] + servers[:shift]:
                    run_server_tests(args, kind, workdir, record)
                if "sluice-fsync" in servers and args.restart_records > 0:
                    run_restart(args, workdir, record)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(results, args, started)
    with open(os.path.join(args.out, f"suite-{stamp}.md"), "w") as f:
        f.write(text)
    print()
    print(text)
    print(f"raw results: {raw_path}")
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
