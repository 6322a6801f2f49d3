#include "sluice/replication/replicated_store.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "replication/node_directories.h"
#include "replication/quorum_store.h"
#include "sluice/common/log.h"

namespace sluice::replication {

const char* NodeStateName(NodeState state) {
  switch (state) {
    case NodeState::kHealthy:
      return "healthy";
    case NodeState::kDown:
      return "down";
    case NodeState::kCatchingUp:
      return "catching_up";
  }
  return "unknown";
}

namespace {

constexpr int kMaxNodes = 26;  // one letter each: az-a .. az-z

std::string NodeName(int index) { return std::string("az-") + static_cast<char>('a' + index); }

}  // namespace

Status QuorumStore::Init(const std::filesystem::path& data_dir) {
  auto log = Logger("replication");
  if (options_.node_count < 1 || options_.node_count > kMaxNodes || options_.quorum < 1 ||
      options_.quorum > options_.node_count || options_.node_timeout.count() <= 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "Invalid replication settings: need 1 <= quorum <= nodes <= 26 and a positive "
                  "node timeout.");
  }
  if (options_.probe_backoff_min.count() <= 0 ||
      options_.probe_backoff_max < options_.probe_backoff_min) {
    return Status(ErrorCode::kInvalidArgument,
                  "Invalid replication settings: need 0 < probe backoff minimum <= maximum.");
  }
  std::vector<std::string> names;
  for (int i = 0; i < options_.node_count; ++i) names.push_back(NodeName(i));
  auto storages = OpenNodeDirectories(data_dir, names, options_.quorum);
  if (!storages.ok()) return storages.status();
  Lsn max_lsn{0};
  for (int i = 0; i < options_.node_count; ++i) {
    auto node = std::make_unique<Node>();
    node->name = names[i];
    node->storage = std::move((*storages)[i]);
    if (options_.wrap_node) node->storage = options_.wrap_node(std::move(node->storage));
    if (!node->storage) return Status(ErrorCode::kInternal, "wrap_node returned no node");
    node->faults = options_.node_faults ? options_.node_faults(node->name) : nullptr;
    if (!node->faults) node->faults = std::make_shared<NodeFaults>();
    node->writer =
        std::make_unique<NodeWriter>(nodes_.size(), node->storage.get(), node->faults, &node->pin,
                                     this, options_.sync, options_.max_group_bytes);
    nodes_.push_back(std::move(node));
  }
  for (const auto& node : nodes_) max_lsn = std::max(max_lsn, AppliedLsn(*node->storage));

  std::lock_guard lock(log_mutex_);
  // Every node holds a prefix of one log, so the furthest node holds everything acknowledged.
  committed_lsn_.store(max_lsn);
  next_lsn_ = Next(max_lsn);
  for (auto& node : nodes_) {
    if (AppliedLsn(*node->storage) == max_lsn) node->state.store(NodeState::kHealthy);
  }
  for (auto& node : nodes_) node->writer->Start();
  monitor_ = std::thread([this] { MonitorLoop(); });
  log->info("replicated store opened in {}: {} nodes at LSN {}, quorum {}", data_dir.string(),
            nodes_.size(), max_lsn.value(), options_.quorum);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->state.load() == NodeState::kHealthy) continue;
    log->info("node {} is at LSN {}, behind LSN {}: rebuilding it", nodes_[i]->name,
              nodes_[i]->storage->applied_lsn(), max_lsn.value());
    SLUICE_RETURN_IF_ERROR(StartCatchUpLocked(i));
  }
  return Status::Ok();
}

Status QuorumStore::Write(storage::WriteBatch batch, std::function<void(Status)> done,
                          storage::WriteBatch undo) {
  auto shared = std::make_shared<const storage::WriteBatch>(std::move(batch));
  const auto now = Clock::now();
  std::lock_guard lock(log_mutex_);
  if (closed_) return Status(ErrorCode::kUnavailable, "The storage layer is shut down.");
  if (EnforceQueueBoundLocked(shared->ByteSize())) {
    // Batches those nodes' departure decided complete on the monitor thread, never on the
    // caller's, which may hold locks their callbacks need.
    SettleLocked();
    monitor_cv_.notify_all();
  }
  const int healthy = HealthyCountLocked();
  if (healthy < options_.quorum) {
    return Status(ErrorCode::kUnavailable,
                  "Not enough storage nodes are available to accept writes (" +
                      std::to_string(healthy) + " of " + std::to_string(nodes_.size()) +
                      " healthy, " + std::to_string(options_.quorum) + " needed).");
  }
  PendingWrite pending;
  pending.lsn = next_lsn_;
  next_lsn_ = Next(next_lsn_);
  pending.done = std::move(done);
  if (!undo.empty()) pending.undo = std::make_shared<const storage::WriteBatch>(std::move(undo));
  pending.bytes = shared->ByteSize();
  pending.queued_at = now;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = *nodes_[i];
    if (node.state.load() == NodeState::kDown) continue;
    WriterTask task;
    task.kind = WriterTask::Kind::kWrite;
    task.generation = node.generation;
    task.lsn = pending.lsn;
    task.batch = shared;
    task.queued_at = now;
    node.writer->Enqueue(std::move(task));
    pending.targets |= 1u << i;
  }
  pending_.push_back(std::move(pending));
  return Status::Ok();
}

void QuorumStore::OnApplied(size_t node_index, uint64_t generation, Lsn first_lsn, Lsn last_lsn,
                            const Status& status) {
  {
    std::lock_guard lock(log_mutex_);
    Node& node = *nodes_[node_index];
    if (generation != node.generation) return;  // queued before the node went down
    if (!status.ok()) {
      MarkDownLocked(node_index, "its write failed (" + status.message() + ")");
    } else if (!pending_.empty()) {
      const auto now = Clock::now();
      const uint32_t bit = 1u << node_index;
      const Lsn head = pending_.front().lsn;
      for (Lsn lsn = std::max(first_lsn, head); lsn <= last_lsn; lsn = Next(lsn)) {
        const uint64_t offset = lsn.value() - head.value();  // pending_ holds consecutive LSNs
        if (offset >= pending_.size()) break;
        PendingWrite& pending = pending_[offset];
        if (pending.outcome != PendingWrite::Outcome::kPending || !(pending.targets & bit)) {
          continue;
        }
        pending.acked |= bit;
        if (std::popcount(pending.acked) >= options_.quorum) {
          pending.outcome = PendingWrite::Outcome::kCommitted;
          ++batches_committed_;
          bytes_committed_ += pending.bytes;
          latency_.Record(
              std::chrono::duration<double, std::micro>(now - pending.queued_at).count());
        }
      }
    }
    SettleLocked();
  }
  DeliverCompletions();
}

void QuorumStore::OnCaughtUp(size_t node_index, uint64_t generation, const Status& status) {
  {
    std::lock_guard lock(log_mutex_);
    Node& node = *nodes_[node_index];
    if (generation != node.generation) return;  // it went down again meanwhile
    if (!status.ok()) {
      MarkDownLocked(node_index, "its catch-up failed (" + status.message() + ")");
      SettleLocked();
    } else {
      node.state.store(NodeState::kHealthy);
      node.down_reason.clear();
      node.healing = Healing::kNone;
      ++catch_ups_completed_;
      Logger("replication")
          ->info("node {} caught up to LSN {} and is healthy again", node.name,
                 node.storage->applied_lsn());
      // Nodes waiting for a healthy peer to rebuild from need not wait out their backoff.
      const auto now = Clock::now();
      for (auto& other : nodes_) {
        if (other->healing == Healing::kWaiting) other->next_probe_at = now;
      }
    }
  }
  DeliverCompletions();
}

int QuorumStore::HealthyCountLocked() const {
  int healthy = 0;
  for (const auto& node : nodes_) healthy += node->state.load() == NodeState::kHealthy ? 1 : 0;
  return healthy;
}

void QuorumStore::MarkDownLocked(size_t index, const std::string& reason, bool by_operator) {
  Node& node = *nodes_[index];
  if (node.state.load() == NodeState::kDown) {
    if (by_operator) {
      node.down_reason = reason;
      node.healing = Healing::kNone;  // a probe already queued is ignored when it answers
    }
    return;
  }
  node.state.store(NodeState::kDown);
  ++node.generation;
  node.writer->DropQueue();
  node.down_reason = reason;
  node.probe_attempts = 0;
  node.probe_overdue_logged = false;
  if (by_operator) {
    node.healing = Healing::kNone;
  } else {
    node.healing = Healing::kWaiting;
    node.next_probe_at = Clock::now() + options_.probe_backoff_min;
  }
  Logger("replication")
      ->warn("node {} is down: {}; {} of {} nodes healthy{}", node.name, reason,
             HealthyCountLocked(), nodes_.size(),
             by_operator ? "" : "; it is probed and rejoins on its own once it answers");
  const uint32_t bit = 1u << index;
  // (node, undo) for each failed write that a node still up holds or will apply, in LSN order.
  std::vector<std::pair<size_t, std::shared_ptr<const storage::WriteBatch>>> undos;
  for (PendingWrite& pending : pending_) {
    if (pending.outcome != PendingWrite::Outcome::kPending || (pending.acked & bit)) continue;
    pending.targets &= ~bit;
    if (std::popcount(pending.targets) < options_.quorum) {
      pending.outcome = PendingWrite::Outcome::kFailed;
      ++batches_failed_;
      if (!pending.undo) continue;
      failed_undos_.emplace_back(pending.lsn, pending.undo);
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (pending.targets & (1u << i)) undos.emplace_back(i, pending.undo);
      }
    }
  }
  // Newest first: each undo restores what the write before it left. Queued behind the failed
  // writes themselves, which are already in the node's queue (or applied).
  const auto now = Clock::now();
  for (auto it = undos.rbegin(); it != undos.rend(); ++it) {
    Node& holder = *nodes_[it->first];
    WriterTask revert;
    revert.kind = WriterTask::Kind::kRevert;
    revert.generation = holder.generation;
    revert.batch = it->second;
    revert.queued_at = now;
    holder.writer->Enqueue(std::move(revert));
  }
}

Status QuorumStore::StartCatchUpLocked(size_t index) {
  Node& node = *nodes_[index];
  if (node.state.load() != NodeState::kDown) return Status::Ok();
  Node* source = nullptr;
  for (auto& candidate : nodes_) {
    if (candidate->state.load() == NodeState::kHealthy) {
      source = candidate.get();
      break;
    }
  }
  if (source == nullptr) {
    return Status(ErrorCode::kUnavailable,
                  "No healthy storage node to rebuild " + node.name + " from.");
  }
  // The snapshot task sits in the source's queue behind every batch assigned so far, and the
  // catch-up heads this node's queue, in front of every batch assigned from now on: together
  // they cover the log exactly once.
  const auto now = Clock::now();
  auto handoff = std::make_shared<SnapshotHandoff>();
  WriterTask snapshot;
  snapshot.kind = WriterTask::Kind::kSnapshot;
  snapshot.generation = source->generation;
  snapshot.handoff = handoff;
  snapshot.queued_at = now;
  source->writer->Enqueue(std::move(snapshot));
  WriterTask catch_up;
  catch_up.kind = WriterTask::Kind::kCatchUp;
  catch_up.generation = node.generation;
  catch_up.handoff = std::move(handoff);
  catch_up.queued_at = now;
  node.writer->Enqueue(std::move(catch_up));
  node.state.store(NodeState::kCatchingUp);
  node.healing = Healing::kNone;
  Logger("replication")
      ->info("node {} is catching up from {} at LSN {}", node.name, source->name,
             next_lsn_.value() - 1);
  return Status::Ok();
}

void QuorumStore::SettleLocked() {
  while (!pending_.empty() && pending_.front().outcome != PendingWrite::Outcome::kPending) {
    PendingWrite& head = pending_.front();
    if (head.outcome == PendingWrite::Outcome::kCommitted) {
      committed_lsn_.store(head.lsn);
      completions_.push_back({std::move(head.done), Status::Ok()});
    } else {
      completions_.push_back(
          {std::move(head.done), Status(ErrorCode::kUnavailable,
                                        "The write could not reach a quorum of storage nodes.")});
    }
    pending_.pop_front();
  }
  // Below the committed end, no node that rejoins first needs them (see RejoinLocked).
  const Lsn committed = committed_lsn_.load();
  std::erase_if(failed_undos_, [&](const auto& failed) { return failed.first <= committed; });
}

bool QuorumStore::EnforceQueueBoundLocked(size_t bytes) {
  bool any = false;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->state.load() == NodeState::kDown) continue;
    const size_t held = nodes_[i]->writer->HeldBytes();
    if (held == 0 || held + bytes <= options_.max_node_queue_bytes) continue;
    MarkDownLocked(i, "its writer would hold " + std::to_string(held + bytes) +
                          " bytes of writes, over the " +
                          std::to_string(options_.max_node_queue_bytes) + " byte bound");
    any = true;
  }
  return any;
}

void QuorumStore::DeliverCompletions() {
  {
    std::lock_guard lock(log_mutex_);
    if (delivering_ || completions_.empty()) return;
    delivering_ = true;
  }
  for (;;) {
    std::deque<Completion> batch;
    {
      std::lock_guard lock(log_mutex_);
      if (completions_.empty()) {
        delivering_ = false;
        return;
      }
      batch.swap(completions_);
    }
    for (Completion& completion : batch) {
      if (!completion.done) continue;
      try {
        completion.done(std::move(completion.status));
      } catch (const std::exception& e) {
        Logger("replication")->error("a write completion threw: {}", e.what());
      } catch (...) {
        Logger("replication")->error("a write completion threw");
      }
    }
  }
}

Result<ReadView> QuorumStore::OpenReadView() const {
  const Lsn committed = committed_lsn_.load();
  const size_t start = read_cursor_.fetch_add(1, std::memory_order_relaxed);
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const Node& node = *nodes_[(start + k) % nodes_.size()];
    // Pin first, then check: a node cannot start a rebuild once pinned. A node being rebuilt
    // now is skipped rather than waited for.
    std::shared_lock pin(node.pin, std::try_to_lock);
    if (!pin.owns_lock()) continue;
    if (node.state.load() == NodeState::kHealthy && AppliedLsn(*node.storage) >= committed) {
      node.faults->BeforeRead();  // an injected slow read holds the caller here, as a disk would
      return ReadView(node.storage.get(), std::move(pin));
    }
  }
  return Status(ErrorCode::kUnavailable,
                "No storage node holding every committed write is available.");
}

std::optional<size_t> QuorumStore::FindNode(const std::string& name) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->name == name) return i;
  }
  return std::nullopt;
}

std::vector<NodeInfo> QuorumStore::Nodes() const {
  std::vector<NodeInfo> infos(nodes_.size());
  {
    std::lock_guard lock(log_mutex_);
    const auto now = Clock::now();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const Node& node = *nodes_[i];
      NodeInfo& info = infos[i];
      info.state = node.state.load();
      if (info.state != NodeState::kDown) continue;
      info.down_reason = node.down_reason;
      info.self_healing = node.healing != Healing::kNone;
      info.probing = node.healing == Healing::kProbing;
      info.probe_attempts = node.probe_attempts;
      if (node.healing == Healing::kWaiting) {
        info.next_probe_in_ms = std::max<int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(node.next_probe_at - now)
                   .count());
      }
    }
  }
  // Disk usage walks the directory: outside the lock.
  const uint64_t committed = committed_lsn_.load().value();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& node = *nodes_[i];
    NodeInfo& info = infos[i];
    info.name = node.name;
    info.applied_lsn = node.storage->applied_lsn();
    info.lag = committed > info.applied_lsn ? committed - info.applied_lsn : 0;
    info.disk_bytes = node.storage->DiskUsageBytes();
    info.faults = node.faults->settings();
  }
  return infos;
}

Status QuorumStore::FailNode(const std::string& name) {
  auto index = FindNode(name);
  if (!index) return Status(ErrorCode::kResourceNotFound, "Node " + name + " not found.");
  {
    std::lock_guard lock(log_mutex_);
    MarkDownLocked(*index, "failed by the operator", /*by_operator=*/true);
    SettleLocked();
  }
  // Batches this failure decided complete on the monitor thread, not on the caller's.
  monitor_cv_.notify_all();
  return Status::Ok();
}

Status QuorumStore::RecoverNode(const std::string& name) {
  auto index = FindNode(name);
  if (!index) return Status(ErrorCode::kResourceNotFound, "Node " + name + " not found.");
  Node& node = *nodes_[*index];
  node.faults->Set({});
  std::lock_guard lock(log_mutex_);
  if (closed_) return Status(ErrorCode::kUnavailable, "The storage layer is shut down.");
  if (node.state.load() != NodeState::kDown) return Status::Ok();
  if (HealthyCountLocked() > 0) return StartCatchUpLocked(*index);
  // No peer to rebuild from: the node heals as one that went down by itself would, and may be
  // the one that rejoins first.
  node.down_reason = "recovered by the operator; waiting for a probe";
  if (node.healing == Healing::kNone) {
    node.healing = Healing::kWaiting;
    node.next_probe_at = Clock::now();
  }
  return Status::Ok();
}

Status QuorumStore::InjectFaults(const std::string& name, FaultSettings faults) {
  auto index = FindNode(name);
  if (!index) return Status(ErrorCode::kResourceNotFound, "Node " + name + " not found.");
  nodes_[*index]->faults->Set(faults);
  Logger("replication")
      ->warn("node {}: injected faults: {} ms per write, error rate {}, {} ms per read", name,
             faults.apply_delay.count(), faults.error_rate, faults.read_delay.count());
  return Status::Ok();
}

StoreStats QuorumStore::Stats() const {
  StoreStats stats;
  std::lock_guard lock(log_mutex_);
  stats.batches_committed = batches_committed_;
  stats.batches_failed = batches_failed_;
  stats.bytes_committed = bytes_committed_;
  stats.committed_lsn = committed_lsn_.load().value();
  stats.latency_bounds_us = LatencyHistogram::Bounds();
  stats.latency_counts = latency_.CumulativeCounts();
  stats.latency_sum_us = latency_.sum();
  stats.catch_ups_completed = catch_ups_completed_;
  return stats;
}

void QuorumStore::Close() {
  {
    std::lock_guard lock(log_mutex_);
    if (closed_) return;
    closed_ = true;
  }
  // Writers finish their queues first; the monitor keeps timing out stuck nodes meanwhile.
  // Injected delays end now, so a drill's slow node cannot hold up the shutdown.
  for (auto& node : nodes_) node->faults->Set({});
  for (auto& node : nodes_) {
    if (node->writer) node->writer->Stop();
  }
  {
    std::lock_guard lock(log_mutex_);
    monitor_stop_ = true;
  }
  monitor_cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  {
    std::lock_guard lock(log_mutex_);
    for (PendingWrite& pending : pending_) {
      if (pending.outcome != PendingWrite::Outcome::kPending) continue;
      pending.outcome = PendingWrite::Outcome::kFailed;
      ++batches_failed_;
    }
    SettleLocked();
  }
  DeliverCompletions();
  Logger("replication")->info("replicated store closed at LSN {}", committed_lsn_.load().value());
}

Result<std::unique_ptr<ReplicatedStore>> ReplicatedStore::Open(
    const std::filesystem::path& data_dir, StoreOptions options) {
  auto store = std::make_unique<QuorumStore>(std::move(options));
  SLUICE_RETURN_IF_ERROR(store->Init(data_dir));
  return std::unique_ptr<ReplicatedStore>(std::move(store));
}

}  // namespace sluice::replication
