#include <array>
#include <utility>

#include "api/handlers.h"

namespace sluice::api {
namespace {

constexpr std::array<std::pair<std::string_view, Handler>, 12> kOperations{{
    {"CreateStream", &CreateStream},
    {"DecreaseStreamRetentionPeriod", &DecreaseStreamRetentionPeriod},
    {"DeleteStream", &DeleteStream},
    {"DescribeStream", &DescribeStream},
    {"DescribeStreamSummary", &DescribeStreamSummary},
    {"GetRecords", &GetRecords},
    {"GetShardIterator", &GetShardIterator},
    {"IncreaseStreamRetentionPeriod", &IncreaseStreamRetentionPeriod},
    {"ListShards", &ListShards},
    {"ListStreams", &ListStreams},
    {"PutRecord", &PutRecord},
    {"PutRecords", &PutRecords},
}};

}  // namespace

Handler FindHandler(std::string_view operation) {
  for (const auto& [name, handler] : kOperations) {
    if (name == operation) return handler;
  }
  return nullptr;
}

}  // namespace sluice::api
