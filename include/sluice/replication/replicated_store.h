#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/replication/node_faults.h"
#include "sluice/storage/storage_node.h"
#include "sluice/storage/write_batch.h"

namespace sluice::replication {

enum class NodeState { kHealthy, kDown, kCatchingUp };
const char* NodeStateName(NodeState state);  // "healthy", "down", "catching_up"

struct NodeInfo {
  std::string name;
  NodeState state;
  uint64_t applied_lsn;
  uint64_t lag;  // committed LSN minus applied LSN, 0 when caught up
  uint64_t disk_bytes;
  FaultSettings faults;  // injected through InjectFaults, none by default
};

struct StoreOptions {
  int node_count = 3;  // nodes are named az-a, az-b, az-c, ... in <data_dir>/<name>/
  int quorum = 2;
  bool sync = true;  // fsync every group commit ("fsync" durability) or leave it to the OS
  // A node that has not acknowledged a batch within this long leaves the quorum.
  std::chrono::milliseconds node_timeout{5000};
  size_t max_group_bytes = 16 << 20;  // group commit gathers queued batches up to this size
  // Test seam: wraps each node as it is opened (fault injection). Identity when empty.
  std::function<std::unique_ptr<storage::StorageNode>(std::unique_ptr<storage::StorageNode>)>
      wrap_node;
};

// Counters for /metrics. Monotonic unless stated.
struct StoreStats {
  uint64_t batches_committed = 0;
  uint64_t batches_failed = 0;
  uint64_t bytes_committed = 0;
  uint64_t committed_lsn = 0;
  // Quorum write latency histogram: bucket upper bounds in microseconds and cumulative counts.
  std::vector<double> latency_bounds_us;
  std::vector<uint64_t> latency_counts;  // same size as bounds, plus one for +Inf at the end
  double latency_sum_us = 0;
  uint64_t catch_ups_completed = 0;
};

// A log of WriteBatches replicated to N storage nodes with quorum acknowledgement.
//
// Every Write gets the next log sequence number (LSN) and is queued to every healthy or
// catching-up node. Each node has one writer thread that group-commits its queue in LSN order.
// A batch is committed once `quorum` nodes have durably applied it; `done` callbacks run in LSN
// order, with no store lock held, on a node writer thread (or on the store's monitor thread
// when a node timeout or FailNode decides a batch, or on the caller of Close during shutdown).
// They must be short and must not block on a lock that Write's caller holds.
//
// All nodes hold a prefix of the same log, so the node with the highest applied LSN holds
// everything ever acknowledged. At start, nodes behind it (empty or wiped included) are rebuilt
// from it in the background; writes need a quorum of healthy nodes meanwhile.
//
// Thread-safety: every public method may be called from any thread.
class ReplicatedStore {
 public:
  static Result<std::unique_ptr<ReplicatedStore>> Open(const std::filesystem::path& data_dir,
                                                       StoreOptions options);
  virtual ~ReplicatedStore() = default;

  // Queues `batch` to the nodes. Returns a failed Status (kUnavailable) without writing
  // anything when fewer than a quorum of nodes are healthy; `done` is then never called.
  // Otherwise `done` is called exactly once, later, with Ok once a quorum durably holds the
  // batch, or kUnavailable when a quorum can no longer be reached. Callers that need several
  // writes in a given order make the calls in that order (Write itself is serialised).
  virtual Status Write(storage::WriteBatch batch, std::function<void(Status)> done) = 0;

  // Reads are served by a healthy node whose applied LSN covers everything committed so far.
  // kUnavailable when no such node exists.
  virtual Result<std::vector<storage::StoredRecord>> ReadRecords(
      const storage::RecordRange& range) const = 0;
  virtual Result<std::optional<uint64_t>> FirstSeqAtOrAfter(uint64_t stream_uid,
                                                            uint32_t shard_index, int64_t at_ms,
                                                            uint64_t from_seq,
                                                            uint64_t to_seq) const = 0;
  virtual Result<std::optional<uint64_t>> LastSeq(uint64_t stream_uid,
                                                  uint32_t shard_index) const = 0;
  virtual Result<std::optional<uint64_t>> FirstSeq(uint64_t stream_uid,
                                                   uint32_t shard_index) const = 0;
  virtual Result<std::optional<std::string>> GetMeta(const std::string& key) const = 0;
  virtual Result<std::vector<std::pair<std::string, std::string>>> ScanMeta(
      const std::string& prefix) const = 0;

  // --- operator surface ---
  virtual std::vector<NodeInfo> Nodes() const = 0;
  // Simulates an AZ outage: the node takes no more reads or writes. Idempotent.
  // kResourceNotFound for an unknown name.
  virtual Status FailNode(const std::string& name) = 0;
  // Ends the outage and clears injected faults: a down node is rebuilt from a healthy peer
  // while the store keeps serving, then counts toward the quorum again. Idempotent for a
  // healthy node.
  virtual Status RecoverNode(const std::string& name) = 0;
  // Degrades the node without taking it out: its writes are delayed or fail at random, as a
  // slow or flaky disk would. It stays in the quorum while it keeps up; a failed write or a
  // write past the node timeout takes it out as any real fault would. Replaces the node's
  // earlier settings. kResourceNotFound for an unknown name.
  virtual Status InjectFaults(const std::string& name, FaultSettings faults) = 0;
  virtual StoreStats Stats() const = 0;

  // Waits until queued writes are done, then stops the writer threads. Idempotent.
  virtual void Close() = 0;
};

}  // namespace sluice::replication
