"""The disk-stall drill: under a boto3 write load every storage node hangs past
--node-timeout-ms (a stall of the disk they share, injected as a 60 s write latency on the
operator port), so all three go down and writes fail; then the stall ends. Without a restart or
an operator `recover`, the nodes probe their way back, writes resume, and every acknowledged record
reads back exactly once, in order. /health answers throughout.

Bounded: the stall lasts about 3 s and every wait has a deadline.
"""
import threading
import time
import unittest

import harness

STREAM = "stall"
SHARDS = 2
NODES = ("az-a", "az-b", "az-c")


class Producer(threading.Thread):
    """Puts uniquely numbered records until told to stop; remembers what was acknowledged."""

    def __init__(self, server, number, stop):
        super().__init__(daemon=True)
        self.server = server
        self.number = number
        self.stop = stop
        self.acked = {}  # record id -> (shard id, sequence number)
        self.failures = []  # (monotonic time, error code) of failed calls
        self.lock = threading.Lock()

    def client(self):
        return self.server.boto3_client(connect_timeout=2, read_timeout=15,
                                        retries={"max_attempts": 1})

    def run(self):
        from botocore.exceptions import ClientError
        client = self.client()
        counter = 0
        while not self.stop.is_set():
            record_id = f"p{self.number}-{counter}"
            counter += 1
            try:
                reply = client.put_record(StreamName=STREAM, Data=record_id.encode(),
                                          PartitionKey=record_id)
                with self.lock:
                    self.acked[record_id] = (reply["ShardId"], reply["SequenceNumber"])
            except ClientError as error:
                with self.lock:
                    self.failures.append((time.monotonic(), error.response["Error"]["Code"]))
                time.sleep(0.02)
            except Exception as error:  # a lost answer: neither acknowledged nor refused
                with self.lock:
                    self.failures.append((time.monotonic(), type(error).__name__))
                time.sleep(0.02)
                client = self.client()
            time.sleep(0.005)

    def acked_count(self):
        with self.lock:
            return len(self.acked)


class DiskStallTest(unittest.TestCase):
    def setUp(self):
        self.server = harness.SluiceServer(name="disk-stall", extra_args=(
            "--node-timeout-ms", "500", "--node-probe-min-ms", "50",
            "--node-probe-max-ms", "1000")).start()
        self.addCleanup(lambda: self.server.cleanup(keep=harness.has_failed(self)))

    def stall(self, latency_ms):
        for node in NODES:
            status, body = self.server.node_action(node, f"fail?latency_ms={latency_ms}")
            self.assertEqual(status, 200, body)

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        self.fail(f"{what} within {timeout}s; nodes: {self.server.nodes()}\n"
                  f"{self.server.log_tail()}")

    def assert_health_answers_quickly(self):
        started = time.monotonic()
        self.assertEqual(self.server.health_status(), 200)
        self.assertLess(time.monotonic() - started, 1.0, "/health was slow")

    def test_writes_resume_after_a_stall_of_every_node_without_a_restart(self):
        client = self.server.boto3_client()
        client.create_stream(StreamName=STREAM, ShardCount=SHARDS)
        client.get_waiter("stream_exists").wait(StreamName=STREAM,
                                                WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        stop = threading.Event()
        producers = [Producer(self.server, n, stop) for n in range(3)]
        for p in producers:
            p.start()
        try:
            self.wait_for(lambda: sum(p.acked_count() for p in producers) > 100, 30,
                          "no writes before the stall")

            self.stall(60000)  # every write now waits a minute: far past the 500 ms timeout
            self.wait_for(lambda: all(n["state"] == "down" for n in self.server.nodes().values()),
                          15, "the nodes did not all go down")
            nodes = self.server.nodes()
            for name, node in nodes.items():
                self.assertTrue(node["down"]["self_healing"], node)
                self.assertIn("500 ms", node["down"]["reason"], node)
            stalled_at = time.monotonic()
            acked_at_stall = sum(p.acked_count() for p in producers)
            for _ in range(10):  # the stall holds for a while; /health keeps answering
                self.assert_health_answers_quickly()
                time.sleep(0.2)
            with self.assertRaises(Exception) as refused:
                client_once = self.server.boto3_client(retries={"max_attempts": 1})
                client_once.put_record(StreamName=STREAM, Data=b"during", PartitionKey="x")
            self.assertIn(getattr(refused.exception, "response", {}).get("Error", {}).get("Code"),
                          ("ServiceUnavailableException", "InternalFailure"), refused.exception)
            self.assertLessEqual(sum(p.acked_count() for p in producers), acked_at_stall + 3,
                                 "writes were acknowledged while every node was down")

            self.stall(0)  # the disk answers again; nobody restarts anything or calls recover
            self.server.wait_all_healthy(timeout=30)
            self.assertTrue(self.server.alive())
            acked_after = sum(p.acked_count() for p in producers)
            self.wait_for(lambda: sum(p.acked_count() for p in producers) > acked_after + 100,
                          30, "writes did not resume after the stall")
        finally:
            stop.set()
            for p in producers:
                p.join(timeout=30)
        failed_during = [f for p in producers for f in p.failures if f[0] >= stalled_at]
        self.assertTrue(failed_during, "no write failed during the stall")
        self.assertEqual(len(self.server.exit_codes), 0, "the server was restarted")

        nodes = self.server.wait_all_healthy()
        self.assertEqual(len({n["applied_lsn"] for n in nodes.values()}), 1, nodes)
        acked = {}
        for p in producers:
            acked.update(p.acked)
        read = harness.read_every_shard(self.server.boto3_client(), STREAM, deadline_s=120)
        seen = {}
        for shard_id, records in read.items():
            numbers = [int(r["SequenceNumber"]) for r in records]
            self.assertEqual(numbers, sorted(set(numbers)), f"{shard_id}: not strictly increasing")
            for r in records:
                record_id = r["Data"].decode()
                self.assertNotIn(record_id, seen, f"{record_id} read twice")
                seen[record_id] = (shard_id, r["SequenceNumber"])
        missing = [i for i in acked if i not in seen]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged records lost")
        moved = [i for i in acked if seen[i] != acked[i]]
        self.assertEqual(moved, [], "acknowledged records read at another shard/sequence")
        print(f"\ndisk stall: {len(acked)} records acknowledged, "
              f"{len(failed_during)} calls failed during the stall, all read back once in order")


if __name__ == "__main__":
    unittest.main()
