#pragma once

#include <string>
#include <string_view>

#include "sluice/broker/stream_model.h"
#include "sluice/common/status.h"

// AWS's client-visible texts for the broker's errors, in one place so they stay exact.
namespace sluice::broker::messages {

inline Status StreamNotFound(std::string_view name, std::string_view account) {
  return Status(ErrorCode::kResourceNotFound, "Stream " + std::string(name) + " under account " +
                                                  std::string(account) + " not found.");
}

inline Status StreamNotActive(const StreamInfo& info) {
  return Status(ErrorCode::kResourceInUse, "Stream " + info.name + " under account " +
                                               info.account + " not ACTIVE, instead in state " +
                                               std::string(StreamStatusName(info.status)));
}

inline Status StreamExists(std::string_view name, std::string_view account) {
  return Status(ErrorCode::kResourceInUse, "Stream " + std::string(name) + " under account " +
                                               std::string(account) + " already exists.");
}

inline Status ShardNotFound(std::string_view shard_id, std::string_view stream,
                            std::string_view account) {
  return Status(ErrorCode::kResourceNotFound, "Shard " + std::string(shard_id) + " in stream " +
                                                  std::string(stream) + " under account " +
                                                  std::string(account) + " does not exist");
}

inline Status InvalidIterator() {
  return Status(ErrorCode::kInvalidArgument, "Invalid ShardIterator.");
}

}  // namespace sluice::broker::messages
