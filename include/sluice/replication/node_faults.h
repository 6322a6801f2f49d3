#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "sluice/common/status.h"

namespace sluice::replication {

// Degradations of one storage node short of an outage: a slow disk or a flaky one.
struct FaultSettings {
  std::chrono::milliseconds apply_delay{0};  // each group commit waits this long first
  double error_rate = 0;  // probability that a group commit fails as an I/O error would

  bool any() const { return apply_delay.count() > 0 || error_rate > 0; }
};

// The faults injected into one node. Set from any thread (the operator API, a test); consulted
// by the node's writer thread before each write (Apply) and rebuild (ResetFrom). Tests derive from
// it to add faults of their own (hanging a write, counting them).
class NodeFaults {
 public:
  virtual ~NodeFaults() = default;

  // Replaces the settings; a delay being waited out ends at once (so recovering a node, or
  // closing the store, is never stuck behind an injected sleep).
  void Set(FaultSettings settings);
  FaultSettings settings() const;

  // Before each Apply: waits the delay (cut short by Set), then fails with the error rate's
  // probability.
  virtual Status BeforeApply();
  // Before the node is rebuilt from a snapshot.
  virtual Status BeforeReset() { return Status::Ok(); }

 private:
  mutable std::mutex settings_mutex_;  // guards settings_ and generation_
  std::condition_variable changed_;
  FaultSettings settings_;
  uint64_t generation_ = 0;  // counts Set calls, so a sleeper can tell it was interrupted
};

}  // namespace sluice::replication
