#include <array>
#include <utility>

#include "api/handlers.h"

namespace sluice::api {
namespace {

constexpr std::array<std::pair<std::string_view, Handler>, 19> kOperations{{
    {"CreateStream", &CreateStream},
    {"DecreaseStreamRetentionPeriod", &DecreaseStreamRetentionPeriod},
    {"DeleteStream", &DeleteStream},
    {"DeregisterStreamConsumer", &DeregisterStreamConsumer},
    {"DescribeStream", &DescribeStream},
    {"DescribeStreamConsumer", &DescribeStreamConsumer},
    {"DescribeStreamSummary", &DescribeStreamSummary},
    {"GetRecords", &GetRecords},
    {"GetShardIterator", &GetShardIterator},
    {"IncreaseStreamRetentionPeriod", &IncreaseStreamRetentionPeriod},
    {"ListShards", &ListShards},
    {"ListStreamConsumers", &ListStreamConsumers},
    {"ListStreams", &ListStreams},
    {"MergeShards", &MergeShards},
    {"PutRecord", &PutRecord},
    {"PutRecords", &PutRecords},
    {"RegisterStreamConsumer", &RegisterStreamConsumer},
    {"SplitShard", &SplitShard},
    {"UpdateShardCount", &UpdateShardCount},
}};

}  // namespace

Handler FindHandler(std::string_view operation) {
  for (const auto& [name, handler] : kOperations) {
    if (name == operation) return handler;
  }
  return nullptr;
}

}  // namespace sluice::api
