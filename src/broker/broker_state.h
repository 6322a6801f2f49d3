#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/steady_timer.hpp>

#include "broker/shard_subscription.h"
#include "broker/shard_throughput.h"
#include "sluice/broker/broker.h"

namespace sluice::broker {

// Monotonic traffic counters and the count of writes in flight; relaxed atomics, read for
// /metrics and by a shutdown that waits for in-flight writes to be answered. And the per-shard
// throughput limits, when they are enforced.
struct Broker::Traffic {
  ThroughputLimiter limiter;
  std::atomic<uint64_t> records_in{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> records_out{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<size_t> pending_writes{0};
};

// The live SubscribeToShard subscriptions, by consumer ARN and shard, for the takeover rule and
// for ending them all when the broker stops.
struct Broker::Subscriptions {
  struct Entry {
    std::weak_ptr<ShardSubscription> subscription;
    std::chrono::steady_clock::time_point started;
  };
  std::mutex subscriptions_mutex;  // guards entries
  std::map<std::string, Entry> entries;
};

// Every account's settings as they were last written, by AccountSettingsKey, and the queue that
// makes updates run one at a time, each against what the one before it left.
struct Broker::Accounts {
  mutable std::mutex accounts_mutex;  // guards settings, queue and busy
  std::map<std::string, AccountSettings> settings;
  std::deque<std::function<void(std::function<void()> finished)>> queue;
  bool busy = false;
};

// Lifecycle timers (on the io_context) and the retention sweep's thread.
struct Broker::Timers {
  // Guards timers, stopped and the sweep's wake-up.
  std::mutex timers_mutex;
  std::list<std::shared_ptr<boost::asio::steady_timer>> timers;
  bool stopped = false;
  std::condition_variable sweep_cv;
  std::thread sweeper;
};

}  // namespace sluice::broker
