#pragma once

#include <functional>
#include <string_view>

#include "sluice/api/api.h"
#include "sluice/broker/broker.h"

namespace sluice::api {

// Everything a handler needs. Input has passed model validation: required members are present
// and of the model's neutral type (api.h): blobs are binary values, timestamps epoch ms.
struct Call {
  const RequestContext& context;
  broker::Broker& broker;
  const Value& input;
};
using Handler = void (*)(const Call& call, Reply reply);

// The operation table: name -> handler, for every operation Sluice serves. It is the index a
// reader looks for; there is no registration elsewhere.
Handler FindHandler(std::string_view operation);

// --- the handlers, one family per file ---
void CreateStream(const Call& call, Reply reply);
void DeleteStream(const Call& call, Reply reply);
void DescribeStream(const Call& call, Reply reply);
void DescribeStreamSummary(const Call& call, Reply reply);
void ListStreams(const Call& call, Reply reply);
void ListShards(const Call& call, Reply reply);
void IncreaseStreamRetentionPeriod(const Call& call, Reply reply);
void DecreaseStreamRetentionPeriod(const Call& call, Reply reply);
void PutRecord(const Call& call, Reply reply);
void PutRecords(const Call& call, Reply reply);
void GetShardIterator(const Call& call, Reply reply);
void GetRecords(const Call& call, Reply reply);
void RegisterStreamConsumer(const Call& call, Reply reply);
void DescribeStreamConsumer(const Call& call, Reply reply);
void ListStreamConsumers(const Call& call, Reply reply);
void DeregisterStreamConsumer(const Call& call, Reply reply);
void SplitShard(const Call& call, Reply reply);
void MergeShards(const Call& call, Reply reply);
void UpdateShardCount(const Call& call, Reply reply);
void AddTagsToStream(const Call& call, Reply reply);
void RemoveTagsFromStream(const Call& call, Reply reply);
void ListTagsForStream(const Call& call, Reply reply);
void TagResource(const Call& call, Reply reply);
void UntagResource(const Call& call, Reply reply);
void ListTagsForResource(const Call& call, Reply reply);
void PutResourcePolicy(const Call& call, Reply reply);
void GetResourcePolicy(const Call& call, Reply reply);
void DeleteResourcePolicy(const Call& call, Reply reply);
void StartStreamEncryption(const Call& call, Reply reply);
void StopStreamEncryption(const Call& call, Reply reply);
void EnableEnhancedMonitoring(const Call& call, Reply reply);
void DisableEnhancedMonitoring(const Call& call, Reply reply);
void UpdateStreamMode(const Call& call, Reply reply);
void UpdateMaxRecordSize(const Call& call, Reply reply);
void UpdateStreamWarmThroughput(const Call& call, Reply reply);
void DescribeLimits(const Call& call, Reply reply);
void DescribeAccountSettings(const Call& call, Reply reply);
void UpdateAccountSettings(const Call& call, Reply reply);

// The one event-stream operation: SubscribeToShard (handlers_subscribe.cc).
void SubscribeToShard(const RequestContext& context, broker::Broker& broker, const Value& input,
                      std::shared_ptr<EventSink> sink);

// --- shared helpers ---
// For operations without output: an empty reply once the broker's write is durable.
broker::Callback<broker::Done> ReplyEmpty(Reply reply);
broker::StreamRef StreamRefOf(const Value& input);
// A model Timestamp member's value in epoch milliseconds.
int64_t TimestampMs(const Value& value);
// Epoch milliseconds as a model Timestamp member's value (api.h: they are the same integer; the
// helpers keep that choice in one place).
Value Timestamp(int64_t ms);
Value ShardValue(const broker::ShardInfo& shard);
Value StreamModeDetails(const broker::StreamInfo& info);
// The stream's EnhancedMonitoringList and WarmThroughputObject (handlers_settings.cc).
Value EnhancedMonitoring(const broker::StreamInfo& info);
Value WarmThroughputValue(const broker::WarmThroughput& warm);
// The model's RecordList and ChildShardList (GetRecords, SubscribeToShardEvent).
Value RecordValues(const std::vector<broker::RecordView>& records);
Value ChildShardValues(const std::vector<broker::ChildShardView>& children);

}  // namespace sluice::api
