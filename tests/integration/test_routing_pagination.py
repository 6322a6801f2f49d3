"""Hash-key routing (MD5 of the partition key, ExplicitHashKey overriding it) and boto3
paginators over ListStreams, ListShards and DescribeStream."""

import random
import unittest

import harness
from routing import MAX_HASH_KEY, expected_shard, hash_key, shard_for_hash, uniform_ranges


class RoutingTest(harness.ServerTestCase):
    SHARDS = 5  # not a power of two: the last shard's range is longer than the others

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.boto3_client()
        cls.client.create_stream(StreamName="routing", ShardCount=cls.SHARDS)
        harness.wait_active(cls.client, "routing")

    def read_all(self):
        """{shard id: [(partition key, data)]} for the whole stream."""
        out = {}
        for sid, _, _ in uniform_ranges(self.SHARDS):
            iterator = self.client.get_shard_iterator(
                StreamName="routing", ShardId=sid,
                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            out[sid] = [(r["PartitionKey"], r["Data"])
                        for r in harness.read_shard(self.client, iterator)]
        return out

    def test_routing(self):
        ranges = self.client.list_shards(StreamName="routing")["Shards"]
        self.assertEqual([(s["ShardId"], s["HashKeyRange"]["StartingHashKey"],
                           s["HashKeyRange"]["EndingHashKey"]) for s in ranges],
                         uniform_ranges(self.SHARDS))

        rng = random.Random(7)
        keys = [f"pk-{rng.getrandbits(64):x}" for _ in range(300)] + [
            "a", "\u00fcml\u00e4ut", "\u65e5\u672c", "x" * 256]
        expected = {}
        for start in range(0, len(keys), 100):
            chunk = keys[start:start + 100]
            out = self.client.put_records(StreamName="routing", Records=[
                {"PartitionKey": k, "Data": f"md5:{k}".encode()} for k in chunk])
            self.assertEqual(out["FailedRecordCount"], 0)
            for key, result in zip(chunk, out["Records"]):
                self.assertEqual(result["ShardId"], expected_shard(key, self.SHARDS),
                                 f"key {key!r} hash {hash_key(key)}")
                expected[f"md5:{key}".encode()] = result["ShardId"]
        self.assertEqual(len(set(expected.values())), self.SHARDS, "300 keys reach every shard")

        # ExplicitHashKey wins over the partition key, including at the range edges.
        explicit = []
        for sid, start, end in uniform_ranges(self.SHARDS):
            for value in {int(start), int(end), (int(start) + int(end)) // 2}:
                explicit.append((value, sid))
        explicit += [(0, "shardId-000000000000"), (MAX_HASH_KEY, "shardId-000000000004")]
        for i, (value, sid) in enumerate(explicit):
            # A partition key that MD5-routes somewhere else.
            key = next(f"other-{i}-{j}" for j in range(1000)
                       if expected_shard(f"other-{i}-{j}", self.SHARDS) != sid)
            data = f"explicit:{value}:{i}".encode()
            if i % 2:
                out = self.client.put_record(StreamName="routing", PartitionKey=key, Data=data,
                                             ExplicitHashKey=str(value))
            else:
                out = self.client.put_records(StreamName="routing", Records=[
                    {"PartitionKey": key, "Data": data, "ExplicitHashKey": str(value)}])
                self.assertEqual(out["FailedRecordCount"], 0)
                out = out["Records"][0]
            self.assertEqual(out["ShardId"], sid, f"ExplicitHashKey {value}")
            self.assertEqual(shard_for_hash(value, self.SHARDS), sid)
            expected[data] = sid

        # The stored records are where the puts said.
        stored = {data: sid for sid, records in self.read_all().items() for _, data in records}
        self.assertEqual(stored, expected)

        self.assertClientError(self.client.put_record, "InvalidArgumentException", None,
                               StreamName="routing", PartitionKey="k", Data=b"x",
                               ExplicitHashKey=str(MAX_HASH_KEY + 1))


def drop_stream_name_with_next_token(params, **kwargs):
    """The usual client-side fix: ListShards takes NextToken or StreamName, never both."""
    if params.get("NextToken"):
        params.pop("StreamName", None)


class PaginationTest(harness.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.boto3_client()

    def test_list_streams(self):
        names = [f"page-{c}" for c in "gabfdce"]  # created out of order
        for name in names:
            self.client.create_stream(StreamName=name, ShardCount=1)
        for name in names:
            harness.wait_active(self.client, name)
        pages = list(self.client.get_paginator("list_streams").paginate(
            PaginationConfig={"PageSize": 2}))
        listed = [n for p in pages for n in p["StreamNames"] if n.startswith("page-")]
        self.assertEqual(listed, sorted(names))  # each once, in name order
        self.assertGreaterEqual(len(pages), 4)
        self.assertTrue(all(len(p["StreamNames"]) <= 2 for p in pages))
        summaries = [s["StreamName"] for p in pages for s in p["StreamSummaries"]
                     if s["StreamName"].startswith("page-")]
        self.assertEqual(summaries, sorted(names))
        self.assertFalse(pages[-1]["HasMoreStreams"])
        self.assertTrue(all(p["HasMoreStreams"] for p in pages[:-1]))
        # build_full_result aggregates the same list.
        full = self.client.get_paginator("list_streams").paginate(
            PaginationConfig={"PageSize": 3}).build_full_result()
        self.assertEqual([n for n in full["StreamNames"] if n.startswith("page-")], sorted(names))

    def test_list_shards_and_describe_stream(self):
        stream = "ten-shards"
        self.client.create_stream(StreamName=stream, ShardCount=10)
        harness.wait_active(self.client, stream)
        expected = [sid for sid, _, _ in uniform_ranges(10)]

        # As on AWS, boto3's own paginator repeats StreamName with NextToken and is refused.
        pages = self.client.get_paginator("list_shards").paginate(
            StreamName=stream, PaginationConfig={"PageSize": 3})
        self.assertClientError(lambda: list(pages), "InvalidArgumentException",
                               "NextToken and StreamName cannot be provided together.")

        # With StreamName dropped from follow-up pages, every shard exactly once.
        client = self.server.boto3_client()
        client.meta.events.register("provide-client-params.kinesis.ListShards",
                                    drop_stream_name_with_next_token)
        pages = list(client.get_paginator("list_shards").paginate(
            StreamName=stream, PaginationConfig={"PageSize": 3}))
        self.assertEqual([len(p["Shards"]) for p in pages], [3, 3, 3, 1])
        self.assertEqual([s["ShardId"] for p in pages for s in p["Shards"]], expected)
        self.assertNotIn("NextToken", pages[-1])

        # MaxItems across page boundaries, resumed with the paginator's StartingToken.
        first = client.get_paginator("list_shards").paginate(
            StreamName=stream, PaginationConfig={"PageSize": 3, "MaxItems": 5}).build_full_result()
        self.assertEqual([s["ShardId"] for s in first["Shards"]], expected[:5])
        rest = client.get_paginator("list_shards").paginate(
            StreamName=stream, PaginationConfig={"PageSize": 3,
                                                 "StartingToken": first["NextToken"]}
        ).build_full_result()
        self.assertEqual([s["ShardId"] for s in rest["Shards"]], expected[5:])

        pages = list(self.client.get_paginator("describe_stream").paginate(
            StreamName=stream, PaginationConfig={"PageSize": 4}))
        shards = [s["ShardId"] for p in pages for s in p["StreamDescription"]["Shards"]]
        self.assertEqual(shards, expected)
        self.assertEqual([len(p["StreamDescription"]["Shards"]) for p in pages], [4, 4, 2])
        self.assertEqual([p["StreamDescription"]["HasMoreShards"] for p in pages],
                         [True, True, False])

        # ExclusiveStartShardId by hand.
        out = self.client.describe_stream(StreamName=stream, Limit=2,
                                          ExclusiveStartShardId="shardId-000000000007")
        self.assertEqual([s["ShardId"] for s in out["StreamDescription"]["Shards"]],
                         expected[8:10])
        self.assertFalse(out["StreamDescription"]["HasMoreShards"])


if __name__ == "__main__":
    unittest.main()
