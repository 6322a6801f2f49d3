#include "broker/shard_subscription.h"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "broker/broker_messages.h"
#include "broker/clock.h"
#include "broker/reshard_plan.h"

namespace sluice::broker {

ShardSubscription::ShardSubscription(Services services, SubscriptionOptions options, Target target,
                                     uint64_t start_position,
                                     std::shared_ptr<SubscriptionSink> sink)
    : services_(std::move(services)),
      options_(options),
      target_(std::move(target)),
      sink_(std::move(sink)),
      strand_(boost::asio::make_strand(services_.io)),
      heartbeat_(strand_),
      lifetime_(strand_),
      position_(start_position) {}

void ShardSubscription::Post(std::function<void(ShardSubscription&)> body) {
  boost::asio::post(strand_, [self = shared_from_this(), body = std::move(body)] { body(*self); });
}

void ShardSubscription::Start() {
  Post([](ShardSubscription& self) {
    if (self.finished_) return;  // cancelled before it started
    self.self_ = self.shared_from_this();
    self.sink_->Started();
    self.lifetime_.expires_after(self.options_.lifetime);
    self.lifetime_.async_wait([weak = self.weak_from_this()](const boost::system::error_code& ec) {
      auto alive = weak.lock();
      if (!ec && alive) alive->Finish(Status::Ok());
    });
    self.ArmHeartbeat();
    self.Step();
  });
}

void ShardSubscription::Cancel(Status why) {
  Post([why = std::move(why)](ShardSubscription& self) { self.Finish(why); });
}

void ShardSubscription::ArmHeartbeat() {
  heartbeat_due_ = false;
  heartbeat_.expires_after(options_.heartbeat);
  heartbeat_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto alive = weak.lock();
    if (ec || !alive) return;
    alive->heartbeat_due_ = true;
    alive->Step();
  });
}

SequenceNumber ShardSubscription::Continuation(const ShardInfo& shard) const {
  if (last_delivered_) return *last_delivered_;
  if (position_ == 0) return shard.StartingSequenceNumber();
  // Only the index matters to a client resuming after it; the arrival second is not known.
  return {shard.created_ms / 1000, shard.index, position_ - 1, shard.created_ms / 1000};
}

void ShardSubscription::Step() {
  if (finished_ || in_flight_) return;
  ViewPtr view = target_.current();
  if (!view || view->info.uid != target_.stream_uid) {
    return Finish(messages::StreamNotFound(target_.stream_name, target_.account));
  }
  const StreamInfo& info = view->info;
  const ConsumerInfo* consumer = info.FindConsumer(target_.consumer_name);
  if (consumer == nullptr || consumer->created_ms != target_.consumer_created_ms) {
    return Finish(messages::ConsumerNotFound(target_.consumer_name, info));
  }
  if (consumer->status != ConsumerStatus::kActive) {
    return Finish(messages::ConsumerNotActive(*consumer, info));
  }
  const ShardInfo& shard = view->Shard(target_.shard);
  ShardWriter& writer = view->Writer(target_.shard);
  const uint64_t end = writer.committed_end();
  const int64_t now = services_.now_ms();

  if (position_ < end) {
    storage::RecordRange range;
    range.stream_uid = info.uid;
    range.shard_index = target_.shard.value();
    range.from_seq = position_;
    range.to_seq = end;
    range.min_arrival_ms = RetentionCutoffMs(now, info.retention_hours);
    range.max_records = options_.max_event_records;
    range.max_bytes = options_.max_event_bytes;
    in_flight_ = true;  // until the event built from the read is delivered
    services_.readers.Run(
        [&store = services_.store, range]() -> Result<std::vector<storage::StoredRecord>> {
          auto read = store.OpenReadView();
          if (!read.ok()) return read.status();
          return (*read)->ReadRecords(range);
        },
        strand_,
        [self = shared_from_this(), view, end,
         now](Result<std::vector<storage::StoredRecord>> records) {
          self->OnRead(std::move(records), view->Shard(self->target_.shard), end, now);
        });
    return;
  }
  if (!shard.open()) {
    // A closed shard read to its end: its children, and the subscription is over.
    SubscribeEvent event;
    event.continuation = Continuation(shard);
    event.child_shards = ChildShardsOf(info, target_.shard);
    return Deliver(std::move(event), true);
  }
  if (heartbeat_due_) {
    SubscribeEvent event;
    event.continuation = Continuation(shard);
    return Deliver(std::move(event), false);
  }
  WaitForCommit(writer);
}

void ShardSubscription::OnRead(Result<std::vector<storage::StoredRecord>> records,
                               const ShardInfo& shard, uint64_t end, int64_t now) {
  in_flight_ = false;
  if (finished_) return;
  if (!records.ok()) return Finish(records.status());
  SubscribeEvent event;
  uint64_t bytes = 0;
  event.records.reserve(records->size());
  for (auto& record : *records) {
    bytes += record.data.size() + record.partition_key.size();
    event.records.push_back({SequenceNumber{shard.created_ms / 1000, target_.shard,
                                            record.seq_index, record.arrival_ms / 1000},
                             record.arrival_ms, std::move(record.data),
                             std::move(record.partition_key), record.encrypted});
  }
  // Nothing returned: everything before `end` has expired.
  position_ = records->empty() ? end : records->back().seq_index + 1;
  if (!event.records.empty()) {
    last_delivered_ = event.records.back().sequence;
    if (position_ < end) {
      event.millis_behind_latest = std::max<int64_t>(0, now - event.records.back().arrival_ms);
    }
    services_.count_out(event.records.size(), bytes);
  }
  event.continuation = Continuation(shard);
  Deliver(std::move(event), false);
}

void ShardSubscription::WaitForCommit(ShardWriter& writer) {
  if (awaiting_) return;
  awaiting_ = true;
  // The wake only posts back to the strand. A subscription that ends first leaves its waiter
  // behind until the shard's next commit: one small closure, which then finds nobody.
  writer.AwaitCommit(position_, [weak = weak_from_this()] {
    auto alive = weak.lock();
    if (!alive) return;
    alive->Post([](ShardSubscription& self) {
      self.awaiting_ = false;
      self.Step();
    });
  });
}

void ShardSubscription::Deliver(SubscribeEvent event, bool last) {
  in_flight_ = true;
  sink_->Event(std::move(event), [weak = weak_from_this(), last](bool delivered) {
    auto alive = weak.lock();
    if (!alive) return;
    alive->Post([delivered, last](ShardSubscription& self) { self.OnDelivered(delivered, last); });
  });
}

void ShardSubscription::OnDelivered(bool delivered, bool last) {
  in_flight_ = false;
  if (finished_) return;
  if (!delivered) {
    finished_ = true;  // the subscriber is gone: nobody to tell
    heartbeat_.cancel();
    lifetime_.cancel();
    self_.reset();
    return;
  }
  if (last) return Finish(Status::Ok());
  ArmHeartbeat();
  Step();
}

void ShardSubscription::Finish(Status status) {
  if (finished_) return;
  finished_ = true;
  heartbeat_.cancel();
  lifetime_.cancel();
  sink_->Ended(std::move(status));
  self_.reset();  // last: this may be the final reference
}

}  // namespace sluice::broker
