#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/broker/stream_model.h"

// The domain rules of stream settings that need no broker state, kept apart so they can be
// tested one by one.
namespace sluice::broker {

// Every shard-level metric enhanced monitoring knows, in the API model's order ("ALL" is not
// one: it stands for all of these).
const std::vector<std::string>& AllShardLevelMetrics();

// `current` with `requested` (MetricsName values, "ALL" meaning every metric) added or removed,
// in the model's order.
std::vector<std::string> ChangedShardLevelMetrics(const std::vector<std::string>& current,
                                                  const std::vector<std::string>& requested,
                                                  bool enable);

// Whether `key_id` has one of the shapes KMS accepts for a key: a key ID (UUID, or "mrk-" and 32
// hex digits for a multi-Region key), a key ARN, an alias name ("alias/...") or an alias ARN.
bool IsWellFormedKmsKeyId(std::string_view key_id);

// Drops the times in `times_ms` older than a rolling day before `now_ms`.
void KeepLastDay(std::vector<int64_t>& times_ms, int64_t now_ms);

// What finishing an UPDATING stream's update does besides turning it ACTIVE: the warm
// throughput it scaled to is now its current one.
void CompleteUpdate(StreamInfo& info);

}  // namespace sluice::broker
