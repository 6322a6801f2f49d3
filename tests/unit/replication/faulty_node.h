#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sluice/storage/storage_node.h"

namespace sluice::replication::testing {

// The faults a test injects into one node. Shared between the test (any thread) and the
// FaultyNode (its writer thread); every method is thread-safe.
class FaultControl {
 public:
  // Apply returns an error (an I/O failure) until cleared.
  void FailApplies(bool fail) {
    std::lock_guard lock(faults_mutex_);
    fail_applies_ = fail;
  }
  // Apply sleeps this long before writing.
  void DelayApplies(std::chrono::milliseconds delay) {
    std::lock_guard lock(faults_mutex_);
    delay_ = delay;
  }
  // Apply and ResetFrom block until Release().
  void Hang() {
    std::lock_guard lock(faults_mutex_);
    hang_ = true;
  }
  void Release() {
    std::lock_guard lock(faults_mutex_);
    hang_ = false;
    cv_.notify_all();
  }
  // Waits until an Apply is blocked in Hang(), up to `timeout`.
  bool WaitUntilHung(std::chrono::milliseconds timeout) {
    std::unique_lock lock(faults_mutex_);
    return cv_.wait_for(lock, timeout, [&] { return hung_ > 0; });
  }
  int applies() const {
    std::lock_guard lock(faults_mutex_);
    return applies_;
  }

  // Called by FaultyNode::ResetFrom before delegating.
  void BeforeReset() {
    std::unique_lock lock(faults_mutex_);
    WaitWhileHungLocked(lock);
  }

  // Called by FaultyNode::Apply before delegating. Returns false to fail the apply.
  bool BeforeApply() {
    std::unique_lock lock(faults_mutex_);
    ++applies_;
    WaitWhileHungLocked(lock);
    auto delay = delay_;
    bool fail = fail_applies_;
    lock.unlock();
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    return !fail;
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

  mutable std::mutex faults_mutex_;  // guards every member
  std::condition_variable cv_;
  bool fail_applies_ = false;
  std::chrono::milliseconds delay_{0};
  bool hang_ = false;
  int hung_ = 0;
  int applies_ = 0;
};

// A StorageNode decorator that injects the faults its FaultControl asks for into Apply and
// delegates everything else. Runs wherever its methods are called (see StorageNode).
class FaultyNode final : public storage::StorageNode {
 public:
  FaultyNode(std::unique_ptr<storage::StorageNode> inner, std::shared_ptr<FaultControl> control)
      : inner_(std::move(inner)), control_(std::move(control)) {}

  const std::string& name() const override { return inner_->name(); }
  Status Apply(const std::vector<const storage::WriteBatch*>& batches, uint64_t lsn,
               bool sync) override {
    if (!control_->BeforeApply()) return Status(ErrorCode::kInternal, "injected I/O error");
    return inner_->Apply(batches, lsn, sync);
  }
  uint64_t applied_lsn() const override { return inner_->applied_lsn(); }
  Result<std::vector<storage::StoredRecord>> ReadRecords(
      const storage::RecordRange& range) const override {
    return inner_->ReadRecords(range);
  }
  Result<std::optional<uint64_t>> FirstSeqAtOrAfter(uint64_t stream_uid, uint32_t shard_index,
                                                    int64_t at_ms, uint64_t from_seq,
                                                    uint64_t to_seq) const override {
    return inner_->FirstSeqAtOrAfter(stream_uid, shard_index, at_ms, from_seq, to_seq);
  }
  Result<std::optional<uint64_t>> LastSeq(uint64_t stream_uid,
                                          uint32_t shard_index) const override {
    return inner_->LastSeq(stream_uid, shard_index);
  }
  Result<std::optional<uint64_t>> FirstSeq(uint64_t stream_uid,
                                           uint32_t shard_index) const override {
    return inner_->FirstSeq(stream_uid, shard_index);
  }
  Result<std::optional<std::string>> GetMeta(const std::string& key) const override {
    return inner_->GetMeta(key);
  }
  Result<std::vector<std::pair<std::string, std::string>>> ScanMeta(
      const std::string& prefix) const override {
    return inner_->ScanMeta(prefix);
  }
  Result<std::unique_ptr<storage::NodeSnapshot>> Snapshot() const override {
    return inner_->Snapshot();
  }
  Status ResetFrom(const storage::NodeSnapshot& snapshot, bool sync) override {
    control_->BeforeReset();
    return inner_->ResetFrom(snapshot, sync);
  }
  uint64_t DiskUsageBytes() const override { return inner_->DiskUsageBytes(); }

 private:
  std::unique_ptr<storage::StorageNode> inner_;
  std::shared_ptr<FaultControl> control_;
};

}  // namespace sluice::replication::testing
