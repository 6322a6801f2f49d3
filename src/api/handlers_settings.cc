// Stream settings (encryption, enhanced monitoring, capacity mode, record size, warm throughput),
// limits and account settings.
#include "api/enum_names.h"
#include "api/handlers.h"

namespace sluice::api {
namespace {

// NaturalIntegerObject members are Java ints, so the model's range already keeps them in int.
std::optional<int> OptionalInt(const Value& input, const char* member) {
  auto it = input.find(member);
  if (it == input.end()) return std::nullopt;
  return static_cast<int>(it->get<int64_t>());
}

std::vector<std::string> MetricsOf(const Value& input) {
  std::vector<std::string> metrics;
  for (const auto& metric : input.at("ShardLevelMetrics")) {
    metrics.push_back(metric.get<std::string>());
  }
  return metrics;
}

Value MetricValues(const std::vector<std::string>& metrics) {
  Value values = Value::array();
  for (const auto& metric : metrics) values.push_back(metric);
  return values;
}

void ChangeMonitoring(const Call& call, Reply reply, bool enable) {
  call.broker.ChangeEnhancedMonitoring(
      call.context.caller, StreamRefOf(call.input), MetricsOf(call.input), enable,
      [reply = std::move(reply)](Result<broker::EnhancedMonitoringResult> result) {
        if (!result.ok()) return reply(result.status());
        reply(Value{{"StreamName", result->stream_name},
                    {"CurrentShardLevelMetrics", MetricValues(result->current)},
                    {"DesiredShardLevelMetrics", MetricValues(result->desired)},
                    {"StreamARN", result->stream_arn}});
      });
}

Value CommitmentValue(const broker::AccountSettings& settings) {
  Value out = {{"Status", broker::CommitmentStatusName(settings.status)}};
  if (settings.started_ms) out["StartedAt"] = Timestamp(*settings.started_ms);
  if (settings.ended_ms) out["EndedAt"] = Timestamp(*settings.ended_ms);
  if (settings.earliest_end_ms) out["EarliestAllowedEndAt"] = Timestamp(*settings.earliest_end_ms);
  return out;
}

}  // namespace

Value EnhancedMonitoring(const broker::StreamInfo& info) {
  return Value::array({Value{{"ShardLevelMetrics", MetricValues(info.shard_level_metrics)}}});
}

Value WarmThroughputValue(const broker::WarmThroughput& warm) {
  return {{"TargetMiBps", warm.target_mibps}, {"CurrentMiBps", warm.current_mibps}};
}

void StartStreamEncryption(const Call& call, Reply reply) {
  call.broker.StartStreamEncryption(call.context.caller, StreamRefOf(call.input),
                                    call.input.at("EncryptionType").get<std::string>(),
                                    call.input.at("KeyId").get<std::string>(),
                                    ReplyEmpty(std::move(reply)));
}

void StopStreamEncryption(const Call& call, Reply reply) {
  call.broker.StopStreamEncryption(call.context.caller, StreamRefOf(call.input),
                                   call.input.at("EncryptionType").get<std::string>(),
                                   call.input.at("KeyId").get<std::string>(),
                                   ReplyEmpty(std::move(reply)));
}

void EnableEnhancedMonitoring(const Call& call, Reply reply) {
  ChangeMonitoring(call, std::move(reply), true);
}

void DisableEnhancedMonitoring(const Call& call, Reply reply) {
  ChangeMonitoring(call, std::move(reply), false);
}

void UpdateStreamMode(const Call& call, Reply reply) {
  auto mode =
      StreamModeNamed(call.input.at("StreamModeDetails").at("StreamMode").get<std::string>());
  if (!mode) return reply(Status(ErrorCode::kValidation, "Unknown StreamMode."));
  call.broker.UpdateStreamMode(call.context.caller, StreamRefOf(call.input), *mode,
                               OptionalInt(call.input, "WarmThroughputMiBps"),
                               ReplyEmpty(std::move(reply)));
}

void UpdateMaxRecordSize(const Call& call, Reply reply) {
  call.broker.UpdateMaxRecordSize(
      call.context.caller, StreamRefOf(call.input),
      static_cast<int>(call.input.at("MaxRecordSizeInKiB").get<int64_t>()),
      ReplyEmpty(std::move(reply)));
}

void UpdateStreamWarmThroughput(const Call& call, Reply reply) {
  call.broker.UpdateStreamWarmThroughput(
      call.context.caller, StreamRefOf(call.input),
      static_cast<int>(call.input.at("WarmThroughputMiBps").get<int64_t>()),
      [reply = std::move(reply)](Result<broker::WarmThroughputResult> result) {
        if (!result.ok()) return reply(result.status());
        reply(Value{{"StreamARN", result->stream_arn},
                    {"StreamName", result->stream_name},
                    {"WarmThroughput", WarmThroughputValue(result->warm_throughput)}});
      });
}

void DescribeLimits(const Call& call, Reply reply) {
  broker::StreamLimits limits = call.broker.DescribeLimits(call.context.caller);
  reply(Value{{"ShardLimit", limits.shard_limit},
              {"OpenShardCount", limits.open_shard_count},
              {"OnDemandStreamCount", limits.on_demand_stream_count},
              {"OnDemandStreamCountLimit", limits.on_demand_stream_limit}});
}

void DescribeAccountSettings(const Call& call, Reply reply) {
  reply(Value{{"MinimumThroughputBillingCommitment",
               CommitmentValue(call.broker.DescribeAccountSettings(call.context.caller))}});
}

void UpdateAccountSettings(const Call& call, Reply reply) {
  const std::string status =
      call.input.at("MinimumThroughputBillingCommitment").at("Status").get<std::string>();
  call.broker.UpdateAccountSettings(
      call.context.caller, status == "ENABLED",
      [reply = std::move(reply)](Result<broker::AccountSettings> result) {
        if (!result.ok()) return reply(result.status());
        reply(Value{{"MinimumThroughputBillingCommitment", CommitmentValue(*result)}});
      });
}

}  // namespace sluice::api
