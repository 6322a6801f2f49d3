// Resharding: SplitShard, MergeShards, UpdateShardCount.
#include <algorithm>
#include <cstdint>

#include "api/handlers.h"

namespace sluice::api {

void SplitShard(const Call& call, Reply reply) {
  call.broker.SplitShard(call.context.caller, StreamRefOf(call.input),
                         call.input.at("ShardToSplit").get<std::string>(),
                         call.input.at("NewStartingHashKey").get<std::string>(),
                         ReplyEmpty(std::move(reply)));
}

void MergeShards(const Call& call, Reply reply) {
  call.broker.MergeShards(call.context.caller, StreamRefOf(call.input),
                          call.input.at("ShardToMerge").get<std::string>(),
                          call.input.at("AdjacentShardToMerge").get<std::string>(),
                          ReplyEmpty(std::move(reply)));
}

void UpdateShardCount(const Call& call, Reply reply) {
  // The model bounds TargetShardCount below (1) but not above; past 32 bits it is past every
  // limit anyway, so it is clamped rather than allowed to wrap.
  const int64_t target = call.input.at("TargetShardCount").get<int64_t>();
  const auto clamped = static_cast<uint32_t>(std::min<int64_t>(target, UINT32_MAX));
  call.broker.UpdateShardCount(
      call.context.caller, StreamRefOf(call.input), clamped,
      [reply = std::move(reply)](Result<broker::UpdateShardCountResult> result) {
        if (!result.ok()) return reply(result.status());
        reply(Value{{"StreamName", result->stream_name},
                    {"CurrentShardCount", result->current_shard_count},
                    {"TargetShardCount", result->target_shard_count},
                    {"StreamARN", result->stream_arn}});
      });
}

}  // namespace sluice::api
