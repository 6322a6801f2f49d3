#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "sluice/replication/node_faults.h"

namespace sluice::replication::testing {

// The faults a test injects into one node: the production NodeFaults (delays, I/O errors) plus
// hanging a write until released, and a count of writes. Shared between the test (any thread)
// and the node's writer thread; every method is thread-safe.
class FaultControl final : public NodeFaults {
 public:
  // Apply returns an error (an I/O failure) until cleared.
  void FailApplies(bool fail) {
    FaultSettings faults = settings();
    faults.error_rate = fail ? 1.0 : 0.0;
    Set(faults);
  }
  // Apply sleeps this long before writing.
  void DelayApplies(std::chrono::milliseconds delay) {
    FaultSettings faults = settings();
    faults.apply_delay = delay;
    Set(faults);
  }
  // Apply and ResetFrom block until Release().
  void Hang() {
    std::lock_guard lock(hang_mutex_);
    hang_ = true;
  }
  void Release() {
    std::lock_guard lock(hang_mutex_);
    hang_ = false;
    cv_.notify_all();
  }
  // Waits until an Apply is blocked in Hang(), up to `timeout`.
  bool WaitUntilHung(std::chrono::milliseconds timeout) {
    std::unique_lock lock(hang_mutex_);
    return cv_.wait_for(lock, timeout, [&] { return hung_ > 0; });
  }
  int applies() const {
    std::lock_guard lock(hang_mutex_);
    return applies_;
  }

  Status BeforeApply() override {
    {
      std::unique_lock lock(hang_mutex_);
      ++applies_;
      WaitWhileHungLocked(lock);
    }
    return NodeFaults::BeforeApply();
  }
  Status BeforeReset() override {
    std::unique_lock lock(hang_mutex_);
    WaitWhileHungLocked(lock);
    return Status::Ok();
  }

 private:
  void WaitWhileHungLocked(std::unique_lock<std::mutex>& lock) {
    if (hang_) {
      ++hung_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !hang_; });
      --hung_;
    }
  }

  mutable std::mutex hang_mutex_;  // guards hang_, hung_ and applies_
  std::condition_variable cv_;
  bool hang_ = false;
  int hung_ = 0;
  int applies_ = 0;
};

}  // namespace sluice::replication::testing
