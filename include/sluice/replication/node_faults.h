#pragma once

#include <chrono>
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

  void Set(FaultSettings settings);
  FaultSettings settings() const;

  // Before each Apply: waits the delay, then fails with the error rate's probability.
  virtual Status BeforeApply();
  // Before the node is rebuilt from a snapshot.
  virtual Status BeforeReset() { return Status::Ok(); }

 private:
  mutable std::mutex settings_mutex_;  // guards settings_
  FaultSettings settings_;
};

}  // namespace sluice::replication
