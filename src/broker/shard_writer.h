#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace sluice::broker {

// The write side of one shard: it sequences the shard's records and publishes how far a quorum
// holds them.
//
// Threads: sequencing happens on the caller's thread under the writer's own mutex (never a
// stream-wide lock), held while the records are numbered and their batch is queued to the store,
// so the store's log order is the shard's sequence order; no I/O happens under it. Commit runs
// on the io_context once the batch is durable, and raises the shard's commit signal there: every
// waiter registered with AwaitCommit runs on that io_context thread, never on a storage thread.
// committed_end() may be read from any thread.
//
// Resharding seals a writer (see docs/architecture.md, "Resharding"): under the sequencing lock
// the writer stops taking records and its end is fixed; a put that finds it sealed sequences
// nothing and waits (AfterSeal) until the reshard's metadata write is decided, then routes again
// against the newest view. The seal is either closed for good (the write committed) or undone
// (it failed, and the shard takes records again as if nothing had happened).
class ShardWriter {
 public:
  ShardWriter(uint64_t next_seq_index, int64_t last_arrival_ms)
      : next_seq_index_(next_seq_index),
        last_arrival_ms_(last_arrival_ms),
        committed_end_(next_seq_index) {}
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  // Held while a write is sequenced and queued (see the class comment).
  [[nodiscard]] std::unique_lock<std::mutex> LockSequencing() {
    return std::unique_lock(sequencing_mutex_);
  }
  // The next record's sequence index and arrival time. Arrival times never go backwards within a
  // shard, even when the wall clock does, so AT_TIMESTAMP can binary-search them. Requires the
  // sequencing lock.
  struct Slot {
    uint64_t seq_index;
    int64_t arrival_ms;
  };
  Slot NextSlot(int64_t now_ms) {
    last_arrival_ms_ = std::max(now_ms, last_arrival_ms_);
    return {next_seq_index_++, last_arrival_ms_};
  }
  // One past the last sequence index handed out. Requires the sequencing lock.
  uint64_t next_seq_index() const { return next_seq_index_; }
  // Gives back the indices handed out since `next` was read, when their write was refused
  // before anything was queued, so the shard has no gap. Requires the sequencing lock.
  void Rewind(uint64_t next) { next_seq_index_ = next; }

  // Whether records may be sequenced now (not sealed by a reshard). Requires the sequencing lock.
  bool accepting() const { return seal_ == SealState::kOpen; }

  // Seals an open writer for a reshard and returns its end: one past the last record it will
  // ever hold. Takes the sequencing lock, so every record sequenced before it is already queued.
  uint64_t Seal() {
    auto lock = LockSequencing();
    std::lock_guard seal_lock(seal_mutex_);
    seal_ = SealState::kSealing;
    return next_seq_index_;
  }
  // The reshard's write failed: the writer takes records again; the puts that waited retry.
  void Unseal() { Decide(SealState::kOpen); }
  // The reshard is durable (and its view published): the shard is closed for good; the puts that
  // waited retry against the new view, and commit waiters wake to see the shard's end.
  void Close() { Decide(SealState::kClosed); }
  // For a writer made for a shard that is closed already (after a restart).
  void MarkClosed() {
    std::lock_guard seal_lock(seal_mutex_);
    seal_ = SealState::kClosed;
    closed_.store(true, std::memory_order_release);
  }

  // Runs `retry` once the seal is decided: at once (on this thread) when the writer is not being
  // sealed now, else on the thread that decides it (the io_context).
  void AfterSeal(std::function<void()> retry) {
    {
      std::lock_guard seal_lock(seal_mutex_);
      if (seal_ == SealState::kSealing) {
        seal_waiters_.push_back(std::move(retry));
        return;
      }
    }
    retry();
  }

  // One past the last record a quorum holds. Readers never look beyond it.
  uint64_t committed_end() const { return committed_end_.load(std::memory_order_acquire); }

  // On the io_context: the shard's records before `end` are durable. Advances the committed end
  // and runs the waiters it satisfies.
  void Commit(uint64_t end) {
    uint64_t current = committed_end_.load(std::memory_order_relaxed);
    while (current < end &&
           !committed_end_.compare_exchange_weak(current, end, std::memory_order_acq_rel)) {
    }
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard lock(waiters_mutex_);
      auto split = std::partition(waiters_.begin(), waiters_.end(),
                                  [&](const Waiter& w) { return w.after >= committed_end(); });
      for (auto it = split; it != waiters_.end(); ++it) ready.push_back(std::move(it->wake));
      waiters_.erase(split, waiters_.end());
    }
    for (auto& wake : ready) wake();
  }

  // The commit signal: `wake` runs once, on the io_context, as soon as the committed end passes
  // `after` or the shard is closed by a reshard (at once, on the caller's thread, when either
  // has happened already).
  void AwaitCommit(uint64_t after, std::function<void()> wake) {
    {
      std::lock_guard lock(waiters_mutex_);
      if (committed_end() <= after && !closed_.load(std::memory_order_acquire)) {
        waiters_.push_back({after, std::move(wake)});
        return;
      }
    }
    wake();
  }

 private:
  enum class SealState { kOpen, kSealing, kClosed };

  void Decide(SealState state) {
    std::vector<std::function<void()>> retries;
    {
      auto lock = LockSequencing();
      std::lock_guard seal_lock(seal_mutex_);
      seal_ = state;
      retries.swap(seal_waiters_);
    }
    for (auto& retry : retries) retry();
    if (state == SealState::kClosed) {
      closed_.store(true, std::memory_order_release);
      WakeAll();
    }
  }

  // Runs every commit waiter (a closed shard has nothing more to wait for).
  void WakeAll() {
    std::vector<Waiter> woken;
    {
      std::lock_guard lock(waiters_mutex_);
      woken.swap(waiters_);
    }
    for (auto& waiter : woken) waiter.wake();
  }

  struct Waiter {
    uint64_t after;
    std::function<void()> wake;
  };

  std::mutex sequencing_mutex_;  // guards next_seq_index_ and last_arrival_ms_; changes of seal_
  uint64_t next_seq_index_;
  int64_t last_arrival_ms_;
  std::atomic<uint64_t> committed_end_;
  std::mutex waiters_mutex_;  // guards waiters_
  std::vector<Waiter> waiters_;
  // Guards seal_ and seal_waiters_. seal_ changes under both this and the sequencing lock, so
  // either suffices to read it.
  mutable std::mutex seal_mutex_;
  SealState seal_ = SealState::kOpen;
  std::vector<std::function<void()>> seal_waiters_;
  // Set once the shard is closed for good, before the commit waiters are woken: AwaitCommit
  // checks it under waiters_mutex_, so no waiter registers after the wake-up and sleeps forever.
  std::atomic<bool> closed_{false};
};

}  // namespace sluice::broker
