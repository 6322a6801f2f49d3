// SubscribeToShard: the one operation that answers with an event stream.
#include "api/enum_names.h"
#include "api/handlers.h"

namespace sluice::api {
namespace {

// Turns the broker's subscription events into the model's SubscribeToShardEvent values.
class EventSinkAdapter final : public broker::SubscriptionSink {
 public:
  explicit EventSinkAdapter(std::shared_ptr<EventSink> sink) : sink_(std::move(sink)) {}

  void Started() override { sink_->Started(); }
  void Event(broker::SubscribeEvent event, std::function<void(bool)> delivered) override {
    Value value = {{"Records", RecordValues(event.records)},
                   {"ContinuationSequenceNumber", event.continuation.ToString()},
                   {"MillisBehindLatest", event.millis_behind_latest}};
    if (!event.child_shards.empty()) value["ChildShards"] = ChildShardValues(event.child_shards);
    sink_->Event("SubscribeToShardEvent", std::move(value), std::move(delivered));
  }
  void Ended(Status status) override { sink_->Ended(std::move(status)); }

 private:
  std::shared_ptr<EventSink> sink_;
};

}  // namespace

void SubscribeToShard(const RequestContext& context, broker::Broker& broker, const Value& input,
                      std::shared_ptr<EventSink> sink) {
  broker::SubscribeRequest request;
  request.consumer_arn = input.at("ConsumerARN").get<std::string>();
  request.shard_id = input.at("ShardId").get<std::string>();
  const Value& position = input.at("StartingPosition");
  auto type = IteratorTypeNamed(position.at("Type").get<std::string>());
  if (!type) return sink->Ended(Status(ErrorCode::kValidation, "Unknown StartingPosition type."));
  request.type = *type;
  if (auto seq = position.find("SequenceNumber"); seq != position.end()) {
    request.starting_sequence_number = seq->get<std::string>();
  }
  if (auto t = position.find("Timestamp"); t != position.end()) {
    request.timestamp_ms = TimestampMs(*t);
  }
  broker.SubscribeToShard(context.caller, request,
                          std::make_shared<EventSinkAdapter>(std::move(sink)));
}

}  // namespace sluice::api
