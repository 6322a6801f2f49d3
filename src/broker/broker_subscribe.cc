// SubscribeToShard: checks the consumer, the shard and the starting position, applies AWS's
// takeover rule, and starts a ShardSubscription that pushes records from the commit signal.
#include "broker/broker_messages.h"
#include "broker/broker_state.h"
#include "broker/clock.h"
#include "broker/shard_subscription.h"
#include "broker/store_readers.h"
#include "broker/stream_registry.h"
#include "sluice/broker/broker.h"

namespace sluice::broker {
namespace {

Status AnotherSubscription() {
  return Status(ErrorCode::kResourceInUse, "Another active subscription exists for this consumer.");
}

}  // namespace

void Broker::SubscribeToShard(const Caller& caller, const SubscribeRequest& request,
                              std::shared_ptr<SubscriptionSink> sink) {
  auto found = FindConsumer(caller, {"", "", request.consumer_arn});
  if (!found.ok()) return sink->Ended(found.status());
  const ViewPtr view = found->first;
  const ConsumerInfo& consumer = found->second;
  const StreamInfo& info = view->info;
  if (consumer.status != ConsumerStatus::kActive) {
    return sink->Ended(messages::ConsumerNotActive(consumer, info));
  }
  auto index = ParseShardId(request.shard_id);
  if (!index || !view->HasShard(*index)) {
    return sink->Ended(Status(ErrorCode::kResourceNotFound,
                              "Could not find shard " + request.shard_id + " in stream " +
                                  info.name + " under account " + info.account + "."));
  }
  StartPosition(*view, *index, request.type, request.starting_sequence_number, request.timestamp_ms,
                "SubscribeToShard",
                [this, view, index = *index, consumer, arn = request.consumer_arn,
                 sink](Result<uint64_t> start) mutable {
                  if (!start.ok()) return sink->Ended(start.status());
                  Subscribe(*view, index, consumer, arn, *start, std::move(sink));
                });
}

void Broker::Subscribe(const StreamView& view, ShardIndex index, const ConsumerInfo& consumer,
                       const std::string& consumer_arn, uint64_t start,
                       std::shared_ptr<SubscriptionSink> sink) {
  const StreamInfo& info = view.info;
  const std::string key = StreamMetaKey(info.account, info.region, info.name);
  ShardSubscription::Target target{
      [registry = registry_.get(), key] { return registry->Find(key); },
      info.account,
      info.name,
      info.uid,
      index,
      consumer.name,
      consumer.created_ms};
  Traffic& traffic = *traffic_;
  ShardSubscription::Services services{
      io_, store_, *readers_, [this] { return Now(); },
      [&traffic](uint64_t records, uint64_t bytes) {
        traffic.records_out.fetch_add(records, std::memory_order_relaxed);
        traffic.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
      }};
  auto subscription = std::make_shared<ShardSubscription>(
      std::move(services), options_.subscription, std::move(target), start, std::move(sink));

  // One subscription per consumer and shard: a second one within the takeover window is refused;
  // after it, the new one replaces the old.
  const std::string subscription_key = consumer_arn + "|" + ShardIdFor(index);
  const auto now = std::chrono::steady_clock::now();
  std::shared_ptr<ShardSubscription> replaced;
  {
    std::lock_guard lock(subscriptions_->subscriptions_mutex);
    {
      std::lock_guard timers_lock(timers_->timers_mutex);
      if (timers_->stopped) {
        return subscription->Cancel(Status(ErrorCode::kUnavailable, "The broker is stopping."));
      }
    }
    auto& entries = subscriptions_->entries;
    if (entries.size() > 4096) {  // forget ended subscriptions now and then
      std::erase_if(entries, [](const auto& item) { return item.second.subscription.expired(); });
    }
    auto& entry = entries[subscription_key];
    if (auto live = entry.subscription.lock()) {
      if (now - entry.started < options_.subscription.takeover) {
        return subscription->Cancel(AnotherSubscription());
      }
      replaced = std::move(live);
    }
    entry = {subscription, now};
  }
  if (replaced) replaced->Cancel(AnotherSubscription());
  subscription->Start();
}

}  // namespace sluice::broker
