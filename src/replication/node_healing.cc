// The store's monitor thread, and how a node that went down by itself comes back: probes with
// backoff, then a catch-up from a healthy peer, or, when no node is healthy, a rejoin of the
// first node that answers and holds every committed write.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "replication/quorum_store.h"
#include "sluice/common/log.h"

namespace sluice::replication {
namespace {

int64_t Millis(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace

void QuorumStore::MonitorLoop() {
  const auto period = std::clamp<std::chrono::milliseconds>(
      std::min(options_.node_timeout / 4, options_.probe_backoff_min), std::chrono::milliseconds(1),
      std::chrono::milliseconds(100));
  std::unique_lock lock(log_mutex_);
  while (!monitor_stop_) {
    monitor_cv_.wait_for(lock, period,
                         [&] { return monitor_stop_ || (!completions_.empty() && !delivering_); });
    if (monitor_stop_) break;
    const auto now = Clock::now();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i]->state.load() == NodeState::kDown) continue;
      auto since = nodes_[i]->writer->OldestUnackedSince();
      if (since && now - *since > options_.node_timeout) {
        MarkDownLocked(i, "it has not acknowledged a write within " +
                              std::to_string(options_.node_timeout.count()) + " ms");
      }
    }
    ProbeDueNodesLocked(now);
    SettleLocked();
    if (!completions_.empty()) {
      lock.unlock();
      DeliverCompletions();
      lock.lock();
    }
  }
}

Clock::duration QuorumStore::BackoffAfter(uint32_t failed_attempts) const {
  Clock::duration delay = options_.probe_backoff_min;
  for (uint32_t i = 0; i < failed_attempts && delay < options_.probe_backoff_max; ++i) delay *= 2;
  return std::min<Clock::duration>(delay, options_.probe_backoff_max);
}

void QuorumStore::ScheduleProbeLocked(Node& node, Clock::time_point now) {
  node.healing = Healing::kWaiting;
  node.next_probe_at = now + BackoffAfter(node.probe_attempts);
}

void QuorumStore::ProbeDueNodesLocked(Clock::time_point now) {
  if (closed_) return;
  for (auto& node : nodes_) {
    if (node->state.load() != NodeState::kDown) continue;
    if (node->healing == Healing::kWaiting && now >= node->next_probe_at) {
      // Queued behind whatever the writer is still stuck in (an abandoned apply on a hung disk):
      // it runs only once that returned, so it also tells when the hang is over.
      WriterTask probe;
      probe.kind = WriterTask::Kind::kProbe;
      probe.generation = node->generation;
      probe.queued_at = now;
      node->writer->Enqueue(std::move(probe));
      node->healing = Healing::kProbing;
      node->probe_sent_at = now;
    } else if (node->healing == Healing::kProbing && !node->probe_overdue_logged &&
               now - node->probe_sent_at > options_.node_timeout) {
      // Never a second probe behind the first: a hung disk would collect them.
      node->probe_overdue_logged = true;
      Logger("replication")
          ->warn(
              "node {}: its probe has not answered for {} ms (is its disk stalled?); the next "
              "one is queued once it does",
              node->name, Millis(now - node->probe_sent_at));
    }
  }
}

void QuorumStore::OnProbed(size_t node_index, uint64_t generation, const Status& status,
                           Clock::duration took) {
  std::lock_guard lock(log_mutex_);
  Node& node = *nodes_[node_index];
  if (closed_ || generation != node.generation || node.state.load() != NodeState::kDown ||
      node.healing != Healing::kProbing) {
    return;  // the node was failed by the operator, or recovered, meanwhile
  }
  const auto now = Clock::now();
  node.probe_overdue_logged = false;
  if (status.ok() && took <= options_.node_timeout) {
    RejoinLocked(node_index, now);
    return;
  }
  ++node.probe_attempts;
  ScheduleProbeLocked(node, now);
  const std::string why =
      status.ok() ? "it took " + std::to_string(Millis(took)) + " ms, over the " +
                        std::to_string(options_.node_timeout.count()) + " ms node timeout"
                  : status.message();
  Logger("replication")
      ->warn("node {}: probe {} failed ({}); next probe in {} ms", node.name, node.probe_attempts,
             why, Millis(node.next_probe_at - now));
}

void QuorumStore::RejoinLocked(size_t index, Clock::time_point now) {
  Node& node = *nodes_[index];
  auto log = Logger("replication");
  if (HealthyCountLocked() > 0) {
    log->info("node {} answers again (down since: {}); catching up from a healthy peer", node.name,
              node.down_reason);
    Status started = StartCatchUpLocked(index);
    if (started.ok()) return;
    log->warn("node {}: {}", node.name, started.message());
  }
  bool rejoining = false;
  for (const auto& other : nodes_) rejoining |= other->state.load() == NodeState::kCatchingUp;
  const Lsn committed = committed_lsn_.load();
  const Lsn applied = AppliedLsn(*node.storage);
  if (!rejoining && applied >= committed) {
    // Every node holds a prefix of one log, so this one holds every acknowledged write. What it
    // holds past the committed end failed (the store decided it with every node down); the
    // writes with an undo are undone, newest first, before it serves.
    WriterTask rejoin;
    rejoin.kind = WriterTask::Kind::kRejoin;
    rejoin.generation = node.generation;
    rejoin.queued_at = now;
    std::vector<std::pair<Lsn, std::shared_ptr<const storage::WriteBatch>>> undos;
    for (const auto& failed : failed_undos_) {
      if (failed.first > committed && failed.first <= applied) undos.push_back(failed);
    }
    // Failures are decided out of LSN order (by whichever node's departure costs the quorum).
    std::sort(undos.begin(), undos.end(),
              [](const auto& x, const auto& y) { return x.first.value() > y.first.value(); });
    for (auto& undo : undos) rejoin.undos.push_back(std::move(undo.second));
    log->warn(
        "no storage node is healthy: node {} answers and holds every committed write (LSN {}, "
        "committed {}); it rejoins first, undoing {} failed writes, and the others catch up "
        "from it",
        node.name, applied.value(), committed.value(), rejoin.undos.size());
    node.writer->Enqueue(std::move(rejoin));
    node.state.store(NodeState::kCatchingUp);
    node.healing = Healing::kNone;
    return;
  }
  // Nothing to rebuild from yet: another node rejoins first, or the one that holds every
  // committed write has not answered. Probed again (a healthy peer's arrival cuts the wait).
  if (node.probe_attempts == 0) {
    log->info(
        "node {} answers but has no healthy peer to catch up from (LSN {}, committed {}); "
        "waiting for one",
        node.name, applied.value(), committed.value());
  }
  ++node.probe_attempts;
  ScheduleProbeLocked(node, now);
}

}  // namespace sluice::replication
