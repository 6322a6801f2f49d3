#include "sluice/replication/node_faults.h"

#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::replication {
namespace {

// Each writer thread draws from its own generator: no lock, and no two nodes in step.
bool Draw(double probability) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::bernoulli_distribution(probability)(generator);
}

// The StorageNode decorator behind WithFaults.
class FaultInjectingNode final : public storage::StorageNode {
 public:
  FaultInjectingNode(std::unique_ptr<storage::StorageNode> inner,
                     std::shared_ptr<NodeFaults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}

  const std::string& name() const override { return inner_->name(); }
  Status Apply(const std::vector<const storage::WriteBatch*>& batches, uint64_t lsn,
               bool sync) override {
    SLUICE_RETURN_IF_ERROR(faults_->BeforeApply());
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
    SLUICE_RETURN_IF_ERROR(faults_->BeforeReset());
    return inner_->ResetFrom(snapshot, sync);
  }
  uint64_t DiskUsageBytes() const override { return inner_->DiskUsageBytes(); }

 private:
  std::unique_ptr<storage::StorageNode> inner_;
  std::shared_ptr<NodeFaults> faults_;
};

}  // namespace

void NodeFaults::Set(FaultSettings settings) {
  std::lock_guard lock(settings_mutex_);
  settings_ = settings;
}

FaultSettings NodeFaults::settings() const {
  std::lock_guard lock(settings_mutex_);
  return settings_;
}

Status NodeFaults::BeforeApply() {
  const FaultSettings faults = settings();
  if (faults.apply_delay.count() > 0) std::this_thread::sleep_for(faults.apply_delay);
  if (faults.error_rate > 0 && Draw(faults.error_rate)) {
    return Status(ErrorCode::kInternal, "injected I/O error");
  }
  return Status::Ok();
}

std::unique_ptr<storage::StorageNode> WithFaults(std::unique_ptr<storage::StorageNode> node,
                                                 std::shared_ptr<NodeFaults> faults) {
  return std::make_unique<FaultInjectingNode>(std::move(node), std::move(faults));
}

}  // namespace sluice::replication
