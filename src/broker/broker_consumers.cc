// Enhanced fan-out consumers: register, describe, list, deregister, and their lifecycle. A
// consumer is part of its stream's metadata (StreamInfo::consumers), so every change goes through
// the stream registry like any other: quorum first, then the new view.
#include <algorithm>

#include "broker/broker_messages.h"
#include "broker/page_token.h"
#include "broker/stream_registry.h"
#include "broker/tag_rules.h"
#include "sluice/broker/broker.h"
#include "sluice/common/log.h"

namespace sluice::broker {
namespace {

constexpr uint32_t kDefaultListConsumersLimit = 100;
// AWS lets a stream have this many consumers in CREATING at once.
constexpr size_t kMaxConsumersCreating = 5;

ConsumerDescription Describe(const ConsumerInfo& consumer, const StreamInfo& stream) {
  std::string stream_arn = stream.Arn();
  return {consumer, consumer.Arn(stream_arn), stream_arn};
}

// The consumer `name` created at `created_ms` (an earlier or later consumer of the same name is
// another consumer), or the end of `consumers`.
std::vector<ConsumerInfo>::iterator FindIncarnation(std::vector<ConsumerInfo>& consumers,
                                                    const std::string& name, int64_t created_ms) {
  return std::find_if(consumers.begin(), consumers.end(), [&](const ConsumerInfo& c) {
    return c.name == name && c.created_ms == created_ms;
  });
}

// A change function's way of saying "nothing to write": the registry writes nothing and the
// caller ignores this status.
Status NothingToDo() { return Status(ErrorCode::kResourceInUse, ""); }

}  // namespace

Result<std::pair<ViewPtr, ConsumerInfo>> Broker::FindConsumer(const Caller& caller,
                                                              const ConsumerRef& ref) const {
  std::string stream_arn = ref.stream_arn;
  std::string name = ref.consumer_name;
  std::optional<int64_t> created_s;
  if (!ref.consumer_arn.empty()) {
    auto parts = ParseConsumerArn(ref.consumer_arn);
    if (!parts) {
      return Status(ErrorCode::kInvalidArgument, "Invalid ConsumerARN " + ref.consumer_arn + ".");
    }
    std::string owner = StreamArn(parts->region, parts->account, parts->stream_name);
    if (!stream_arn.empty() && stream_arn != owner) {
      return Status(
          ErrorCode::kInvalidArgument,
          "ConsumerARN " + ref.consumer_arn + " does not belong to StreamARN " + stream_arn + ".");
    }
    if (!name.empty() && name != parts->consumer_name) {
      return Status(
          ErrorCode::kInvalidArgument,
          "ConsumerARN " + ref.consumer_arn + " and ConsumerName " + name + " do not match.");
    }
    stream_arn = std::move(owner);
    name = parts->consumer_name;
    created_s = parts->created_s;
  } else if (stream_arn.empty() || name.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "ConsumerARN or both ConsumerName and StreamARN are required for this request.");
  }
  auto found = Find(caller, {"", stream_arn});
  if (!found.ok()) return found.status();
  ViewPtr view = std::move(found).value();
  const ConsumerInfo* consumer = view->info.FindConsumer(name);
  if (consumer == nullptr || (created_s && *created_s != consumer->created_ms / 1000)) {
    return messages::ConsumerNotFound(ref.consumer_arn.empty() ? name : ref.consumer_arn,
                                      view->info);
  }
  ConsumerInfo copy = *consumer;
  return std::pair<ViewPtr, ConsumerInfo>{std::move(view), std::move(copy)};
}

void Broker::RegisterStreamConsumer(const Caller& caller, RegisterConsumerRequest request,
                                    Callback<ConsumerDescription> done) {
  auto found = Find(caller, {"", request.stream_arn});
  if (!found.ok()) return done(found.status());
  const StreamInfo& info = (*found)->info;
  Status tags_allowed =
      tag_rules::CheckTagsToAdd({}, request.tags,
                                {"consumer " + request.consumer_name + " under stream " +
                                     info.name + " and account " + info.account,
                                 "consumer"});
  if (!tags_allowed.ok()) return done(tags_allowed);
  const std::string key = StreamMetaKey(info.account, info.region, info.name);
  const bool immediate = options_.consumer_create_delay.count() == 0;
  ConsumerInfo consumer;
  consumer.name = std::move(request.consumer_name);
  consumer.created_ms = Now();
  consumer.status = immediate ? ConsumerStatus::kActive : ConsumerStatus::kCreating;
  consumer.tags = std::move(request.tags);
  const uint32_t limit = options_.consumer_limit;
  registry_->Update(
      key,
      [consumer, limit](const StreamView& current) -> Result<StreamInfo> {
        const StreamInfo& now = current.info;
        if (now.status != StreamStatus::kActive && now.status != StreamStatus::kUpdating) {
          return messages::StreamNotActive(now);
        }
        if (now.FindConsumer(consumer.name) != nullptr) {
          return messages::ConsumerExists(consumer.name, now);
        }
        if (now.consumers.size() >= limit) {
          return Status(ErrorCode::kLimitExceeded, "Only " + std::to_string(limit) +
                                                       " consumers can be registered to stream " +
                                                       now.name + " under account " + now.account +
                                                       " at once.");
        }
        size_t creating = std::count_if(now.consumers.begin(), now.consumers.end(), [](auto& c) {
          return c.status == ConsumerStatus::kCreating;
        });
        if (creating >= kMaxConsumersCreating) {
          return Status(ErrorCode::kLimitExceeded,
                        "Only " + std::to_string(kMaxConsumersCreating) +
                            " consumers can be created at the same time for stream " + now.name +
                            " under account " + now.account + ".");
        }
        StreamInfo next = now;
        next.consumers.push_back(consumer);
        return next;
      },
      messages::StreamNotFound(info.name, info.account),
      [this, key, immediate, name = consumer.name, created_ms = consumer.created_ms,
       done = std::move(done)](Result<ViewPtr> registered) {
        if (!registered.ok()) return done(registered.status());
        const StreamInfo& now = (*registered)->info;
        if (!immediate) ScheduleConsumerStep(key, name, created_ms, options_.consumer_create_delay);
        done(Describe(*now.FindConsumer(name), now));
      });
}

void Broker::ScheduleConsumerStep(const std::string& key, const std::string& name,
                                  int64_t created_ms, std::chrono::milliseconds delay) {
  After(delay, [this, key, name, created_ms] {
    registry_->Update(
        key,
        [name, created_ms](const StreamView& current) -> Result<StreamInfo> {
          StreamInfo next = current.info;
          auto consumer = FindIncarnation(next.consumers, name, created_ms);
          if (consumer == next.consumers.end()) return NothingToDo();
          if (consumer->status == ConsumerStatus::kCreating) {
            consumer->status = ConsumerStatus::kActive;
          } else if (consumer->status == ConsumerStatus::kDeleting) {
            next.consumers.erase(consumer);
          } else {
            return NothingToDo();
          }
          return next;
        },
        Status(ErrorCode::kResourceNotFound, ""),
        [this, key, name, created_ms](Result<ViewPtr> stepped) {
          if (stepped.ok() || stepped.status().code() != ErrorCode::kUnavailable) return;
          // No quorum now: stay as we are and try again shortly.
          Logger("broker")->warn("consumer {} of {}: {}; retrying", name, key,
                                 stepped.status().message());
          ScheduleConsumerStep(key, name, created_ms, std::chrono::milliseconds(1000));
        });
  });
}

Result<ConsumerDescription> Broker::DescribeStreamConsumer(const Caller& caller,
                                                           const ConsumerRef& ref) {
  auto found = FindConsumer(caller, ref);
  if (!found.ok()) return found.status();
  return Describe(found->second, found->first->info);
}

Result<ListConsumersResult> Broker::ListStreamConsumers(const Caller& caller,
                                                        const ListConsumersRequest& request) {
  auto found = Find(caller, {"", request.stream_arn});
  if (!found.ok()) return found.status();
  const StreamInfo& info = (*found)->info;
  // Consumers are listed in registration order; a page ends at (creation time, name).
  std::optional<std::pair<int64_t, std::string>> after;
  if (!request.next_token.empty()) {
    if (request.stream_creation_ms) {
      return Status(ErrorCode::kInvalidArgument,
                    "NextToken and StreamCreationTimestamp cannot be provided together.");
    }
    auto page = page_token::DecodeConsumers(request.next_token, info.Arn(), info.created_ms, Now(),
                                            options_.next_token_ttl.count());
    if (!page.ok()) return page.status();
    after.emplace(page->after_ms, std::move(page->after));
  }
  if (request.stream_creation_ms && *request.stream_creation_ms / 1000 != info.created_ms / 1000) {
    return messages::StreamNotFound(info.name, info.account);
  }
  const uint32_t limit = request.max_results.value_or(kDefaultListConsumersLimit);
  ListConsumersResult result;
  bool more = false;
  for (const auto& consumer : info.consumers) {
    if (after && std::make_pair(consumer.created_ms, consumer.name) <= *after) continue;
    if (result.consumers.size() == limit) {
      more = true;
      break;
    }
    result.consumers.push_back(Describe(consumer, info));
  }
  if (more) {
    const ConsumerInfo& last = result.consumers.back().consumer;
    result.next_token = page_token::EncodeConsumers(
        {info.Arn(), info.created_ms, last.created_ms, last.name}, Now());
  }
  return result;
}

void Broker::DeregisterStreamConsumer(const Caller& caller, const ConsumerRef& ref,
                                      Callback<Done> done) {
  auto found = FindConsumer(caller, ref);
  if (!found.ok()) return done(found.status());
  const StreamInfo& info = found->first->info;
  const ConsumerInfo& consumer = found->second;
  if (consumer.status == ConsumerStatus::kDeleting) return done(Done{});  // on its way out
  const std::string key = StreamMetaKey(info.account, info.region, info.name);
  const bool immediate = options_.consumer_delete_delay.count() == 0;
  registry_->Update(
      key,
      [name = consumer.name, created_ms = consumer.created_ms,
       immediate](const StreamView& current) -> Result<StreamInfo> {
        StreamInfo next = current.info;
        auto it = FindIncarnation(next.consumers, name, created_ms);
        if (it == next.consumers.end()) return messages::ConsumerNotFound(name, next);
        if (it->status != ConsumerStatus::kActive) {
          return messages::ConsumerNotActive(*it, current.info);
        }
        if (immediate) {
          next.consumers.erase(it);
        } else {
          it->status = ConsumerStatus::kDeleting;
        }
        return next;
      },
      messages::StreamNotFound(info.name, info.account),
      [this, key, immediate, name = consumer.name, created_ms = consumer.created_ms,
       done = std::move(done)](Result<ViewPtr> deregistered) {
        if (!deregistered.ok()) return done(deregistered.status());
        if (!immediate) {
          ScheduleConsumerStep(key, name, created_ms, options_.consumer_delete_delay);
        }
        done(Done{});
      });
}

}  // namespace sluice::broker
