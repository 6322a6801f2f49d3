"""Shard iterators through boto3: every iterator type positions exactly, and NextShardIterator
chains read every record exactly once, in order, in the shard PutRecords named."""

import datetime
import json
import time
import unittest

import harness
from routing import shard_id, uniform_ranges


def seq(record):
    return int(record["SequenceNumber"])


class IteratorTypesTest(harness.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.boto3_client()

    def make_stream(self, name, shards=1):
        self.client.create_stream(StreamName=name, ShardCount=shards)
        harness.wait_active(self.client, name)

    def iterator(self, stream, type_, shard="shardId-000000000000", **kwargs):
        return self.client.get_shard_iterator(StreamName=stream, ShardId=shard,
                                              ShardIteratorType=type_, **kwargs)["ShardIterator"]

    def first_batch(self, iterator, limit=10000):
        out = self.client.get_records(ShardIterator=iterator, Limit=limit)
        return [r["Data"] for r in out["Records"]], out

    def put(self, stream, data, key="k"):
        return self.client.put_record(StreamName=stream, PartitionKey=key, Data=data)

    def test_trim_horizon_latest_and_sequence_numbers(self):
        stream = "iter-types"
        self.make_stream(stream)
        # An iterator taken on the empty shard sees what arrives later.
        early_trim = self.iterator(stream, "TRIM_HORIZON")
        early_latest = self.iterator(stream, "LATEST")
        data, out = self.first_batch(early_trim)
        self.assertEqual((data, out["MillisBehindLatest"]), ([], 0))
        early_trim = out["NextShardIterator"]

        puts = [self.put(stream, f"r{i}".encode()) for i in range(10)]
        seqs = [int(p["SequenceNumber"]) for p in puts]
        self.assertEqual(seqs, sorted(set(seqs)), "PutRecord sequence numbers must increase")
        all_data = [f"r{i}".encode() for i in range(10)]

        self.assertEqual(self.first_batch(early_trim)[0], all_data)
        self.assertEqual(self.first_batch(early_latest)[0], all_data)
        self.assertEqual(self.first_batch(self.iterator(stream, "TRIM_HORIZON"))[0], all_data)

        # LATEST now: nothing until the next put, then exactly that record.
        latest = self.iterator(stream, "LATEST")
        data, out = self.first_batch(latest)
        self.assertEqual((data, out["MillisBehindLatest"]), ([], 0))
        self.put(stream, b"after-latest")
        self.assertEqual(self.first_batch(out["NextShardIterator"])[0], [b"after-latest"])
        self.assertEqual(self.first_batch(latest)[0], [b"after-latest"])
        all_data.append(b"after-latest")

        for i in (0, 3, 9):
            at = self.iterator(stream, "AT_SEQUENCE_NUMBER",
                               StartingSequenceNumber=puts[i]["SequenceNumber"])
            data, out = self.first_batch(at, limit=2)
            self.assertEqual(data, all_data[i:i + 2])
            self.assertEqual(out["Records"][0]["SequenceNumber"], puts[i]["SequenceNumber"])
            after = self.iterator(stream, "AFTER_SEQUENCE_NUMBER",
                                  StartingSequenceNumber=puts[i]["SequenceNumber"])
            self.assertEqual(self.first_batch(after, limit=2)[0], all_data[i + 1:i + 3])

        # AFTER the newest record: empty now, the next record later.
        tip = self.put(stream, b"tip")
        after_tip = self.iterator(stream, "AFTER_SEQUENCE_NUMBER",
                                  StartingSequenceNumber=tip["SequenceNumber"])
        data, out = self.first_batch(after_tip)
        self.assertEqual((data, out["MillisBehindLatest"]), ([], 0))
        self.put(stream, b"past-tip")
        self.assertEqual(self.first_batch(out["NextShardIterator"])[0], [b"past-tip"])

    def test_at_timestamp_seconds(self):
        """boto3 sends whole epoch seconds: position at the first record of a later second."""
        stream = "iter-timestamp"
        self.make_stream(stream)
        before_all = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
        early = [self.put(stream, f"early-{i}".encode()) for i in range(3)]
        # Wait for the next whole second, so every later record arrives at or after it.
        boundary = int(time.time()) + 1
        time.sleep(boundary - time.time() + 0.05)
        late = [self.put(stream, f"late-{i}".encode()) for i in range(3)]
        records = harness.read_shard(self.client, self.iterator(stream, "TRIM_HORIZON"))
        arrivals = [r["ApproximateArrivalTimestamp"].timestamp() for r in records]
        self.assertTrue(all(a < boundary for a in arrivals[:3]), arrivals)
        self.assertTrue(all(a >= boundary for a in arrivals[3:]), arrivals)
        self.assertEqual(arrivals, sorted(arrivals))

        at = self.iterator(stream, "AT_TIMESTAMP",
                           Timestamp=datetime.datetime.fromtimestamp(boundary,
                                                                     datetime.timezone.utc))
        self.assertEqual(self.first_batch(at)[0], [f"late-{i}".encode() for i in range(3)])
        at = self.iterator(stream, "AT_TIMESTAMP", Timestamp=before_all)
        self.assertEqual(self.first_batch(at)[0],
                         [f"early-{i}".encode() for i in range(3)] +
                         [f"late-{i}".encode() for i in range(3)])
        self.assertEqual(len(early) + len(late), len(records))

        # A timestamp after the last record (but not in the future): empty, then new records.
        time.sleep(max(0.0, int(time.time()) + 1 - time.time()) + 0.05)
        now = datetime.datetime.fromtimestamp(int(time.time()), datetime.timezone.utc)
        data, out = self.first_batch(self.iterator(stream, "AT_TIMESTAMP", Timestamp=now))
        self.assertEqual(data, [])
        self.put(stream, b"newest")
        self.assertEqual(self.first_batch(out["NextShardIterator"])[0], [b"newest"])

        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        self.assertClientError(self.iterator, "InvalidArgumentException", None,
                               stream, "AT_TIMESTAMP", Timestamp=future)

    def test_at_timestamp_milliseconds(self):
        """Other SDKs send fractional seconds: AT_TIMESTAMP is exact to the millisecond."""
        stream = "iter-timestamp-ms"
        self.make_stream(stream)
        for i in range(8):
            self.put(stream, f"ms-{i}".encode())
            time.sleep(0.02)
        records = harness.read_shard(self.client, self.iterator(stream, "TRIM_HORIZON"))
        self.assertEqual(len(records), 8)
        millis = [round(r["ApproximateArrivalTimestamp"].timestamp() * 1000) for r in records]
        self.assertEqual(len(set(millis)), 8, f"records 20 ms apart share a millisecond: {millis}")
        for i in (1, 5):
            body = json.dumps({"StreamName": stream, "ShardId": "shardId-000000000000",
                               "ShardIteratorType": "AT_TIMESTAMP",
                               "Timestamp": millis[i] / 1000}).encode()
            status, headers, reply = self.server.http_request(
                "POST", "/", body, harness.signed_headers("GetShardIterator", body))
            self.assertEqual(status, 200, reply)
            iterator = json.loads(reply)["ShardIterator"]
            self.assertEqual(self.first_batch(iterator)[0],
                             [f"ms-{j}".encode() for j in range(i, 8)])
            # One millisecond later skips exactly that record.
            body = json.dumps({"StreamName": stream, "ShardId": "shardId-000000000000",
                               "ShardIteratorType": "AT_TIMESTAMP",
                               "Timestamp": (millis[i] + 1) / 1000}).encode()
            status, headers, reply = self.server.http_request(
                "POST", "/", body, harness.signed_headers("GetShardIterator", body))
            self.assertEqual(status, 200, reply)
            iterator = json.loads(reply)["ShardIterator"]
            self.assertEqual(self.first_batch(iterator)[0],
                             [f"ms-{j}".encode() for j in range(i + 1, 8)])

    def test_millis_behind_latest(self):
        stream = "iter-behind"
        self.make_stream(stream)
        self.put(stream, b"old")
        time.sleep(1.0)
        self.put(stream, b"new")
        out = self.client.get_records(ShardIterator=self.iterator(stream, "TRIM_HORIZON"), Limit=1)
        self.assertEqual([r["Data"] for r in out["Records"]], [b"old"])
        self.assertGreaterEqual(out["MillisBehindLatest"], 500, "a second behind the tip")
        out = self.client.get_records(ShardIterator=out["NextShardIterator"], Limit=1)
        self.assertEqual([r["Data"] for r in out["Records"]], [b"new"])
        self.assertEqual(out["MillisBehindLatest"], 0)

    def test_get_records_stops_at_10_mib(self):
        stream = "iter-big"
        self.make_stream(stream)
        size = 1024 * 1024 - 1  # plus the 1-byte partition key: exactly the 1 MiB record limit
        for i in range(11):
            self.put(stream, bytes([i]) * size)
        out = self.client.get_records(ShardIterator=self.iterator(stream, "TRIM_HORIZON"))
        first = out["Records"]
        self.assertGreater(len(first), 0)
        self.assertLessEqual(sum(len(r["Data"]) for r in first), 10 * 1024 * 1024)
        self.assertLess(len(first), 11)
        rest = harness.read_shard(self.client, out["NextShardIterator"])
        self.assertEqual([r["Data"] for r in first + rest], [bytes([i]) * size for i in range(11)])

    def test_sequence_number_layout(self):
        """Sequence numbers are 56 decimal digits encoding the shard index (AWS-COMPAT.md)."""
        stream = "iter-layout"
        self.make_stream(stream, shards=3)
        for index in range(3):
            _, start, _ = uniform_ranges(3)[index]
            out = self.client.put_record(StreamName=stream, PartitionKey="k", Data=b"d",
                                         ExplicitHashKey=start)
            self.assertEqual(out["ShardId"], shard_id(index))
            number = out["SequenceNumber"]
            self.assertEqual(len(number), 56, number)
            text = format(int(number), "x")
            self.assertEqual(len(text), 47, text)
            self.assertEqual((text[0], text[-1]), ("2", "2"), text)
            self.assertEqual(int(text[-9:-1], 16), index, text)
            self.assertEqual(int(text[10], 16), index & 0xF, text)


class IteratorChainingTest(harness.ServerTestCase):
    SHARDS = 4
    RECORDS = 2000
    LIMITS = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]

    def test_chained_reads_see_every_record_once_in_order(self):
        client = self.server.boto3_client()
        stream = "chain"
        client.create_stream(StreamName=stream, ShardCount=self.SHARDS)
        harness.wait_active(client, stream)

        placed = {}  # record number -> (shard id, sequence number)
        for start in range(0, self.RECORDS, 500):
            numbers = list(range(start, start + 500))
            out = client.put_records(StreamName=stream, Records=[
                {"PartitionKey": f"partition-{n}", "Data": f"record-{n:05d}".encode()}
                for n in numbers])
            self.assertEqual(out["FailedRecordCount"], 0)
            self.assertEqual(len(out["Records"]), 500)
            for n, result in zip(numbers, out["Records"]):
                placed[n] = (result["ShardId"], int(result["SequenceNumber"]))
        self.assertEqual(len({seq for _, seq in placed.values()}), self.RECORDS)
        per_shard = {sid: 0 for sid, _, _ in uniform_ranges(self.SHARDS)}
        for sid, _ in placed.values():
            per_shard[sid] += 1
        self.assertTrue(all(count > 0 for count in per_shard.values()), per_shard)

        seen = {}
        for sid, _, _ in uniform_ranges(self.SHARDS):
            iterator = client.get_shard_iterator(StreamName=stream, ShardId=sid,
                                                 ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            read = []
            calls = 0
            while True:
                limit = self.LIMITS[calls % len(self.LIMITS)]
                out = client.get_records(ShardIterator=iterator, Limit=limit)
                calls += 1
                self.assertLessEqual(len(out["Records"]), limit)
                self.assertIn("NextShardIterator", out, "an open shard always has a next iterator")
                iterator = out["NextShardIterator"]
                read.extend(out["Records"])
                if not out["Records"]:
                    self.assertEqual(out["MillisBehindLatest"], 0)
                    break
                self.assertLess(calls, 2 * self.RECORDS, "never caught up")
            sequence_numbers = [seq(r) for r in read]
            self.assertEqual(sequence_numbers, sorted(sequence_numbers), f"{sid} out of order")
            self.assertEqual(len(read), per_shard[sid])
            for record in read:
                n = int(record["Data"].decode().split("-")[1])
                self.assertNotIn(n, seen, f"record {n} read twice")
                seen[n] = (sid, seq(record))
                self.assertEqual(record["PartitionKey"], f"partition-{n}")
        self.assertEqual(seen, placed)


if __name__ == "__main__":
    unittest.main()
