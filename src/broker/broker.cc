// Stream lifecycle: recovery, create, delete, retention, and the lookups every operation shares.
// Reading and writing records is in broker_records.cc; listing and describing in broker_listing.cc.
#include "sluice/broker/broker.h"

#include <atomic>
#include <random>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/broker_messages.h"
#include "broker/clock.h"
#include "broker/stream_state.h"
#include "sluice/common/log.h"

namespace sluice::broker {

struct Broker::Timers {
  explicit Timers(boost::asio::io_context& io) : retention_sweep(io) {}
  boost::asio::steady_timer retention_sweep;
  std::atomic<bool> stopped{false};
};

namespace {

uint64_t NewStreamUid() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t uid = 0;
  while (uid == 0) uid = generator();
  return uid;
}

// Splits "arn:aws:kinesis:<region>:<account>:stream/<name>"; false if it is not that shape.
bool ParseStreamArn(const std::string& arn, std::string& region, std::string& account,
                    std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string::npos) return false;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  std::string resource = arn.substr(start);
  if (parts[0] != "arn" || parts[2] != "kinesis" || resource.rfind("stream/", 0) != 0) return false;
  region = parts[3];
  account = parts[4];
  name = resource.substr(7);
  return !name.empty() && name.find('/') == std::string::npos;
}

}  // namespace

Broker::Broker(boost::asio::io_context& io, replication::ReplicatedStore& store,
               IteratorCodec iterators, BrokerOptions options)
    : io_(io),
      store_(store),
      iterators_(std::move(iterators)),
      options_(options),
      timers_(std::make_unique<Timers>(io)),
      traffic_(std::make_unique<Traffic>()) {}

Broker::~Broker() { Stop(); }

int64_t Broker::Now() const { return options_.clock_ms ? options_.clock_ms() : NowMs(); }

void Broker::Stop() {
  timers_->stopped = true;
  timers_->retention_sweep.cancel();
}

Status Broker::Recover() {
  auto entries = store_.ScanMeta(std::string(kStreamMetaRoot));
  if (!entries.ok()) return entries.status();
  for (const auto& [key, value] : *entries) {
    auto info = DecodeStreamInfo(value);
    if (!info) {
      Logger("broker")->error("skipping unreadable stream metadata at {}", key);
      continue;
    }
    auto stream = std::make_shared<Stream>(std::move(*info));
    for (size_t i = 0; i < stream->shards.size(); ++i) {
      auto last = store_.LastSeq(stream->info.uid, static_cast<uint32_t>(i));
      if (!last.ok()) return last.status();
      Shard& shard = *stream->shards[i];
      // Every record a node holds is treated as committed: the store rebuilt lagging nodes from
      // the most advanced one, so these records are (or are being made) quorum-durable.
      shard.next_seq_index = last->has_value() ? **last + 1 : 0;
      shard.committed_end = shard.next_seq_index;
    }
    StreamStatus status = stream->info.status;
    {
      std::unique_lock lock(streams_mutex_);
      streams_[key] = stream;
    }
    if (status == StreamStatus::kCreating || status == StreamStatus::kUpdating) {
      ScheduleActivation(stream, std::chrono::milliseconds(0));
    } else if (status == StreamStatus::kDeleting) {
      ScheduleRemoval(stream, std::chrono::milliseconds(0));
    }
    Logger("broker")->info("recovered stream {} ({} shards)", key, stream->shards.size());
  }
  ScheduleRetentionSweep();
  return Status::Ok();
}

std::shared_ptr<Broker::Stream> Broker::Find(const Caller& caller, const StreamRef& ref,
                                             Status& error) const {
  std::string name = ref.name;
  if (!ref.arn.empty()) {
    std::string region, account, arn_name;
    if (!ParseStreamArn(ref.arn, region, account, arn_name)) {
      error = Status(ErrorCode::kInvalidArgument, "Invalid StreamARN " + ref.arn + ".");
      return nullptr;
    }
    if (!name.empty() && name != arn_name) {
      error = Status(ErrorCode::kInvalidArgument,
                     "StreamARN " + ref.arn + " and StreamName " + name + " do not match.");
      return nullptr;
    }
    if (region != caller.region || account != caller.account) {
      error = messages::StreamNotFound(arn_name, account);
      return nullptr;
    }
    name = arn_name;
  }
  if (name.empty()) {
    error = Status(ErrorCode::kValidation, "Either StreamName or StreamARN must be provided.");
    return nullptr;
  }
  std::shared_lock lock(streams_mutex_);
  auto it = streams_.find(StreamMetaKey(caller.account, caller.region, name));
  if (it == streams_.end()) {
    error = messages::StreamNotFound(name, caller.account);
    return nullptr;
  }
  return it->second;
}

Status Broker::Persist(const StreamInfo& info, std::function<void(Status)> then) {
  storage::WriteBatch batch;
  batch.PutMeta(StreamMetaKey(info.account, info.region, info.name), EncodeStreamInfo(info));
  return store_.Write(std::move(batch), std::move(then));
}

uint32_t Broker::OpenShardsInNamespace(const Caller& caller) const {
  std::string prefix = StreamMetaPrefix(caller.account, caller.region);
  uint32_t total = 0;
  std::shared_lock lock(streams_mutex_);
  for (auto it = streams_.lower_bound(prefix);
       it != streams_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    std::lock_guard stream_lock(it->second->meta_mutex);
    total += it->second->info.OpenShardCount();
  }
  return total;
}

void Broker::CreateStream(const Caller& caller, CreateStreamRequest request, Callback<Done> done) {
  uint32_t shard_count = request.shard_count.value_or(options_.default_shard_count);
  uint32_t open_now = OpenShardsInNamespace(caller);
  if (open_now + shard_count > options_.shard_limit) {
    done(Status(ErrorCode::kLimitExceeded,
                "This request would exceed the shard limit for the account " + caller.account +
                    " in " + caller.region + ". Current shard count for the account: " +
                    std::to_string(open_now) + ". Limit: " + std::to_string(options_.shard_limit) +
                    ". Number of additional shards that would have resulted from this request: " +
                    std::to_string(shard_count) +
                    ". Refer to the AWS Service Limits page "
                    "(https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for "
                    "current limits and how to request higher limits."));
    return;
  }

  StreamInfo info;
  info.account = caller.account;
  info.region = caller.region;
  info.name = request.name;
  info.uid = NewStreamUid();
  info.created_ms = Now();
  bool immediate = options_.create_delay.count() == 0;
  info.status = immediate ? StreamStatus::kActive : StreamStatus::kCreating;
  info.stream_mode = request.stream_mode;
  info.max_record_size_kib = request.max_record_size_kib.value_or(info.max_record_size_kib);
  info.tags = std::move(request.tags);
  auto ranges = InitialHashKeyRanges(shard_count);
  for (uint32_t i = 0; i < shard_count; ++i) {
    ShardInfo shard;
    shard.index = i;
    shard.range = ranges[i];
    shard.created_ms = info.created_ms;
    info.shards.push_back(shard);
  }

  std::string key = StreamMetaKey(caller.account, caller.region, request.name);
  auto stream = std::make_shared<Stream>(info);
  {
    std::unique_lock lock(streams_mutex_);
    if (!streams_.emplace(key, stream).second) {
      lock.unlock();
      done(messages::StreamExists(request.name, caller.account));
      return;
    }
  }
  auto forget = [this, stream, key] {
    std::unique_lock lock(streams_mutex_);
    auto it = streams_.find(key);
    if (it != streams_.end() && it->second == stream) streams_.erase(it);
  };
  std::unique_lock stream_lock(stream->meta_mutex);
  Status queued = Persist(info, [this, stream, forget, immediate, done](Status status) {
    if (!status.ok()) {
      forget();
      return done(status);
    }
    if (!immediate) ScheduleActivation(stream, options_.create_delay);
    done(Done{});
  });
  stream_lock.unlock();
  if (!queued.ok()) {
    forget();  // nothing was written
    done(queued);
  }
}

void Broker::ScheduleActivation(std::shared_ptr<Stream> stream, std::chrono::milliseconds delay) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
  timer->async_wait([this, timer, stream](const boost::system::error_code& ec) {
    if (ec || timers_->stopped) return;
    std::lock_guard lock(stream->meta_mutex);
    if (stream->info.status != StreamStatus::kCreating &&
        stream->info.status != StreamStatus::kUpdating) {
      return;
    }
    StreamStatus previous = stream->info.status;
    stream->info.status = StreamStatus::kActive;
    Status queued = Persist(stream->info, [name = stream->info.name](Status status) {
      if (!status.ok()) Logger("broker")->warn("activating {}: {}", name, status.message());
    });
    if (!queued.ok()) {
      // No quorum now: stay as we were and try again shortly.
      stream->info.status = previous;
      ScheduleActivation(stream, std::chrono::milliseconds(1000));
    }
  });
}

void Broker::DeleteStream(const Caller& caller, const StreamRef& ref,
                          bool /*enforce_consumer_deletion: no consumers exist yet*/,
                          Callback<Done> done) {
  Status error;
  auto stream = Find(caller, ref, error);
  if (!stream) return done(error);
  std::unique_lock lock(stream->meta_mutex);
  if (stream->info.status == StreamStatus::kDeleting) {
    lock.unlock();
    return done(Done{});  // already on its way out, as AWS answers
  }
  if (stream->info.status == StreamStatus::kCreating) {
    StreamInfo snapshot = stream->info;
    lock.unlock();
    return done(messages::StreamNotActive(snapshot));
  }
  const StreamStatus previous = stream->info.status;
  stream->info.status = StreamStatus::kDeleting;
  bool immediate = options_.delete_delay.count() == 0;
  if (immediate) {
    Status queued = Erase(stream->info, [done](Status status) {
      if (status.ok()) return done(Done{});
      done(status);
    });
    if (!queued.ok()) {
      stream->info.status = previous;  // nothing was written: the stream stays as it was
      lock.unlock();
      return done(queued);
    }
    lock.unlock();
    Remove(stream);
    return;
  }
  Status queued = Persist(stream->info, [this, stream, done](Status status) {
    if (!status.ok()) return done(status);
    ScheduleRemoval(stream, options_.delete_delay);
    done(Done{});
  });
  if (!queued.ok()) {
    stream->info.status = previous;  // nothing was written
    lock.unlock();
    done(queued);
  }
}

void Broker::ScheduleRemoval(std::shared_ptr<Stream> stream, std::chrono::milliseconds delay) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
  timer->async_wait([this, timer, stream](const boost::system::error_code& ec) {
    if (ec || timers_->stopped) return;
    StreamInfo info = stream->Snapshot();
    Status queued = Erase(info, [name = info.name](Status status) {
      if (!status.ok()) Logger("broker")->warn("deleting {}: {}", name, status.message());
    });
    if (!queued.ok()) {
      // No quorum now: try again later rather than leave a DELETING stream behind.
      Logger("broker")->warn("deleting {}: {}; retrying", info.name, queued.message());
      return ScheduleRemoval(stream, std::chrono::milliseconds(1000));
    }
    Remove(stream);
  });
}

Status Broker::Erase(const StreamInfo& info, std::function<void(Status)> then) {
  storage::WriteBatch batch;
  batch.DeleteMeta(StreamMetaKey(info.account, info.region, info.name));
  batch.DeleteStream(info.uid);
  return store_.Write(std::move(batch), std::move(then));
}

void Broker::Remove(const std::shared_ptr<Stream>& stream) {
  StreamInfo info = stream->Snapshot();
  std::unique_lock lock(streams_mutex_);
  auto it = streams_.find(StreamMetaKey(info.account, info.region, info.name));
  if (it != streams_.end() && it->second == stream) streams_.erase(it);
}

void Broker::ChangeRetention(const Caller& caller, const StreamRef& ref, int hours, bool increase,
                             Callback<Done> done) {
  Status error;
  auto stream = Find(caller, ref, error);
  if (!stream) return done(error);
  std::unique_lock lock(stream->meta_mutex);
  StreamInfo& info = stream->info;
  if (info.status != StreamStatus::kActive) {
    StreamInfo snapshot = info;
    lock.unlock();
    return done(messages::StreamNotActive(snapshot));
  }
  std::string requested = "Requested retention period (" + std::to_string(hours) + " hours)";
  Status invalid;
  if (hours < 24) {
    invalid = Status(ErrorCode::kInvalidArgument, "Minimum allowed retention period is 24 hours. " +
                                                      requested + " is too short.");
  } else if (hours > 8760) {
    invalid =
        Status(ErrorCode::kInvalidArgument,
               "Maximum allowed retention period is 8760 hours. " + requested + " is too long.");
  } else if (increase && hours < info.retention_hours) {
    invalid = Status(ErrorCode::kInvalidArgument,
                     requested + " for stream " + info.name +
                         " can not be shorter than existing retention period (" +
                         std::to_string(info.retention_hours) +
                         " hours). Use DecreaseRetentionPeriod API.");
  } else if (!increase && hours > info.retention_hours) {
    invalid = Status(ErrorCode::kInvalidArgument,
                     requested + " for stream " + info.name +
                         " can not be longer than existing retention period (" +
                         std::to_string(info.retention_hours) +
                         " hours). Use IncreaseRetentionPeriod API.");
  }
  if (!invalid.ok()) {
    lock.unlock();
    return done(invalid);
  }
  const int previous = info.retention_hours;
  info.retention_hours = hours;
  Status queued = Persist(info, [done](Status status) {
    if (!status.ok()) return done(status);
    done(Done{});
  });
  if (!queued.ok()) {
    info.retention_hours = previous;  // nothing was written
    lock.unlock();
    done(queued);
  }
}

BrokerCounters Broker::Counters() const {
  BrokerCounters counters;
  counters.records_in = traffic_->records_in.load(std::memory_order_relaxed);
  counters.bytes_in = traffic_->bytes_in.load(std::memory_order_relaxed);
  counters.records_out = traffic_->records_out.load(std::memory_order_relaxed);
  counters.bytes_out = traffic_->bytes_out.load(std::memory_order_relaxed);
  std::shared_lock lock(streams_mutex_);
  counters.streams = streams_.size();
  return counters;
}

void Broker::ScheduleRetentionSweep() {
  if (timers_->stopped) return;
  timers_->retention_sweep.expires_after(options_.retention_sweep_interval);
  timers_->retention_sweep.async_wait([this](const boost::system::error_code& ec) {
    if (ec || timers_->stopped) return;
    SweepRetention();
    ScheduleRetentionSweep();
  });
}

}  // namespace sluice::broker
