#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "replication/latency_histogram.h"
#include "replication/lsn.h"
#include "replication/node_writer.h"
#include "sluice/replication/replicated_store.h"

namespace sluice::replication {

// The ReplicatedStore: a log of WriteBatches, each sent to every live node's writer, committed
// once a quorum of them has applied it. The write path is in replicated_store.cc; probing and
// rejoining of down nodes (and the monitor thread that drives them) in node_healing.cc.
//
// Threads: public methods run on callers' threads; OnApplied, OnCaughtUp and OnProbed on node
// writer threads; MonitorLoop on a monitor thread of its own, which times out slow nodes, queues
// probes and delivers completions caused by operator actions. `done` callbacks run on a writer
// or the monitor thread, one at a time, in LSN order, with no lock of the store held.
class QuorumStore final : public ReplicatedStore, public WriterListener {
 public:
  explicit QuorumStore(StoreOptions options) : options_(std::move(options)) {}
  ~QuorumStore() override { Close(); }

  Status Init(const std::filesystem::path& data_dir);

  using ReplicatedStore::Write;
  Status Write(storage::WriteBatch batch, std::function<void(Status)> done,
               storage::WriteBatch undo) override;

  Result<ReadView> OpenReadView() const override;

  std::vector<NodeInfo> Nodes() const override;
  Status FailNode(const std::string& name) override;
  Status RecoverNode(const std::string& name) override;
  Status InjectFaults(const std::string& name, FaultSettings faults) override;
  StoreStats Stats() const override;
  void Close() override;

 private:
  // What the store does about a down node.
  enum class Healing {
    kNone,     // not down, or down by the operator's FailNode (sticky until RecoverNode)
    kWaiting,  // a probe is due at next_probe_at
    kProbing,  // a probe is queued or running since probe_sent_at
  };

  struct Node {
    std::string name;
    std::shared_ptr<NodeFaults> faults;             // operator- or test-injected
    std::unique_ptr<storage::StorageNode> storage;  // declared before the writer that uses it
    // Held shared by each open ReadView of the node, exclusively while the node is rebuilt.
    mutable std::shared_mutex pin;
    std::unique_ptr<NodeWriter> writer;
    // Written under log_mutex_; read without it by the read path.
    std::atomic<NodeState> state{NodeState::kDown};
    // Bumped under log_mutex_ each time the node goes down, so acknowledgements of work queued
    // before are ignored.
    uint64_t generation = 0;
    // The rest is guarded by log_mutex_: why the node is down, and its probes.
    std::string down_reason;
    Healing healing = Healing::kNone;
    uint32_t probe_attempts = 0;  // failed probes since it went down; sets the backoff
    Clock::time_point next_probe_at;
    Clock::time_point probe_sent_at;
    bool probe_overdue_logged = false;
  };

  // One batch between Write and its `done` callback.
  struct PendingWrite {
    enum class Outcome { kPending, kCommitted, kFailed };
    Lsn lsn;
    std::function<void(Status)> done;
    std::shared_ptr<const storage::WriteBatch> undo;  // null when the write has none
    uint32_t targets = 0;  // bit per node the batch was queued to (and that is still up or acked)
    uint32_t acked = 0;    // bit per node that durably applied it
    size_t bytes = 0;
    Clock::time_point queued_at;
    Outcome outcome = Outcome::kPending;
  };

  struct Completion {
    std::function<void(Status)> done;
    Status status;
  };

  void OnApplied(size_t node_index, uint64_t generation, Lsn first_lsn, Lsn last_lsn,
                 const Status& status) override;
  void OnCaughtUp(size_t node_index, uint64_t generation, const Status& status) override;
  void OnProbed(size_t node_index, uint64_t generation, const Status& status,
                Clock::duration took) override;

  // --- with log_mutex_ held ---
  int HealthyCountLocked() const;
  // Takes the node out of the quorum: no more writes or reads, queue dropped, and batches that
  // can no longer reach a quorum fail; the nodes still up undo those that carry an undo.
  // A node down by the operator stays down until RecoverNode; any other is probed (healing).
  // For a node already down, only makes an operator's failure sticky.
  void MarkDownLocked(size_t index, const std::string& reason, bool by_operator = false);
  // Takes out every node whose writer would hold more than max_node_queue_bytes with `bytes`
  // more; true when any went.
  bool EnforceQueueBoundLocked(size_t bytes);
  // Starts rebuilding a down node from a healthy one; see RecoverNode.
  Status StartCatchUpLocked(size_t index);
  // Moves decided batches at the head of the log to completions_, in LSN order.
  void SettleLocked();
  // Healing (node_healing.cc): queues due probes and logs overdue ones.
  void ProbeDueNodesLocked(Clock::time_point now);
  // A probe of a down node answered in time: catch up from a healthy peer, or rejoin first when
  // none is healthy and the node holds every committed write, or wait and probe again.
  void RejoinLocked(size_t index, Clock::time_point now);
  // Schedules the node's next probe after the backoff its failed attempts have earned.
  void ScheduleProbeLocked(Node& node, Clock::time_point now);
  Clock::duration BackoffAfter(uint32_t failed_attempts) const;

  // Runs queued completions, unless another thread already is (it will run these too).
  void DeliverCompletions();
  void MonitorLoop();
  std::optional<size_t> FindNode(const std::string& name) const;

  const StoreOptions options_;
  std::vector<std::unique_ptr<Node>> nodes_;  // fixed after Init

  // The log order: guards LSN assignment, pending_, completions_, delivering_, node states,
  // generations and healing, failed_undos_, the stats below, closed_ and monitor_stop_.
  mutable std::mutex log_mutex_;
  std::condition_variable monitor_cv_;  // used with log_mutex_
  Lsn next_lsn_{1};
  std::deque<PendingWrite> pending_;  // consecutive LSNs, oldest first
  std::deque<Completion> completions_;
  // The undos of failed writes past the committed end, in the order their failures were
  // decided: a node that rejoins first with no healthy peer may hold those writes and applies
  // these (newest first) before serving.
  std::deque<std::pair<Lsn, std::shared_ptr<const storage::WriteBatch>>> failed_undos_;
  bool delivering_ = false;
  bool closed_ = false;
  bool monitor_stop_ = false;
  uint64_t batches_committed_ = 0;
  uint64_t batches_failed_ = 0;
  uint64_t bytes_committed_ = 0;
  uint64_t catch_ups_completed_ = 0;
  LatencyHistogram latency_;

  std::atomic<Lsn> committed_lsn_{Lsn{0}};  // written under log_mutex_
  mutable std::atomic<size_t> read_cursor_{0};
  std::thread monitor_;
};

}  // namespace sluice::replication
