#pragma once

#include <string>
#include <string_view>
#include <vector>

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

inline Status ShardLimitExceeded(std::string_view account, std::string_view region,
                                 uint32_t current, uint32_t limit, uint32_t additional) {
  return Status(ErrorCode::kLimitExceeded,
                "This request would exceed the shard limit for the account " +
                    std::string(account) + " in " + std::string(region) +
                    ". Current shard count for the account: " + std::to_string(current) +
                    ". Limit: " + std::to_string(limit) +
                    ". Number of additional shards that would have resulted from this request: " +
                    std::to_string(additional) +
                    ". Refer to the AWS Service Limits page "
                    "(https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for "
                    "current limits and how to request higher limits.");
}

// --- resharding (SplitShard, MergeShards, UpdateShardCount) ---

inline Status CouldNotFindShard(std::string_view shard_id, const StreamInfo& stream) {
  return Status(ErrorCode::kResourceNotFound, "Could not find shard " + std::string(shard_id) +
                                                  " in stream " + stream.name + " under account " +
                                                  stream.account + ".");
}

inline Status ShardAlreadyResharded(const ShardInfo& shard, const StreamInfo& stream) {
  return Status(ErrorCode::kInvalidArgument,
                "Shard " + shard.Id() + " in stream " + stream.name + " under account " +
                    stream.account +
                    " has already been merged or split, and thus is not eligible for merging or "
                    "splitting.");
}

inline Status SplitKeyOutsideShard(std::string_view new_starting_hash_key, const ShardInfo& shard,
                                   const StreamInfo& stream) {
  return Status(ErrorCode::kInvalidArgument,
                "NewStartingHashKey " + std::string(new_starting_hash_key) +
                    " used in SplitShard() on shard " + shard.Id() + " in stream " + stream.name +
                    " under account " + stream.account +
                    " is not both greater than one plus the shard's StartingHashKey " +
                    HashKeyToDecimal(shard.range.start) +
                    " and less than the shard's EndingHashKey " +
                    HashKeyToDecimal(shard.range.end) + ".");
}

inline Status ShardsNotAdjacent(const ShardInfo& shard, const ShardInfo& adjacent,
                                const StreamInfo& stream) {
  return Status(ErrorCode::kInvalidArgument,
                "Shards " + shard.Id() + " and " + adjacent.Id() + " in stream " + stream.name +
                    " under account " + stream.account +
                    " are not an adjacent pair of shards eligible for merging");
}

// UpdateShardCount's limits: `what` is the rule broken, then the counts, as AWS words them.
inline Status ScalingLimit(std::string_view what, uint32_t open_shards, uint32_t target) {
  return Status(ErrorCode::kLimitExceeded,
                std::string(what) + " Current open shard count: " + std::to_string(open_shards) +
                    ", Target shard count: " + std::to_string(target));
}

inline Status OnDemandStream(const StreamInfo& stream) {
  return Status(ErrorCode::kValidation, "Request is invalid. Stream " + stream.name +
                                            " under account " + stream.account +
                                            " is in On-Demand mode.");
}

inline Status InvalidIterator() {
  return Status(ErrorCode::kInvalidArgument, "Invalid ShardIterator.");
}

// --- tags and resource policies ---
// AWS's texts for tags, as recorded from the real service: characters outside the allowed set,
// '%' (which the first check lets through and a second refuses), and the per-resource limit
// (recorded when the limit was 10; the number follows the limit). `resource` names what is
// tagged ("stream <name> under account <account>"); `action` is "add tags to" or
// "remove tags from". AWS's text for the reserved "aws:" prefix is not recorded: that one is ours,
// in the same frame.

inline Status InvalidTagCharacters() {
  return Status(ErrorCode::kInvalidArgument,
                "Some tags contain invalid characters. Valid characters: Unicode letters, digits, "
                "white space, _ . / = + - % @ :.");
}

inline Status IllegalTagCharacters(std::string_view action, std::string_view resource) {
  return Status(ErrorCode::kInvalidArgument,
                "Failed to " + std::string(action) + " " + std::string(resource) +
                    " because some tags contained illegal characters. The allowed characters are "
                    "Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.");
}

inline Status TooManyTags(std::string_view resource, std::string_view kind, size_t limit) {
  return Status(ErrorCode::kInvalidArgument, "Failed to add tags to " + std::string(resource) +
                                                 " because a given " + std::string(kind) +
                                                 " cannot have more than " + std::to_string(limit) +
                                                 " tags associated with it.");
}

inline Status ReservedTagKey(std::string_view action, std::string_view resource) {
  return Status(ErrorCode::kInvalidArgument,
                "Failed to " + std::string(action) + " " + std::string(resource) +
                    " because tag keys beginning with 'aws:' are reserved for AWS use.");
}

// A resource ARN that is neither a stream's nor a consumer's (our text; AWS's is not recorded).
inline Status InvalidResourceArn(std::string_view arn) {
  return Status(ErrorCode::kInvalidArgument, "Invalid ResourceARN " + std::string(arn) + ".");
}

// DeleteResourcePolicy on a resource without one (the text moto answers with; AWS's is not
// recorded). The two policy-document texts are ours.
inline Status NoResourcePolicy(std::string_view arn) {
  return Status(ErrorCode::kResourceNotFound,
                "No resource policy found for resource ARN " + std::string(arn) + ".");
}

inline Status PolicyNotAnObject() {
  return Status(ErrorCode::kInvalidArgument,
                "The resource policy is not a valid policy document: it must be a JSON object.");
}

inline Status PolicyTooLarge(size_t bytes, size_t limit) {
  return Status(ErrorCode::kInvalidArgument, "The resource policy is " + std::to_string(bytes) +
                                                 " bytes; a resource policy can be at most " +
                                                 std::to_string(limit) + " bytes.");
}

// --- stream settings, limits and account settings. AWS's exact texts for these are not
// recorded (docs/compatibility.md says which); they follow the frames above. ---

inline std::string StreamPhrase(const StreamInfo& info) {
  return "Stream " + info.name + " under account " + info.account;
}

inline Status InvalidKeyId(std::string_view key_id) {
  return Status(ErrorCode::kInvalidArgument,
                "Invalid KeyId " + std::string(key_id) +
                    ". Use a key ID (UUID or mrk- multi-Region key ID), a key ARN, an alias name "
                    "prefixed by \"alias/\", or an alias ARN.");
}

inline Status EncryptionTypeNotKms(std::string_view type) {
  return Status(ErrorCode::kInvalidArgument,
                "Invalid EncryptionType " + std::string(type) +
                    ". KMS is the only valid EncryptionType for this request.");
}

inline Status EncryptionChangeLimit(const StreamInfo& info, bool start, size_t limit) {
  return Status(ErrorCode::kLimitExceeded,
                StreamPhrase(info) + " has already " + (start ? "started" : "stopped") +
                    " encryption " + std::to_string(limit) + " times in the last 24 hours.");
}

inline Status StreamModeUnchanged(const StreamInfo& info) {
  return Status(ErrorCode::kInvalidArgument, StreamPhrase(info) + " is already in " +
                                                 std::string(StreamModeName(info.stream_mode)) +
                                                 " mode.");
}

inline Status StreamModeSwitchLimit(const StreamInfo& info, size_t limit) {
  return Status(ErrorCode::kLimitExceeded,
                StreamPhrase(info) + " has already switched its capacity mode " +
                    std::to_string(limit) + " times in the last 24 hours.");
}

inline Status OnDemandStreamLimit(std::string_view account, std::string_view region, uint32_t count,
                                  uint32_t limit) {
  return Status(ErrorCode::kLimitExceeded,
                "This request would exceed the on-demand stream limit for the account " +
                    std::string(account) + " in " + std::string(region) +
                    ". Current on-demand stream count for the account: " + std::to_string(count) +
                    ". Limit: " + std::to_string(limit) + ".");
}

// The text CloudFormation passes on from the service.
inline Status ShardCountWithOnDemand() {
  return Status(ErrorCode::kInvalidArgument,
                "ShardCount is not expected when StreamMode=ON_DEMAND");
}

inline Status WarmThroughputNeedsOnDemand(std::string_view stream) {
  return Status(ErrorCode::kValidation,
                "Warm throughput can only be configured for streams in ON_DEMAND mode; stream " +
                    std::string(stream) + " is not.");
}

inline Status WarmThroughputNeedsCommitment(std::string_view account) {
  return Status(ErrorCode::kValidation,
                "Warm throughput requires the MinimumThroughputBillingCommitment of account " +
                    std::string(account) + " to be ENABLED.");
}

inline Status WarmThroughputTooHigh(int mibps, int limit) {
  return Status(ErrorCode::kLimitExceeded, "Requested warm throughput of " + std::to_string(mibps) +
                                               " MiBps exceeds the limit of " +
                                               std::to_string(limit) + " MiBps.");
}

// Coral's text for a blob over its length limit, as AWS answers a record over the stream's
// maximum record size ("records.1.member.data" in PutRecords, "data" in PutRecord); the limit is
// the stream's, in bytes. `paths` lists the members that broke it (at most 10 are reported).
inline Status RecordsTooLarge(const std::vector<std::string>& paths, size_t limit_bytes) {
  std::string text =
      std::to_string(paths.size()) +
      (paths.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < paths.size() && i < 10; ++i) {
    if (i > 0) text += "; ";
    text += "Value at '" + paths[i] +
            "' failed to satisfy constraint: Member must have length less than or equal to " +
            std::to_string(limit_bytes);
  }
  return Status(ErrorCode::kValidation, text);
}

}  // namespace sluice::broker::messages
