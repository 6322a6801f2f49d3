"""The full round trip through an AWS CLI (v1 or v2, http or https), shared by the CLI modules.

How the two CLIs pass blobs (checked against both, and asserted below):
- CLI v1 sends `--data TEXT` as the raw bytes of TEXT, and `Data` inside `--records` JSON raw too.
- CLI v2 base64-decodes `--data` and `Data` in `--records` by default
  (`--cli-binary-format base64`); with `--cli-binary-format raw-in-base64-out` it sends TEXT raw.
- Both send a `fileb://` file's bytes unchanged, and both print `Data` base64-encoded.
"""

import base64
import json
import os
import random
import tempfile

import harness
from routing import expected_shard, uniform_ranges

ACCOUNT = harness.ACCOUNT


class CliRoundTrip:
    """Mixin for a harness.ServerTestCase; V2 selects the CLI."""

    V2 = False

    def cli(self, args, https, **kwargs):
        return self.server.cli(args, v2=self.V2, https=https, **kwargs)

    def write_file(self, data):
        fd, path = tempfile.mkstemp(prefix="sluice-it-blob-", dir=self.server.root)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return path

    def run_round_trip(self, https):
        scheme = "https" if https else "http"
        stream = f"cli-{'v2' if self.V2 else 'v1'}-{scheme}"
        shards = 2
        rng = random.Random(f"{stream}-seed")

        self.assertIsNone(self.cli(["create-stream", "--stream-name", stream,
                                    "--shard-count", str(shards)], https))
        self.assertIsNone(self.cli(["wait", "stream-exists", "--stream-name", stream], https))

        # What each put sends, and the bytes the stream must then hold.
        all_bytes = bytes(range(256))
        random_bytes = bytes(rng.getrandbits(8) for _ in range(3000))
        puts = []  # (partition key, expected data, put result)

        def put_record(key, data, extra):
            out = self.cli(["put-record", "--stream-name", stream, "--partition-key", key,
                            *extra], https)
            self.assertEqual(out["ShardId"], expected_shard(key, shards), out)
            self.assertEqual(len(out["SequenceNumber"]), 56, out)
            puts.append((key, data, out))

        put_record("all-bytes", all_bytes, ["--data", "fileb://" + self.write_file(all_bytes)])
        put_record("random-bytes", random_bytes,
                   ["--data", "fileb://" + self.write_file(random_bytes)])
        text = f"plain text via {stream} \u00e9"
        if self.V2:
            # Default binary format: --data is base64.
            put_record("text-base64", text.encode(),
                       ["--data", base64.b64encode(text.encode()).decode()])
            put_record("text-raw", text.encode(),
                       ["--cli-binary-format", "raw-in-base64-out", "--data", text])
        else:
            put_record("text-raw", text.encode(), ["--data", text])

        # put-records: keys chosen to reach both shards.
        batch = [(f"batch-key-{i}", f"batch record {i}".encode()) for i in range(6)]
        if self.V2:
            batch.append(("batch-binary", random_bytes[:500]))
            entries = [{"Data": base64.b64encode(d).decode(), "PartitionKey": k} for k, d in batch]
            records_arg = ["--records", json.dumps(entries)]
        else:
            # CLI v1 sends the JSON string raw: it must be text.
            entries = [{"Data": d.decode(), "PartitionKey": k} for k, d in batch]
            records_arg = ["--records", json.dumps(entries)]
        self.assertEqual({expected_shard(k, shards) for k, _ in batch},
                         {"shardId-000000000000", "shardId-000000000001"})
        out = self.cli(["put-records", "--stream-name", stream, *records_arg], https)
        self.assertEqual(out["FailedRecordCount"], 0, out)
        self.assertEqual(len(out["Records"]), len(batch))
        for (key, data), result in zip(batch, out["Records"]):
            self.assertEqual(result["ShardId"], expected_shard(key, shards), result)
            puts.append((key, data, result))

        # Read every shard from TRIM_HORIZON; each record exactly as put, in sequence order.
        for shard_index in range(shards):
            shard_id = f"shardId-{shard_index:012d}"
            iterator = self.cli(["get-shard-iterator", "--stream-name", stream, "--shard-id",
                                 shard_id, "--shard-iterator-type", "TRIM_HORIZON"],
                                https)["ShardIterator"]
            got = self.cli(["get-records", "--shard-iterator", iterator], https)
            self.assertEqual(got["MillisBehindLatest"], 0, got)
            self.assertIn("NextShardIterator", got)
            expected = sorted((p for p in puts if p[2]["ShardId"] == shard_id),
                              key=lambda p: int(p[2]["SequenceNumber"]))
            self.assertEqual(
                [(r["PartitionKey"], base64.b64decode(r["Data"]), r["SequenceNumber"])
                 for r in got["Records"]],
                [(k, d, result["SequenceNumber"]) for k, d, result in expected])

        listed = self.cli(["list-streams"], https)
        self.assertIn(stream, listed["StreamNames"])

        described = self.cli(["describe-stream", "--stream-name", stream],
                             https)["StreamDescription"]
        self.assertEqual(described["StreamName"], stream)
        self.assertEqual(described["StreamStatus"], "ACTIVE")
        self.assertEqual(described["StreamARN"],
                         f"arn:aws:kinesis:{harness.REGION}:{ACCOUNT}:stream/{stream}")
        self.assertEqual(described["RetentionPeriodHours"], 24)
        self.assertEqual([(s["ShardId"], s["HashKeyRange"]["StartingHashKey"],
                           s["HashKeyRange"]["EndingHashKey"]) for s in described["Shards"]],
                         uniform_ranges(shards))

        summary = self.cli(["describe-stream-summary", "--stream-name", stream],
                           https)["StreamDescriptionSummary"]
        self.assertEqual(summary["StreamName"], stream)
        self.assertEqual(summary["StreamStatus"], "ACTIVE")
        self.assertEqual(summary["OpenShardCount"], shards)
        self.assertEqual(summary["RetentionPeriodHours"], 24)

        listed_shards = self.cli(["list-shards", "--stream-name", stream], https)["Shards"]
        self.assertEqual(listed_shards, described["Shards"])

        self.assertIsNone(self.cli(["delete-stream", "--stream-name", stream], https))
        error = self.cli(["describe-stream", "--stream-name", stream], https, check=False)
        self.assertCliError(error, "ResourceNotFoundException",
                            f"Stream {stream} under account {ACCOUNT} not found.")
        self.assertNotIn(stream, self.cli(["list-streams"], https)["StreamNames"])
