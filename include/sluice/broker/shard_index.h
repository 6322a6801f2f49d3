#pragma once

#include <cstdint>

#include "sluice/common/strong_type.h"

namespace sluice::broker {

// A shard's place in its stream: shards are numbered 0, 1, 2, ... in the order they are made
// and never renumbered, so the index is also the shard's position in StreamInfo::shards. It is
// the number in a shard id ("shardId-000000000007"; see ShardIdFor). Storage, which knows
// nothing of shards, gets value().
using ShardIndex = Strong<struct ShardIndexTag, uint32_t>;

}  // namespace sluice::broker
