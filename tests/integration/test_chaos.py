"""Chaos: producers write while AZ nodes fail and recover, the process is SIGKILLed and
restarted, and an AZ directory is deleted; afterwards every acknowledged record must be read back
exactly once, in per-shard sequence order, where its PutRecord(s) answer said it was.

Bounded: the fault schedule runs for a fixed time (about 40 s) and every loop has a deadline.
"""
import os
import shutil
import threading
import time
import unittest

import harness

SHARDS = 4
PRODUCERS = 3
STREAM = "chaos"


class Producer(threading.Thread):
    """Puts uniquely numbered records until told to stop; remembers what was acknowledged."""

    def __init__(self, server, number, stop):
        super().__init__(daemon=True)
        self.server = server
        self.number = number
        self.stop = stop
        self.acked = {}       # record id -> (shard id, sequence number)
        self.unacked = set()  # ids whose put failed or whose answer was lost
        self.calls = 0
        self.failed_calls = 0

    def client(self):
        return self.server.boto3_client(connect_timeout=2, read_timeout=15)

    def run(self):
        client = self.client()
        counter = 0
        while not self.stop.is_set():
            batch = 1 + counter % 25
            ids = [f"p{self.number}-{counter + i}" for i in range(batch)]
            counter += batch
            self.calls += 1
            try:
                if batch == 1:
                    reply = client.put_record(StreamName=STREAM, Data=ids[0].encode(),
                                              PartitionKey=ids[0])
                    self.acked[ids[0]] = (reply["ShardId"], reply["SequenceNumber"])
                    continue
                reply = client.put_records(StreamName=STREAM, Records=[
                    {"Data": i.encode(), "PartitionKey": i} for i in ids])
                for record_id, entry in zip(ids, reply["Records"]):
                    if "SequenceNumber" in entry:
                        self.acked[record_id] = (entry["ShardId"], entry["SequenceNumber"])
                    else:
                        self.unacked.add(record_id)
            except Exception:  # connection refused while restarting, 503 without a quorum, ...
                self.failed_calls += 1
                self.unacked.update(ids)
                time.sleep(0.05)
                client = self.client()


class ChaosTest(harness.FaultTestCase):
    server_name = "chaos"

    def test_every_acknowledged_record_survives_the_faults(self):
        client = self.server.boto3_client()
        client.create_stream(StreamName=STREAM, ShardCount=SHARDS)
        client.get_waiter("stream_exists").wait(StreamName=STREAM,
                                                WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})

        stop = threading.Event()
        producers = [Producer(self.server, n, stop) for n in range(PRODUCERS)]
        for p in producers:
            p.start()
        try:
            self.run_fault_schedule()
        finally:
            stop.set()
            for p in producers:
                p.join(timeout=30)
        self.assertFalse(any(p.is_alive() for p in producers), "a producer did not stop")

        nodes = self.wait_all_healthy()
        self.assertEqual(len({n["applied_lsn"] for n in nodes.values()}), 1, nodes)

        acked = {}
        unacked = set()
        for p in producers:
            acked.update(p.acked)
            unacked |= p.unacked
        self.assertGreater(len(acked), 500, "too few records were acknowledged to prove much")

        read = harness.read_every_shard(self.server.boto3_client(), STREAM, deadline_s=120)
        seen = {}
        for shard_id, records in read.items():
            sequence_numbers = [int(r["SequenceNumber"]) for r in records]
            self.assertEqual(sequence_numbers, sorted(set(sequence_numbers)),
                             f"{shard_id}: not strictly increasing")
            for r in records:
                record_id = r["Data"].decode()
                self.assertNotIn(record_id, seen, f"{record_id} read twice")
                seen[record_id] = (shard_id, r["SequenceNumber"])

        missing = [i for i in acked if i not in seen]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged records lost")
        moved = [i for i in acked if seen[i] != acked[i]]
        self.assertEqual(moved, [], "acknowledged records read at another shard/sequence")
        strangers = [i for i in seen if i not in acked and i not in unacked]
        self.assertEqual(strangers, [], "records nobody wrote")
        restored = sum(1 for i in unacked if i in seen)
        print(f"\nchaos: {sum(p.calls for p in producers)} put calls "
              f"({sum(p.failed_calls for p in producers)} failed), {len(acked)} records "
              f"acknowledged and all read back exactly once in order; {len(unacked)} "
              f"unacknowledged, of which {restored} became visible (restored to a quorum)")

    def run_fault_schedule(self):
        time.sleep(2)
        # A slow AZ (within the node timeout) and a flaky one: writes go on, unnoticed.
        self.operator("az-a", "fail?latency_ms=300")
        self.operator("az-c", "fail?error_rate=0.2")
        time.sleep(3)
        self.operator("az-a", "recover")
        self.operator("az-c", "recover")
        self.wait_all_healthy()
        # One AZ out: writes go on with the other two; it comes back and catches up.
        self.operator("az-a", "fail")
        time.sleep(3)
        self.operator("az-a", "recover")
        time.sleep(2)
        # Two AZs out: no quorum, writes fail cleanly; then both return.
        self.operator("az-b", "fail")
        self.operator("az-c", "fail")
        time.sleep(2)
        self.operator("az-b", "recover")
        self.operator("az-c", "recover")
        self.wait_all_healthy()
        time.sleep(2)
        # The process dies mid-traffic.
        self.server.kill()
        time.sleep(1)
        self.server.start()
        time.sleep(3)
        # An AZ loses its disk while the process is down; the restart rebuilds it.
        self.server.kill()
        shutil.rmtree(os.path.join(self.server.data_dir, "az-b"))
        self.server.start()
        time.sleep(3)
        # One AZ fails while another may still be catching up, then recovers.
        self.operator("az-c", "fail")
        time.sleep(2)
        self.operator("az-c", "recover")
        time.sleep(2)
        # And once more a crash right after the recovery.
        self.server.kill()
        self.server.start()
        time.sleep(3)


if __name__ == "__main__":
    unittest.main()
