"""A corrupt AZ directory at start: the server is stopped, one node's CURRENT and MANIFEST are
overwritten with garbage, and the server starts anyway: the directory is set aside as
<name>.corrupt-<time>, the node is rebuilt from the other two, every old record is served and the
node becomes healthy. With two of three directories damaged the server refuses to start, with a
clear error, and renames nothing.
"""
import glob
import os
import time
import unittest

import harness

STREAM = "corrupt"


def garble(path):
    with open(path, "wb") as f:
        f.write(b"garbage, not a RocksDB file\n" * 4)


def damage(node_dir):
    """Overwrites CURRENT and every MANIFEST of a node's RocksDB directory."""
    targets = [os.path.join(node_dir, "CURRENT")] + glob.glob(os.path.join(node_dir, "MANIFEST-*"))
    for path in targets:
        garble(path)
    return targets


class CorruptDirectoryTest(unittest.TestCase):
    def setUp(self):
        self.server = harness.SluiceServer(name="corrupt-dir").start()
        self.addCleanup(lambda: self.server.cleanup(keep=harness.has_failed(self)))

    def put_records(self, count):
        client = self.server.boto3_client()
        client.create_stream(StreamName=STREAM, ShardCount=2)
        client.get_waiter("stream_exists").wait(StreamName=STREAM,
                                                WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        acked = {}
        for i in range(count):
            reply = client.put_record(StreamName=STREAM, Data=f"r{i}".encode(),
                                      PartitionKey=f"k{i}")
            acked[f"r{i}"] = (reply["ShardId"], reply["SequenceNumber"])
        self.server.wait_all_healthy()
        return acked

    def assert_all_read_back(self, acked):
        read = harness.read_every_shard(self.server.boto3_client(), STREAM)
        seen = {r["Data"].decode(): (shard, r["SequenceNumber"])
                for shard, records in read.items() for r in records}
        self.assertEqual(seen, acked)

    def test_a_damaged_directory_is_set_aside_and_rebuilt(self):
        acked = self.put_records(200)
        self.assertEqual(self.server.stop(), 0)
        damaged = damage(os.path.join(self.server.data_dir, "az-b"))
        self.assertGreaterEqual(len(damaged), 2, damaged)

        self.server.start()
        nodes = self.server.wait_all_healthy(timeout=60)
        self.assertEqual(len({n["applied_lsn"] for n in nodes.values()}), 1, nodes)
        aside = glob.glob(os.path.join(self.server.data_dir, "az-b.corrupt-*"))
        self.assertEqual(len(aside), 1, os.listdir(self.server.data_dir))
        self.assertTrue(os.path.exists(os.path.join(aside[0], "CURRENT")))  # kept to inspect
        with open(self.server.log_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        self.assertIn("set aside as", log)
        self.assertIn(aside[0], log)
        self.assert_all_read_back(acked)

        # The rebuilt node carries the quorum: with the two others failed in turn, writes and
        # reads still go through it.
        status, body = self.server.node_action("az-a", "fail")
        self.assertEqual(status, 200, body)
        client = self.server.boto3_client()
        reply = client.put_record(StreamName=STREAM, Data=b"after", PartitionKey="k")
        acked["after"] = (reply["ShardId"], reply["SequenceNumber"])
        self.server.node_action("az-a", "recover")
        self.server.wait_all_healthy()
        self.server.node_action("az-c", "fail")
        self.assert_all_read_back(acked)
        self.server.node_action("az-c", "recover")
        self.server.wait_all_healthy()

    def test_too_many_damaged_directories_stop_the_start(self):
        self.put_records(20)
        self.assertEqual(self.server.stop(), 0)
        damage(os.path.join(self.server.data_dir, "az-a"))
        damage(os.path.join(self.server.data_dir, "az-c"))

        self.server._spawn()
        code = self.server.proc.wait(timeout=30)
        self.server._reap()
        self.assertNotEqual(code, 0)
        with open(self.server.log_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        self.assertIn("Cannot open the storage of az-a, az-c", log)
        self.assertEqual(glob.glob(os.path.join(self.server.data_dir, "*.corrupt-*")), [])


if __name__ == "__main__":
    unittest.main()
