#include "broker/reshard_plan.h"

#include <algorithm>

namespace sluice::broker {

std::pair<ShardIndex, ShardIndex> ReshardEditor::Split(ShardIndex parent, HashKey new_start) {
  const HashKeyRange range = info_.shards[parent.value()].range;
  Close(parent);
  ShardIndex lower = Open({range.start, KeyBefore(new_start)}, parent, std::nullopt);
  ShardIndex upper = Open({new_start, range.end}, parent, std::nullopt);
  return {lower, upper};
}

ShardIndex ReshardEditor::Merge(ShardIndex shard, ShardIndex adjacent) {
  const HashKeyRange a = info_.shards[shard.value()].range;
  const HashKeyRange b = info_.shards[adjacent.value()].range;
  Close(shard);
  Close(adjacent);
  return Open({std::min(a.start, b.start), std::max(a.end, b.end)}, shard, adjacent);
}

ShardIndex ReshardEditor::Open(HashKeyRange range, ShardIndex parent,
                               std::optional<ShardIndex> adjacent) {
  ShardInfo child;
  child.index = ShardIndex{static_cast<uint32_t>(info_.shards.size())};
  child.range = range;
  child.parent = parent;
  child.adjacent_parent = adjacent;
  child.created_ms = now_ms_;
  info_.shards.push_back(child);
  return child.index;
}

void ReshardEditor::Close(ShardIndex index) { info_.shards[index.value()].closed_ms = now_ms_; }

std::vector<ChildShardView> ChildShardsOf(const StreamInfo& info, ShardIndex index) {
  std::vector<ChildShardView> children;
  for (const auto& child : info.shards) {
    const bool of_this = (child.parent && *child.parent == index) ||
                         (child.adjacent_parent && *child.adjacent_parent == index);
    if (!of_this) continue;
    ChildShardView view{child.index, {}, child.range};
    if (child.parent) view.parent_shards.push_back(*child.parent);
    if (child.adjacent_parent) view.parent_shards.push_back(*child.adjacent_parent);
    children.push_back(std::move(view));
  }
  return children;
}

Status PlanUniformScaling(StreamInfo& info, uint32_t target, int64_t now_ms) {
  std::vector<ShardIndex> open;
  for (const auto& shard : info.shards) {
    if (shard.open()) open.push_back(shard.index);
  }
  std::sort(open.begin(), open.end(), [&](ShardIndex a, ShardIndex b) {
    return info.shards[a.value()].range.start < info.shards[b.value()].range.start;
  });
  std::vector<HashKey> current_starts;
  for (ShardIndex index : open) current_starts.push_back(info.shards[index.value()].range.start);
  const std::vector<HashKey> starts = UniformTargetStarts(current_starts, target);
  auto is_target_start = [&](HashKey key) {
    return std::binary_search(starts.begin(), starts.end(), key);
  };
  const Status bug(ErrorCode::kInternal, "UpdateShardCount could not plan the reshard.");

  ReshardEditor editor(info, now_ms);
  // Splits: each open shard at every target start strictly inside it, left to right.
  std::vector<ShardIndex> pieces;
  for (ShardIndex index : open) {
    ShardIndex current = index;
    for (HashKey start : starts) {
      const HashKeyRange range = info.shards[current.value()].range;
      if (!(range.start < start && start <= range.end)) continue;
      if (!CanSplitAt(range, start)) return bug;
      auto [lower, upper] = editor.Split(current, start);
      pieces.push_back(lower);
      current = upper;
    }
    pieces.push_back(current);
  }
  // Merges: the pieces between two target starts become one shard.
  uint32_t final_count = 0;
  for (size_t i = 0; i < pieces.size();) {
    ShardIndex merged = pieces[i++];
    while (i < pieces.size() && !is_target_start(info.shards[pieces[i].value()].range.start)) {
      merged = editor.Merge(merged, pieces[i++]);
    }
    ++final_count;
  }
  if (final_count != target || info.OpenShardCount() != target) return bug;
  return Status::Ok();
}

}  // namespace sluice::broker
