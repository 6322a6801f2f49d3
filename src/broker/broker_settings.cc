// Stream settings: encryption, enhanced monitoring, capacity mode, maximum record size and warm
// throughput. Each change is one StreamRegistry::Update: quorum first, view after.
#include <algorithm>
#include <regex>

#include "broker/broker_messages.h"
#include "broker/stream_registry.h"
#include "broker/stream_settings.h"
#include "sluice/broker/broker.h"

namespace sluice::broker {
namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;
// AWS: a new KMS key may be applied, and encryption disabled, 25 times each in a rolling day.
constexpr size_t kEncryptionChangesPerDay = 25;
// AWS: a stream's capacity mode may be switched twice in a rolling day.
constexpr size_t kModeSwitchesPerDay = 2;
// AWS: an on-demand stream scales to at most 10 GiBps of warm throughput.
constexpr int kMaxWarmThroughputMiBps = 10 * 1024;

bool IsKeyIdOrUuid(std::string_view text) {
  static const std::regex kKeyId(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|"
      "mrk-[0-9a-fA-F]{32}");
  return std::regex_match(text.begin(), text.end(), kKeyId);
}

bool IsAliasName(std::string_view text) {
  // KMS alias names: "alias/" then letters, digits, '/', '_' and '-'.
  static const std::regex kAlias("alias/[a-zA-Z0-9/_-]+");
  return text.size() <= 256 && std::regex_match(text.begin(), text.end(), kAlias);
}

}  // namespace

const std::vector<std::string>& AllShardLevelMetrics() {
  static const std::vector<std::string> kMetrics = {
      "IncomingBytes",
      "IncomingRecords",
      "OutgoingBytes",
      "OutgoingRecords",
      "WriteProvisionedThroughputExceeded",
      "ReadProvisionedThroughputExceeded",
      "IteratorAgeMilliseconds",
  };
  return kMetrics;
}

std::vector<std::string> ChangedShardLevelMetrics(const std::vector<std::string>& current,
                                                  const std::vector<std::string>& requested,
                                                  bool enable) {
  const bool all = std::find(requested.begin(), requested.end(), "ALL") != requested.end();
  auto listed = [&](const std::string& metric, const std::vector<std::string>& in) {
    return std::find(in.begin(), in.end(), metric) != in.end();
  };
  std::vector<std::string> result;
  for (const auto& metric : AllShardLevelMetrics()) {
    const bool named = all || listed(metric, requested);
    const bool on =
        enable ? (listed(metric, current) || named) : (listed(metric, current) && !named);
    if (on) result.push_back(metric);
  }
  return result;
}

bool IsWellFormedKmsKeyId(std::string_view key_id) {
  if (key_id.substr(0, 4) != "arn:") return IsKeyIdOrUuid(key_id) || IsAliasName(key_id);
  // arn:<partition>:kms:<region>:<12-digit account>:key/<key id> or :alias/<name>
  static const std::regex kArn("arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(.+)");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_match(key_id.begin(), key_id.end(), match, kArn)) return false;
  std::string_view resource(&*match[1].first, static_cast<size_t>(match[1].length()));
  if (resource.substr(0, 4) == "key/") return IsKeyIdOrUuid(resource.substr(4));
  return IsAliasName(resource);
}

void KeepLastDay(std::vector<int64_t>& times_ms, int64_t now_ms) {
  times_ms.erase(std::remove_if(times_ms.begin(), times_ms.end(),
                                [now_ms](int64_t t) { return t <= now_ms - kDayMs; }),
                 times_ms.end());
}

void CompleteUpdate(StreamInfo& info) {
  if (info.warm_throughput)
    info.warm_throughput->current_mibps = info.warm_throughput->target_mibps;
}

uint32_t Broker::OnDemandStreamsInNamespace(const Caller& caller) const {
  uint32_t total = 0;
  for (const auto& view : registry_->List(StreamMetaPrefix(caller.account, caller.region))) {
    total += view->info.stream_mode == StreamMode::kOnDemand ? 1 : 0;
  }
  return total;
}

Status Broker::CheckCreateSettings(const Caller& caller, const CreateStreamRequest& request) const {
  if (request.stream_mode == StreamMode::kOnDemand) {
    if (request.shard_count) return messages::ShardCountWithOnDemand();
    const uint32_t on_demand = OnDemandStreamsInNamespace(caller);
    if (on_demand >= options_.on_demand_stream_limit) {
      return messages::OnDemandStreamLimit(caller.account, caller.region, on_demand,
                                           options_.on_demand_stream_limit);
    }
  }
  if (request.warm_throughput_mibps) {
    if (request.stream_mode != StreamMode::kOnDemand) {
      return messages::WarmThroughputNeedsOnDemand(request.name);
    }
    if (!AccountSettingsOf(caller).commitment_enabled()) {
      return messages::WarmThroughputNeedsCommitment(caller.account);
    }
    if (*request.warm_throughput_mibps > kMaxWarmThroughputMiBps) {
      return messages::WarmThroughputTooHigh(*request.warm_throughput_mibps,
                                             kMaxWarmThroughputMiBps);
    }
  }
  return Status::Ok();
}

void Broker::ChangeSettings(const Caller& caller, const StreamRef& ref,
                            std::function<Result<StreamInfo>(const StreamInfo& now)> change,
                            bool asynchronous, Callback<ViewPtr> done) {
  auto found = Find(caller, ref);
  if (!found.ok()) return done(found.status());
  const StreamInfo& info = (*found)->info;
  const bool immediate = options_.update_delay.count() == 0;
  const std::string key = StreamMetaKey(info.account, info.region, info.name);
  registry_->Update(
      key,
      [change = std::move(change), asynchronous,
       immediate](const StreamView& current) -> Result<StreamInfo> {
        if (current.info.status != StreamStatus::kActive) {
          return messages::StreamNotActive(current.info);
        }
        auto next = change(current.info);
        if (!next.ok() || !asynchronous) return next;
        if (immediate) {
          CompleteUpdate(*next);
        } else {
          next->status = StreamStatus::kUpdating;
        }
        return next;
      },
      messages::StreamNotFound(info.name, info.account),
      [this, key, asynchronous, immediate, done = std::move(done)](Result<ViewPtr> changed) {
        if (changed.ok() && asynchronous && !immediate) {
          ScheduleActivation(key, options_.update_delay);
        }
        done(std::move(changed));
      });
}

namespace {

// Replies Done once a settings change is durable.
Callback<ViewPtr> DoneWhenWritten(Callback<Done> done) {
  return [done = std::move(done)](Result<ViewPtr> changed) {
    if (!changed.ok()) return done(changed.status());
    done(Done{});
  };
}

}  // namespace

namespace {

// Starting or stopping encryption: at most kEncryptionChangesPerDay of each in a rolling day.
auto EncryptionChange(bool start, std::string key_id, int64_t now) {
  return [start, key_id = std::move(key_id), now](const StreamInfo& current) -> Result<StreamInfo> {
    StreamInfo next = current;
    std::vector<int64_t>& changes = start ? next.encryption_starts_ms : next.encryption_stops_ms;
    KeepLastDay(changes, now);
    if (changes.size() >= kEncryptionChangesPerDay) {
      return messages::EncryptionChangeLimit(current, start, kEncryptionChangesPerDay);
    }
    changes.push_back(now);
    next.encryption_type = start ? "KMS" : "NONE";
    next.key_id = start ? key_id : "";
    return next;
  };
}

}  // namespace

void Broker::StartStreamEncryption(const Caller& caller, const StreamRef& ref,
                                   std::string_view encryption_type, std::string key_id,
                                   Callback<Done> done) {
  if (encryption_type != "KMS") return done(messages::EncryptionTypeNotKms(encryption_type));
  if (!IsWellFormedKmsKeyId(key_id)) return done(messages::InvalidKeyId(key_id));
  ChangeSettings(caller, ref, EncryptionChange(true, std::move(key_id), Now()),
                 /*asynchronous=*/true, DoneWhenWritten(std::move(done)));
}

void Broker::StopStreamEncryption(const Caller& caller, const StreamRef& ref,
                                  std::string_view encryption_type, std::string key_id,
                                  Callback<Done> done) {
  if (encryption_type != "KMS") return done(messages::EncryptionTypeNotKms(encryption_type));
  if (!IsWellFormedKmsKeyId(key_id)) return done(messages::InvalidKeyId(key_id));
  ChangeSettings(caller, ref, EncryptionChange(false, std::move(key_id), Now()),
                 /*asynchronous=*/true, DoneWhenWritten(std::move(done)));
}

void Broker::ChangeEnhancedMonitoring(const Caller& caller, const StreamRef& ref,
                                      const std::vector<std::string>& metrics, bool enable,
                                      Callback<EnhancedMonitoringResult> done) {
  auto before = std::make_shared<std::vector<std::string>>();
  ChangeSettings(
      caller, ref,
      [metrics, enable, before](const StreamInfo& current) -> Result<StreamInfo> {
        *before = current.shard_level_metrics;
        StreamInfo next = current;
        next.shard_level_metrics =
            ChangedShardLevelMetrics(current.shard_level_metrics, metrics, enable);
        return next;
      },
      /*asynchronous=*/false,
      [before, done = std::move(done)](Result<ViewPtr> changed) {
        if (!changed.ok()) return done(changed.status());
        const StreamInfo& info = (*changed)->info;
        done(EnhancedMonitoringResult{info.name, info.Arn(), std::move(*before),
                                      info.shard_level_metrics});
      });
}

void Broker::UpdateStreamMode(const Caller& caller, const StreamRef& ref, StreamMode mode,
                              std::optional<int> warm_throughput_mibps, Callback<Done> done) {
  if (warm_throughput_mibps) {
    if (mode != StreamMode::kOnDemand) {
      return done(messages::WarmThroughputNeedsOnDemand(ref.name.empty() ? ref.arn : ref.name));
    }
    if (!AccountSettingsOf(caller).commitment_enabled()) {
      return done(messages::WarmThroughputNeedsCommitment(caller.account));
    }
    if (*warm_throughput_mibps > kMaxWarmThroughputMiBps) {
      return done(messages::WarmThroughputTooHigh(*warm_throughput_mibps, kMaxWarmThroughputMiBps));
    }
  }
  const int64_t now = Now();
  // The on-demand count is taken now; two switches racing for the last place can both pass, as
  // with the shard limit at CreateStream.
  const uint32_t on_demand = OnDemandStreamsInNamespace(caller);
  const uint32_t limit = options_.on_demand_stream_limit;
  ChangeSettings(
      caller, ref,
      [mode, warm_throughput_mibps, now, on_demand, limit,
       caller](const StreamInfo& current) -> Result<StreamInfo> {
        if (current.stream_mode == mode) return messages::StreamModeUnchanged(current);
        StreamInfo next = current;
        KeepLastDay(next.mode_switches_ms, now);
        if (next.mode_switches_ms.size() >= kModeSwitchesPerDay) {
          return messages::StreamModeSwitchLimit(current, kModeSwitchesPerDay);
        }
        if (mode == StreamMode::kOnDemand && on_demand >= limit) {
          return messages::OnDemandStreamLimit(caller.account, caller.region, on_demand, limit);
        }
        next.mode_switches_ms.push_back(now);
        next.stream_mode = mode;
        next.warm_throughput
            .reset();  // a provisioned stream has none; an on-demand one starts anew
        if (warm_throughput_mibps) next.warm_throughput = WarmThroughput{*warm_throughput_mibps, 0};
        return next;
      },
      /*asynchronous=*/true, DoneWhenWritten(std::move(done)));
}

void Broker::UpdateMaxRecordSize(const Caller& caller, const StreamRef& ref,
                                 int max_record_size_kib, Callback<Done> done) {
  ChangeSettings(
      caller, ref,
      [max_record_size_kib](const StreamInfo& current) -> Result<StreamInfo> {
        StreamInfo next = current;
        next.max_record_size_kib = max_record_size_kib;
        return next;
      },
      /*asynchronous=*/false, DoneWhenWritten(std::move(done)));
}

void Broker::UpdateStreamWarmThroughput(const Caller& caller, const StreamRef& ref, int mibps,
                                        Callback<WarmThroughputResult> done) {
  if (mibps > kMaxWarmThroughputMiBps) {
    return done(messages::WarmThroughputTooHigh(mibps, kMaxWarmThroughputMiBps));
  }
  if (!AccountSettingsOf(caller).commitment_enabled()) {
    return done(messages::WarmThroughputNeedsCommitment(caller.account));
  }
  ChangeSettings(
      caller, ref,
      [mibps](const StreamInfo& current) -> Result<StreamInfo> {
        if (current.stream_mode != StreamMode::kOnDemand) {
          return messages::WarmThroughputNeedsOnDemand(current.name);
        }
        StreamInfo next = current;
        const int now_current =
            current.warm_throughput ? current.warm_throughput->current_mibps : 0;
        next.warm_throughput = WarmThroughput{mibps, now_current};
        return next;
      },
      /*asynchronous=*/true,
      [done = std::move(done)](Result<ViewPtr> changed) {
        if (!changed.ok()) return done(changed.status());
        const StreamInfo& info = (*changed)->info;
        done(WarmThroughputResult{info.name, info.Arn(), *info.warm_throughput});
      });
}

}  // namespace sluice::broker
