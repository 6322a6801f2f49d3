#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
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
  // While the node is down: why, and what the store does about it (see "Self-healing" below).
  std::string down_reason;        // empty unless down
  bool self_healing = false;      // down and probed to rejoin on its own (not the operator's fail)
  bool probing = false;           // a probe is queued or running on the node now
  uint32_t probe_attempts = 0;    // failed probes since it went down
  int64_t next_probe_in_ms = -1;  // when the next probe is due; -1 when none is scheduled
};

struct StoreOptions {
  int node_count = 3;  // nodes are named az-a, az-b, az-c, ... in <data_dir>/<name>/
  int quorum = 2;
  bool sync = true;  // fsync every group commit ("fsync" durability) or leave it to the OS
  // A node that has not acknowledged a batch within this long leaves the quorum.
  std::chrono::milliseconds node_timeout{5000};
  size_t max_group_bytes = 16 << 20;  // group commit gathers queued batches up to this size
  // A node whose writer would hold more than this many bytes of batches (queued, or in an apply
  // abandoned when it went down) leaves the quorum instead of growing memory. A node holding
  // nothing always takes one batch, however large.
  size_t max_node_queue_bytes = 64 << 20;
  // A node down for a timeout or an I/O error is probed after probe_backoff_min, then after
  // twice as long each time the probe fails, up to probe_backoff_max.
  std::chrono::milliseconds probe_backoff_min{100};
  std::chrono::milliseconds probe_backoff_max{10000};
  // Test seams. `node_faults` supplies the fault injector of the named node (tests hang or fail
  // its writes through it; the operator API sets the same object); a plain NodeFaults when empty.
  // `wrap_node` sees each node as it is opened (tests keep a pointer to inspect it); identity
  // when empty.
  std::function<std::shared_ptr<NodeFaults>(const std::string& name)> node_faults;
  std::function<std::unique_ptr<storage::StorageNode>(std::unique_ptr<storage::StorageNode>)>
      wrap_node;
};

// A read-only view of one storage node that held everything committed when the view was
// opened. The node is pinned for the view's lifetime: it is not rebuilt (wiped and refilled from
// a peer) while any view of it is open, so a read never sees a node half-way through a rebuild.
// Open a view per request (or per retention sweep), read through it, and let it go: a rebuild
// waits for it. Use it on one thread.
class ReadView {
 public:
  ReadView(const storage::StorageNode* node, std::shared_lock<std::shared_mutex> pin)
      : node_(node), pin_(std::move(pin)) {}
  const storage::StorageNode& node() const { return *node_; }
  const storage::StorageNode* operator->() const { return node_; }

 private:
  const storage::StorageNode* node_;
  std::shared_lock<std::shared_mutex> pin_;
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
// from it in the background; writes need a quorum of healthy nodes meanwhile. A node directory
// that RocksDB cannot open (corrupt, unreadable) is renamed to `<name>.corrupt-<UTC time>` and
// rebuilt like a wiped one, provided enough others open (a quorum, and enough that every
// acknowledged write is on one of them); otherwise Open fails and renames nothing.
//
// Self-healing: a node that went down by itself (a timeout, an I/O error, a failed catch-up, a
// queue over max_node_queue_bytes) is probed with backoff: a marker write through the node's
// own writer thread, behind whatever it is still stuck in, so a hung disk hangs only that
// thread, and a probe that has not answered within the node timeout is overdue (no second one
// is queued). Once a probe answers in time, the node catches up from a healthy peer and rejoins.
// When no node is healthy (a stall of a shared disk took them all out), the first node to answer
// that holds every committed write rejoins first, after undoing the failed writes it may have
// applied past the committed end; the others then catch up from it. A node failed by the
// operator (FailNode) is never probed: it stays down until RecoverNode.
//
// A write may carry an undo batch. When such a write fails (it can no longer reach a quorum), the
// nodes still up that hold it or will apply it (a minority) apply the undo right after it, so the
// failed write leaves no trace there either; the broker gives every metadata write one. A write
// without an undo (records) may stay on such a node and become visible if that node later is the
// most advanced one, as with any storage system that reports a failure it cannot take back.
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
  // `undo` (possibly empty) reverses `batch`'s effect on a node that applied it; see above.
  virtual Status Write(storage::WriteBatch batch, std::function<void(Status)> done,
                       storage::WriteBatch undo) = 0;
  Status Write(storage::WriteBatch batch, std::function<void(Status)> done) {
    return Write(std::move(batch), std::move(done), storage::WriteBatch());
  }

  // A view of a healthy node that holds every write committed so far, for reads. kUnavailable
  // when no such node can be read now.
  virtual Result<ReadView> OpenReadView() const = 0;

  // --- operator surface ---
  virtual std::vector<NodeInfo> Nodes() const = 0;
  // Simulates an AZ outage: the node takes no more reads or writes. Idempotent.
  // kResourceNotFound for an unknown name.
  virtual Status FailNode(const std::string& name) = 0;
  // Ends the outage and clears injected faults: a down node is rebuilt from a healthy peer
  // while the store keeps serving, then counts toward the quorum again; with no healthy peer it
  // is probed and rejoins as a self-healing node does. Idempotent for a healthy node.
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
