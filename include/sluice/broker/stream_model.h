#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/broker/hash_key.h"
#include "sluice/broker/sequence_number.h"
#include "sluice/broker/shard_index.h"

namespace sluice::broker {

enum class StreamStatus { kCreating, kDeleting, kActive, kUpdating };
std::string_view StreamStatusName(StreamStatus status);

enum class StreamMode { kProvisioned, kOnDemand };
std::string_view StreamModeName(StreamMode mode);  // "PROVISIONED", "ON_DEMAND"

enum class ConsumerStatus { kCreating, kDeleting, kActive };
std::string_view ConsumerStatusName(ConsumerStatus status);

// The namespace a request acts in: the configured account and the region of its credentials.
struct Caller {
  std::string account;
  std::string region;
};

// A stream named either way the API allows; at least one is set.
struct StreamRef {
  std::string name;
  std::string arn;
};

// One shard as clients see it. Shards are never removed, only closed (by resharding).
struct ShardInfo {
  ShardIndex index;
  HashKeyRange range{};
  std::optional<ShardIndex> parent;
  std::optional<ShardIndex> adjacent_parent;
  int64_t created_ms = 0;
  std::optional<int64_t> closed_ms;
  // The index of the shard's last record when it was closed.
  std::optional<uint64_t> closed_at_seq;

  std::string Id() const;
  SequenceNumber StartingSequenceNumber() const;
  std::optional<SequenceNumber> EndingSequenceNumber() const;
  bool open() const { return !closed_ms.has_value(); }
  // For a closed shard: one past its last sequence index, where reading it ends.
  uint64_t EndSeqIndex() const { return closed_at_seq ? *closed_at_seq + 1 : 0; }
};

// Formats a shard index as AWS does ("shardId-000000000007").
std::string ShardIdFor(ShardIndex index);
// Accepts "shardId-000000000007", "shardId-7" and "7"; nullopt for anything else.
std::optional<ShardIndex> ParseShardId(std::string_view id);

// An enhanced fan-out consumer registered with a stream. A name is unique within its stream; the
// creation time tells a consumer from an earlier one of the same name (it is part of the ARN).
struct ConsumerInfo {
  std::string name;
  int64_t created_ms = 0;
  ConsumerStatus status = ConsumerStatus::kCreating;
  std::map<std::string, std::string> tags;
  // The resource policy document as PutResourcePolicy stored it (stored, never enforced).
  std::optional<std::string> policy;

  // "<stream ARN>/consumer/<name>:<creation epoch seconds>"
  std::string Arn(std::string_view stream_arn) const;
};

// The parts of a consumer ARN; nullopt when `arn` is not one.
struct ConsumerArnParts {
  std::string region;
  std::string account;
  std::string stream_name;
  std::string consumer_name;
  int64_t created_s = 0;
};
std::optional<ConsumerArnParts> ParseConsumerArn(std::string_view arn);

// An on-demand stream's warm throughput (UpdateStreamWarmThroughput): the write throughput it is
// asked to be ready for and the one it is ready for now (the target once an update completes).
struct WarmThroughput {
  int target_mibps = 0;
  int current_mibps = 0;
};

// Everything durable about a stream. The broker hands out copies; the original is guarded by
// the stream's own mutex.
struct StreamInfo {
  std::string account;
  std::string region;
  std::string name;
  uint64_t uid = 0;  // keys the stream's records in storage; differs for a recreated stream
  int64_t created_ms = 0;
  StreamStatus status = StreamStatus::kCreating;
  int retention_hours = 24;
  StreamMode stream_mode = StreamMode::kProvisioned;
  std::string encryption_type = "NONE";
  std::string key_id;
  int max_record_size_kib = 1024;
  // Enhanced monitoring's shard-level metrics, as the API names them, in the model's order.
  std::vector<std::string> shard_level_metrics;
  std::optional<WarmThroughput> warm_throughput;  // on-demand streams only
  // When the capacity mode was switched, and when encryption was started and stopped, within the
  // last 24 hours: AWS limits how often each may happen in a rolling day.
  std::vector<int64_t> mode_switches_ms;
  std::vector<int64_t> encryption_starts_ms;
  std::vector<int64_t> encryption_stops_ms;
  std::vector<ShardInfo> shards;
  std::map<std::string, std::string> tags;
  std::vector<ConsumerInfo> consumers;  // in registration order
  // The resource policy document as PutResourcePolicy stored it (stored, never enforced).
  std::optional<std::string> policy;

  std::string Arn() const;
  uint32_t OpenShardCount() const;
  // The consumer of that name, or null.
  const ConsumerInfo* FindConsumer(std::string_view consumer_name) const;
};

std::string StreamArn(std::string_view region, std::string_view account, std::string_view name);

// The parts of "arn:aws:kinesis:<region>:<account>:stream/<name>"; nullopt for any other shape.
struct StreamArnParts {
  std::string region;
  std::string account;
  std::string name;
};
std::optional<StreamArnParts> ParseStreamArn(std::string_view arn);

// The persisted form of StreamInfo (metadata values in storage) and back.
std::string EncodeStreamInfo(const StreamInfo& info);
std::optional<StreamInfo> DecodeStreamInfo(std::string_view bytes);

// The storage meta key of a stream, and the prefix that lists a namespace's streams in order.
std::string StreamMetaKey(std::string_view account, std::string_view region, std::string_view name);
std::string StreamMetaPrefix(std::string_view account, std::string_view region);
inline constexpr std::string_view kStreamMetaRoot = "stream/";

}  // namespace sluice::broker
