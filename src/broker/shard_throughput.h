#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "sluice/broker/shard_index.h"

namespace sluice::broker {

// A rate, refilled continuously, holding at most one second's worth: AWS's per-shard limits
// allow short bursts within the second and nothing saved up beyond it.
class TokenBucket {
 public:
  explicit TokenBucket(double per_second) : rate_(per_second), level_(per_second) {}

  // Takes `amount` when the bucket holds that much.
  bool TryTake(double amount, int64_t now_ms);
  // Takes `amount` whatever the level, into debt if need be (a read learns its size only once it
  // has happened; AWS then refuses the shard's next reads until the debt is paid off).
  void Charge(double amount, int64_t now_ms);
  // Whether the bucket holds anything (no debt).
  bool HasCredit(int64_t now_ms);

 private:
  void Refill(int64_t now_ms);

  double rate_;
  double level_;
  int64_t last_ms_ = 0;
};

// AWS's limits for one shard (AWS-COMPAT.md "Limits worth enforcing"): 1 MiB/s and 1000
// records/s in, 2 MiB/s and 5 GetRecords/s out, 5 GetShardIterator/s.
class ShardThroughput {
 public:
  // A record of `bytes` (data + partition key) may be written; takes its share when it may.
  bool AdmitRecord(uint64_t bytes, int64_t now_ms);
  // A GetRecords may run: fewer than 5 this second, and the bytes read before are paid off.
  bool AdmitRead(int64_t now_ms);
  // What a read returned, charged after the fact.
  void ChargeRead(uint64_t bytes, int64_t now_ms);
  bool AdmitIterator(int64_t now_ms);

 private:
  std::mutex mutex_;  // guards the buckets
  TokenBucket bytes_in_{1024.0 * 1024.0};
  TokenBucket records_in_{1000.0};
  TokenBucket bytes_out_{2.0 * 1024.0 * 1024.0};
  TokenBucket reads_{5.0};
  TokenBucket iterators_{5.0};
};

// Every shard's throughput, when `--enforce-limits` is on. Shards are keyed by their stream's
// uid, so a recreated stream starts afresh. Thread-safe.
class ThroughputLimiter {
 public:
  void Enable() { enabled_ = true; }
  // The shard's limits, or null when limits are not enforced.
  ShardThroughput* For(uint64_t stream_uid, ShardIndex shard);
  // Drops the stream's shards (it was deleted).
  void Forget(uint64_t stream_uid);

 private:
  bool enabled_ = false;  // set once, before any request
  std::mutex mutex_;      // guards shards_
  std::map<std::pair<uint64_t, uint32_t>, std::unique_ptr<ShardThroughput>> shards_;
};

}  // namespace sluice::broker
