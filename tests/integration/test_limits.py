"""AWS's per-shard throughput limits (--enforce-limits true) against boto3: throttling comes back
with AWS's error types and texts, and clients that retry as the SDKs do get everything through,
exactly once."""

import time
import unittest

import harness

ACCOUNT = harness.ACCOUNT


def rate_exceeded(stream, shard="shardId-000000000000"):
    return f"Rate exceeded for shard {shard} in stream {stream} under account {ACCOUNT}."


class LimitsTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ("--enforce-limits", "true")}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.boto3_client()  # one attempt: throttling shows
        # boto3's standard retry mode: throttling errors are retried with backoff.
        cls.retrying = cls.server.boto3_client(
            retries={"total_max_attempts": 10, "mode": "standard"})

    def create(self, name):
        self.client.create_stream(StreamName=name, ShardCount=1)
        harness.wait_active(self.client, name)

    def test_put_records_fails_only_the_entries_over_the_limit(self):
        self.create("limits-put")
        sent = [f"record-{i}".encode() for i in range(1500)]
        outcomes = []
        for start in range(0, len(sent), 500):
            reply = self.client.put_records(StreamName="limits-put", Records=[
                {"Data": data, "PartitionKey": "k"} for data in sent[start:start + 500]])
            outcomes.extend(zip(sent[start:start + 500], reply["Records"]))
        failed = [(data, r) for data, r in outcomes if "ErrorCode" in r]
        self.assertGreater(len(failed), 0, "1500 records at once should pass 1000/s")
        self.assertEqual(failed[0][1]["ErrorCode"], "ProvisionedThroughputExceededException")
        self.assertEqual(failed[0][1]["ErrorMessage"], rate_exceeded("limits-put"))

        # Retrying the failed entries after a pause, as the KPL and SDK helpers do.
        pending = [data for data, _ in failed]
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            time.sleep(0.5)
            reply = self.client.put_records(StreamName="limits-put", Records=[
                {"Data": data, "PartitionKey": "k"} for data in pending[:500]])
            pending = [data for data, r in zip(pending, reply["Records"])
                       if "ErrorCode" in r] + pending[500:]
        self.assertEqual(pending, [])

        read = self.read_all("limits-put")
        self.assertEqual(sorted(read), sorted(sent))  # every record once

    def read_all(self, stream):
        iterator = self.retrying.get_shard_iterator(
            StreamName=stream, ShardId="shardId-000000000000",
            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        data = []
        while True:
            reply = self.retrying.get_records(ShardIterator=iterator)
            data.extend(r["Data"] for r in reply["Records"])
            iterator = reply["NextShardIterator"]
            if not reply["Records"] and reply["MillisBehindLatest"] == 0:
                return data

    def test_put_record_and_reads_are_throttled_and_retried(self):
        self.create("limits-read")
        # One PutRecord call per record: the 1001st within the second is refused outright.
        big = b"x" * (300 * 1024)
        errors = []
        for _ in range(5):
            try:
                self.client.put_record(StreamName="limits-read", PartitionKey="k", Data=big)
            except self.client.exceptions.ProvisionedThroughputExceededException as error:
                errors.append(error.response["Error"]["Message"])
        self.assertEqual(errors[:1], [rate_exceeded("limits-read")])

        iterator = self.client.get_shard_iterator(
            StreamName="limits-read", ShardId="shardId-000000000000",
            ShardIteratorType="LATEST")["ShardIterator"]
        with self.assertRaises(self.client.exceptions.ProvisionedThroughputExceededException):
            for _ in range(10):
                iterator = self.client.get_records(ShardIterator=iterator)["NextShardIterator"]
        # A retrying client polls as fast as it likes and never sees the throttling.
        for _ in range(15):
            iterator = self.retrying.get_records(ShardIterator=iterator)["NextShardIterator"]
        with self.assertRaises(self.client.exceptions.ProvisionedThroughputExceededException):
            for _ in range(10):
                self.client.get_shard_iterator(StreamName="limits-read",
                                               ShardId="shardId-000000000000",
                                               ShardIteratorType="LATEST")


if __name__ == "__main__":
    unittest.main()
