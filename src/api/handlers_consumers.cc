// Enhanced fan-out consumers: registering, describing, listing and deregistering them.
#include "api/handlers.h"

namespace sluice::api {
namespace {

std::string StringOr(const Value& input, const char* member) {
  auto it = input.find(member);
  return it == input.end() ? std::string() : it->get<std::string>();
}

broker::ConsumerRef ConsumerRefOf(const Value& input) {
  return {StringOr(input, "StreamARN"), StringOr(input, "ConsumerName"),
          StringOr(input, "ConsumerARN")};
}

// The model's Consumer shape (ListStreamConsumers); ConsumerDescription adds the stream's ARN.
Value ConsumerValue(const broker::ConsumerDescription& description) {
  return {{"ConsumerName", description.consumer.name},
          {"ConsumerARN", description.consumer_arn},
          {"ConsumerStatus", broker::ConsumerStatusName(description.consumer.status)},
          {"ConsumerCreationTimestamp", Timestamp(description.consumer.created_ms)}};
}

}  // namespace

void RegisterStreamConsumer(const Call& call, Reply reply) {
  broker::RegisterConsumerRequest request;
  request.stream_arn = call.input.at("StreamARN").get<std::string>();
  request.consumer_name = call.input.at("ConsumerName").get<std::string>();
  if (auto tags = call.input.find("Tags"); tags != call.input.end()) {
    for (const auto& [key, value] : tags->items()) request.tags[key] = value.get<std::string>();
  }
  call.broker.RegisterStreamConsumer(
      call.context.caller, std::move(request),
      [reply = std::move(reply)](Result<broker::ConsumerDescription> result) {
        if (!result.ok()) return reply(result.status());
        reply(Value{{"Consumer", ConsumerValue(*result)}});
      });
}

void DescribeStreamConsumer(const Call& call, Reply reply) {
  auto result = call.broker.DescribeStreamConsumer(call.context.caller, ConsumerRefOf(call.input));
  if (!result.ok()) return reply(result.status());
  Value description = ConsumerValue(*result);
  description["StreamARN"] = result->stream_arn;
  reply(Value{{"ConsumerDescription", std::move(description)}});
}

void ListStreamConsumers(const Call& call, Reply reply) {
  broker::ListConsumersRequest request;
  request.stream_arn = call.input.at("StreamARN").get<std::string>();
  request.next_token = StringOr(call.input, "NextToken");
  if (auto max = call.input.find("MaxResults"); max != call.input.end()) {
    request.max_results = static_cast<uint32_t>(max->get<int64_t>());
  }
  if (auto created = call.input.find("StreamCreationTimestamp"); created != call.input.end()) {
    request.stream_creation_ms = TimestampMs(*created);
  }
  auto result = call.broker.ListStreamConsumers(call.context.caller, request);
  if (!result.ok()) return reply(result.status());
  Value consumers = Value::array();
  for (const auto& consumer : result->consumers) consumers.push_back(ConsumerValue(consumer));
  Value out = {{"Consumers", std::move(consumers)}};
  if (result->next_token) out["NextToken"] = *result->next_token;
  reply(std::move(out));
}

void DeregisterStreamConsumer(const Call& call, Reply reply) {
  call.broker.DeregisterStreamConsumer(call.context.caller, ConsumerRefOf(call.input),
                                       ReplyEmpty(std::move(reply)));
}

}  // namespace sluice::api
