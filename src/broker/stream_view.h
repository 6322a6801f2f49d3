#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "broker/shard_writer.h"
#include "sluice/broker/stream_model.h"

namespace sluice::broker {

// One immutable snapshot of a stream: its durable metadata, the routing table of its open shards
// and the writer of every shard. The registry publishes a new view after each committed change;
// requests take the current view once and use it without any lock. Shard writers carry over from
// view to view, so a metadata change never disturbs the shards' sequencing.
struct StreamView {
  StreamInfo info;
  // Open shards ordered by the start of their hash-key range, for binary-search routing.
  std::vector<std::pair<HashKey, ShardIndex>> routing;
  std::vector<std::shared_ptr<ShardWriter>> writers;  // by shard index

  // Whether the stream has a shard of that index, open or closed.
  bool HasShard(ShardIndex index) const { return index.value() < info.shards.size(); }
  // The shard and its writer; the shard must exist (HasShard).
  const ShardInfo& Shard(ShardIndex index) const { return info.shards[index.value()]; }
  ShardWriter& Writer(ShardIndex index) const { return *writers[index.value()]; }

  // A view of `info` that keeps `previous`'s writers; shards new to it get writers starting at
  // `fresh_start(index)` (0 for a new shard, the recovered position after a restart).
  template <typename FreshStart>
  static std::shared_ptr<const StreamView> Make(StreamInfo info, const StreamView* previous,
                                                FreshStart fresh_start) {
    auto view = std::make_shared<StreamView>();
    view->info = std::move(info);
    for (const auto& shard : view->info.shards) {
      if (previous != nullptr && previous->HasShard(shard.index)) {
        view->writers.push_back(previous->writers[shard.index.value()]);
      } else {
        auto [next, arrival] = fresh_start(shard.index);
        if (!shard.open()) next = std::max(next, shard.EndSeqIndex());
        auto writer = std::make_shared<ShardWriter>(next, arrival);
        if (!shard.open()) writer->MarkClosed();  // closed before this view: takes no records
        view->writers.push_back(std::move(writer));
      }
      if (shard.open()) view->routing.emplace_back(shard.range.start, shard.index);
    }
    std::sort(view->routing.begin(), view->routing.end());
    return view;
  }
  // A view of `info` that keeps `previous`'s writers, new shards starting empty.
  static std::shared_ptr<const StreamView> Next(StreamInfo info, const StreamView& previous) {
    return Make(std::move(info), &previous, [](ShardIndex) {
      return std::pair<uint64_t, int64_t>{0, 0};
    });
  }

  // The open shard whose range holds `key`.
  std::optional<ShardIndex> Route(HashKey key) const {
    auto it = std::upper_bound(routing.begin(), routing.end(), key,
                               [](HashKey k, const auto& entry) { return k < entry.first; });
    if (it == routing.begin()) return std::nullopt;
    ShardIndex index = std::prev(it)->second;
    if (!Shard(index).range.Contains(key)) return std::nullopt;
    return index;
  }
};

using ViewPtr = std::shared_ptr<const StreamView>;

}  // namespace sluice::broker
