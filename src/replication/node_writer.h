#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "replication/lsn.h"
#include "replication/snapshot_handoff.h"
#include "sluice/common/status.h"
#include "sluice/replication/node_faults.h"
#include "sluice/storage/storage_node.h"
#include "sluice/storage/write_batch.h"

namespace sluice::replication {

using Clock = std::chrono::steady_clock;

// One unit of work in a node's FIFO queue. Tasks run in queue order, which is LSN order.
struct WriterTask {
  enum class Kind {
    kWrite,     // apply `batch` at `lsn`
    kSnapshot,  // take a snapshot here, at this place in the log, and hand it off
    kCatchUp,   // wait for the handoff's snapshot and rebuild this node from it
    kRevert,    // apply `batch`, the undo of a failed write, without moving the LSN; not reported
    kProbe,     // a down node: does its disk answer? A marker write, reported by OnProbed
    kRejoin,    // a down node that rejoins first: apply `undos` in order, report by OnCaughtUp
  };
  Kind kind = Kind::kWrite;
  uint64_t generation = 0;  // the node's generation when queued; see ReplicatedStore
  Lsn lsn;                  // kWrite
  std::shared_ptr<const storage::WriteBatch> batch;  // kWrite, kRevert
  std::shared_ptr<SnapshotHandoff> handoff;          // kSnapshot, kCatchUp
  // kRejoin: undos of failed writes the node may hold, newest first.
  std::vector<std::shared_ptr<const storage::WriteBatch>> undos;
  Clock::time_point queued_at;
};

// What a writer reports back. Called on the writer's thread with no writer lock held.
class WriterListener {
 public:
  virtual ~WriterListener() = default;
  // The batches [first_lsn, last_lsn] were applied (or not: `status`) in one group commit.
  virtual void OnApplied(size_t node_index, uint64_t generation, Lsn first_lsn, Lsn last_lsn,
                         const Status& status) = 0;
  // A catch-up task finished: the node now holds the source's snapshot, or failed to.
  virtual void OnCaughtUp(size_t node_index, uint64_t generation, const Status& status) = 0;
  // A probe task ran: its marker write took `took` (faults included) and ended with `status`.
  virtual void OnProbed(size_t node_index, uint64_t generation, const Status& status,
                        Clock::duration took) = 0;
};

// The writer for one storage node: a thread of its own draining a FIFO queue. Consecutive write
// tasks are group-committed with one StorageNode::Apply (up to max_group_bytes). Each write and
// rebuild consults `faults` first; a rebuild holds `pin` exclusively, so it waits for every open
// ReadView of the node. Enqueue, DropQueue, OldestUnackedSince and Stop may be called from any
// thread.
class NodeWriter {
 public:
  NodeWriter(size_t node_index, storage::StorageNode* node, std::shared_ptr<NodeFaults> faults,
             std::shared_mutex* pin, WriterListener* listener, bool sync, size_t max_group_bytes);
  NodeWriter(const NodeWriter&) = delete;
  NodeWriter& operator=(const NodeWriter&) = delete;
  ~NodeWriter();  // Stop()

  void Start();
  void Enqueue(WriterTask task);
  // Abandons all queued work: the node has gone down. Pending snapshot tasks fail their
  // handoff; a catch-up waiting for a snapshot stops waiting. A group being applied right now
  // finishes, but no longer counts as outstanding.
  void DropQueue();
  // When the oldest work this writer holds and has not finished was queued; nullopt when idle,
  // or while it rebuilds from a snapshot (which may legitimately take long). Work queued during
  // a rebuild counts from the end of the rebuild.
  std::optional<Clock::time_point> OldestUnackedSince() const;
  // Bytes of batches this writer holds: queued, and the group being applied now even if it was
  // abandoned by DropQueue (its memory is only released when the apply returns).
  size_t HeldBytes() const;
  // Lets the thread finish everything queued, then joins it. Idempotent.
  void Stop();

 private:
  void Run();
  void ApplyGroup(const std::vector<WriterTask>& group);
  void TakeSnapshot(const WriterTask& task);
  void CatchUp(const WriterTask& task);
  void Revert(const WriterTask& task);
  void Probe(const WriterTask& task);
  void Rejoin(const WriterTask& task);
  static size_t TaskBytes(const WriterTask& task);

  const size_t node_index_;
  storage::StorageNode* const node_;
  const std::shared_ptr<NodeFaults> faults_;
  std::shared_mutex* const pin_;
  WriterListener* const listener_;
  const bool sync_;
  const size_t max_group_bytes_;

  mutable std::mutex queue_mutex_;  // guards every member below but thread_
  std::condition_variable queue_cv_;
  std::deque<WriterTask> queue_;
  size_t queued_bytes_ = 0;   // TaskBytes of everything in queue_
  size_t running_bytes_ = 0;  // TaskBytes of the task(s) being run now, abandoned or not
  bool stopping_ = false;
  // When the task(s) being run now were queued; reset when they finish or are abandoned.
  std::optional<Clock::time_point> running_since_;
  // The handoff a running catch-up waits on, so DropQueue can wake it.
  std::shared_ptr<SnapshotHandoff> running_catch_up_;
  Clock::time_point last_catch_up_end_{};

  std::thread thread_;
};

}  // namespace sluice::replication
