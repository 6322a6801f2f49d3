#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/strong_type.h"

namespace sluice::broker {

// The unsigned 128-bit number under a hash key. Only hash_key.cc computes with it.
__extension__ typedef unsigned __int128 Uint128;

// A position in the 128-bit hash-key space that partitions a stream into shards. It compares
// and orders; it does no arithmetic (hash_key.cc does, on value()).
using HashKey = Strong<struct HashKeyTag, Uint128>;

inline constexpr HashKey kMaxHashKey{~Uint128{0}};  // 2^128 - 1

// The decimal text AWS uses for hash keys ("0" .. "340282366920938463463374607431768211455").
std::string HashKeyToDecimal(HashKey key);
// Parses a decimal hash key; nullopt unless it is all digits and within [0, 2^128 - 1].
std::optional<HashKey> HashKeyFromDecimal(std::string_view text);

// MD5 of the partition key's bytes, read as an unsigned big-endian 128-bit integer.
HashKey HashKeyForPartitionKey(std::string_view partition_key);

struct HashKeyRange {
  HashKey start;
  HashKey end;  // inclusive
  bool Contains(HashKey key) const { return key >= start && key <= end; }
};

// The ranges AWS gives a new stream of `shard_count` shards: h = floor(2^128 / n); shard i
// covers [i*h, (i+1)*h - 1] and the last shard ends at 2^128 - 1.
std::vector<HashKeyRange> InitialHashKeyRanges(uint32_t shard_count);

// --- resharding ---

// The key just below `key` (which must not be 0): the end of a split's lower child.
HashKey KeyBefore(HashKey key);
// AWS's rule for SplitShard's NewStartingHashKey: greater than one plus the range's start and
// less than its end, so both children hold at least two keys.
bool CanSplitAt(HashKeyRange range, HashKey new_start);
// Whether `upper` starts right after `lower` ends (their union is one range).
bool AreAdjacent(HashKeyRange lower, HashKeyRange upper);
// Where the ranges of a stream rescaled to `target` uniform shards start (the first at 0), given
// where its open shards start now: the starts InitialHashKeyRanges(target) gives, each moved onto
// a current start that lies within 1/1024 of a range's width of it, so that a doubling or halving
// of a uniform stream reuses its boundaries (one split per shard, one merge per pair) instead of
// cutting slivers next to them.
std::vector<HashKey> UniformTargetStarts(const std::vector<HashKey>& current_starts,
                                         uint32_t target);

}  // namespace sluice::broker
