#include <array>
#include <utility>

#include "api/handlers.h"

namespace sluice::api {
namespace {

constexpr std::array<std::pair<std::string_view, Handler>, 38> kOperations{{
    {"AddTagsToStream", &AddTagsToStream},
    {"CreateStream", &CreateStream},
    {"DecreaseStreamRetentionPeriod", &DecreaseStreamRetentionPeriod},
    {"DeleteResourcePolicy", &DeleteResourcePolicy},
    {"DeleteStream", &DeleteStream},
    {"DeregisterStreamConsumer", &DeregisterStreamConsumer},
    {"DescribeAccountSettings", &DescribeAccountSettings},
    {"DescribeLimits", &DescribeLimits},
    {"DescribeStream", &DescribeStream},
    {"DescribeStreamConsumer", &DescribeStreamConsumer},
    {"DescribeStreamSummary", &DescribeStreamSummary},
    {"DisableEnhancedMonitoring", &DisableEnhancedMonitoring},
    {"EnableEnhancedMonitoring", &EnableEnhancedMonitoring},
    {"GetRecords", &GetRecords},
    {"GetResourcePolicy", &GetResourcePolicy},
    {"GetShardIterator", &GetShardIterator},
    {"IncreaseStreamRetentionPeriod", &IncreaseStreamRetentionPeriod},
    {"ListShards", &ListShards},
    {"ListStreamConsumers", &ListStreamConsumers},
    {"ListStreams", &ListStreams},
    {"ListTagsForResource", &ListTagsForResource},
    {"ListTagsForStream", &ListTagsForStream},
    {"MergeShards", &MergeShards},
    {"PutRecord", &PutRecord},
    {"PutRecords", &PutRecords},
    {"PutResourcePolicy", &PutResourcePolicy},
    {"RegisterStreamConsumer", &RegisterStreamConsumer},
    {"RemoveTagsFromStream", &RemoveTagsFromStream},
    {"SplitShard", &SplitShard},
    {"StartStreamEncryption", &StartStreamEncryption},
    {"StopStreamEncryption", &StopStreamEncryption},
    {"TagResource", &TagResource},
    {"UntagResource", &UntagResource},
    {"UpdateAccountSettings", &UpdateAccountSettings},
    {"UpdateMaxRecordSize", &UpdateMaxRecordSize},
    {"UpdateShardCount", &UpdateShardCount},
    {"UpdateStreamMode", &UpdateStreamMode},
    {"UpdateStreamWarmThroughput", &UpdateStreamWarmThroughput},
}};

}  // namespace

Handler FindHandler(std::string_view operation) {
  for (const auto& [name, handler] : kOperations) {
    if (name == operation) return handler;
  }
  return nullptr;
}

}  // namespace sluice::api
