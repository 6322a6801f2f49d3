#include <array>
#include <utility>

#include "api/handlers.h"

namespace sluice::api {
namespace {

constexpr std::array<std::pair<std::string_view, Handler>, 28> kOperations{{
    {"AddTagsToStream", &AddTagsToStream},
    {"CreateStream", &CreateStream},
    {"DecreaseStreamRetentionPeriod", &DecreaseStreamRetentionPeriod},
    {"DeleteResourcePolicy", &DeleteResourcePolicy},
    {"DeleteStream", &DeleteStream},
    {"DeregisterStreamConsumer", &DeregisterStreamConsumer},
    {"DescribeStream", &DescribeStream},
    {"DescribeStreamConsumer", &DescribeStreamConsumer},
    {"DescribeStreamSummary", &DescribeStreamSummary},
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
    {"TagResource", &TagResource},
    {"UntagResource", &UntagResource},
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
