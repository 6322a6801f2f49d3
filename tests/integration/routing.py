"""Kinesis hash-key arithmetic, computed independently of the server (see AWS-COMPAT.md)."""

import hashlib

MAX_HASH_KEY = 2**128 - 1


def hash_key(partition_key):
    """The 128-bit hash key Kinesis derives from a partition key: MD5 of its UTF-8 bytes."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def uniform_ranges(shard_count):
    """[(shard id, starting hash key, ending hash key)] of a new stream, as decimal strings."""
    step = 2**128 // shard_count
    ranges = []
    for i in range(shard_count):
        end = MAX_HASH_KEY if i == shard_count - 1 else (i + 1) * step - 1
        ranges.append((shard_id(i), str(i * step), str(end)))
    return ranges


def shard_id(index):
    return f"shardId-{index:012d}"


def shard_for_hash(key, shard_count):
    for sid, start, end in uniform_ranges(shard_count):
        if int(start) <= key <= int(end):
            return sid
    raise AssertionError(f"hash key {key} outside every range")


def expected_shard(partition_key, shard_count):
    return shard_for_hash(hash_key(partition_key), shard_count)
