#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sluice/broker/broker.h"
#include "sluice/broker/stream_model.h"
#include "sluice/common/status.h"

namespace sluice::broker {

// Edits a copy of a stream's metadata the way SplitShard and MergeShards change it: the parents
// close and the children are appended with the next indices. Pure: no I/O and no locks. The
// broker then seals the writers of the shards that closed and fills in their ends
// (ShardInfo::closed_at_seq); a shard opened and closed by the same plan (a short-lived shard of
// UpdateShardCount) never held a record and has no end.
class ReshardEditor {
 public:
  ReshardEditor(StreamInfo& info, int64_t now_ms) : info_(info), now_ms_(now_ms) {}

  // Closes `parent` (open, CanSplitAt) and opens [start, new_start - 1] and [new_start, end].
  std::pair<ShardIndex, ShardIndex> Split(ShardIndex parent, HashKey new_start);
  // Closes `shard` and `adjacent` (open, adjacent in either order) and opens their union, with
  // ParentShardId `shard` and AdjacentParentShardId `adjacent`.
  ShardIndex Merge(ShardIndex shard, ShardIndex adjacent);

 private:
  ShardIndex Open(HashKeyRange range, ShardIndex parent, std::optional<ShardIndex> adjacent);
  void Close(ShardIndex index);

  StreamInfo& info_;
  int64_t now_ms_;
};

// The children of `index` in `info`, as GetRecords and SubscribeToShard report them at the end of
// a closed shard.
std::vector<ChildShardView> ChildShardsOf(const StreamInfo& info, ShardIndex index);

// Plans UpdateShardCount's UNIFORM_SCALING: the splits and merges that take the stream's open
// shards to `target` shards of equal ranges (UniformTargetStarts), applied to `info`. First every
// open shard is split at each target start inside it (one after another, the upper child split
// again), then the pieces between two target starts are merged left to right (the merged child
// merged with the next piece). So every child has at most two parents; a doubling of a uniform
// stream is one split per shard and a halving one merge per pair. kInternal if the plan does not
// end at `target` open shards (a bug).
Status PlanUniformScaling(StreamInfo& info, uint32_t target, int64_t now_ms);

}  // namespace sluice::broker
