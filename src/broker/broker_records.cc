// Writing and reading records: routing, sequencing through the shard writers, quorum writes,
// iterators, and the commit signal.
#include <algorithm>
#include <ctime>

#include <boost/asio/post.hpp>

#include "broker/broker_messages.h"
#include "broker/broker_state.h"
#include "broker/clock.h"
#include "broker/reshard_plan.h"
#include "broker/store_readers.h"
#include "broker/stream_registry.h"
#include "sluice/broker/broker.h"
#include "sluice/common/log.h"

namespace sluice::broker {
namespace {

constexpr size_t kMaxGetRecordsBytes = 10 * 1024 * 1024;
constexpr uint32_t kMaxGetRecordsLimit = 10000;

// "Thu Jan 22 01:22:02 UTC 2015", the format of AWS's ExpiredIteratorException text.
std::string AmzUtcString(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buffer;
}

// A record routed to a shard, waiting to be sequenced.
struct Routed {
  size_t entry;  // index in the request
  ShardIndex shard;
};

// The write could not be stored: every entry in it fails with its cause (entries refused
// before, over their shard's limit, keep their own).
void FailEvery(PutRecordsResult& result, const Status& cause) {
  for (auto& outcome : result.records) {
    if (outcome.ok()) outcome = PutOutcome{cause, ShardIndex{0}, {}};
  }
  result.failed = static_cast<uint32_t>(result.records.size());
}

}  // namespace

void Broker::PutRecords(const Caller& caller, const StreamRef& ref, std::vector<PutEntry> entries,
                        Callback<PutRecordsResult> done, PutCall call) {
  auto found = Find(caller, ref);
  if (!found.ok()) return done(found.status());
  ViewPtr view = std::move(found).value();
  const StreamInfo& info = view->info;
  if (info.status != StreamStatus::kActive && info.status != StreamStatus::kUpdating) {
    return done(messages::StreamNotActive(info));
  }
  const size_t max_record_bytes = static_cast<size_t>(info.max_record_size_kib) * 1024;
  std::vector<std::string> oversized;  // member paths, as AWS's validation text names them
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].data.size() + entries[i].partition_key.size() > max_record_bytes) {
      oversized.push_back(call == PutCall::kPutRecord
                              ? std::string("data")
                              : "records." + std::to_string(i + 1) + ".member.data");
    }
  }
  if (!oversized.empty()) return done(messages::RecordsTooLarge(oversized, max_record_bytes));
  const int64_t now_ms = Now();
  std::vector<Routed> routed;
  routed.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const PutEntry& entry = entries[i];
    HashKey key;
    if (entry.explicit_hash_key) {
      auto parsed = HashKeyFromDecimal(*entry.explicit_hash_key);
      if (!parsed) {
        return done(Status(ErrorCode::kInvalidArgument,
                           "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: "
                           "[0, 2^128-1]. Specified value was " +
                               *entry.explicit_hash_key));
      }
      key = *parsed;
    } else {
      key = HashKeyForPartitionKey(entry.partition_key);
    }
    auto shard = view->Route(key);
    if (!shard) {
      return done(Status(ErrorCode::kInternal, "No open shard holds the record's hash key."));
    }
    routed.push_back({i, *shard});
  }

  // Lock the writer of every shard involved, in index order (so concurrent writers cannot
  // deadlock), number the records and queue one batch: the log order then equals each shard's
  // sequence order. Writes to other shards of the stream go on meanwhile.
  std::vector<ShardIndex> shard_indices;
  for (const auto& r : routed) shard_indices.push_back(r.shard);
  std::sort(shard_indices.begin(), shard_indices.end());
  shard_indices.erase(std::unique(shard_indices.begin(), shard_indices.end()), shard_indices.end());
  std::vector<std::unique_lock<std::mutex>> shard_locks;
  for (ShardIndex index : shard_indices)
    shard_locks.push_back(view->Writer(index).LockSequencing());
  // A shard that a reshard is closing (sealed) takes no more records: nothing is sequenced, and
  // the whole put routes again against the newest view once the reshard is decided.
  for (ShardIndex index : shard_indices) {
    if (view->Writer(index).accepting()) continue;
    shard_locks.clear();
    Traffic& waiting = *traffic_;
    waiting.pending_writes.fetch_add(1, std::memory_order_acq_rel);
    view->writers[index.value()]->AfterSeal([this, caller, ref, entries = std::move(entries),
                                             done = std::move(done), &waiting]() mutable {
      waiting.pending_writes.fetch_sub(1, std::memory_order_acq_rel);
      PutRecords(caller, ref, std::move(entries), std::move(done));
    });
    return;
  }

  // Entries over their shard's limit (--enforce-limits) fail, the others go on, as on AWS.
  // Checked only now, past the seal, so a put that waited for a reshard is charged once.
  std::vector<Routed> throttled;
  std::erase_if(routed, [&](const Routed& r) {
    ShardThroughput* limits = traffic_->limiter.For(info.uid, r.shard);
    const PutEntry& entry = entries[r.entry];
    if (limits == nullptr ||
        limits->AdmitRecord(entry.data.size() + entry.partition_key.size(), now_ms)) {
      return false;
    }
    throttled.push_back(r);
    return true;
  });

  struct Pending {
    PutRecordsResult result;
    uint64_t bytes = 0;  // data + partition keys, for the traffic counters
    std::vector<std::pair<ShardIndex, uint64_t>> shard_ends;  // (shard, one past its last record)
    std::vector<std::pair<ShardIndex, uint64_t>> rollback;    // (shard, next_seq_index before)
  };
  auto pending = std::make_shared<Pending>();
  pending->result.records.resize(entries.size());
  pending->result.encryption_type = info.encryption_type;
  for (ShardIndex index : shard_indices) {
    pending->rollback.emplace_back(index, view->Writer(index).next_seq_index());
  }

  for (const auto& t : throttled) {
    pending->result.records[t.entry] =
        PutOutcome{messages::RateExceeded(ShardIdFor(t.shard), info), t.shard, {}};
  }
  pending->result.failed = static_cast<uint32_t>(throttled.size());
  if (routed.empty()) {  // nothing left to write
    shard_locks.clear();
    return done(std::move(pending->result));
  }

  storage::WriteBatch batch;
  for (const auto& r : routed) {
    const ShardInfo& shard_info = view->Shard(r.shard);
    auto slot = view->Writer(r.shard).NextSlot(now_ms);
    PutEntry& entry = entries[r.entry];
    pending->bytes += entry.data.size() + entry.partition_key.size();
    storage::StoredRecord record{slot.seq_index,
                                 slot.arrival_ms,
                                 std::move(entry.partition_key),
                                 entry.explicit_hash_key.value_or(""),
                                 std::move(entry.data),
                                 info.encryption_type == "KMS"};
    batch.PutRecord(info.uid, r.shard.value(), std::move(record));
    pending->result.records[r.entry] =
        PutOutcome{Status::Ok(), r.shard,
                   SequenceNumber{shard_info.created_ms / 1000, r.shard, slot.seq_index,
                                  slot.arrival_ms / 1000}};
  }
  for (ShardIndex index : shard_indices) {
    pending->shard_ends.emplace_back(index, view->Writer(index).next_seq_index());
  }

  Traffic& traffic = *traffic_;
  traffic.pending_writes.fetch_add(1, std::memory_order_acq_rel);
  auto commit = [view, pending, done = std::move(done), &traffic](Status status) mutable {
    // On the io_context: publish the shards' new committed ends (raising their commit
    // signals), then answer.
    if (status.ok()) {
      for (const auto& [index, end] : pending->shard_ends) view->Writer(index).Commit(end);
      traffic.records_in.fetch_add(pending->result.records.size(), std::memory_order_relaxed);
      traffic.bytes_in.fetch_add(pending->bytes, std::memory_order_relaxed);
    } else {
      Logger("broker")->warn("put of {} records failed: {}", pending->result.records.size(),
                             status.message());
      FailEvery(pending->result, status);
    }
    done(std::move(pending->result));
    traffic.pending_writes.fetch_sub(1, std::memory_order_acq_rel);
  };
  auto shared_commit = std::make_shared<decltype(commit)>(std::move(commit));
  boost::asio::io_context& io = io_;
  Status queued = store_.Write(std::move(batch), [shared_commit, &io](Status status) {
    // On a storage thread: hand the outcome to the io_context and return at once.
    boost::asio::post(io, [shared_commit, status = std::move(status)]() mutable {
      (*shared_commit)(std::move(status));
    });
  });
  if (!queued.ok()) {
    // Nothing was written: give the sequence numbers back so the shard has no gap.
    for (const auto& [index, next] : pending->rollback) view->Writer(index).Rewind(next);
    shard_locks.clear();
    (*shared_commit)(std::move(queued));
  }
}

void Broker::StartPosition(const StreamView& view, ShardIndex index, IteratorType type,
                           const std::optional<std::string>& sequence_text,
                           std::optional<int64_t> timestamp_ms, std::string_view operation,
                           Callback<uint64_t> done) {
  const StreamInfo& info = view.info;
  const ShardInfo& shard_info = view.Shard(index);
  const std::string shard_id = shard_info.Id();
  const ShardWriter& writer = view.Writer(index);
  const bool by_sequence =
      type == IteratorType::kAtSequenceNumber || type == IteratorType::kAfterSequenceNumber;
  if (by_sequence != sequence_text.has_value() && type != IteratorType::kAtTimestamp) {
    static constexpr const char* kTypeNames[] = {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER",
                                                 "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"};
    return done(Status(ErrorCode::kInvalidArgument,
                       "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
                       "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
                       "StartingSequenceNumber. Request specified " +
                           std::string(kTypeNames[static_cast<int>(type)]) +
                           (by_sequence ? " and no" : " and also a") + " StartingSequenceNumber."));
  }
  switch (type) {
    case IteratorType::kAtSequenceNumber:
    case IteratorType::kAfterSequenceNumber: {
      const std::string& text = *sequence_text;
      std::string used = "StartingSequenceNumber " + text;
      used.append(" used in ").append(operation).append(" on shard ").append(shard_id);
      used.append(" in stream ").append(info.name).append(" under account ").append(info.account);
      auto sequence = SequenceNumber::Parse(text);
      if (!sequence) return done(Status(ErrorCode::kInvalidArgument, used + " is invalid."));
      if (sequence->shard_index != index) {
        return done(Status(ErrorCode::kInvalidArgument,
                           "Invalid StartingSequenceNumber. It encodes " +
                               ShardIdFor(sequence->shard_index) +
                               ", while it was used in a call to a shard with " + shard_id));
      }
      if (sequence->shard_created_s != shard_info.created_ms / 1000) {
        return done(Status(ErrorCode::kInvalidArgument,
                           used + " is invalid because it did not come from this stream."));
      }
      // The shard's starting sequence number sorts before its first record (see
      // ShardInfo::StartingSequenceNumber): both types start at the first record.
      if (sequence->seq_index == 0 &&
          sequence->arrival_s == shard_info.StartingSequenceNumber().arrival_s) {
        return done(uint64_t{0});
      }
      return done(sequence->seq_index + (type == IteratorType::kAfterSequenceNumber ? 1 : 0));
    }
    case IteratorType::kTrimHorizon:
      return done(uint64_t{0});  // reads skip what retention has expired
    case IteratorType::kLatest:
      return done(writer.committed_end());
    case IteratorType::kAtTimestamp: {
      if (!timestamp_ms) {
        return done(Status(ErrorCode::kInvalidArgument,
                           "Must specify timestampInMillis parameter for iterator of type "
                           "AT_TIMESTAMP. Current request has no timestamp parameter."));
      }
      int64_t now = Now();
      if (*timestamp_ms > now) {
        return done(Status(ErrorCode::kInvalidArgument,
                           "The timestampInMillis parameter cannot be greater than the "
                           "currentTimestampInMillis. timestampInMillis: " +
                               std::to_string(*timestamp_ms) +
                               ", currentTimestampInMillis: " + std::to_string(now)));
      }
      const uint64_t end = writer.committed_end();  // before the view: the node covers it
      auto find = [&store = store_, uid = info.uid, shard = index.value(), at = *timestamp_ms,
                   end]() -> Result<uint64_t> {
        auto read = store.OpenReadView();
        if (!read.ok()) return read.status();
        auto first = (*read)->FirstSeqAtOrAfter(uid, shard, at, 0, end);
        if (!first.ok()) return first.status();
        return first->value_or(end);
      };
      return readers_->Run(std::move(find), io_.get_executor(), std::move(done));
    }
  }
  done(uint64_t{0});
}

void Broker::GetShardIterator(const Caller& caller, const IteratorRequest& request,
                              Callback<std::string> done) {
  auto found = Find(caller, request.stream);
  if (!found.ok()) return done(found.status());
  ViewPtr view = std::move(found).value();
  const StreamInfo& info = view->info;
  auto index = ParseShardId(request.shard_id);
  if (!index) {
    return done(Status(ErrorCode::kResourceNotFound, "Could not find shard " + request.shard_id +
                                                         " in stream " + info.name +
                                                         " under account " + info.account + "."));
  }
  if (!view->HasShard(*index)) {
    return done(messages::ShardNotFound(ShardIdFor(*index), info.name, info.account));
  }
  auto issue = [this, view, index = *index, done](Result<uint64_t> start) {
    if (!start.ok()) return done(start.status());
    const StreamInfo& stream = view->info;
    if (ShardThroughput* limits = traffic_->limiter.For(stream.uid, index);
        limits != nullptr && !limits->AdmitIterator(Now())) {
      return done(messages::RateExceeded(ShardIdFor(index), stream));
    }
    IteratorPosition position{stream.account, stream.region, stream.name, stream.created_ms,
                              index,          *start,        Now()};
    done(iterators_.Encode(position));
  };
  StartPosition(*view, *index, request.type, request.starting_sequence_number, request.timestamp_ms,
                "GetShardIterator", std::move(issue));
}

void Broker::GetRecords(const std::string& iterator, std::optional<uint32_t> limit,
                        Callback<GetRecordsResult> done) {
  auto position = iterators_.Decode(iterator);
  if (!position) return done(messages::InvalidIterator());
  const int64_t now = Now();
  if (now - position->issued_ms > options_.iterator_ttl.count()) {
    return done(Status(ErrorCode::kExpiredIterator,
                       "Iterator expired. The iterator was created at time " +
                           AmzUtcString(position->issued_ms) + " while right now it is " +
                           AmzUtcString(now) +
                           " which is further in the future than the tolerated delay of " +
                           std::to_string(options_.iterator_ttl.count()) + " milliseconds."));
  }
  const std::string shard_id = ShardIdFor(position->shard_index);
  auto found = Find({position->account, position->region}, {position->stream_name, ""});
  if (!found.ok()) {
    return done(messages::ShardNotFound(shard_id, position->stream_name, position->account));
  }
  ViewPtr view = std::move(found).value();
  const StreamInfo& info = view->info;
  if (info.created_ms != position->stream_created_ms || !view->HasShard(position->shard_index)) {
    return done(messages::ShardNotFound(shard_id, info.name, info.account));
  }
  ShardThroughput* limits = traffic_->limiter.For(info.uid, position->shard_index);
  if (limits != nullptr && !limits->AdmitRead(now)) {
    return done(messages::RateExceeded(shard_id, info));
  }
  // The committed end first, then (in ReadFrom) a node view: the node then holds everything
  // before that end.
  const uint64_t end = view->Writer(position->shard_index).committed_end();
  if (position->seq_index >= end) return done(ReadFrom(*view, *position, end, limit, now));
  readers_->Run([this, view, position = *position, end, limit,
                 now] { return ReadFrom(*view, position, end, limit, now); },
                io_.get_executor(), std::move(done));
}

Result<GetRecordsResult> Broker::ReadFrom(const StreamView& view, IteratorPosition position,
                                          uint64_t end, std::optional<uint32_t> limit,
                                          int64_t now) const {
  const StreamInfo& info = view.info;
  const ShardInfo& shard = view.Shard(position.shard_index);
  GetRecordsResult result;
  if (position.seq_index < end) {
    storage::RecordRange range;
    range.stream_uid = info.uid;
    range.shard_index = position.shard_index.value();
    range.from_seq = position.seq_index;
    range.to_seq = end;
    range.min_arrival_ms = RetentionCutoffMs(now, info.retention_hours);
    range.max_records = std::min(limit.value_or(kMaxGetRecordsLimit), kMaxGetRecordsLimit);
    range.max_bytes = kMaxGetRecordsBytes;
    auto read = store_.OpenReadView();
    if (!read.ok()) return read.status();
    auto records = (*read)->ReadRecords(range);
    if (!records.ok()) return records.status();
    uint64_t bytes = 0;
    for (const auto& record : *records) bytes += record.data.size() + record.partition_key.size();
    traffic_->records_out.fetch_add(records->size(), std::memory_order_relaxed);
    traffic_->bytes_out.fetch_add(bytes, std::memory_order_relaxed);
    if (ShardThroughput* limits = traffic_->limiter.For(info.uid, position.shard_index)) {
      limits->ChargeRead(bytes, now);
    }
    result.records.reserve(records->size());
    for (auto& record : *records) {
      result.records.push_back({SequenceNumber{shard.created_ms / 1000, position.shard_index,
                                               record.seq_index, record.arrival_ms / 1000},
                                record.arrival_ms, std::move(record.data),
                                std::move(record.partition_key), record.encrypted});
    }
    // Nothing returned means everything before `end` has expired or was never committed.
    position.seq_index = records->empty() ? end : records->back().seq_index + 1;
    if (!records->empty() && position.seq_index < end) {
      result.millis_behind_latest = std::max<int64_t>(0, now - records->back().arrival_ms);
    }
  }
  if (!shard.open() && position.seq_index >= shard.EndSeqIndex() && end >= shard.EndSeqIndex()) {
    // A closed shard read to its end: no next iterator, and where to go on.
    result.millis_behind_latest = 0;
    result.child_shards = ChildShardsOf(info, position.shard_index);
    return result;
  }
  position.issued_ms = now;
  auto next = iterators_.Encode(position);
  if (!next.ok()) return next.status();
  result.next_iterator = std::move(*next);
  return result;
}

Status Broker::AwaitRecords(const Caller& caller, const StreamRef& stream, ShardIndex shard_index,
                            uint64_t position, std::function<void()> wake) {
  auto found = Find(caller, stream);
  if (!found.ok()) return found.status();
  const StreamView& view = **found;
  if (!view.HasShard(shard_index)) {
    return messages::ShardNotFound(ShardIdFor(shard_index), view.info.name, view.info.account);
  }
  view.Writer(shard_index).AwaitCommit(position, std::move(wake));
  return Status::Ok();
}

}  // namespace sluice::broker
