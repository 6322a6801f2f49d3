#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "sluice/broker/broker.h"

namespace sluice::broker {

// Monotonic traffic counters; relaxed atomics, read only for /metrics.
struct Broker::Traffic {
  std::atomic<uint64_t> records_in{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> records_out{0};
  std::atomic<uint64_t> bytes_out{0};
};

// The write side of one shard. Guarded by its own mutex so that shards sequence independently.
struct Broker::Shard {
  // Guards next_seq_index and last_arrival_ms: held while a write is sequenced and queued to the
  // store (no I/O happens under it), so the store's log order equals sequence-number order.
  std::mutex sequencing_mutex;
  uint64_t next_seq_index = 0;
  int64_t last_arrival_ms = 0;
  // One past the last record a quorum holds. Readers never look beyond it.
  std::atomic<uint64_t> committed_end{0};

  void AdvanceCommitted(uint64_t end) {
    uint64_t current = committed_end.load();
    while (current < end && !committed_end.compare_exchange_weak(current, end)) {
    }
  }
};

// A stream's metadata and its shards' write state.
class Broker::Stream {
 public:
  explicit Stream(StreamInfo initial) : info(std::move(initial)) {
    for (size_t i = 0; i < info.shards.size(); ++i) shards.push_back(std::make_unique<Shard>());
    RebuildRouting();
  }

  // Guards info, shards (which only grows) and routing.
  mutable std::mutex meta_mutex;
  StreamInfo info;
  std::vector<std::unique_ptr<Shard>> shards;  // by shard index
  // Open shards ordered by the start of their hash-key range, for binary-search routing.
  std::vector<std::pair<HashKey, uint32_t>> routing;

  StreamInfo Snapshot() const {
    std::lock_guard lock(meta_mutex);
    return info;
  }

  // The open shard whose range holds `key`. Requires meta_mutex.
  std::optional<uint32_t> Route(HashKey key) const {
    auto it = std::upper_bound(routing.begin(), routing.end(), key,
                               [](HashKey k, const auto& entry) { return k < entry.first; });
    if (it == routing.begin()) return std::nullopt;
    uint32_t index = std::prev(it)->second;
    if (!info.shards[index].range.Contains(key)) return std::nullopt;
    return index;
  }

  // Requires meta_mutex.
  void RebuildRouting() {
    routing.clear();
    for (const auto& shard : info.shards) {
      if (shard.open()) routing.emplace_back(shard.range.start, shard.index);
    }
    std::sort(routing.begin(), routing.end());
  }
};

}  // namespace sluice::broker
