"""Round trip through boto3 over http and https, against a server with the default stream
create/delete delays (500 ms), so CREATING and DELETING are visible and the waiters wait."""

import random
import time
import unittest

import harness
from routing import expected_shard, uniform_ranges

ACCOUNT = harness.ACCOUNT


class Boto3RoundTripTest(harness.ServerTestCase):
    # The server defaults: streams take 500 ms to become ACTIVE and 500 ms to disappear.
    SERVER_OPTIONS = {"create_ms": 500, "delete_ms": 500}
    DELAY_S = 0.5

    def run_round_trip(self, https):
        client = self.server.boto3_client(https=https)
        stream = f"boto3-{'https' if https else 'http'}"
        shards = 3
        rng = random.Random(stream)

        started = time.monotonic()
        client.create_stream(StreamName=stream, ShardCount=shards)
        status = client.describe_stream_summary(
            StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"]
        if time.monotonic() - started < self.DELAY_S * 0.8:
            self.assertEqual(status, "CREATING")
            self.assertClientError(
                client.put_record, "ResourceInUseException",
                f"Stream {stream} under account {ACCOUNT} not ACTIVE, instead in state CREATING",
                StreamName=stream, PartitionKey="k", Data=b"x")
        client.get_waiter("stream_exists").wait(
            StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
        self.assertGreaterEqual(time.monotonic() - started, self.DELAY_S * 0.9)
        self.assertEqual(client.describe_stream(StreamName=stream)
                         ["StreamDescription"]["StreamStatus"], "ACTIVE")

        puts = []  # (partition key, data, put result)
        singles = [("all-bytes", bytes(range(256))),
                   ("random", rng.randbytes(5000)),
                   ("\u043a\u043b\u044e\u0447-\u952e", b"unicode partition key"),
                   ("big", rng.randbytes(1024 * 1024 - len("big")))]  # exactly the 1 MiB limit
        for key, data in singles:
            out = client.put_record(StreamName=stream, PartitionKey=key, Data=data)
            self.assertEqual(out["ShardId"], expected_shard(key, shards))
            puts.append((key, data, out))

        batch = [(f"key-{rng.random()}", rng.randbytes(rng.randrange(0, 4000) + 1))
                 for _ in range(100)]
        out = client.put_records(StreamName=stream, Records=[
            {"PartitionKey": k, "Data": d} for k, d in batch])
        self.assertEqual(out["FailedRecordCount"], 0)
        self.assertEqual(len(out["Records"]), len(batch))
        for (key, data), result in zip(batch, out["Records"]):
            self.assertEqual(result["ShardId"], expected_shard(key, shards))
            puts.append((key, data, result))

        total = 0
        for shard_id, _, _ in uniform_ranges(shards):
            iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                                 ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            records = harness.read_shard(client, iterator)
            expected = sorted((p for p in puts if p[2]["ShardId"] == shard_id),
                              key=lambda p: int(p[2]["SequenceNumber"]))
            self.assertEqual([(r["PartitionKey"], r["Data"], r["SequenceNumber"]) for r in records],
                             [(k, d, res["SequenceNumber"]) for k, d, res in expected])
            total += len(records)
        self.assertEqual(total, len(puts))

        self.assertIn(stream, client.list_streams()["StreamNames"])
        description = client.describe_stream(StreamName=stream)["StreamDescription"]
        self.assertEqual(description["StreamARN"],
                         f"arn:aws:kinesis:{harness.REGION}:{ACCOUNT}:stream/{stream}")
        self.assertFalse(description["HasMoreShards"])
        self.assertEqual([(s["ShardId"], s["HashKeyRange"]["StartingHashKey"],
                           s["HashKeyRange"]["EndingHashKey"]) for s in description["Shards"]],
                         uniform_ranges(shards))
        summary = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
        self.assertEqual((summary["StreamStatus"], summary["OpenShardCount"],
                          summary["RetentionPeriodHours"]), ("ACTIVE", shards, 24))
        self.assertEqual(client.list_shards(StreamName=stream)["Shards"], description["Shards"])

        started = time.monotonic()
        client.delete_stream(StreamName=stream)
        status = client.describe_stream_summary(
            StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"]
        if time.monotonic() - started < self.DELAY_S * 0.8:
            self.assertEqual(status, "DELETING")
        client.get_waiter("stream_not_exists").wait(
            StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
        self.assertClientError(client.describe_stream, "ResourceNotFoundException",
                               f"Stream {stream} under account {ACCOUNT} not found.",
                               StreamName=stream)
        self.assertNotIn(stream, client.list_streams()["StreamNames"])

    def test_round_trip_http(self):
        self.run_round_trip(https=False)

    def test_round_trip_https(self):
        self.run_round_trip(https=True)

    def test_request_ids(self):
        """Every response carries a distinct x-amzn-RequestId, success or error."""
        client = self.server.boto3_client()
        ids = set()
        for _ in range(5):
            meta = client.list_streams()["ResponseMetadata"]
            self.assertEqual(meta["HTTPHeaders"]["x-amzn-requestid"], meta["RequestId"])
            ids.add(meta["RequestId"])
        error = self.assertClientError(client.describe_stream, "ResourceNotFoundException",
                                       StreamName="no-such-stream")
        ids.add(error.response["ResponseMetadata"]["RequestId"])
        self.assertEqual(len(ids), 6)
        self.assertNotIn("", ids)


if __name__ == "__main__":
    unittest.main()
