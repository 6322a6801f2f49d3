#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sluice/broker/shard_iterator.h"
#include "sluice/broker/stream_model.h"
#include "sluice/common/status.h"
#include "sluice/replication/replicated_store.h"

namespace sluice::broker {

template <typename T>
using Callback = std::function<void(Result<T>)>;
struct Done {};  // the value of a write that returns nothing but success

struct BrokerOptions {
  std::chrono::milliseconds create_delay{500};
  std::chrono::milliseconds delete_delay{500};
  std::chrono::milliseconds update_delay{500};
  uint32_t default_shard_count = 4;
  uint32_t shard_limit = 500;  // open shards per account and region
  std::chrono::milliseconds retention_sweep_interval{60000};
  std::chrono::milliseconds iterator_ttl{300000};
  std::chrono::milliseconds next_token_ttl{300000};
  // Epoch milliseconds now, for arrival times, retention, iterator and token ages. Empty: the
  // system clock. Tests set it to move time forward by hours.
  std::function<int64_t()> clock_ms;
};

// --- operation inputs and outputs, in Kinesis terms but free of any wire format ---

struct CreateStreamRequest {
  std::string name;
  std::optional<uint32_t> shard_count;
  std::string stream_mode = "PROVISIONED";
  std::optional<int> max_record_size_kib;
  std::map<std::string, std::string> tags;
};

struct PutEntry {
  std::string data;  // raw bytes
  std::string partition_key;
  std::optional<std::string> explicit_hash_key;  // decimal
};
struct PutOutcome {
  std::string shard_id;         // set on success
  std::string sequence_number;  // set on success
  std::string error_code;       // set on failure: an AWS error name
  std::string error_message;
  bool ok() const { return error_code.empty(); }
};
struct PutRecordsResult {
  std::vector<PutOutcome> records;  // the request's order and length
  uint32_t failed = 0;
  std::string encryption_type;
};

struct IteratorRequest {
  StreamRef stream;
  std::string shard_id;
  std::string
      type;  // AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP
  std::optional<std::string> starting_sequence_number;
  std::optional<int64_t> timestamp_ms;
};

struct RecordView {
  std::string sequence_number;
  int64_t arrival_ms = 0;
  std::string data;
  std::string partition_key;
};
struct ChildShardView {
  std::string shard_id;
  std::vector<std::string> parent_shards;
  HashKeyRange range{};
};
struct GetRecordsResult {
  std::vector<RecordView> records;
  std::optional<std::string> next_iterator;  // absent once a closed shard is read to its end
  int64_t millis_behind_latest = 0;
  std::vector<ChildShardView> child_shards;
};

struct DescribeStreamResult {
  StreamInfo stream;  // shards already limited to the requested page
  bool has_more_shards = false;
};

struct ListStreamsRequest {
  std::optional<uint32_t> limit;
  std::string exclusive_start_stream_name;
  std::string next_token;
};
struct ListStreamsResult {
  std::vector<StreamInfo> streams;  // shards omitted
  bool has_more = false;
  std::optional<std::string> next_token;
};

struct ShardFilter {
  std::string type;  // AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP,
                     // FROM_TIMESTAMP
  std::string shard_id;
  std::optional<int64_t> timestamp_ms;
};
struct ListShardsRequest {
  StreamRef stream;
  std::string next_token;
  std::string exclusive_start_shard_id;
  std::optional<uint32_t> max_results;
  std::optional<int64_t> stream_creation_ms;
  std::optional<ShardFilter> filter;
};
struct ListShardsResult {
  std::vector<ShardInfo> shards;
  std::optional<std::string> next_token;
};

// Traffic through the broker since start, for /metrics.
struct BrokerCounters {
  uint64_t records_in = 0;
  uint64_t bytes_in = 0;  // data + partition keys of committed records
  uint64_t records_out = 0;
  uint64_t bytes_out = 0;
  uint64_t streams = 0;
};

// Streams, shards, sequence numbers, iterators and lifecycle, on top of the replicated store.
//
// Threads: every public method may be called from any thread. Stream metadata is guarded per
// stream; a shard's sequencing (assigning sequence numbers and queueing the write) is guarded
// per shard, so writes to different shards never wait for each other. Write callbacks run on
// a storage-node writer thread once a quorum holds the data. Lifecycle timers and the
// retention sweep run on the io_context.
class Broker {
 public:
  Broker(boost::asio::io_context& io, replication::ReplicatedStore& store, IteratorCodec iterators,
         BrokerOptions options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Loads every stream from the store and finishes any interrupted lifecycle transition.
  Status Recover();
  // Stops timers. Pending writes still complete through the store.
  void Stop();

  void CreateStream(const Caller& caller, CreateStreamRequest request, Callback<Done> done);
  void DeleteStream(const Caller& caller, const StreamRef& stream, bool enforce_consumer_deletion,
                    Callback<Done> done);
  Result<DescribeStreamResult> DescribeStream(const Caller& caller, const StreamRef& stream,
                                              std::optional<uint32_t> limit,
                                              const std::string& exclusive_start_shard_id);
  Result<StreamInfo> DescribeStreamSummary(const Caller& caller, const StreamRef& stream);
  Result<ListStreamsResult> ListStreams(const Caller& caller, const ListStreamsRequest& request);
  Result<ListShardsResult> ListShards(const Caller& caller, const ListShardsRequest& request);
  void ChangeRetention(const Caller& caller, const StreamRef& stream, int hours, bool increase,
                       Callback<Done> done);

  // Routes every entry to its shard, sequences and stores them; one quorum write per call.
  // `single` selects PutRecord's semantics: a failure is the call's error, not an entry's.
  void PutRecords(const Caller& caller, const StreamRef& stream, std::vector<PutEntry> entries,
                  Callback<PutRecordsResult> done);
  Result<std::string> GetShardIterator(const Caller& caller, const IteratorRequest& request);
  Result<GetRecordsResult> GetRecords(const std::string& iterator, std::optional<uint32_t> limit);

  BrokerCounters Counters() const;

  // Deletes records past their stream's retention period from disk (they are invisible to reads
  // already). Runs every retention_sweep_interval on the io_context; callable at any time.
  void SweepRetention();

 private:
  int64_t Now() const;
  class Stream;
  struct Shard;
  std::shared_ptr<Stream> Find(const Caller& caller, const StreamRef& ref, Status& error) const;
  // Queues the stream's metadata. A refused write (no quorum) is returned, and `then` is not
  // called; otherwise `then` gets the outcome once the write is decided. Callers hold the
  // stream's meta_mutex, so metadata reaches the log in the order it changed.
  Status Persist(const StreamInfo& info, std::function<void(Status)> then);
  void ScheduleActivation(std::shared_ptr<Stream> stream, std::chrono::milliseconds delay);
  void ScheduleRemoval(std::shared_ptr<Stream> stream, std::chrono::milliseconds delay);
  // Queues the deletion of the stream's metadata and records; Status of the queueing.
  Status Erase(const StreamInfo& info, std::function<void(Status)> then);
  void Remove(const std::shared_ptr<Stream>& stream);
  void ScheduleRetentionSweep();
  uint32_t OpenShardsInNamespace(const Caller& caller) const;

  boost::asio::io_context& io_;
  replication::ReplicatedStore& store_;
  IteratorCodec iterators_;
  BrokerOptions options_;

  // Guards streams_ (the map, not the streams in it). Held briefly: lookups and inserts.
  mutable std::shared_mutex streams_mutex_;
  std::map<std::string, std::shared_ptr<Stream>> streams_;  // keyed by StreamMetaKey

  struct Timers;
  std::unique_ptr<Timers> timers_;

  struct Traffic;
  std::unique_ptr<Traffic> traffic_;
};

}  // namespace sluice::broker
