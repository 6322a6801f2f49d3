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
  std::chrono::milliseconds read_delay{0};  // each read of the node waits this long first

  bool any() const { return apply_delay.count() > 0 || error_rate > 0 || read_delay.count() > 0; }
};

// The faults injected into one node. Set from any thread (the operator API, a test); consulted
// by the node's writer thread before each write (Apply) and rebuild (ResetFrom), and by whoever
// opens a read view of the node. Tests derive from it to add faults of their own (hanging a
// write, counting them).
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
  // Before each read view of the node is handed out: waits the read delay (cut short by Set).
  void BeforeRead();
  // Before the node is rebuilt from a snapshot.
  virtual Status BeforeReset() { return Status::Ok(); }

 private:
  // Waits `delay` of the current settings; a Set meanwhile ends the wait. Returns the settings
  // the wait started with.
  FaultSettings WaitOut(std::chrono::milliseconds FaultSettings::*delay);

  mutable std::mutex settings_mutex_;  // guards settings_ and generation_
  std::condition_variable changed_;
  FaultSettings settings_;
  uint64_t generation_ = 0;  // counts Set calls, so a sleeper can tell it was interrupted
};

}  // namespace sluice::replication
