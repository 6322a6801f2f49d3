"""Concurrent writers and a concurrent reader on one 8-shard stream.

16 producer threads, each with its own boto3 client (its own connections), mix PutRecord and
PutRecords with partition keys and ExplicitHashKeys that reach every shard, for a fixed number
of calls each. Meanwhile a reader thread follows a GetRecords chain on every shard. Afterwards:

- every acknowledged record is read back from TRIM_HORIZON exactly once, in the shard and at
  the sequence number its put answered, and nothing else is there;
- per shard, sequence numbers strictly increase;
- per producer and shard, records appear in the order the producer was acknowledged: all of
  one call's records before the next call's (the producer sends a call only after the previous
  one was answered), and within one PutRecords call, records of one partition key in request
  order;
- the concurrent reader never saw a record twice or out of order, and once the producers were
  done its chains had seen exactly what the final read sees (no record skipped).

Bounded by the call count and by deadlines on every wait; loopback only; no timing assertions.
"""
import random
import threading
import time
import unittest

import harness
from routing import expected_shard, uniform_ranges

STREAM = "concurrency"
SHARDS = 8
PRODUCERS = 16
CALLS_PER_PRODUCER = 100
MAX_BATCH = 30
DEADLINE_S = 50  # for the producers; the whole test stays under a minute on a busy machine
RANGES = uniform_ranges(SHARDS)


class Producer(threading.Thread):
    """Makes CALLS_PER_PRODUCER sequential put calls; remembers every acknowledgement."""

    def __init__(self, server, number):
        super().__init__(daemon=True, name=f"producer-{number}")
        self.server = server
        self.number = number
        self.random = random.Random(number)
        # Partition keys: 8 pinned to each shard by an ExplicitHashKey (so every producer
        # reaches every shard), and 8 routed by their MD5.
        self.keys = []
        for shard_id, start, end in RANGES:
            explicit = str(self.random.randint(int(start), int(end)))
            self.keys.append((f"p{number}-pinned-{shard_id[-2:]}", explicit, shard_id))
        for k in range(8):
            key = f"p{number}-hashed-{k}"
            self.keys.append((key, None, expected_shard(key, SHARDS)))
        # (call number, index in call, record id, partition key, shard id, sequence number)
        self.acked = []
        self.errors = []  # what went wrong, if anything: every put should succeed here

    def run(self):
        try:
            client = self.server.boto3_client(connect_timeout=5, read_timeout=30)
            deadline = time.monotonic() + DEADLINE_S
            for call in range(CALLS_PER_PRODUCER):
                if time.monotonic() > deadline:
                    self.errors.append(f"deadline reached after {call} calls")
                    return
                self.put(client, call)
        except Exception as e:  # recorded for the test thread to report
            self.errors.append(f"{type(e).__name__}: {e}")

    def put(self, client, call):
        count = 1 if call % 3 == 0 else self.random.randint(1, MAX_BATCH)
        entries = []
        for index in range(count):
            key, explicit, shard_id = self.random.choice(self.keys)
            record_id = f"p{self.number}-c{call}-{index}"
            entry = {"Data": record_id.encode(), "PartitionKey": key}
            if explicit is not None:
                entry["ExplicitHashKey"] = explicit
            entries.append((entry, shard_id))
        if call % 3 == 0:
            entry, _ = entries[0]
            reply = client.put_record(StreamName=STREAM, **entry)
            results = [reply]
        else:
            reply = client.put_records(StreamName=STREAM, Records=[e for e, _ in entries])
            if reply["FailedRecordCount"] != 0 or len(reply["Records"]) != count:
                self.errors.append(f"call {call}: {reply['FailedRecordCount']} of {count} "
                                   f"records failed: {reply['Records']}")
            results = reply["Records"]
        for index, ((entry, shard_id), result) in enumerate(zip(entries, results)):
            if "SequenceNumber" not in result:
                continue
            if result["ShardId"] != shard_id:
                self.errors.append(f"{entry['Data']!r} (key {entry['PartitionKey']}) went to "
                                   f"{result['ShardId']}, its hash key is in {shard_id}")
            self.acked.append((call, index, entry["Data"].decode(), entry["PartitionKey"],
                               result["ShardId"], result["SequenceNumber"]))


class ConcurrentReader(threading.Thread):
    """Follows a GetRecords chain on every shard, round robin, until the producers are done and
    a whole round finds nothing new."""

    def __init__(self, server, stop):
        super().__init__(daemon=True, name="reader")
        self.server = server
        self.stop = stop  # set once every producer has been answered for the last time
        self.seen = {shard_id: [] for shard_id, _, _ in RANGES}  # (sequence number, record id)
        self.problems = []
        self.calls = 0

    def run(self):
        try:
            client = self.server.boto3_client(connect_timeout=5, read_timeout=30)
            iterators = {
                shard_id: client.get_shard_iterator(
                    StreamName=STREAM, ShardId=shard_id,
                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                for shard_id, _, _ in RANGES}
            deadline = time.monotonic() + DEADLINE_S + 30
            while time.monotonic() < deadline:
                producers_done = self.stop.is_set()  # before the round: it then sees the end
                found = 0
                for shard_id in iterators:
                    reply = client.get_records(ShardIterator=iterators[shard_id], Limit=100)
                    self.calls += 1
                    iterators[shard_id] = reply["NextShardIterator"]
                    found += len(reply["Records"])
                    self.check(shard_id, reply["Records"])
                if producers_done and found == 0:
                    return
            self.problems.append("reader deadline reached: " + ", ".join(
                f"{s}: {len(self.seen[s])}" for s in self.seen))
        except Exception as e:
            self.problems.append(f"{type(e).__name__}: {e}")

    def check(self, shard_id, records):
        seen = self.seen[shard_id]
        for r in records:
            sequence = int(r["SequenceNumber"])
            if seen and sequence <= seen[-1][0]:
                self.problems.append(f"{shard_id}: {r['Data']!r} at {sequence} after "
                                     f"{seen[-1][1]!r} at {seen[-1][0]}")
            seen.append((sequence, r["Data"].decode()))


class ConcurrencyTest(harness.ServerTestCase):
    def test_concurrent_producers_and_reader_over_eight_shards(self):
        client = self.server.boto3_client()
        client.create_stream(StreamName=STREAM, ShardCount=SHARDS)
        harness.wait_active(client, STREAM)

        stop = threading.Event()
        reader = ConcurrentReader(self.server, stop)
        producers = [Producer(self.server, n) for n in range(PRODUCERS)]
        reader.start()
        for p in producers:
            p.start()
        for p in producers:
            p.join(timeout=DEADLINE_S + 10)
        self.assertFalse(any(p.is_alive() for p in producers), "a producer did not finish")
        errors = [f"producer {p.number}: {e}" for p in producers for e in p.errors]
        acked = [a for p in producers for a in p.acked]
        expected_counts = {}
        for _, _, _, _, shard_id, _ in acked:
            expected_counts[shard_id] = expected_counts.get(shard_id, 0) + 1
        stop.set()
        reader.join(timeout=60)
        self.assertFalse(reader.is_alive(), "the concurrent reader did not finish")
        self.assertEqual(errors, [], "every put should have succeeded on a healthy server")
        self.assertEqual(sorted(expected_counts), [s for s, _, _ in RANGES],
                         "the producers should have reached every shard")

        final = harness.read_every_shard(client, STREAM)

        # Exactly once, where the put said, nothing else; strictly increasing per shard.
        where = {}  # record id -> (shard id, sequence number) as read
        for shard_id, records in final.items():
            sequence_numbers = [int(r["SequenceNumber"]) for r in records]
            self.assertEqual(sequence_numbers, sorted(set(sequence_numbers)),
                             f"{shard_id}: sequence numbers not strictly increasing")
            for r in records:
                record_id = r["Data"].decode()
                self.assertNotIn(record_id, where, f"{record_id} read twice")
                where[record_id] = (shard_id, r["SequenceNumber"])
        acked_at = {a[2]: (a[4], a[5]) for a in acked}
        self.assertEqual(len(acked_at), len(acked), "a record id was acknowledged twice")
        missing = sorted(i for i in acked_at if i not in where)
        self.assertEqual(missing[:20], [], f"{len(missing)} acknowledged records not read back")
        moved = sorted(i for i in acked_at if where[i] != acked_at[i])
        self.assertEqual(moved[:20], [],
                         "records read at another shard or sequence number than acknowledged")
        strangers = sorted(i for i in where if i not in acked_at)
        self.assertEqual(strangers[:20], [],
                         f"{len(strangers)} records nobody was acknowledged for")

        # Per producer and shard: acknowledgement order across calls; within a call, request
        # order per partition key.
        position = {}  # record id -> index in its shard as read
        for shard_id, records in final.items():
            for i, r in enumerate(records):
                position[r["Data"].decode()] = i
        for p in producers:
            by_shard = {}
            for call, index, record_id, key, shard_id, _ in p.acked:
                by_shard.setdefault(shard_id, []).append((call, index, key, record_id))
            for shard_id, mine in by_shard.items():
                in_read_order = sorted(mine, key=lambda m: position[m[3]])
                calls = [m[0] for m in in_read_order]
                self.assertEqual(calls, sorted(calls),
                                 f"producer {p.number}, {shard_id}: a later call's record "
                                 f"before an earlier call's")
                for key in {m[2] for m in mine}:
                    order = [(m[0], m[1]) for m in in_read_order if m[2] == key]
                    self.assertEqual(order, sorted(order),
                                     f"producer {p.number}, {shard_id}, key {key}: "
                                     f"records out of request order")

        # The concurrent reader: never a duplicate or a step back, and no record skipped.
        self.assertEqual(reader.problems, [])
        for shard_id, records in final.items():
            chain = reader.seen[shard_id]
            self.assertEqual(len({record_id for _, record_id in chain}), len(chain),
                             f"{shard_id}: the concurrent reader saw a record twice")
            expected = [(int(r["SequenceNumber"]), r["Data"].decode()) for r in records]
            if chain != expected:
                i = next((k for k, (a, b) in enumerate(zip(chain, expected)) if a != b),
                         min(len(chain), len(expected)))
                self.fail(f"{shard_id}: the concurrent chain differs from the final read at "
                          f"position {i}: chain {chain[i:i + 3]}, final {expected[i:i + 3]} "
                          f"({len(chain)} and {len(expected)} records)")
        print(f"\nconcurrency: {len(acked)} records from {PRODUCERS} producers "
              f"({PRODUCERS * CALLS_PER_PRODUCER} calls) over {SHARDS} shards, "
              f"{reader.calls} concurrent GetRecords calls; per shard: "
              + ", ".join(f"{s[-1]}={expected_counts[s]}" for s in sorted(expected_counts)))


if __name__ == "__main__":
    unittest.main()
