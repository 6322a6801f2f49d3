// The retention sweep: deletes expired records from disk.
#include "broker/broker_state.h"
#include "broker/clock.h"
#include "broker/stream_registry.h"
#include "sluice/broker/broker.h"
#include "sluice/common/log.h"

namespace sluice::broker {

void Broker::SweepRetention() {
  // Every shard's committed end first, then one pinned node view for the whole sweep: the node
  // holds everything before those ends and is not rebuilt while the sweep reads it, so no
  // cut-off is computed from a half-copied node.
  struct ShardToSweep {
    uint64_t uid;
    ShardIndex index;
    uint64_t committed_end;
    int64_t cutoff_ms;
  };
  std::vector<ShardToSweep> shards;
  const int64_t now = Now();
  for (const auto& view : registry_->List(std::string(kStreamMetaRoot))) {
    const int64_t cutoff = RetentionCutoffMs(now, view->info.retention_hours);
    for (const ShardInfo& shard : view->info.shards) {
      shards.push_back(
          {view->info.uid, shard.index, view->Writer(shard.index).committed_end(), cutoff});
    }
  }
  storage::WriteBatch batch;
  {
    auto read = store_.OpenReadView();
    if (!read.ok()) {
      Logger("broker")->warn("retention sweep: {}", read.status().message());
      return;
    }
    const storage::StorageNode& node = read->node();
    for (const auto& shard : shards) {
      auto first_kept = node.FirstSeqAtOrAfter(shard.uid, shard.index.value(), shard.cutoff_ms, 0,
                                               shard.committed_end);
      auto last = node.LastSeq(shard.uid, shard.index.value());
      if (!first_kept.ok() || !last.ok() || !last->has_value()) continue;
      // The newest stored record stays on disk even when it has expired (reads skip it): it is
      // what tells a restarted broker where the shard's sequence numbers go on, so that none is
      // ever issued twice.
      uint64_t keep_from = std::min(first_kept->value_or(shard.committed_end), **last);
      auto first = node.FirstSeq(shard.uid, shard.index.value());
      if (first.ok() && first->has_value() && **first < keep_from) {
        batch.DeleteRecordRange(shard.uid, shard.index.value(), **first, keep_from);
      }
    }
  }
  if (batch.empty()) return;
  Status queued = store_.Write(std::move(batch), [](Status status) {
    if (!status.ok()) Logger("broker")->warn("retention sweep: {}", status.message());
  });
  if (!queued.ok()) Logger("broker")->warn("retention sweep: {}", queued.message());
}

}  // namespace sluice::broker
