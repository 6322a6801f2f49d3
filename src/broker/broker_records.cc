// Writing and reading records: routing, sequencing, quorum writes, iterators, retention.
#include <algorithm>
#include <ctime>

#include "broker/broker_messages.h"
#include "broker/clock.h"
#include "broker/stream_state.h"
#include "sluice/broker/broker.h"
#include "sluice/common/log.h"

namespace sluice::broker {
namespace {

constexpr size_t kMaxGetRecordsBytes = 10 * 1024 * 1024;
constexpr uint32_t kMaxGetRecordsLimit = 10000;

int64_t RetentionCutoffMs(int64_t now_ms, int retention_hours) {
  return now_ms - static_cast<int64_t>(retention_hours) * 3600 * 1000;
}

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
  uint32_t shard;
};

}  // namespace

void Broker::PutRecords(const Caller& caller, const StreamRef& ref, std::vector<PutEntry> entries,
                        Callback<PutRecordsResult> done) {
  Status error;
  auto stream = Find(caller, ref, error);
  if (!stream) return done(error);

  std::unique_lock meta_lock(stream->meta_mutex);
  const StreamInfo& info = stream->info;
  if (info.status != StreamStatus::kActive && info.status != StreamStatus::kUpdating) {
    StreamInfo snapshot = info;
    meta_lock.unlock();
    return done(messages::StreamNotActive(snapshot));
  }
  const size_t max_record_bytes = static_cast<size_t>(info.max_record_size_kib) * 1024;
  std::vector<Routed> routed;
  routed.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const PutEntry& entry = entries[i];
    HashKey key;
    if (entry.explicit_hash_key) {
      auto parsed = HashKeyFromDecimal(*entry.explicit_hash_key);
      if (!parsed) {
        meta_lock.unlock();
        return done(Status(ErrorCode::kInvalidArgument,
                           "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: "
                           "[0, 2^128-1]. Specified value was " +
                               *entry.explicit_hash_key));
      }
      key = *parsed;
    } else {
      key = HashKeyForPartitionKey(entry.partition_key);
    }
    if (entry.data.size() + entry.partition_key.size() > max_record_bytes) {
      meta_lock.unlock();
      return done(Status(ErrorCode::kInvalidArgument,
                         "Record size (data plus partition key) of " +
                             std::to_string(entry.data.size() + entry.partition_key.size()) +
                             " bytes exceeds the maximum record size of " +
                             std::to_string(max_record_bytes) + " bytes for stream " + info.name +
                             "."));
    }
    auto shard = stream->Route(key);
    if (!shard) {
      meta_lock.unlock();
      return done(Status(ErrorCode::kInternal, "No open shard holds the record's hash key."));
    }
    routed.push_back({i, *shard});
  }

  // Lock every shard involved, in index order (so concurrent writers cannot deadlock), sequence
  // the records, and queue one batch: the log order then equals each shard's sequence order.
  std::vector<uint32_t> shard_indices;
  for (const auto& r : routed) shard_indices.push_back(r.shard);
  std::sort(shard_indices.begin(), shard_indices.end());
  shard_indices.erase(std::unique(shard_indices.begin(), shard_indices.end()), shard_indices.end());
  std::vector<std::unique_lock<std::mutex>> shard_locks;
  for (uint32_t index : shard_indices) {
    shard_locks.emplace_back(stream->shards[index]->sequencing_mutex);
  }

  struct Pending {
    PutRecordsResult result;
    uint64_t bytes = 0;  // data + partition keys, for the traffic counters
    std::vector<std::pair<uint32_t, uint64_t>> shard_ends;  // (shard, one past its last record)
    std::vector<std::pair<uint32_t, uint64_t>> rollback;    // (shard, next_seq_index before)
  };
  auto pending = std::make_shared<Pending>();
  pending->result.records.resize(entries.size());
  pending->result.encryption_type = info.encryption_type;
  for (uint32_t index : shard_indices) {
    pending->rollback.emplace_back(index, stream->shards[index]->next_seq_index);
  }

  const int64_t now_ms = Now();
  storage::WriteBatch batch;
  for (const auto& r : routed) {
    Shard& shard = *stream->shards[r.shard];
    const ShardInfo& shard_info = info.shards[r.shard];
    // Arrival times never go backwards within a shard, even if the wall clock does, so that
    // AT_TIMESTAMP can binary-search them.
    int64_t arrival_ms = std::max(now_ms, shard.last_arrival_ms);
    shard.last_arrival_ms = arrival_ms;
    uint64_t seq_index = shard.next_seq_index++;
    PutEntry& entry = entries[r.entry];
    pending->bytes += entry.data.size() + entry.partition_key.size();
    storage::StoredRecord record{seq_index, arrival_ms, std::move(entry.partition_key),
                                 entry.explicit_hash_key.value_or(""), std::move(entry.data)};
    batch.PutRecord(info.uid, r.shard, std::move(record));
    PutOutcome& outcome = pending->result.records[r.entry];
    outcome.shard_id = shard_info.Id();
    outcome.sequence_number =
        SequenceNumber{shard_info.created_ms / 1000, r.shard, seq_index, arrival_ms / 1000}
            .ToString();
  }
  for (uint32_t index : shard_indices) {
    pending->shard_ends.emplace_back(index, stream->shards[index]->next_seq_index);
  }

  Traffic& traffic = *traffic_;
  Status queued = store_.Write(std::move(batch), [stream, pending, done, &traffic](Status status) {
    if (status.ok()) {
      for (const auto& [index, end] : pending->shard_ends) {
        stream->shards[index]->AdvanceCommitted(end);
      }
      traffic.records_in.fetch_add(pending->result.records.size(), std::memory_order_relaxed);
      traffic.bytes_in.fetch_add(pending->bytes, std::memory_order_relaxed);
    } else {
      Logger("broker")->warn("put of {} records failed: {}", pending->result.records.size(),
                             status.message());
      for (auto& outcome : pending->result.records) {
        outcome = PutOutcome{"", "", "InternalFailure", "Internal service failure."};
      }
      pending->result.failed = static_cast<uint32_t>(pending->result.records.size());
    }
    done(std::move(pending->result));
  });
  if (!queued.ok()) {
    // Nothing was written: give the sequence numbers back so the shard has no gap.
    for (const auto& [index, next] : pending->rollback)
      stream->shards[index]->next_seq_index = next;
    shard_locks.clear();
    meta_lock.unlock();
    for (auto& outcome : pending->result.records) {
      outcome = PutOutcome{"", "", "InternalFailure", "Internal service failure."};
    }
    pending->result.failed = static_cast<uint32_t>(pending->result.records.size());
    done(std::move(pending->result));
  }
}

Result<std::string> Broker::GetShardIterator(const Caller& caller, const IteratorRequest& request) {
  Status error;
  auto stream = Find(caller, request.stream, error);
  if (!stream) return error;
  StreamInfo info = stream->Snapshot();
  auto index = ParseShardId(request.shard_id);
  if (!index) {
    return Status(ErrorCode::kResourceNotFound, "Could not find shard " + request.shard_id +
                                                    " in stream " + info.name + " under account " +
                                                    info.account + ".");
  }
  if (*index >= info.shards.size()) {
    return messages::ShardNotFound(ShardIdFor(*index), info.name, info.account);
  }
  const ShardInfo& shard_info = info.shards[*index];
  const std::string shard_id = shard_info.Id();
  Shard& shard = *stream->shards[*index];
  const std::string& type = request.type;
  const bool by_sequence = type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER";

  IteratorPosition position{info.account, info.region, info.name, info.created_ms,
                            *index,       0,           Now()};
  if (by_sequence != request.starting_sequence_number.has_value() && type != "AT_TIMESTAMP") {
    return Status(ErrorCode::kInvalidArgument,
                  "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
                  "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
                  "StartingSequenceNumber. Request specified " +
                      type + (by_sequence ? " and no" : " and also a") +
                      " StartingSequenceNumber.");
  }
  if (by_sequence) {
    const std::string& text = *request.starting_sequence_number;
    auto sequence = SequenceNumber::Parse(text);
    if (!sequence) {
      return Status(ErrorCode::kInvalidArgument,
                    "StartingSequenceNumber " + text + " used in GetShardIterator on shard " +
                        shard_id + " in stream " + info.name + " under account " + info.account +
                        " is invalid.");
    }
    if (sequence->shard_index != *index) {
      return Status(ErrorCode::kInvalidArgument,
                    "Invalid StartingSequenceNumber. It encodes " +
                        ShardIdFor(sequence->shard_index) +
                        ", while it was used in a call to a shard with " + shard_id);
    }
    if (sequence->shard_created_s != shard_info.created_ms / 1000) {
      return Status(ErrorCode::kInvalidArgument,
                    "StartingSequenceNumber " + text + " used in GetShardIterator on shard " +
                        shard_id + " in stream " + info.name + " under account " + info.account +
                        " is invalid because it did not come from this stream.");
    }
    position.seq_index = sequence->seq_index + (type == "AFTER_SEQUENCE_NUMBER" ? 1 : 0);
  } else if (type == "TRIM_HORIZON") {
    position.seq_index = 0;  // reads skip what retention has expired
  } else if (type == "LATEST") {
    position.seq_index = shard.committed_end.load();
  } else if (type == "AT_TIMESTAMP") {
    if (!request.timestamp_ms) {
      return Status(ErrorCode::kInvalidArgument,
                    "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
                    "Current request has no timestamp parameter.");
    }
    int64_t now = Now();
    if (*request.timestamp_ms > now) {
      return Status(ErrorCode::kInvalidArgument,
                    "The timestampInMillis parameter cannot be greater than the "
                    "currentTimestampInMillis. timestampInMillis: " +
                        std::to_string(*request.timestamp_ms) +
                        ", currentTimestampInMillis: " + std::to_string(now));
    }
    uint64_t end = shard.committed_end.load();
    auto first = store_.FirstSeqAtOrAfter(info.uid, *index, *request.timestamp_ms, 0, end);
    if (!first.ok()) return first.status();
    position.seq_index = first->value_or(end);
  } else {
    return Status(ErrorCode::kInvalidArgument, "Unknown ShardIteratorType " + type + ".");
  }
  return iterators_.Encode(position);
}

Result<GetRecordsResult> Broker::GetRecords(const std::string& iterator,
                                            std::optional<uint32_t> limit) {
  auto position = iterators_.Decode(iterator);
  if (!position) return messages::InvalidIterator();
  const int64_t now = Now();
  if (now - position->issued_ms > options_.iterator_ttl.count()) {
    return Status(ErrorCode::kExpiredIterator,
                  "Iterator expired. The iterator was created at time " +
                      AmzUtcString(position->issued_ms) + " while right now it is " +
                      AmzUtcString(now) +
                      " which is further in the future than the tolerated delay of " +
                      std::to_string(options_.iterator_ttl.count()) + " milliseconds.");
  }
  Status error;
  auto stream = Find({position->account, position->region}, {position->stream_name, ""}, error);
  const std::string shard_id = ShardIdFor(position->shard_index);
  if (!stream) return messages::ShardNotFound(shard_id, position->stream_name, position->account);
  StreamInfo info = stream->Snapshot();
  if (info.created_ms != position->stream_created_ms ||
      position->shard_index >= info.shards.size()) {
    return messages::ShardNotFound(shard_id, info.name, info.account);
  }
  Shard& shard = *stream->shards[position->shard_index];
  const uint64_t end = shard.committed_end.load();

  storage::RecordRange range;
  range.stream_uid = info.uid;
  range.shard_index = position->shard_index;
  range.from_seq = position->seq_index;
  range.to_seq = end;
  range.min_arrival_ms = RetentionCutoffMs(now, info.retention_hours);
  range.max_records = std::min(limit.value_or(kMaxGetRecordsLimit), kMaxGetRecordsLimit);
  range.max_bytes = kMaxGetRecordsBytes;
  GetRecordsResult result;
  if (range.from_seq < range.to_seq) {
    auto records = store_.ReadRecords(range);
    if (!records.ok()) return records.status();
    const ShardInfo& shard_info = info.shards[position->shard_index];
    uint64_t bytes = 0;
    for (const auto& record : *records) bytes += record.data.size() + record.partition_key.size();
    traffic_->records_out.fetch_add(records->size(), std::memory_order_relaxed);
    traffic_->bytes_out.fetch_add(bytes, std::memory_order_relaxed);
    for (auto& record : *records) {
      result.records.push_back({SequenceNumber{shard_info.created_ms / 1000, position->shard_index,
                                               record.seq_index, record.arrival_ms / 1000}
                                    .ToString(),
                                record.arrival_ms, std::move(record.data),
                                std::move(record.partition_key)});
    }
    // Nothing returned means everything before `end` has expired or was never committed.
    position->seq_index = records->empty() ? end : records->back().seq_index + 1;
    if (!records->empty() && position->seq_index < end) {
      result.millis_behind_latest = std::max<int64_t>(0, now - records->back().arrival_ms);
    }
  }
  position->issued_ms = now;
  result.next_iterator = iterators_.Encode(*position);
  return result;
}

void Broker::SweepRetention() {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    std::shared_lock lock(streams_mutex_);
    for (const auto& [key, stream] : streams_) streams.push_back(stream);
  }
  storage::WriteBatch batch;
  for (const auto& stream : streams) {
    StreamInfo info = stream->Snapshot();
    int64_t cutoff = RetentionCutoffMs(Now(), info.retention_hours);
    for (uint32_t i = 0; i < info.shards.size(); ++i) {
      uint64_t end = stream->shards[i]->committed_end.load();
      auto first_kept = store_.FirstSeqAtOrAfter(info.uid, i, cutoff, 0, end);
      auto last = store_.LastSeq(info.uid, i);
      if (!first_kept.ok() || !last.ok() || !last->has_value()) continue;
      // The newest stored record stays on disk even when it has expired (reads skip it): it is
      // what tells a restarted broker where the shard's sequence numbers go on, so that none is
      // ever issued twice.
      uint64_t keep_from = std::min(first_kept->value_or(end), **last);
      auto first = store_.FirstSeq(info.uid, i);
      if (first.ok() && first->has_value() && **first < keep_from) {
        batch.DeleteRecordRange(info.uid, i, **first, keep_from);
      }
    }
  }
  if (batch.empty()) return;
  Status queued = store_.Write(std::move(batch), [](Status status) {
    if (!status.ok()) Logger("broker")->warn("retention sweep: {}", status.message());
  });
  if (!queued.ok()) Logger("broker")->warn("retention sweep: {}", queued.message());
}

}  // namespace sluice::broker
