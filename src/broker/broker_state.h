#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/steady_timer.hpp>

#include "sluice/broker/broker.h"

namespace sluice::broker {

// Monotonic traffic counters and the count of writes in flight; relaxed atomics, read for
// /metrics and by a shutdown that waits for in-flight writes to be answered.
struct Broker::Traffic {
  std::atomic<uint64_t> records_in{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> records_out{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<size_t> pending_writes{0};
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
