// Stream lifecycle and listing operations.
#include <algorithm>
#include <climits>

#include "api/enum_names.h"
#include "api/handlers.h"

namespace sluice::api {
namespace {

template <typename T>
std::optional<T> Optional(const Value& input, const char* member) {
  auto it = input.find(member);
  if (it == input.end()) return std::nullopt;
  return it->get<T>();
}

std::string StringOr(const Value& input, const char* member) {
  return Optional<std::string>(input, member).value_or("");
}

// The model leaves RetentionPeriodHours unbounded; clamp to int so the broker's range check
// answers with AWS's text rather than the value wrapping around.
int RetentionHours(const Value& input) {
  int64_t hours = input.at("RetentionPeriodHours").get<int64_t>();
  return static_cast<int>(std::clamp<int64_t>(hours, INT32_MIN, INT32_MAX));
}

}  // namespace

broker::Callback<broker::Done> ReplyEmpty(Reply reply) {
  return [reply = std::move(reply)](Result<broker::Done> result) {
    if (!result.ok()) return reply(result.status());
    reply(Value::object());
  };
}

broker::StreamRef StreamRefOf(const Value& input) {
  return {StringOr(input, "StreamName"), StringOr(input, "StreamARN")};
}

int64_t TimestampMs(const Value& value) { return value.get<int64_t>(); }

Value Timestamp(int64_t ms) { return ms; }

Value ShardValue(const broker::ShardInfo& shard) {
  Value out = Value::object();
  out["ShardId"] = shard.Id();
  if (shard.parent) out["ParentShardId"] = broker::ShardIdFor(*shard.parent);
  if (shard.adjacent_parent)
    out["AdjacentParentShardId"] = broker::ShardIdFor(*shard.adjacent_parent);
  out["HashKeyRange"] = {{"StartingHashKey", broker::HashKeyToDecimal(shard.range.start)},
                         {"EndingHashKey", broker::HashKeyToDecimal(shard.range.end)}};
  Value range = {{"StartingSequenceNumber", shard.StartingSequenceNumber().ToString()}};
  if (auto ending = shard.EndingSequenceNumber())
    range["EndingSequenceNumber"] = ending->ToString();
  out["SequenceNumberRange"] = std::move(range);
  return out;
}

Value StreamModeDetails(const broker::StreamInfo& info) {
  return {{"StreamMode", broker::StreamModeName(info.stream_mode)}};
}

void CreateStream(const Call& call, Reply reply) {
  broker::CreateStreamRequest request;
  request.name = call.input.at("StreamName").get<std::string>();
  if (auto count = Optional<int64_t>(call.input, "ShardCount")) {
    request.shard_count = static_cast<uint32_t>(*count);
  }
  if (auto mode = call.input.find("StreamModeDetails"); mode != call.input.end()) {
    request.stream_mode = StreamModeNamed(mode->at("StreamMode").get<std::string>())
                              .value_or(broker::StreamMode::kProvisioned);
  }
  if (auto tags = call.input.find("Tags"); tags != call.input.end()) {
    for (const auto& [key, value] : tags->items()) request.tags[key] = value.get<std::string>();
  }
  if (auto size = Optional<int64_t>(call.input, "MaxRecordSizeInKiB")) {
    request.max_record_size_kib = static_cast<int>(*size);
  }
  if (auto warm = Optional<int64_t>(call.input, "WarmThroughputMiBps")) {
    request.warm_throughput_mibps = static_cast<int>(*warm);
  }
  if (request.stream_mode == broker::StreamMode::kProvisioned && !request.shard_count &&
      call.input.contains("StreamModeDetails")) {
    return reply(Status(ErrorCode::kInvalidArgument,
                        "ShardCount is required for streams in PROVISIONED mode."));
  }
  call.broker.CreateStream(call.context.caller, std::move(request), ReplyEmpty(std::move(reply)));
}

void DeleteStream(const Call& call, Reply reply) {
  bool enforce = Optional<bool>(call.input, "EnforceConsumerDeletion").value_or(false);
  call.broker.DeleteStream(call.context.caller, StreamRefOf(call.input), enforce,
                           ReplyEmpty(std::move(reply)));
}

void DescribeStream(const Call& call, Reply reply) {
  auto limit = Optional<int64_t>(call.input, "Limit");
  auto result = call.broker.DescribeStream(
      call.context.caller, StreamRefOf(call.input),
      limit ? std::optional<uint32_t>(static_cast<uint32_t>(*limit)) : std::nullopt,
      StringOr(call.input, "ExclusiveStartShardId"));
  if (!result.ok()) return reply(result.status());
  const broker::StreamInfo& info = result->stream;
  Value shards = Value::array();
  for (const auto& shard : info.shards) shards.push_back(ShardValue(shard));
  Value description = {{"StreamName", info.name},
                       {"StreamARN", info.Arn()},
                       {"StreamStatus", broker::StreamStatusName(info.status)},
                       {"StreamModeDetails", StreamModeDetails(info)},
                       {"Shards", std::move(shards)},
                       {"HasMoreShards", result->has_more_shards},
                       {"RetentionPeriodHours", info.retention_hours},
                       {"StreamCreationTimestamp", Timestamp(info.created_ms)},
                       {"EnhancedMonitoring", EnhancedMonitoring(info)},
                       {"EncryptionType", info.encryption_type}};
  if (!info.key_id.empty()) description["KeyId"] = info.key_id;
  reply(Value{{"StreamDescription", std::move(description)}});
}

void DescribeStreamSummary(const Call& call, Reply reply) {
  auto result = call.broker.DescribeStreamSummary(call.context.caller, StreamRefOf(call.input));
  if (!result.ok()) return reply(result.status());
  const broker::StreamInfo& info = *result;
  Value summary = {{"StreamName", info.name},
                   {"StreamARN", info.Arn()},
                   {"StreamStatus", broker::StreamStatusName(info.status)},
                   {"StreamModeDetails", StreamModeDetails(info)},
                   {"RetentionPeriodHours", info.retention_hours},
                   {"StreamCreationTimestamp", Timestamp(info.created_ms)},
                   {"EnhancedMonitoring", EnhancedMonitoring(info)},
                   {"EncryptionType", info.encryption_type}};
  if (!info.key_id.empty()) summary["KeyId"] = info.key_id;
  summary["OpenShardCount"] = info.OpenShardCount();
  summary["ConsumerCount"] = info.consumers.size();
  if (info.stream_mode == broker::StreamMode::kOnDemand && info.warm_throughput) {
    summary["WarmThroughput"] = WarmThroughputValue(*info.warm_throughput);
  }
  summary["MaxRecordSizeInKiB"] = info.max_record_size_kib;
  reply(Value{{"StreamDescriptionSummary", std::move(summary)}});
}

void ListStreams(const Call& call, Reply reply) {
  broker::ListStreamsRequest request;
  if (auto limit = Optional<int64_t>(call.input, "Limit")) {
    request.limit = static_cast<uint32_t>(*limit);
  }
  request.exclusive_start_stream_name = StringOr(call.input, "ExclusiveStartStreamName");
  request.next_token = StringOr(call.input, "NextToken");
  auto result = call.broker.ListStreams(call.context.caller, request);
  if (!result.ok()) return reply(result.status());
  Value names = Value::array();
  Value summaries = Value::array();
  for (const auto& info : result->streams) {
    names.push_back(info.name);
    summaries.push_back({{"StreamName", info.name},
                         {"StreamARN", info.Arn()},
                         {"StreamStatus", broker::StreamStatusName(info.status)},
                         {"StreamModeDetails", StreamModeDetails(info)},
                         {"StreamCreationTimestamp", Timestamp(info.created_ms)}});
  }
  Value out = {{"StreamNames", std::move(names)}, {"HasMoreStreams", result->has_more}};
  if (result->next_token) out["NextToken"] = *result->next_token;
  out["StreamSummaries"] = std::move(summaries);
  reply(std::move(out));
}

void ListShards(const Call& call, Reply reply) {
  broker::ListShardsRequest request;
  request.stream = StreamRefOf(call.input);
  request.next_token = StringOr(call.input, "NextToken");
  request.exclusive_start_shard_id = StringOr(call.input, "ExclusiveStartShardId");
  if (auto max = Optional<int64_t>(call.input, "MaxResults")) {
    request.max_results = static_cast<uint32_t>(*max);
  }
  if (auto created = call.input.find("StreamCreationTimestamp"); created != call.input.end()) {
    request.stream_creation_ms = TimestampMs(*created);
  }
  if (auto filter = call.input.find("ShardFilter"); filter != call.input.end()) {
    broker::ShardFilter f;
    auto type = ShardFilterTypeNamed(filter->at("Type").get<std::string>());
    if (!type) return reply(Status(ErrorCode::kValidation, "Unknown ShardFilter type."));
    f.type = *type;
    f.shard_id = StringOr(*filter, "ShardId");
    if (auto t = filter->find("Timestamp"); t != filter->end()) f.timestamp_ms = TimestampMs(*t);
    request.filter = std::move(f);
  }
  auto result = call.broker.ListShards(call.context.caller, request);
  if (!result.ok()) return reply(result.status());
  Value shards = Value::array();
  for (const auto& shard : result->shards) shards.push_back(ShardValue(shard));
  Value out = {{"Shards", std::move(shards)}};
  if (result->next_token) out["NextToken"] = *result->next_token;
  reply(std::move(out));
}

void IncreaseStreamRetentionPeriod(const Call& call, Reply reply) {
  call.broker.ChangeRetention(call.context.caller, StreamRefOf(call.input),
                              RetentionHours(call.input), true, ReplyEmpty(std::move(reply)));
}

void DecreaseStreamRetentionPeriod(const Call& call, Reply reply) {
  call.broker.ChangeRetention(call.context.caller, StreamRefOf(call.input),
                              RetentionHours(call.input), false, ReplyEmpty(std::move(reply)));
}

}  // namespace sluice::api
