"""Resharding through boto3: SplitShard, MergeShards and UpdateShardCount while producers keep
writing, then the whole stream read end to end as a KCL would (parents before children, following
ChildShards), every acknowledged record exactly once and in order per partition key; ListShards
filters after a reshard; AWS's refusals; SubscribeToShard on a closed parent ending with its
ChildShards."""

import threading
import time
import unittest

import harness

MAX_HASH = 2**128 - 1


def shard_ids(shards):
    return [s["ShardId"] for s in shards]


def list_all_shards(client, stream, **kwargs):
    shards, token = [], None
    while True:
        out = (client.list_shards(NextToken=token) if token else
               client.list_shards(StreamName=stream, **kwargs))
        shards += out["Shards"]
        token = out.get("NextToken")
        if not token:
            return shards


def read_closed_or_caught_up(client, stream, shard_id):
    """Reads a shard from TRIM_HORIZON: to its end (returns its ChildShards) or, open, until caught
    up (returns None)."""
    iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                         ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while True:
        out = client.get_records(ShardIterator=iterator, Limit=1000)
        records += out["Records"]
        if "NextShardIterator" not in out:
            return records, out.get("ChildShards", [])
        if not out["Records"] and out["MillisBehindLatest"] == 0:
            return records, None
        iterator = out["NextShardIterator"]


def read_stream(client, stream):
    """Every shard read parents first; returns {shard id: [records]}."""
    shards = {s["ShardId"]: s for s in list_all_shards(client, stream)}
    parents = {}
    for s in shards.values():
        parents[s["ShardId"]] = [p for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId"))
                                 if p]
    ready = [sid for sid, ps in parents.items() if not ps]
    done, read = set(), {}
    while ready:
        sid = ready.pop(0)
        if sid in done:
            continue
        records, children = read_closed_or_caught_up(client, stream, sid)
        read[sid] = records
        done.add(sid)
        if children is None:
            continue
        for child in children:
            if all(p in done for p in child["ParentShards"]):
                ready.append(child["ShardId"])
    return read, shards


class ReshardTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"update_ms": 300,
                      "extra_args": ("--create-consumer-ms", "0", "--delete-consumer-ms", "0")}

    def wait_active(self, client, stream):
        harness.wait_active(client, stream)

    def test_reshards_under_load_lose_and_repeat_nothing(self):
        client = self.server.boto3_client()
        stream = "reshard-load"
        client.create_stream(StreamName=stream, ShardCount=2)
        self.wait_active(client, stream)
        stop = threading.Event()
        acked = {}  # partition key -> data in acknowledgement order
        errors = []

        def produce(worker):
            producer = self.server.boto3_client()
            i = 0
            while not stop.is_set() and i < 20000:
                keys = [f"w{worker}-k{k}" for k in range(6)]
                batch = [{"Data": f"{key}|{i}".encode(), "PartitionKey": key} for key in keys]
                try:
                    out = producer.put_records(StreamName=stream, Records=batch)
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(repr(error))
                    return
                if out["FailedRecordCount"]:
                    errors.append(out)
                    return
                for key in keys:
                    acked.setdefault(key, []).append(f"{key}|{i}".encode())
                i += 1

        producers = [threading.Thread(target=produce, args=(w,)) for w in range(3)]
        for p in producers:
            p.start()
        time.sleep(0.3)

        shard0 = client.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0]
        start = int(shard0["HashKeyRange"]["StartingHashKey"])
        end = int(shard0["HashKeyRange"]["EndingHashKey"])
        client.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000",
                           NewStartingHashKey=str((start + end) // 2 + 1))
        status = client.describe_stream_summary(
            StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"]
        self.assertEqual(status, "UPDATING")
        self.assertClientError(client.merge_shards, "ResourceInUseException",
                               f"Stream {stream} under account 000000000000 not ACTIVE, "
                               "instead in state UPDATING",
                               StreamName=stream, ShardToMerge="shardId-000000000002",
                               AdjacentShardToMerge="shardId-000000000003")
        self.wait_active(client, stream)
        time.sleep(0.3)
        client.merge_shards(StreamName=stream, ShardToMerge="shardId-000000000002",
                            AdjacentShardToMerge="shardId-000000000003")
        self.wait_active(client, stream)
        time.sleep(0.3)
        out = client.update_shard_count(StreamName=stream, TargetShardCount=4,
                                        ScalingType="UNIFORM_SCALING")
        self.assertEqual(out["CurrentShardCount"], 2)
        self.assertEqual(out["TargetShardCount"], 4)
        self.assertEqual(out["StreamName"], stream)
        self.assertTrue(out["StreamARN"].endswith(f":stream/{stream}"))
        self.wait_active(client, stream)
        time.sleep(0.3)
        client.update_shard_count(StreamName=stream, TargetShardCount=3,
                                  ScalingType="UNIFORM_SCALING")
        self.wait_active(client, stream)
        time.sleep(0.3)
        stop.set()
        for p in producers:
            p.join()
        self.assertEqual(errors, [])

        read, shards = read_stream(client, stream)
        self.assertEqual(set(read), set(shards), "every shard reached through its parents")
        open_shards = [s for s in shards.values()
                       if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
        self.assertEqual(len(open_shards), 3)
        merged = shards["shardId-000000000004"]
        self.assertEqual(merged["ParentShardId"], "shardId-000000000002")
        self.assertEqual(merged["AdjacentParentShardId"], "shardId-000000000003")
        self.assertEqual(shards["shardId-000000000001"]["HashKeyRange"]["EndingHashKey"],
                         str(MAX_HASH))
        by_key = {}
        for sid in sorted(read):  # children have higher ids than their parents
            for record in read[sid]:
                by_key.setdefault(record["PartitionKey"], []).append(record["Data"])
        total = sum(len(v) for v in acked.values())
        self.assertGreater(total, 100)
        self.assertEqual(set(by_key), set(acked))
        for key, want in acked.items():
            self.assertEqual(by_key[key], want, key)

    def test_list_shards_filters_after_a_split(self):
        client = self.server.boto3_client()
        stream = "reshard-filters"
        client.create_stream(StreamName=stream, ShardCount=2)
        self.wait_active(client, stream)
        created = client.describe_stream_summary(
            StreamName=stream)["StreamDescriptionSummary"]["StreamCreationTimestamp"]
        time.sleep(1.1)
        client.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000",
                           NewStartingHashKey="1000")
        self.wait_active(client, stream)
        time.sleep(1.1)

        def ids(filter_):
            return shard_ids(list_all_shards(client, stream, ShardFilter=filter_))

        everything = ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002",
                      "shardId-000000000003"]
        self.assertEqual(shard_ids(list_all_shards(client, stream)), everything)
        self.assertEqual(ids({"Type": "AT_LATEST"}), everything[1:])
        self.assertEqual(ids({"Type": "AT_TRIM_HORIZON"}), everything[:2])
        self.assertEqual(ids({"Type": "FROM_TRIM_HORIZON"}), everything)
        self.assertEqual(ids({"Type": "AFTER_SHARD_ID", "ShardId": "shardId-000000000001"}),
                         everything[2:])
        self.assertEqual(ids({"Type": "AT_TIMESTAMP", "Timestamp": created}), everything[:2])
        self.assertEqual(ids({"Type": "AT_TIMESTAMP", "Timestamp": time.time()}), everything[1:])
        self.assertEqual(ids({"Type": "FROM_TIMESTAMP", "Timestamp": created}), everything)
        self.assertEqual(ids({"Type": "FROM_TIMESTAMP", "Timestamp": time.time()}),
                         everything[1:])
        shards = {s["ShardId"]: s for s in list_all_shards(client, stream)}
        parent = shards["shardId-000000000000"]
        self.assertIn("EndingSequenceNumber", parent["SequenceNumberRange"])
        self.assertEqual(shards["shardId-000000000002"]["HashKeyRange"]["EndingHashKey"], "999")
        self.assertEqual(shards["shardId-000000000003"]["HashKeyRange"]["StartingHashKey"], "1000")
        for child in ("shardId-000000000002", "shardId-000000000003"):
            self.assertEqual(shards[child]["ParentShardId"], "shardId-000000000000")

    def test_refusals_have_aws_texts(self):
        client = self.server.boto3_client()
        stream = "reshard-errors"
        client.create_stream(StreamName=stream, ShardCount=3)
        self.wait_active(client, stream)
        where = f"in stream {stream} under account 000000000000"
        self.assertClientError(client.merge_shards, "InvalidArgumentException",
                               f"Shards shardId-000000000000 and shardId-000000000002 {where} "
                               "are not an adjacent pair of shards eligible for merging",
                               StreamName=stream, ShardToMerge="shardId-000000000000",
                               AdjacentShardToMerge="shardId-000000000002")
        self.assertClientError(client.split_shard, "ResourceNotFoundException",
                               f"Could not find shard shardId-000000000042 {where}.",
                               StreamName=stream, ShardToSplit="shardId-000000000042",
                               NewStartingHashKey="1000")
        self.assertClientError(client.split_shard, "InvalidArgumentException", None,
                               StreamName=stream, ShardToSplit="shardId-000000000000",
                               NewStartingHashKey="1")
        self.assertClientError(client.update_shard_count, "LimitExceededException",
                               "UpdateShardCount cannot scale up over double your current open "
                               "shard count. Current open shard count: 3, Target shard count: 7",
                               StreamName=stream, TargetShardCount=7,
                               ScalingType="UNIFORM_SCALING")
        client.merge_shards(StreamName=stream, ShardToMerge="shardId-000000000000",
                            AdjacentShardToMerge="shardId-000000000001")
        self.wait_active(client, stream)
        self.assertClientError(client.split_shard, "InvalidArgumentException",
                               f"Shard shardId-000000000000 {where} has already been merged or "
                               "split, and thus is not eligible for merging or splitting.",
                               StreamName=stream, ShardToSplit="shardId-000000000000",
                               NewStartingHashKey="1000")

    def test_subscribe_to_a_closed_parent_ends_with_its_children(self):
        client = self.server.boto3_client()
        stream = "reshard-subscribe"
        client.create_stream(StreamName=stream, ShardCount=1)
        self.wait_active(client, stream)
        arn = client.describe_stream_summary(
            StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
        consumer = client.register_stream_consumer(StreamARN=arn,
                                                   ConsumerName="reader")["Consumer"]["ConsumerARN"]
        sent = [f"r{i}".encode() for i in range(5)]
        client.put_records(StreamName=stream,
                           Records=[{"Data": d, "PartitionKey": "k"} for d in sent])
        client.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000",
                           NewStartingHashKey=str(2**127))
        self.wait_active(client, stream)
        started = time.monotonic()
        response = client.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                                             StartingPosition={"Type": "TRIM_HORIZON"})
        got, children = [], None
        for event in response["EventStream"]:  # ends by itself after the children
            payload = event["SubscribeToShardEvent"]
            got += [r["Data"] for r in payload["Records"]]
            if payload.get("ChildShards"):
                children = payload["ChildShards"]
        self.assertLess(time.monotonic() - started, 30)
        self.assertEqual(got, sent)
        self.assertIsNotNone(children)
        self.assertEqual([c["ShardId"] for c in children],
                         ["shardId-000000000001", "shardId-000000000002"])
        for child in children:
            self.assertEqual(child["ParentShards"], ["shardId-000000000000"])
        self.assertEqual(children[1]["HashKeyRange"]["StartingHashKey"], str(2**127))


if __name__ == "__main__":
    unittest.main()
