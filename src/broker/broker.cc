// Stream lifecycle: recovery, create, delete, retention, and the lookups every operation shares.
// Reading and writing records is in broker_records.cc; listing and describing in broker_listing.cc;
// the retention sweep in broker_retention.cc.
#include "sluice/broker/broker.h"

#include <algorithm>
#include <random>

#include <boost/asio/post.hpp>

#include "broker/broker_messages.h"
#include "broker/broker_state.h"
#include "broker/clock.h"
#include "broker/store_readers.h"
#include "broker/stream_registry.h"
#include "broker/stream_settings.h"
#include "broker/tag_rules.h"
#include "sluice/common/log.h"

namespace sluice::broker {
namespace {

uint64_t NewStreamUid() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t uid = 0;
  while (uid == 0) uid = generator();
  return uid;
}

}  // namespace

Broker::Broker(boost::asio::io_context& io, replication::ReplicatedStore& store,
               IteratorCodec iterators, BrokerOptions options)
    : io_(io),
      store_(store),
      iterators_(std::move(iterators)),
      options_(std::move(options)),
      registry_(std::make_unique<StreamRegistry>(io, store)),
      timers_(std::make_unique<Timers>()),
      traffic_(std::make_unique<Traffic>()),
      subscriptions_(std::make_unique<Subscriptions>()),
      accounts_(std::make_unique<Accounts>()),
      readers_(std::make_unique<StoreReaders>(std::max<size_t>(1, options_.read_threads))) {
  if (options_.enforce_limits) traffic_->limiter.Enable();
}

Broker::~Broker() { Stop(); }

int64_t Broker::Now() const { return options_.clock_ms ? options_.clock_ms() : NowMs(); }

void Broker::Stop() {
  std::list<std::shared_ptr<boost::asio::steady_timer>> timers;
  {
    std::lock_guard lock(timers_->timers_mutex);
    timers_->stopped = true;
    timers.swap(timers_->timers);
  }
  timers_->sweep_cv.notify_all();
  for (auto& timer : timers) timer->cancel();
  if (timers_->sweeper.joinable()) timers_->sweeper.join();
  // Subscriptions end now (each answer finishes normally), so a graceful shutdown does not wait
  // out their five minutes.
  std::map<std::string, Subscriptions::Entry> subscriptions;
  {
    std::lock_guard lock(subscriptions_->subscriptions_mutex);
    subscriptions.swap(subscriptions_->entries);
  }
  for (auto& [key, entry] : subscriptions) {
    if (auto live = entry.subscription.lock()) live->Cancel(Status::Ok());
  }
}

void Broker::After(std::chrono::milliseconds delay, std::function<void()> body) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
  {
    std::lock_guard lock(timers_->timers_mutex);
    if (timers_->stopped) return;
    timers_->timers.push_back(timer);
  }
  timer->async_wait([this, timer, body = std::move(body)](const boost::system::error_code& ec) {
    {
      std::lock_guard lock(timers_->timers_mutex);
      if (ec || timers_->stopped) return;
      timers_->timers.remove(timer);
    }
    body();
  });
}

Status Broker::Recover() {
  {
    auto view = store_.OpenReadView();
    if (!view.ok()) return view.status();
    SLUICE_RETURN_IF_ERROR(RecoverAccountSettings(*view));
    auto entries = (*view)->ScanMeta(std::string(kStreamMetaRoot));
    if (!entries.ok()) return entries.status();
    for (const auto& [key, value] : *entries) {
      auto info = DecodeStreamInfo(value);
      if (!info) {
        Logger("broker")->error("skipping unreadable stream metadata at {}", key);
        continue;
      }
      // Every record a node holds is treated as committed: the store rebuilt lagging nodes from
      // the most advanced one, so these records are (or are being made) quorum-durable.
      Status failed;
      const uint64_t uid = info->uid;
      auto stream = StreamView::Make(std::move(*info), nullptr, [&](ShardIndex shard) {
        auto last = (*view)->LastSeq(uid, shard.value());
        if (!last.ok()) failed = last.status();
        if (!last.ok() || !last->has_value()) return std::pair<uint64_t, int64_t>{0, 0};
        // The last record's arrival time too: a clock that went back across the restart must
        // not give the next record an earlier one (arrival times never decrease in a shard).
        storage::RecordRange range;
        range.stream_uid = uid;
        range.shard_index = shard.value();
        range.from_seq = **last;
        range.to_seq = **last + 1;
        range.max_records = 1;
        auto tail = (*view)->ReadRecords(range);
        if (!tail.ok()) failed = tail.status();
        const int64_t arrival = tail.ok() && !tail->empty() ? tail->back().arrival_ms : 0;
        return std::pair<uint64_t, int64_t>{**last + 1, arrival};
      });
      if (!failed.ok()) return failed;
      registry_->Restore(key, stream);
      Logger("broker")->info("recovered stream {} ({} shards)", key, stream->writers.size());
      for (const auto& consumer : stream->info.consumers) {
        if (consumer.status != ConsumerStatus::kActive) {
          ScheduleConsumerStep(key, consumer.name, consumer.created_ms,
                               std::chrono::milliseconds(0));
        }
      }
      if (stream->info.status == StreamStatus::kCreating ||
          stream->info.status == StreamStatus::kUpdating) {
        ScheduleActivation(key, std::chrono::milliseconds(0));
      } else if (stream->info.status == StreamStatus::kDeleting) {
        ScheduleRemoval(key, std::chrono::milliseconds(0));
      }
    }
  }
  std::lock_guard lock(timers_->timers_mutex);
  if (!timers_->stopped && !timers_->sweeper.joinable()) {
    timers_->sweeper = std::thread([this] {
      std::unique_lock sweep_lock(timers_->timers_mutex);
      while (!timers_->sweep_cv.wait_for(sweep_lock, options_.retention_sweep_interval,
                                         [&] { return timers_->stopped; })) {
        sweep_lock.unlock();
        SweepRetention();
        sweep_lock.lock();
      }
    });
  }
  return Status::Ok();
}

Result<ViewPtr> Broker::Find(const Caller& caller, const StreamRef& ref) const {
  std::string name = ref.name;
  if (!ref.arn.empty()) {
    auto parts = ParseStreamArn(ref.arn);
    if (!parts) return Status(ErrorCode::kInvalidArgument, "Invalid StreamARN " + ref.arn + ".");
    if (!name.empty() && name != parts->name) {
      return Status(ErrorCode::kInvalidArgument,
                    "StreamARN " + ref.arn + " and StreamName " + name + " do not match.");
    }
    if (parts->region != caller.region || parts->account != caller.account) {
      return messages::StreamNotFound(parts->name, parts->account);
    }
    name = parts->name;
  }
  if (name.empty()) {
    return Status(ErrorCode::kValidation, "Either StreamName or StreamARN must be provided.");
  }
  ViewPtr view = registry_->Find(StreamMetaKey(caller.account, caller.region, name));
  if (!view) return messages::StreamNotFound(name, caller.account);
  return view;
}

uint32_t Broker::OpenShardsInNamespace(const Caller& caller) const {
  uint32_t total = 0;
  for (const auto& view : registry_->List(StreamMetaPrefix(caller.account, caller.region))) {
    total += view->info.OpenShardCount();
  }
  return total;
}

void Broker::CreateStream(const Caller& caller, CreateStreamRequest request, Callback<Done> done) {
  Status tags_allowed = tag_rules::CheckTagsToAdd(
      {}, request.tags, {"stream " + request.name + " under account " + caller.account, "stream"});
  if (!tags_allowed.ok()) return done(tags_allowed);
  if (Status checked = CheckCreateSettings(caller, request); !checked.ok()) return done(checked);
  uint32_t shard_count = request.shard_count.value_or(options_.default_shard_count);
  uint32_t open_now = OpenShardsInNamespace(caller);
  if (open_now + shard_count > options_.shard_limit) {
    done(messages::ShardLimitExceeded(caller.account, caller.region, open_now, options_.shard_limit,
                                      shard_count));
    return;
  }

  std::string key = StreamMetaKey(caller.account, caller.region, request.name);
  StreamInfo info;
  info.account = caller.account;
  info.region = caller.region;
  info.name = request.name;
  info.uid = NewStreamUid();
  info.created_ms = CreationTimeFor(key, Now());
  const bool immediate = options_.create_delay.count() == 0;
  info.status = immediate ? StreamStatus::kActive : StreamStatus::kCreating;
  info.stream_mode = request.stream_mode;
  info.max_record_size_kib = request.max_record_size_kib.value_or(info.max_record_size_kib);
  if (request.warm_throughput_mibps) {
    info.warm_throughput = WarmThroughput{*request.warm_throughput_mibps, 0};
    if (immediate) CompleteUpdate(info);
  }
  info.tags = std::move(request.tags);
  auto ranges = InitialHashKeyRanges(shard_count);
  for (uint32_t i = 0; i < shard_count; ++i) {
    ShardInfo shard;
    shard.index = ShardIndex{i};
    shard.range = ranges[i];
    shard.created_ms = info.created_ms;
    info.shards.push_back(shard);
  }

  registry_->Create(key, std::move(info), messages::StreamExists(request.name, caller.account),
                    [this, key, immediate, done = std::move(done)](Result<ViewPtr> created) {
                      if (!created.ok()) return done(created.status());
                      if (!immediate) ScheduleActivation(key, options_.create_delay);
                      done(Done{});
                    });
}

void Broker::ScheduleActivation(const std::string& key, std::chrono::milliseconds delay) {
  After(delay, [this, key] {
    registry_->Update(
        key,
        [](const StreamView& current) -> Result<StreamInfo> {
          if (current.info.status != StreamStatus::kCreating &&
              current.info.status != StreamStatus::kUpdating) {
            // Nothing to do; an error that is not one keeps the registry from writing.
            return Status(ErrorCode::kResourceInUse, "");
          }
          StreamInfo next = current.info;
          next.status = StreamStatus::kActive;
          CompleteUpdate(next);
          return next;
        },
        Status(ErrorCode::kResourceNotFound, ""),
        [this, key](Result<ViewPtr> activated) {
          if (activated.ok() || activated.status().code() != ErrorCode::kUnavailable) return;
          // No quorum now: stay as we were and try again shortly.
          Logger("broker")->warn("activating {}: {}; retrying", key, activated.status().message());
          ScheduleActivation(key, std::chrono::milliseconds(1000));
        });
  });
}

void Broker::DeleteStream(const Caller& caller, const StreamRef& ref,
                          bool enforce_consumer_deletion, Callback<Done> done) {
  auto found = Find(caller, ref);
  if (!found.ok()) return done(found.status());
  const StreamInfo& info = (*found)->info;
  // With EnforceConsumerDeletion the consumers go with the stream's metadata.
  if (!info.consumers.empty() && !enforce_consumer_deletion) {
    return done(messages::StreamHasConsumers(info));
  }
  const std::string key = StreamMetaKey(info.account, info.region, info.name);
  Status missing = messages::StreamNotFound(info.name, info.account);
  if (info.status == StreamStatus::kDeleting) return done(Done{});  // on its way out, as AWS says
  if (options_.delete_delay.count() == 0) {
    if (info.status == StreamStatus::kCreating) return done(messages::StreamNotActive(info));
    // Gone at once: the answer comes once the metadata and records are deleted.
    return registry_->Remove(
        key, std::move(missing),
        [this, key, created_ms = info.created_ms, done = std::move(done)](Status status) {
          if (!status.ok()) return done(status);
          NoteRemoved(key, created_ms);
          done(Done{});
        });
  }
  registry_->Update(
      key,
      [enforce_consumer_deletion](const StreamView& current) -> Result<StreamInfo> {
        if (current.info.status == StreamStatus::kCreating) {
          return messages::StreamNotActive(current.info);
        }
        if (!current.info.consumers.empty() && !enforce_consumer_deletion) {
          return messages::StreamHasConsumers(current.info);  // one registered meanwhile
        }
        StreamInfo next = current.info;
        next.status = StreamStatus::kDeleting;
        return next;
      },
      std::move(missing),
      [this, key, done = std::move(done)](Result<ViewPtr> deleting) {
        if (!deleting.ok()) return done(deleting.status());
        ScheduleRemoval(key, options_.delete_delay);
        done(Done{});
      });
}

int64_t Broker::CreationTimeFor(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(removed_mutex_);
  auto it = removed_created_s_.find(key);
  if (it == removed_created_s_.end()) return now_ms;
  const int64_t removed_s = it->second;
  // The first millisecond of the next second: StreamCreationTimestamp may then be up to a second
  // ahead of the clock, the price of never taking the old stream's sequence numbers.
  return removed_s >= now_ms / 1000 ? (removed_s + 1) * 1000 : now_ms;
}

void Broker::NoteRemoved(const std::string& key, int64_t created_ms) {
  const int64_t now_s = Now() / 1000;
  std::lock_guard lock(removed_mutex_);
  // Only namesakes created in this second or later can collide; older entries go.
  std::erase_if(removed_created_s_, [&](const auto& entry) { return entry.second < now_s - 1; });
  int64_t& created_s = removed_created_s_[key];
  created_s = std::max(created_s, created_ms / 1000);
}

void Broker::ScheduleRemoval(const std::string& key, std::chrono::milliseconds delay) {
  After(delay, [this, key] {
    ViewPtr removed = registry_->Find(key);
    const uint64_t uid = removed ? removed->info.uid : 0;
    const int64_t created_ms = removed ? removed->info.created_ms : 0;
    registry_->Remove(key, Status(ErrorCode::kResourceNotFound, ""),
                      [this, key, uid, created_ms](Status status) {
                        if (status.ok()) {
                          traffic_->limiter.Forget(uid);
                          NoteRemoved(key, created_ms);
                        }
                        if (status.ok() || status.code() != ErrorCode::kUnavailable) return;
                        // No quorum now: try again later rather than leave a DELETING stream
                        // behind.
                        Logger("broker")->warn("deleting {}: {}; retrying", key, status.message());
                        ScheduleRemoval(key, std::chrono::milliseconds(1000));
                      });
  });
}

void Broker::ChangeRetention(const Caller& caller, const StreamRef& ref, int hours, bool increase,
                             Callback<Done> done) {
  auto found = Find(caller, ref);
  if (!found.ok()) return done(found.status());
  const StreamInfo& info = (*found)->info;
  registry_->Update(
      StreamMetaKey(info.account, info.region, info.name),
      [hours, increase](const StreamView& current) -> Result<StreamInfo> {
        const StreamInfo& now = current.info;
        if (now.status != StreamStatus::kActive) return messages::StreamNotActive(now);
        std::string requested = "Requested retention period (" + std::to_string(hours) + " hours)";
        if (hours < 24) {
          return Status(
              ErrorCode::kInvalidArgument,
              "Minimum allowed retention period is 24 hours. " + requested + " is too short.");
        }
        if (hours > 8760) {
          return Status(
              ErrorCode::kInvalidArgument,
              "Maximum allowed retention period is 8760 hours. " + requested + " is too long.");
        }
        if (increase && hours < now.retention_hours) {
          return Status(ErrorCode::kInvalidArgument,
                        requested + " for stream " + now.name +
                            " can not be shorter than existing retention period (" +
                            std::to_string(now.retention_hours) +
                            " hours). Use DecreaseRetentionPeriod API.");
        }
        if (!increase && hours > now.retention_hours) {
          return Status(ErrorCode::kInvalidArgument,
                        requested + " for stream " + now.name +
                            " can not be longer than existing retention period (" +
                            std::to_string(now.retention_hours) +
                            " hours). Use IncreaseRetentionPeriod API.");
        }
        StreamInfo next = now;
        next.retention_hours = hours;
        return next;
      },
      messages::StreamNotFound(info.name, info.account),
      [done = std::move(done)](Result<ViewPtr> changed) {
        if (!changed.ok()) return done(changed.status());
        done(Done{});
      });
}

size_t Broker::PendingWrites() const {
  return traffic_->pending_writes.load(std::memory_order_acquire);
}

BrokerCounters Broker::Counters() const {
  BrokerCounters counters;
  counters.records_in = traffic_->records_in.load(std::memory_order_relaxed);
  counters.bytes_in = traffic_->bytes_in.load(std::memory_order_relaxed);
  counters.records_out = traffic_->records_out.load(std::memory_order_relaxed);
  counters.bytes_out = traffic_->bytes_out.load(std::memory_order_relaxed);
  counters.streams = registry_->size();
  counters.reads_in_flight = readers_->in_flight();
  return counters;
}

}  // namespace sluice::broker
