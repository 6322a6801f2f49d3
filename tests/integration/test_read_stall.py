"""The read-stall drill: every storage node's reads hang (a stall of the disk, injected as a
60 s read latency on the operator port) while more GetRecords calls wait on it than the broker
has I/O threads. The reads wait on the broker's reader threads, so /health, writes, control-plane
calls and a LATEST iterator keep answering at once; when the stall ends, every waiting
GetRecords answers with its records. Were reads served on the I/O threads, the two of them would
be stuck and /health would time out.

Bounded: the stall is ended by the test (the injected wait is cut short), every wait has a
deadline.
"""
import re
import threading
import time
import unittest

import harness

STREAM = "read-stall"
NODES = ("az-a", "az-b", "az-c")
IO_THREADS = 2
READERS = 6  # more waiting reads than I/O threads and reader threads together


class Reader(threading.Thread):
    def __init__(self, server, iterator):
        super().__init__(daemon=True)
        self.server = server
        self.iterator = iterator
        self.result = None
        self.error = None

    def run(self):
        try:
            client = self.server.boto3_client(read_timeout=90, retries={"max_attempts": 1})
            self.result = client.get_records(ShardIterator=self.iterator)
        except Exception as error:  # reported by the test
            self.error = error


class ReadStallTest(unittest.TestCase):
    def setUp(self):
        self.server = harness.SluiceServer(name="read-stall", extra_args=(
            "--threads", str(IO_THREADS), "--read-threads", "2")).start()
        self.addCleanup(lambda: self.server.cleanup(keep=harness.has_failed(self)))

    def stall_reads(self, latency_ms):
        for node in NODES:
            status, body = self.server.node_action(node, f"fail?read_latency_ms={latency_ms}")
            self.assertEqual(status, 200, body)

    def reads_in_flight(self):
        match = re.search(rb"^sluice_store_reads_in_flight (\d+)$", self.server.metrics(), re.M)
        self.assertIsNotNone(match, "no sluice_store_reads_in_flight in /metrics")
        return int(match.group(1))

    def assert_answers_quickly(self, what, call):
        started = time.monotonic()
        result = call()
        self.assertLess(time.monotonic() - started, 2.0, f"{what} was slow")
        return result

    def test_reads_stuck_on_the_disk_hold_no_io_thread(self):
        client = self.server.boto3_client(read_timeout=10, retries={"max_attempts": 1})
        client.create_stream(StreamName=STREAM, ShardCount=1)
        harness.wait_active(client, STREAM)
        for i in range(5):
            client.put_record(StreamName=STREAM, Data=f"r{i}".encode(), PartitionKey="k")
        shard_id = client.list_shards(StreamName=STREAM)["Shards"][0]["ShardId"]
        iterator = client.get_shard_iterator(StreamName=STREAM, ShardId=shard_id,
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

        self.stall_reads(60000)
        readers = [Reader(self.server, iterator) for _ in range(READERS)]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + 15
        while self.reads_in_flight() < READERS and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.reads_in_flight(), READERS, "the reads did not all reach the store")

        # Every I/O thread would be taken by now if reads ran there; they answer at once.
        for _ in range(5):
            status = self.assert_answers_quickly("/health", self.server.health_status)
            self.assertEqual(status, 200)
        put = self.assert_answers_quickly("PutRecord", lambda: client.put_record(
            StreamName=STREAM, Data=b"during", PartitionKey="k"))
        self.assertIn("SequenceNumber", put)
        self.assert_answers_quickly("DescribeStreamSummary", lambda: client.describe_stream_summary(
            StreamName=STREAM))
        self.assert_answers_quickly("GetShardIterator LATEST", lambda: client.get_shard_iterator(
            StreamName=STREAM, ShardId=shard_id, ShardIteratorType="LATEST"))
        self.assertTrue(all(reader.is_alive() for reader in readers),
                        "a GetRecords answered while every read was stalled")

        self.stall_reads(0)  # the disk answers again: the waits are cut short
        for reader in readers:
            reader.join(timeout=30)
            self.assertFalse(reader.is_alive(), "a GetRecords never answered")
            self.assertIsNone(reader.error, reader.error)
            data = [r["Data"] for r in reader.result["Records"]]
            self.assertEqual(data[:5], [f"r{i}".encode() for i in range(5)])
        self.assertEqual(self.reads_in_flight(), 0)
        self.assertTrue(self.server.alive())


if __name__ == "__main__":
    unittest.main()
