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

// A shard over its throughput limit (--enforce-limits): puts, reads and iterators alike.
inline Status RateExceeded(std::string_view shard_id, const StreamInfo& info) {
  return Status(ErrorCode::kProvisionedThroughputExceeded,
                "Rate exceeded for shard " + std::string(shard_id) + " in stream " + info.name +
                    " under account " + info.account + ".");
}

inline Status ShardNotFound(std::string_view shard_id, std::string_view stream,
                            std::string_view account) {
  return Status(ErrorCode::kResourceNotFound, "Shard " + std::string(shard_id) + " in stream " +
                                                  std::string(stream) + " under account " +
                                                  std::string(account) + " does not exist");
}

// Consumer texts follow the one AWS gives for a consumer in the wrong state ("Consumer <name>
// with creation timestamp <seconds> under stream <stream> and account <account> is not in ACTIVE
// status."); AWS's exact wording for the others is not recorded, so they use the same frame.
inline std::string ConsumerPhrase(const ConsumerInfo& consumer, const StreamInfo& stream) {
  std::string text = "Consumer " + consumer.name;
  text.append(" with creation timestamp ").append(std::to_string(consumer.created_ms / 1000));
  text.append(" under stream ").append(stream.name).append(" and account ").append(stream.account);
  return text;
}

inline Status ConsumerNotActive(const ConsumerInfo& consumer, const StreamInfo& stream) {
  return Status(ErrorCode::kResourceInUse,
                ConsumerPhrase(consumer, stream) + " is not in ACTIVE status.");
}

inline Status ConsumerNotFound(std::string_view consumer, const StreamInfo& stream) {
  std::string text = "Consumer " + std::string(consumer);
  text.append(" under stream ").append(stream.name).append(" and account ").append(stream.account);
  return Status(ErrorCode::kResourceNotFound, text + " not found.");
}

inline Status ConsumerExists(std::string_view consumer, const StreamInfo& stream) {
  std::string text = "Consumer " + std::string(consumer);
  text.append(" under stream ").append(stream.name).append(" and account ").append(stream.account);
  return Status(ErrorCode::kResourceInUse, text + " already exists.");
}

inline Status StreamHasConsumers(const StreamInfo& stream) {
  std::string text = "DeleteStream can't delete " + stream.Arn();
  text.append(" because there are consumers associated with this data stream. To delete ");
  text.append(stream.name)
      .append(
          " anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all "
          "the consumers that are associated with it.");
  return Status(ErrorCode::kResourceInUse, text);
}

inline Status InvalidIterator() {
  return Status(ErrorCode::kInvalidArgument, "Invalid ShardIterator.");
}

}  // namespace sluice::broker::messages
