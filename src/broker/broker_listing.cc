// Describing and listing streams and shards, with their pagination.
#include <algorithm>

#include "broker/broker_messages.h"
#include "broker/clock.h"
#include "broker/page_token.h"
#include "broker/stream_registry.h"
#include "sluice/broker/broker.h"

namespace sluice::broker {
namespace {

constexpr uint32_t kDefaultDescribeLimit = 100;
constexpr uint32_t kDefaultListStreamsLimit = 100;
constexpr uint32_t kDefaultListShardsLimit = 1000;

// A closed shard whose every record is past retention (they all arrived before it closed): AWS
// stops listing it, as Sluice does; it can still be read (nothing) to find its children.
bool ExpiredClosedShard(const ShardInfo& shard, int64_t trim_horizon_ms) {
  return shard.closed_ms && *shard.closed_ms < trim_horizon_ms;
}

// Whether `shard` belongs in a ListShards answer under `filter`, given the stream's trim horizon,
// as AWS documents the filter types: AT_* are the shards open at that moment (started at or
// before it and not closed before it), FROM_* those not closed before it (all open shards and the
// closed ones after), with a FROM_TIMESTAMP before the trim horizon moved up to it. A shard with
// no parent has been there since the stream began, so it is open at any moment before it closed.
bool PassesFilter(const ShardInfo& shard, const ShardFilter& filter, int64_t trim_horizon_ms) {
  const bool original = !shard.parent && !shard.adjacent_parent;
  auto not_closed_before = [&](int64_t t) { return shard.open() || *shard.closed_ms >= t; };
  auto open_at = [&](int64_t t) {
    return (original || shard.created_ms <= t) && not_closed_before(t);
  };
  const int64_t t = filter.timestamp_ms.value_or(0);
  switch (filter.type) {
    case ShardFilterType::kAtLatest:
      return shard.open();
    case ShardFilterType::kFromTrimHorizon:
      return not_closed_before(trim_horizon_ms);
    case ShardFilterType::kAtTrimHorizon:
      return open_at(trim_horizon_ms);
    case ShardFilterType::kFromTimestamp:
      return not_closed_before(std::max(t, trim_horizon_ms));
    case ShardFilterType::kAtTimestamp:
      return open_at(t);
    case ShardFilterType::kAfterShardId:
      return true;  // applied as a start position
  }
  return true;
}

// The filter's type as AWS names it, for error texts.
std::string FilterTypeName(ShardFilterType type) {
  switch (type) {
    case ShardFilterType::kAfterShardId:
      return "AFTER_SHARD_ID";
    case ShardFilterType::kAtTrimHorizon:
      return "AT_TRIM_HORIZON";
    case ShardFilterType::kFromTrimHorizon:
      return "FROM_TRIM_HORIZON";
    case ShardFilterType::kAtLatest:
      return "AT_LATEST";
    case ShardFilterType::kAtTimestamp:
      return "AT_TIMESTAMP";
    case ShardFilterType::kFromTimestamp:
      return "FROM_TIMESTAMP";
  }
  return "";
}

}  // namespace

Result<DescribeStreamResult> Broker::DescribeStream(const Caller& caller, const StreamRef& ref,
                                                    std::optional<uint32_t> limit,
                                                    const std::string& exclusive_start_shard_id) {
  auto found = Find(caller, ref);
  if (!found.ok()) return found.status();
  DescribeStreamResult result{(*found)->info, false};
  std::vector<ShardInfo> all = std::move(result.stream.shards);
  result.stream.shards.clear();
  size_t begin = 0;
  if (!exclusive_start_shard_id.empty()) {
    auto start = ParseShardId(exclusive_start_shard_id);
    begin = start ? static_cast<size_t>(start->value()) + 1 : all.size();
  }
  uint32_t page = limit.value_or(kDefaultDescribeLimit);
  const int64_t trim_horizon_ms = RetentionCutoffMs(Now(), result.stream.retention_hours);
  for (size_t i = begin; i < all.size(); ++i) {
    if (ExpiredClosedShard(all[i], trim_horizon_ms)) continue;
    if (result.stream.shards.size() == page) {
      result.has_more_shards = true;
      break;
    }
    result.stream.shards.push_back(all[i]);
  }
  return result;
}

Result<StreamInfo> Broker::DescribeStreamSummary(const Caller& caller, const StreamRef& ref) {
  auto found = Find(caller, ref);
  if (!found.ok()) return found.status();
  return (*found)->info;
}

Result<ListStreamsResult> Broker::ListStreams(const Caller& caller,
                                              const ListStreamsRequest& request) {
  std::string start_after = request.exclusive_start_stream_name;
  if (!request.next_token.empty()) {
    auto page = page_token::DecodeStreams(request.next_token,
                                          StreamMetaPrefix(caller.account, caller.region), Now(),
                                          options_.next_token_ttl.count());
    if (!page.ok()) return page.status();
    start_after = std::move(page->after);
  }
  const std::string prefix = StreamMetaPrefix(caller.account, caller.region);
  const uint32_t limit = request.limit.value_or(kDefaultListStreamsLimit);
  ListStreamsResult result;
  for (const auto& view :
       registry_->List(prefix, start_after.empty() ? "" : prefix + start_after)) {
    if (result.streams.size() == limit) {
      result.has_more = true;
      break;
    }
    StreamInfo info = view->info;
    info.shards.clear();
    result.streams.push_back(std::move(info));
  }
  if (result.has_more && !result.streams.empty()) {
    result.next_token = page_token::EncodeStreams({result.streams.back().name}, prefix, Now());
  }
  return result;
}

Result<ListShardsResult> Broker::ListShards(const Caller& caller,
                                            const ListShardsRequest& request) {
  StreamRef ref = request.stream;
  std::string exclusive_start = request.exclusive_start_shard_id;
  std::optional<ShardFilter> filter = request.filter;
  std::optional<int64_t> created_ms = request.stream_creation_ms;
  if (!request.next_token.empty()) {
    if (!ref.name.empty() || !ref.arn.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "NextToken and StreamName cannot be provided together.");
    }
    auto page =
        page_token::DecodeShards(request.next_token, Now(), options_.next_token_ttl.count());
    if (!page.ok()) return page.status();
    ref = {std::move(page->stream), ""};
    exclusive_start = std::move(page->after);
    created_ms = page->created_ms;
    if (page->filter) filter = std::move(page->filter);
  } else if (ref.name.empty() && ref.arn.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "Either NextToken or StreamName should be provided.");
  }
  if (filter) {
    const ShardFilterType type = filter->type;
    if (type == ShardFilterType::kAfterShardId && filter->shard_id.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "ShardId must be specified for ShardFilter type AFTER_SHARD_ID.");
    }
    if ((type == ShardFilterType::kAtTimestamp || type == ShardFilterType::kFromTimestamp) &&
        !filter->timestamp_ms) {
      return Status(
          ErrorCode::kInvalidArgument,
          "Timestamp must be specified for ShardFilter type " + FilterTypeName(type) + ".");
    }
    if (type == ShardFilterType::kAfterShardId && exclusive_start.empty()) {
      exclusive_start = filter->shard_id;
    }
  }

  auto found = Find(caller, ref);
  if (!found.ok()) return found.status();
  ViewPtr view = std::move(found).value();
  const StreamInfo& info = view->info;
  if (created_ms && *created_ms / 1000 != info.created_ms / 1000) {
    return messages::StreamNotFound(info.name, info.account);
  }
  size_t begin = 0;
  if (!exclusive_start.empty()) {
    auto start = ParseShardId(exclusive_start);
    begin = start ? static_cast<size_t>(start->value()) + 1 : info.shards.size();
  }
  const uint32_t limit = request.max_results.value_or(kDefaultListShardsLimit);
  const int64_t trim_horizon_ms = RetentionCutoffMs(Now(), info.retention_hours);
  ListShardsResult result;
  bool more = false;
  for (size_t i = begin; i < info.shards.size(); ++i) {
    if (ExpiredClosedShard(info.shards[i], trim_horizon_ms)) continue;
    if (filter && !PassesFilter(info.shards[i], *filter, trim_horizon_ms)) continue;
    if (result.shards.size() == limit) {
      more = true;
      break;
    }
    result.shards.push_back(info.shards[i]);
  }
  if (more) {
    result.next_token = page_token::EncodeShards(
        {info.name, info.created_ms, result.shards.back().Id(), filter}, Now());
  }
  return result;
}

}  // namespace sluice::broker
