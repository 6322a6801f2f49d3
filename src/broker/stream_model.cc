#include "sluice/broker/stream_model.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace sluice::broker {

std::string_view StreamStatusName(StreamStatus status) {
  switch (status) {
    case StreamStatus::kCreating:
      return "CREATING";
    case StreamStatus::kDeleting:
      return "DELETING";
    case StreamStatus::kActive:
      return "ACTIVE";
    case StreamStatus::kUpdating:
      return "UPDATING";
  }
  return "ACTIVE";
}

std::string_view StreamModeName(StreamMode mode) {
  switch (mode) {
    case StreamMode::kProvisioned:
      return "PROVISIONED";
    case StreamMode::kOnDemand:
      return "ON_DEMAND";
  }
  return "PROVISIONED";
}

std::string_view ConsumerStatusName(ConsumerStatus status) {
  switch (status) {
    case ConsumerStatus::kCreating:
      return "CREATING";
    case ConsumerStatus::kDeleting:
      return "DELETING";
    case ConsumerStatus::kActive:
      return "ACTIVE";
  }
  return "ACTIVE";
}

std::string ShardIdFor(ShardIndex index) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "shardId-%012u", index.value());
  return buffer;
}

std::optional<ShardIndex> ParseShardId(std::string_view id) {
  if (auto dash = id.find('-'); dash != std::string_view::npos) {
    if (id.substr(0, dash) != "shardId") return std::nullopt;
    id = id.substr(dash + 1);
  }
  if (id.empty() || id.size() > 12) return std::nullopt;
  uint64_t value = 0;
  for (char c : id) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > 0x7fffffff) return std::nullopt;
  return ShardIndex{static_cast<uint32_t>(value)};
}

std::string ShardInfo::Id() const { return ShardIdFor(index); }

SequenceNumber ShardInfo::StartingSequenceNumber() const {
  // Index 0 like the first record, with an arrival second before the shard existed: it sorts
  // below every record of the shard (as AWS's does) and no record ever has it, so "after the
  // starting sequence number" can mean "from the first record".
  return {created_ms / 1000, index, 0, std::max<int64_t>(created_ms / 1000 - 1, 0)};
}

std::optional<SequenceNumber> ShardInfo::EndingSequenceNumber() const {
  if (!closed_ms) return std::nullopt;
  return SequenceNumber{created_ms / 1000, index, kMaxSeqIndex, *closed_ms / 1000};
}

std::string StreamArn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:kinesis:";
  arn.append(region).append(":").append(account).append(":stream/").append(name);
  return arn;
}

std::string StreamInfo::Arn() const { return StreamArn(region, account, name); }

namespace {

// "arn:aws:kinesis:<region>:<account>:<resource>": the region, account and resource, or false.
bool SplitKinesisArn(std::string_view arn, std::string_view& region, std::string_view& account,
                     std::string_view& resource) {
  std::string_view parts[5];
  for (auto& part : parts) {
    size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return false;
    part = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn" || parts[1].substr(0, 3) != "aws" || parts[2] != "kinesis") return false;
  region = parts[3];
  account = parts[4];
  resource = arn;
  return true;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool IsName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), IsNameChar);
}

}  // namespace

std::optional<StreamArnParts> ParseStreamArn(std::string_view arn) {
  std::string_view region, account, resource;
  if (!SplitKinesisArn(arn, region, account, resource)) return std::nullopt;
  if (resource.substr(0, 7) != "stream/") return std::nullopt;
  std::string_view name = resource.substr(7);
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  return StreamArnParts{std::string(region), std::string(account), std::string(name)};
}

std::string ConsumerInfo::Arn(std::string_view stream_arn) const {
  std::string arn(stream_arn);
  arn.append("/consumer/").append(name).append(":").append(std::to_string(created_ms / 1000));
  return arn;
}

std::optional<ConsumerArnParts> ParseConsumerArn(std::string_view arn) {
  std::string_view region, account, resource;
  if (!SplitKinesisArn(arn, region, account, resource)) return std::nullopt;
  if (resource.substr(0, 7) != "stream/") return std::nullopt;
  resource.remove_prefix(7);
  size_t slash = resource.find("/consumer/");
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view stream_name = resource.substr(0, slash);
  std::string_view rest = resource.substr(slash + 10);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view consumer_name = rest.substr(0, colon);
  std::string_view seconds = rest.substr(colon + 1);
  if (!IsName(stream_name) || !IsName(consumer_name) || seconds.empty() || seconds.size() > 12 ||
      !std::all_of(seconds.begin(), seconds.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return ConsumerArnParts{std::string(region), std::string(account), std::string(stream_name),
                          std::string(consumer_name), std::stoll(std::string(seconds))};
}

const ConsumerInfo* StreamInfo::FindConsumer(std::string_view consumer_name) const {
  for (const auto& consumer : consumers) {
    if (consumer.name == consumer_name) return &consumer;
  }
  return nullptr;
}

uint32_t StreamInfo::OpenShardCount() const {
  uint32_t count = 0;
  for (const auto& shard : shards) count += shard.open() ? 1 : 0;
  return count;
}

std::string StreamMetaPrefix(std::string_view account, std::string_view region) {
  std::string key(kStreamMetaRoot);
  key.append(account).append("/").append(region).append("/");
  return key;
}

std::string StreamMetaKey(std::string_view account, std::string_view region,
                          std::string_view name) {
  return StreamMetaPrefix(account, region).append(name);
}

// The persisted form is versioned JSON: readable with any tool when an operator needs to look,
// and tolerant of fields added later.
std::string EncodeStreamInfo(const StreamInfo& info) {
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& shard : info.shards) {
    nlohmann::json s = {{"index", shard.index.value()},
                        {"start", HashKeyToDecimal(shard.range.start)},
                        {"end", HashKeyToDecimal(shard.range.end)},
                        {"created_ms", shard.created_ms}};
    if (shard.parent) s["parent"] = shard.parent->value();
    if (shard.adjacent_parent) s["adjacent_parent"] = shard.adjacent_parent->value();
    if (shard.closed_ms) s["closed_ms"] = *shard.closed_ms;
    if (shard.closed_at_seq) s["closed_at_seq"] = *shard.closed_at_seq;
    shards.push_back(std::move(s));
  }
  nlohmann::json doc = {{"v", 1},
                        {"account", info.account},
                        {"region", info.region},
                        {"name", info.name},
                        {"uid", info.uid},
                        {"created_ms", info.created_ms},
                        {"status", StreamStatusName(info.status)},
                        {"retention_hours", info.retention_hours},
                        {"stream_mode", StreamModeName(info.stream_mode)},
                        {"encryption_type", info.encryption_type},
                        {"key_id", info.key_id},
                        {"max_record_size_kib", info.max_record_size_kib},
                        {"shards", std::move(shards)},
                        {"tags", info.tags}};
  if (!info.consumers.empty()) {
    nlohmann::json consumers = nlohmann::json::array();
    for (const auto& consumer : info.consumers) {
      nlohmann::json c = {{"name", consumer.name},
                          {"created_ms", consumer.created_ms},
                          {"status", ConsumerStatusName(consumer.status)},
                          {"tags", consumer.tags}};
      if (consumer.policy) c["policy"] = *consumer.policy;
      consumers.push_back(std::move(c));
    }
    doc["consumers"] = std::move(consumers);
  }
  // Optional keys: metadata written before policies existed decodes without them.
  if (info.policy) doc["policy"] = *info.policy;
  // Settings added after the first release: written only when set, so older data (which has none
  // of them) reads back as the defaults.
  if (!info.shard_level_metrics.empty()) doc["shard_level_metrics"] = info.shard_level_metrics;
  if (info.warm_throughput) {
    doc["warm_throughput"] = {{"target_mibps", info.warm_throughput->target_mibps},
                              {"current_mibps", info.warm_throughput->current_mibps}};
  }
  if (!info.mode_switches_ms.empty()) doc["mode_switches_ms"] = info.mode_switches_ms;
  if (!info.encryption_starts_ms.empty()) doc["encryption_starts_ms"] = info.encryption_starts_ms;
  if (!info.encryption_stops_ms.empty()) doc["encryption_stops_ms"] = info.encryption_stops_ms;
  return doc.dump();
}

std::optional<StreamInfo> DecodeStreamInfo(std::string_view bytes) {
  auto doc = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("v", 0) != 1) return std::nullopt;
  try {
    StreamInfo info;
    info.account = doc.at("account").get<std::string>();
    info.region = doc.at("region").get<std::string>();
    info.name = doc.at("name").get<std::string>();
    info.uid = doc.at("uid").get<uint64_t>();
    info.created_ms = doc.at("created_ms").get<int64_t>();
    std::string status = doc.at("status").get<std::string>();
    for (auto candidate : {StreamStatus::kCreating, StreamStatus::kDeleting, StreamStatus::kActive,
                           StreamStatus::kUpdating}) {
      if (StreamStatusName(candidate) == status) info.status = candidate;
    }
    info.retention_hours = doc.at("retention_hours").get<int>();
    if (doc.value("stream_mode", "") == StreamModeName(StreamMode::kOnDemand)) {
      info.stream_mode = StreamMode::kOnDemand;
    }
    info.encryption_type = doc.value("encryption_type", "NONE");
    info.key_id = doc.value("key_id", "");
    info.max_record_size_kib = doc.value("max_record_size_kib", 1024);
    for (const auto& s : doc.at("shards")) {
      ShardInfo shard;
      shard.index = ShardIndex{s.at("index").get<uint32_t>()};
      auto start = HashKeyFromDecimal(s.at("start").get<std::string>());
      auto end = HashKeyFromDecimal(s.at("end").get<std::string>());
      if (!start || !end) return std::nullopt;
      shard.range = {*start, *end};
      shard.created_ms = s.at("created_ms").get<int64_t>();
      if (s.contains("parent")) shard.parent = ShardIndex{s["parent"].get<uint32_t>()};
      if (s.contains("adjacent_parent"))
        shard.adjacent_parent = ShardIndex{s["adjacent_parent"].get<uint32_t>()};
      if (s.contains("closed_ms")) shard.closed_ms = s["closed_ms"].get<int64_t>();
      if (s.contains("closed_at_seq")) shard.closed_at_seq = s["closed_at_seq"].get<uint64_t>();
      info.shards.push_back(std::move(shard));
    }
    info.tags = doc.value("tags", std::map<std::string, std::string>{});
    if (doc.contains("consumers")) {
      for (const auto& c : doc["consumers"]) {
        ConsumerInfo consumer;
        consumer.name = c.at("name").get<std::string>();
        consumer.created_ms = c.at("created_ms").get<int64_t>();
        const std::string consumer_status = c.at("status").get<std::string>();
        for (auto candidate :
             {ConsumerStatus::kCreating, ConsumerStatus::kDeleting, ConsumerStatus::kActive}) {
          if (ConsumerStatusName(candidate) == consumer_status) consumer.status = candidate;
        }
        consumer.tags = c.value("tags", std::map<std::string, std::string>{});
        if (c.contains("policy")) consumer.policy = c["policy"].get<std::string>();
        info.consumers.push_back(std::move(consumer));
      }
    }
    if (doc.contains("policy")) info.policy = doc["policy"].get<std::string>();
    info.shard_level_metrics = doc.value("shard_level_metrics", std::vector<std::string>{});
    if (doc.contains("warm_throughput")) {
      const auto& warm = doc["warm_throughput"];
      info.warm_throughput =
          WarmThroughput{warm.at("target_mibps").get<int>(), warm.at("current_mibps").get<int>()};
    }
    info.mode_switches_ms = doc.value("mode_switches_ms", std::vector<int64_t>{});
    info.encryption_starts_ms = doc.value("encryption_starts_ms", std::vector<int64_t>{});
    info.encryption_stops_ms = doc.value("encryption_stops_ms", std::vector<int64_t>{});
    return info;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace sluice::broker
