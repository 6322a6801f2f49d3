#include "replication/node_writer.h"

#include <algorithm>
#include <utility>

#include "sluice/common/log.h"

namespace sluice::replication {

NodeWriter::NodeWriter(size_t node_index, storage::StorageNode* node,
                       std::shared_ptr<NodeFaults> faults, std::shared_mutex* pin,
                       WriterListener* listener, bool sync, size_t max_group_bytes)
    : node_index_(node_index),
      node_(node),
      faults_(std::move(faults)),
      pin_(pin),
      listener_(listener),
      sync_(sync),
      max_group_bytes_(max_group_bytes) {}

NodeWriter::~NodeWriter() { Stop(); }

void NodeWriter::Start() {
  thread_ = std::thread([this] { Run(); });
}

size_t NodeWriter::TaskBytes(const WriterTask& task) {
  size_t bytes = task.batch ? task.batch->ByteSize() : 0;
  for (const auto& undo : task.undos) bytes += undo->ByteSize();
  return bytes;
}

void NodeWriter::Enqueue(WriterTask task) {
  std::lock_guard lock(queue_mutex_);
  queued_bytes_ += TaskBytes(task);
  queue_.push_back(std::move(task));
  queue_cv_.notify_one();
}

void NodeWriter::DropQueue() {
  std::lock_guard lock(queue_mutex_);
  for (const WriterTask& task : queue_) {
    if (task.kind == WriterTask::Kind::kSnapshot) {
      task.handoff->Fail(Status(ErrorCode::kUnavailable,
                                "source node " + node_->name() + " went down before its snapshot"));
    }
  }
  queue_.clear();
  queued_bytes_ = 0;
  running_since_.reset();
  if (running_catch_up_) {
    running_catch_up_->Fail(
        Status(ErrorCode::kUnavailable, "node " + node_->name() + " went down during catch-up"));
  }
}

std::optional<Clock::time_point> NodeWriter::OldestUnackedSince() const {
  std::lock_guard lock(queue_mutex_);
  if (running_catch_up_) return std::nullopt;
  std::optional<Clock::time_point> since = running_since_;
  if (!since && !queue_.empty()) {
    if (queue_.front().kind == WriterTask::Kind::kCatchUp) return std::nullopt;
    since = queue_.front().queued_at;
  }
  if (since) since = std::max(*since, last_catch_up_end_);
  return since;
}

size_t NodeWriter::HeldBytes() const {
  std::lock_guard lock(queue_mutex_);
  return queued_bytes_ + running_bytes_;
}

void NodeWriter::Stop() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
    queue_cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void NodeWriter::Run() {
  std::vector<WriterTask> group;
  for (;;) {
    group.clear();
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      // A snapshot or catch-up runs alone; consecutive writes of one generation form a group.
      size_t bytes = 0;
      do {
        bytes += TaskBytes(queue_.front());
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } while (group.front().kind == WriterTask::Kind::kWrite && !queue_.empty() &&
               queue_.front().kind == WriterTask::Kind::kWrite &&
               queue_.front().generation == group.front().generation &&
               bytes + queue_.front().batch->ByteSize() <= max_group_bytes_);
      queued_bytes_ -= bytes;
      running_bytes_ = bytes;
      running_since_ = group.front().queued_at;
      if (group.front().kind == WriterTask::Kind::kCatchUp) {
        running_catch_up_ = group.front().handoff;
      }
    }
    switch (group.front().kind) {
      case WriterTask::Kind::kWrite:
        ApplyGroup(group);
        break;
      case WriterTask::Kind::kSnapshot:
        TakeSnapshot(group.front());
        break;
      case WriterTask::Kind::kCatchUp:
        CatchUp(group.front());
        break;
      case WriterTask::Kind::kRevert:
        Revert(group.front());
        break;
      case WriterTask::Kind::kProbe:
        Probe(group.front());
        break;
      case WriterTask::Kind::kRejoin:
        Rejoin(group.front());
        break;
    }
    group.clear();  // the batches' memory goes before the bytes are no longer counted
    std::lock_guard lock(queue_mutex_);
    running_bytes_ = 0;
    running_since_.reset();
  }
}

void NodeWriter::ApplyGroup(const std::vector<WriterTask>& group) {
  std::vector<const storage::WriteBatch*> batches;
  batches.reserve(group.size());
  for (const WriterTask& task : group) batches.push_back(task.batch.get());
  Status status = faults_->BeforeApply();
  if (status.ok()) status = node_->Apply(batches, group.back().lsn.value(), sync_);
  listener_->OnApplied(node_index_, group.front().generation, group.front().lsn, group.back().lsn,
                       status);
}

void NodeWriter::TakeSnapshot(const WriterTask& task) {
  auto snapshot = node_->Snapshot();
  if (snapshot.ok()) {
    Logger("replication")
        ->info("node {} took a snapshot at LSN {} for a catch-up", node_->name(),
               (*snapshot)->applied_lsn());
    task.handoff->Deliver(std::move(snapshot).value());
  } else {
    task.handoff->Fail(snapshot.status());
  }
}

void NodeWriter::CatchUp(const WriterTask& task) {
  Status status;
  {
    // Scoped so the source's snapshot is released as soon as the rebuild is done.
    auto snapshot = task.handoff->Wait();
    status = snapshot.ok() ? faults_->BeforeReset() : snapshot.status();
    if (status.ok()) {
      std::unique_lock pin(*pin_);  // no reader sees the node while it is wiped and refilled
      status = node_->ResetFrom(**snapshot, sync_);
    }
  }
  {
    std::lock_guard lock(queue_mutex_);
    running_catch_up_.reset();
    last_catch_up_end_ = Clock::now();
  }
  listener_->OnCaughtUp(node_index_, task.generation, status);
}

void NodeWriter::Revert(const WriterTask& task) {
  // Faults are not consulted: the undo is what makes a failed write harmless, and the node is
  // out of step with the quorum already. If even this write fails, the failed write stays on the
  // node until it is rebuilt; the log says so.
  Status status = node_->Apply({task.batch.get()}, node_->applied_lsn(), sync_);
  if (!status.ok()) {
    Logger("replication")
        ->error("node {}: undoing a failed write failed: {}", node_->name(), status.message());
  }
}

void NodeWriter::Probe(const WriterTask& task) {
  // The same path a write takes (faults first, then the disk), but it rewrites only the applied
  // LSN the node already has: the node's content does not change.
  const auto start = Clock::now();
  Status status = faults_->BeforeApply();
  if (status.ok()) status = node_->Apply({}, node_->applied_lsn(), sync_);
  listener_->OnProbed(node_index_, task.generation, status, Clock::now() - start);
}

void NodeWriter::Rejoin(const WriterTask& task) {
  Status status;
  for (const auto& undo : task.undos) {
    status = node_->Apply({undo.get()}, node_->applied_lsn(), sync_);
    if (!status.ok()) break;
  }
  listener_->OnCaughtUp(node_index_, task.generation, status);
}

}  // namespace sluice::replication
