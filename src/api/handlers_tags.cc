// Tags and resource policies of streams and consumers: AddTagsToStream, RemoveTagsFromStream,
// ListTagsForStream, TagResource, UntagResource, ListTagsForResource, PutResourcePolicy,
// GetResourcePolicy, DeleteResourcePolicy.
#include "api/handlers.h"

namespace sluice::api {
namespace {

// What GetResourcePolicy answers for a resource without a policy.
constexpr std::string_view kNoPolicy = "{}";

broker::TagMap TagsOf(const Value& input) {
  broker::TagMap tags;
  for (const auto& [key, value] : input.at("Tags").items()) tags[key] = value.get<std::string>();
  return tags;
}

std::vector<std::string> TagKeysOf(const Value& input) {
  return input.at("TagKeys").get<std::vector<std::string>>();
}

std::string ResourceArnOf(const Value& input) { return input.at("ResourceARN").get<std::string>(); }

// The model's TagList: {Key, Value} in key order.
Value TagList(const broker::TagMap& tags) {
  Value list = Value::array();
  for (const auto& [key, value] : tags) list.push_back({{"Key", key}, {"Value", value}});
  return list;
}

}  // namespace

void AddTagsToStream(const Call& call, Reply reply) {
  call.broker.AddTagsToStream(call.context.caller, StreamRefOf(call.input), TagsOf(call.input),
                              ReplyEmpty(std::move(reply)));
}

void RemoveTagsFromStream(const Call& call, Reply reply) {
  call.broker.RemoveTagsFromStream(call.context.caller, StreamRefOf(call.input),
                                   TagKeysOf(call.input), ReplyEmpty(std::move(reply)));
}

void ListTagsForStream(const Call& call, Reply reply) {
  broker::ListTagsRequest request;
  request.stream = StreamRefOf(call.input);
  if (auto start = call.input.find("ExclusiveStartTagKey"); start != call.input.end()) {
    request.exclusive_start_tag_key = start->get<std::string>();
  }
  if (auto limit = call.input.find("Limit"); limit != call.input.end()) {
    request.limit = static_cast<uint32_t>(limit->get<int64_t>());
  }
  auto result = call.broker.ListTagsForStream(call.context.caller, request);
  if (!result.ok()) return reply(result.status());
  reply(Value{{"Tags", TagList(result->tags)}, {"HasMoreTags", result->has_more}});
}

void TagResource(const Call& call, Reply reply) {
  call.broker.TagResource(call.context.caller, ResourceArnOf(call.input), TagsOf(call.input),
                          ReplyEmpty(std::move(reply)));
}

void UntagResource(const Call& call, Reply reply) {
  call.broker.UntagResource(call.context.caller, ResourceArnOf(call.input), TagKeysOf(call.input),
                            ReplyEmpty(std::move(reply)));
}

void ListTagsForResource(const Call& call, Reply reply) {
  auto tags = call.broker.ListTagsForResource(call.context.caller, ResourceArnOf(call.input));
  if (!tags.ok()) return reply(tags.status());
  reply(Value{{"Tags", TagList(*tags)}});
}

void PutResourcePolicy(const Call& call, Reply reply) {
  call.broker.PutResourcePolicy(call.context.caller, ResourceArnOf(call.input),
                                call.input.at("Policy").get<std::string>(),
                                ReplyEmpty(std::move(reply)));
}

void GetResourcePolicy(const Call& call, Reply reply) {
  auto policy = call.broker.GetResourcePolicy(call.context.caller, ResourceArnOf(call.input));
  if (!policy.ok()) return reply(policy.status());
  reply(Value{{"Policy", policy->value_or(std::string(kNoPolicy))}});
}

void DeleteResourcePolicy(const Call& call, Reply reply) {
  call.broker.DeleteResourcePolicy(call.context.caller, ResourceArnOf(call.input),
                                   ReplyEmpty(std::move(reply)));
}

}  // namespace sluice::api
