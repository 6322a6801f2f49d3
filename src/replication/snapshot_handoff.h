#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

#include "sluice/common/status.h"
#include "sluice/storage/storage_node.h"

namespace sluice::replication {

// Carries one snapshot from the source node's writer thread (which takes it at its place in the
// log) to the recovering node's writer thread (which waits for it, then rebuilds from it).
// Shared by the two threads; every method is thread-safe.
class SnapshotHandoff {
 public:
  // Source side: the snapshot, or why there is none. The first outcome wins.
  void Deliver(std::unique_ptr<storage::NodeSnapshot> snapshot) {
    std::lock_guard lock(outcome_mutex_);
    if (done_) return;
    snapshot_ = std::move(snapshot);
    done_ = true;
    outcome_cv_.notify_all();
  }
  void Fail(Status status) {
    std::lock_guard lock(outcome_mutex_);
    if (done_) return;
    status_ = std::move(status);
    done_ = true;
    outcome_cv_.notify_all();
  }

  // Recovering side: blocks until Deliver or Fail. The snapshot can be taken once.
  Result<std::unique_ptr<storage::NodeSnapshot>> Wait() {
    std::unique_lock lock(outcome_mutex_);
    outcome_cv_.wait(lock, [&] { return done_; });
    if (!status_.ok()) return status_;
    if (!snapshot_) return Status(ErrorCode::kInternal, "snapshot already taken");
    return std::move(snapshot_);
  }

 private:
  std::mutex outcome_mutex_;  // guards done_, snapshot_, status_
  std::condition_variable outcome_cv_;
  bool done_ = false;
  std::unique_ptr<storage::NodeSnapshot> snapshot_;
  Status status_;
};

}  // namespace sluice::replication
