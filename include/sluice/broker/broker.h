#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sluice/broker/account_settings.h"
#include "sluice/broker/sequence_number.h"
#include "sluice/broker/shard_index.h"
#include "sluice/broker/shard_iterator.h"
#include "sluice/broker/stream_model.h"
#include "sluice/common/status.h"
#include "sluice/replication/replicated_store.h"

namespace sluice::broker {

class ShardSubscription;
class StoreReaders;
class StreamRegistry;
struct StreamView;
using ViewPtr = std::shared_ptr<const StreamView>;

template <typename T>
using Callback = std::function<void(Result<T>)>;
struct Done {};  // the value of a write that returns nothing but success

// How a SubscribeToShard subscription behaves (see Broker::SubscribeToShard).
struct SubscriptionOptions {
  std::chrono::milliseconds lifetime{300000};  // AWS ends a subscription after 5 minutes
  std::chrono::milliseconds heartbeat{5000};   // an event at least this often when idle
  std::chrono::milliseconds takeover{5000};    // a second subscription within this is refused
  uint32_t max_event_records = 10000;
  size_t max_event_bytes = 2 * 1024 * 1024;
};

struct BrokerOptions {
  std::chrono::milliseconds create_delay{500};
  std::chrono::milliseconds delete_delay{500};
  std::chrono::milliseconds update_delay{500};
  std::chrono::milliseconds consumer_create_delay{500};  // CREATING -> ACTIVE
  std::chrono::milliseconds consumer_delete_delay{500};  // DELETING -> gone
  uint32_t consumer_limit = 20;                          // registered consumers per stream
  SubscriptionOptions subscription;
  uint32_t default_shard_count = 4;
  uint32_t shard_limit = 500;  // open shards per account and region
  // AWS's per-shard throughput limits (1 MiB/s and 1000 records/s in, 2 MiB/s and 5 GetRecords/s
  // out, 5 GetShardIterator/s), answered with ProvisionedThroughputExceededException as AWS does.
  bool enforce_limits = false;
  uint32_t on_demand_stream_limit = 50;  // ON_DEMAND streams per account and region
  // Threads that read records from the store (GetRecords, AT_TIMESTAMP, SubscribeToShard); a
  // read waiting on the disk holds one of them, never an I/O thread.
  size_t read_threads = 2;
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
  StreamMode stream_mode = StreamMode::kProvisioned;
  std::optional<int> max_record_size_kib;
  std::optional<int> warm_throughput_mibps;
  std::map<std::string, std::string> tags;
};

struct PutEntry {
  std::string data;  // raw bytes
  std::string partition_key;
  std::optional<std::string> explicit_hash_key;  // decimal
};
// What became of one entry of a put: where it landed, or why it did not.
struct PutOutcome {
  Status status;            // a failure of this entry alone (the call as a whole succeeded)
  ShardIndex shard_index;   // on success
  SequenceNumber sequence;  // on success
  bool ok() const { return status.ok(); }
};
// The operation a put comes from: PutRecord's one record or PutRecords' list.
enum class PutCall { kPutRecord, kPutRecords };
struct PutRecordsResult {
  std::vector<PutOutcome> records;  // the request's order and length
  uint32_t failed = 0;
  std::string encryption_type;
};

enum class IteratorType {
  kAtSequenceNumber,
  kAfterSequenceNumber,
  kTrimHorizon,
  kLatest,
  kAtTimestamp,
};

struct IteratorRequest {
  StreamRef stream;
  std::string shard_id;
  IteratorType type = IteratorType::kTrimHorizon;
  std::optional<std::string> starting_sequence_number;  // as the client sent it
  std::optional<int64_t> timestamp_ms;
};

struct RecordView {
  SequenceNumber sequence;
  int64_t arrival_ms = 0;
  std::string data;
  std::string partition_key;
  bool encrypted = false;  // written while the stream had KMS encryption on
};
struct ChildShardView {
  ShardIndex shard_index;
  std::vector<ShardIndex> parent_shards;
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

enum class ShardFilterType {
  kAfterShardId,
  kAtTrimHorizon,
  kFromTrimHorizon,
  kAtLatest,
  kAtTimestamp,
  kFromTimestamp,
};
struct ShardFilter {
  ShardFilterType type = ShardFilterType::kAtLatest;
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

struct UpdateShardCountResult {
  std::string stream_name;
  std::string stream_arn;
  uint32_t current_shard_count = 0;  // open shards before the update
  uint32_t target_shard_count = 0;
};
// What Enable/DisableEnhancedMonitoring changed: the shard-level metrics before and after.
struct EnhancedMonitoringResult {
  std::string stream_name;
  std::string stream_arn;
  std::vector<std::string> current;
  std::vector<std::string> desired;
};
struct WarmThroughputResult {
  std::string stream_name;
  std::string stream_arn;
  WarmThroughput warm_throughput;
};
// DescribeLimits: the caller's namespace against its limits.
struct StreamLimits {
  uint32_t shard_limit = 0;
  uint32_t open_shard_count = 0;
  uint32_t on_demand_stream_count = 0;
  uint32_t on_demand_stream_limit = 0;
};

// A consumer named either way the API allows: by its ARN, or by its stream's ARN and its name
// (or all three, which must agree).
struct ConsumerRef {
  std::string stream_arn;
  std::string consumer_name;
  std::string consumer_arn;
};
struct ConsumerDescription {
  ConsumerInfo consumer;
  std::string consumer_arn;
  std::string stream_arn;
};
struct RegisterConsumerRequest {
  std::string stream_arn;
  std::string consumer_name;
  std::map<std::string, std::string> tags;
};
struct ListConsumersRequest {
  std::string stream_arn;
  std::optional<uint32_t> max_results;
  std::string next_token;
  std::optional<int64_t> stream_creation_ms;
};
struct ListConsumersResult {
  std::vector<ConsumerDescription> consumers;
  std::optional<std::string> next_token;
};

using TagMap = std::map<std::string, std::string>;
struct ListTagsRequest {
  StreamRef stream;
  std::string exclusive_start_tag_key;  // tags whose keys sort after it
  std::optional<uint32_t> limit;
};
struct ListTagsResult {
  TagMap tags;  // in key order
  bool has_more = false;
};

struct SubscribeRequest {
  std::string consumer_arn;
  std::string shard_id;
  IteratorType type = IteratorType::kLatest;            // the StartingPosition's type
  std::optional<std::string> starting_sequence_number;  // as the client sent it
  std::optional<int64_t> timestamp_ms;
};
// One SubscribeToShardEvent: the records since the previous event (possibly none: a heartbeat),
// where to resume, and, once a closed shard has been read to its end, its children.
struct SubscribeEvent {
  std::vector<RecordView> records;
  SequenceNumber continuation;
  int64_t millis_behind_latest = 0;
  std::vector<ChildShardView> child_shards;
};

// Where a subscription delivers. The broker calls it on the io_context, one call at a time:
// Started once (the subscription holds), then Event for each event, the next one only after the
// previous `delivered(true)` (so a slow subscriber slows its subscription, never the broker),
// then Ended once. A subscription refused at the start gets Ended with the reason and nothing
// else. `delivered(false)` (the subscriber is gone) ends the subscription quietly.
class SubscriptionSink {
 public:
  virtual ~SubscriptionSink() = default;
  virtual void Started() = 0;
  virtual void Event(SubscribeEvent event, std::function<void(bool delivered)> delivered) = 0;
  // OK after the subscription's lifetime or at the end of a closed shard; otherwise the error.
  virtual void Ended(Status status) = 0;
};

// Traffic through the broker since start, for /metrics.
struct BrokerCounters {
  uint64_t records_in = 0;
  uint64_t bytes_in = 0;  // data + partition keys of committed records
  uint64_t records_out = 0;
  uint64_t bytes_out = 0;
  uint64_t streams = 0;
  uint64_t reads_in_flight = 0;  // store reads queued or running on the reader threads
};

// Streams, shards, sequence numbers, iterators and lifecycle, on top of the replicated store.
//
// Threads: every public method may be called from any thread; they are meant for the
// io_context's. Nothing here takes a stream-wide lock: requests read the stream's current
// immutable view; each shard sequences its own writes (ShardWriter); metadata changes go
// through the StreamRegistry, quorum first, one at a time per stream. Callbacks run on the
// io_context once a write is decided (never on a storage thread), or inline on the caller's
// thread when the call fails before anything is written. Lifecycle timers run on the
// io_context; the retention sweep on a thread of its own.
class Broker {
 public:
  Broker(boost::asio::io_context& io, replication::ReplicatedStore& store, IteratorCodec iterators,
         BrokerOptions options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Loads every stream from the store, finishes any interrupted lifecycle transition and starts
  // the retention sweep.
  Status Recover();
  // Stops timers and the retention sweep. Writes already queued still complete.
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

  // Resharding (broker_reshard.cc). Each call is one metadata change, durable before it answers:
  // the parents close (their EndingSequenceNumber fixed by sealing their writers; see
  // docs/architecture.md, "Resharding") and the children open, taking the next shard indices;
  // the stream is UPDATING until update_delay has passed (ACTIVE at once when it is 0). A write
  // the quorum refuses changes nothing.
  void SplitShard(const Caller& caller, const StreamRef& stream, const std::string& shard_to_split,
                  const std::string& new_starting_hash_key, Callback<Done> done);
  void MergeShards(const Caller& caller, const StreamRef& stream, const std::string& shard_to_merge,
                   const std::string& adjacent_shard_to_merge, Callback<Done> done);
  // UNIFORM_SCALING: splits and merges towards `target` equal ranges (PlanUniformScaling).
  void UpdateShardCount(const Caller& caller, const StreamRef& stream, uint32_t target_shard_count,
                        Callback<UpdateShardCountResult> done);

  // Stream settings (broker_settings.cc). Each needs an ACTIVE stream and is replicated stream
  // metadata. Encryption, capacity mode and warm throughput changes are asynchronous as on AWS:
  // the stream is UPDATING until update_delay has passed (finished at Recover after a restart).
  void StartStreamEncryption(const Caller& caller, const StreamRef& stream,
                             std::string_view encryption_type, std::string key_id,
                             Callback<Done> done);
  void StopStreamEncryption(const Caller& caller, const StreamRef& stream,
                            std::string_view encryption_type, std::string key_id,
                            Callback<Done> done);
  // `metrics` are MetricsName values ("ALL" stands for every metric).
  void ChangeEnhancedMonitoring(const Caller& caller, const StreamRef& stream,
                                const std::vector<std::string>& metrics, bool enable,
                                Callback<EnhancedMonitoringResult> done);
  void UpdateStreamMode(const Caller& caller, const StreamRef& stream, StreamMode mode,
                        std::optional<int> warm_throughput_mibps, Callback<Done> done);
  void UpdateMaxRecordSize(const Caller& caller, const StreamRef& stream, int max_record_size_kib,
                           Callback<Done> done);
  void UpdateStreamWarmThroughput(const Caller& caller, const StreamRef& stream, int mibps,
                                  Callback<WarmThroughputResult> done);

  // Limits and account settings (broker_account.cc). Account settings are kept per (account,
  // region) under their own replicated meta key.
  StreamLimits DescribeLimits(const Caller& caller) const;
  AccountSettings DescribeAccountSettings(const Caller& caller) const;
  void UpdateAccountSettings(const Caller& caller, bool commitment_enabled,
                             Callback<AccountSettings> done);

  // Enhanced fan-out consumers: replicated stream metadata, so they survive restarts and
  // rebuilds like the stream itself. CREATING -> ACTIVE after consumer_create_delay; DELETING ->
  // gone after consumer_delete_delay.
  void RegisterStreamConsumer(const Caller& caller, RegisterConsumerRequest request,
                              Callback<ConsumerDescription> done);
  Result<ConsumerDescription> DescribeStreamConsumer(const Caller& caller, const ConsumerRef& ref);
  Result<ListConsumersResult> ListStreamConsumers(const Caller& caller,
                                                  const ListConsumersRequest& request);
  void DeregisterStreamConsumer(const Caller& caller, const ConsumerRef& ref, Callback<Done> done);

  // Tags and resource policies of streams and consumers (broker_tags.cc, broker_policies.cc):
  // replicated stream metadata, changed quorum first like any other. A resource ARN names a
  // stream or a consumer. Changing them needs a stream that is not CREATING or DELETING, and an
  // ACTIVE consumer; reading them works in any state. Policies are stored, never enforced.
  void AddTagsToStream(const Caller& caller, const StreamRef& stream, TagMap tags,
                       Callback<Done> done);
  void RemoveTagsFromStream(const Caller& caller, const StreamRef& stream,
                            std::vector<std::string> keys, Callback<Done> done);
  Result<ListTagsResult> ListTagsForStream(const Caller& caller, const ListTagsRequest& request);
  void TagResource(const Caller& caller, const std::string& arn, TagMap tags, Callback<Done> done);
  void UntagResource(const Caller& caller, const std::string& arn, std::vector<std::string> keys,
                     Callback<Done> done);
  Result<TagMap> ListTagsForResource(const Caller& caller, const std::string& arn);
  void PutResourcePolicy(const Caller& caller, const std::string& arn, std::string policy,
                         Callback<Done> done);
  // The stored policy document, or nullopt when the resource has none.
  Result<std::optional<std::string>> GetResourcePolicy(const Caller& caller,
                                                       const std::string& arn);
  void DeleteResourcePolicy(const Caller& caller, const std::string& arn, Callback<Done> done);

  // Pushes the shard's records to an ACTIVE consumer as they commit (SubscribeToShard): from the
  // starting position, then each commit within milliseconds, a heartbeat event when idle, for
  // `subscription_options.lifetime`; at the end of a closed shard, its children. A second
  // subscription of the same consumer and shard within the takeover window is refused; after
  // it, the new one replaces the old (which ends with ResourceInUseException).
  void SubscribeToShard(const Caller& caller, const SubscribeRequest& request,
                        std::shared_ptr<SubscriptionSink> sink);

  // Routes every entry to its shard, sequences and stores them; one quorum write per call. The
  // call fails as a whole for a missing or inactive stream and invalid entries; a write the
  // quorum refuses fails every entry (InternalFailure), as AWS reports it.
  // A record (data + partition key) over the stream's maximum record size fails the call with
  // AWS's validation text, whose member path depends on the operation (`call`).
  void PutRecords(const Caller& caller, const StreamRef& stream, std::vector<PutEntry> entries,
                  Callback<PutRecordsResult> done, PutCall call = PutCall::kPutRecords);
  // The two reads answer on the io_context after reading the store on a reader thread (never on
  // an I/O thread, so a slow disk delays only reads), or inline when no read is needed or the
  // call fails before it.
  void GetShardIterator(const Caller& caller, const IteratorRequest& request,
                        Callback<std::string> done);
  void GetRecords(const std::string& iterator, std::optional<uint32_t> limit,
                  Callback<GetRecordsResult> done);

  // The commit signal of a shard: `wake` runs once, on the io_context, as soon as the shard holds
  // a committed record at or after sequence index `position` or is closed by a reshard (at once
  // when either is so already).
  Status AwaitRecords(const Caller& caller, const StreamRef& stream, ShardIndex shard_index,
                      uint64_t position, std::function<void()> wake);

  // Writes decided but whose callback has not run yet, plus writes still waiting for a quorum;
  // a graceful shutdown waits for this to reach zero.
  size_t PendingWrites() const;

  BrokerCounters Counters() const;

  // Deletes records past their stream's retention period from disk (they are invisible to reads
  // already), reading through one pinned node view. Runs every retention_sweep_interval on the
  // sweep thread; callable at any time from any thread.
  void SweepRetention();

 private:
  int64_t Now() const;
  // The stream's current view, or why there is none.
  Result<ViewPtr> Find(const Caller& caller, const StreamRef& ref) const;
  void ScheduleActivation(const std::string& key, std::chrono::milliseconds delay);
  void ScheduleRemoval(const std::string& key, std::chrono::milliseconds delay);
  // Moves the consumer `name` created at `created_ms` on from CREATING (to ACTIVE) or from
  // DELETING (out of the stream) after `delay`; retried while there is no quorum.
  void ScheduleConsumerStep(const std::string& key, const std::string& name, int64_t created_ms,
                            std::chrono::milliseconds delay);
  // The stream and the consumer a ConsumerRef names, or why there is none.
  Result<std::pair<ViewPtr, ConsumerInfo>> FindConsumer(const Caller& caller,
                                                        const ConsumerRef& ref) const;
  uint32_t OpenShardsInNamespace(const Caller& caller) const;
  // A stream or one of its consumers, as the tag and policy operations address it
  // (tagged_resource.h); FindResource resolves a stream reference or a resource ARN, and
  // EditResource changes its tags or policy through the registry.
  struct Resource;
  Result<Resource> FindResource(const Caller& caller, const StreamRef& stream) const;
  Result<Resource> FindResource(const Caller& caller, const std::string& arn) const;
  using ResourceEdit = std::function<Status(const Resource& resource, TagMap& tags,
                                            std::optional<std::string>& policy)>;
  void EditResource(const Resource& resource, ResourceEdit edit, Callback<Done> done);
  uint32_t OnDemandStreamsInNamespace(const Caller& caller) const;
  // The rules CreateStream's capacity-mode settings follow (broker_settings.cc).
  Status CheckCreateSettings(const Caller& caller, const CreateStreamRequest& request) const;
  // Applies `change` to an ACTIVE stream's metadata. With `asynchronous`, the stream turns
  // UPDATING and becomes ACTIVE (its update completed) after update_delay.
  void ChangeSettings(const Caller& caller, const StreamRef& ref,
                      std::function<Result<StreamInfo>(const StreamInfo& now)> change,
                      bool asynchronous, Callback<ViewPtr> done);
  // Loads every account's settings at Recover.
  Status RecoverAccountSettings(const replication::ReadView& view);
  AccountSettings AccountSettingsOf(const Caller& caller) const;  // as they stand now
  // The sequence index where reading starts on the shard for a starting position of `type`
  // (GetShardIterator, SubscribeToShard: `operation` names the call in error texts).
  // AT_TIMESTAMP looks the time up on a reader thread and answers on the io_context; every other
  // type answers inline.
  void StartPosition(const StreamView& view, ShardIndex index, IteratorType type,
                     const std::optional<std::string>& sequence_text,
                     std::optional<int64_t> timestamp_ms, std::string_view operation,
                     Callback<uint64_t> done);
  // Reads the records of a GetRecords call from `position` up to the committed `end` (read
  // before, so the node read holds everything below it), and where to go next. Blocks on the
  // store: runs on a reader thread unless there is nothing to read.
  Result<GetRecordsResult> ReadFrom(const StreamView& view, IteratorPosition position, uint64_t end,
                                    std::optional<uint32_t> limit, int64_t now) const;
  // Starts a SubscribeToShard subscription whose request has been checked, from `start`.
  void Subscribe(const StreamView& view, ShardIndex index, const ConsumerInfo& consumer,
                 const std::string& consumer_arn, uint64_t start,
                 std::shared_ptr<SubscriptionSink> sink);
  // Checks a reshard against the stream as it is now (`current`) and edits `next`, a copy of its
  // metadata, with ReshardEditor; the error to answer otherwise.
  using ReshardPlan =
      std::function<Status(const StreamInfo& current, StreamInfo& next, int64_t now_ms)>;
  // Plans, checks the shard limit, seals the writers of the shards the plan closes, writes and
  // publishes the change (unsealing them if the write fails), and schedules activation.
  void Reshard(const Caller& caller, const StreamRef& stream, ReshardPlan plan,
               Callback<ViewPtr> done);
  // Runs `body` on the io_context after `delay`, unless the broker stopped by then.
  void After(std::chrono::milliseconds delay, std::function<void()> body);
  // Sequence numbers carry their shard's creation second, and iterators the stream's creation
  // time: a stream re-created in the second its predecessor of the same name was created would
  // accept that one's sequence numbers and iterators. A new stream's creation time is therefore
  // moved past the creation second of a recently removed namesake (NoteRemoved).
  int64_t CreationTimeFor(const std::string& key, int64_t now_ms);
  void NoteRemoved(const std::string& key, int64_t created_ms);

  boost::asio::io_context& io_;
  replication::ReplicatedStore& store_;
  IteratorCodec iterators_;
  BrokerOptions options_;
  std::unique_ptr<StreamRegistry> registry_;

  struct Timers;
  std::unique_ptr<Timers> timers_;

  struct Traffic;
  std::unique_ptr<Traffic> traffic_;

  struct Subscriptions;
  std::unique_ptr<Subscriptions> subscriptions_;

  struct Accounts;
  std::unique_ptr<Accounts> accounts_;

  std::mutex removed_mutex_;  // guards removed_created_s_
  // Creation seconds of streams removed within the last couple of seconds, by metadata key.
  std::unordered_map<std::string, int64_t> removed_created_s_;

  // Last, so it is destroyed first: its threads finish their reads while everything those
  // reads use is still there.
  std::unique_ptr<StoreReaders> readers_;
};

}  // namespace sluice::broker
