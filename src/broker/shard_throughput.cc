#include "broker/shard_throughput.h"

#include <algorithm>
#include <cstdint>

namespace sluice::broker {

void TokenBucket::Refill(int64_t now_ms) {
  if (now_ms > last_ms_) {
    level_ = std::min(rate_, level_ + rate_ * static_cast<double>(now_ms - last_ms_) / 1000.0);
  }
  last_ms_ = std::max(last_ms_, now_ms);
}

bool TokenBucket::TryTake(double amount, int64_t now_ms) {
  Refill(now_ms);
  if (level_ < amount) return false;
  level_ -= amount;
  return true;
}

void TokenBucket::Charge(double amount, int64_t now_ms) {
  Refill(now_ms);
  level_ -= amount;
}

bool TokenBucket::HasCredit(int64_t now_ms) {
  Refill(now_ms);
  return level_ > 0;
}

bool ShardThroughput::AdmitRecord(uint64_t bytes, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  // Check both before taking either, so a refused record costs nothing.
  if (!records_in_.TryTake(1, now_ms)) return false;
  if (!bytes_in_.TryTake(static_cast<double>(bytes), now_ms)) {
    records_in_.Charge(-1, now_ms);
    return false;
  }
  return true;
}

bool ShardThroughput::AdmitRead(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  return bytes_out_.HasCredit(now_ms) && reads_.TryTake(1, now_ms);
}

void ShardThroughput::ChargeRead(uint64_t bytes, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  bytes_out_.Charge(static_cast<double>(bytes), now_ms);
}

bool ShardThroughput::AdmitIterator(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  return iterators_.TryTake(1, now_ms);
}

ShardThroughput* ThroughputLimiter::For(uint64_t stream_uid, ShardIndex shard) {
  if (!enabled_) return nullptr;
  std::lock_guard lock(mutex_);
  auto& slot = shards_[{stream_uid, shard.value()}];
  if (!slot) slot = std::make_unique<ShardThroughput>();
  return slot.get();
}

void ThroughputLimiter::Forget(uint64_t stream_uid) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  shards_.erase(shards_.lower_bound({stream_uid, 0}),
                shards_.upper_bound({stream_uid, UINT32_MAX}));
}

}  // namespace sluice::broker
