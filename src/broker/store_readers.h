#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace sluice::broker {

// The threads that read records from the store: GetRecords, AT_TIMESTAMP starting positions and
// SubscribeToShard events. A read may wait on the disk for as long as the disk takes (a stalled
// or injected-slow node); on these threads it holds up only other reads, never the io_context's
// threads that answer /health, writes and every other connection.
//
// Thread-safety: Run may be called from any thread.
class StoreReaders {
 public:
  explicit StoreReaders(size_t threads) : pool_(threads) {}
  // Waits for the reads queued or running (their answers are posted, not run).
  ~StoreReaders() { pool_.join(); }
  StoreReaders(const StoreReaders&) = delete;
  StoreReaders& operator=(const StoreReaders&) = delete;

  // Runs `read()` on a reader thread, then `deliver(result)` on `executor` (the io_context or a
  // strand of it).
  template <typename Read, typename Executor, typename Deliver>
  void Run(Read read, const Executor& executor, Deliver deliver) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    boost::asio::post(
        pool_, [this, read = std::move(read), executor, deliver = std::move(deliver)]() mutable {
          auto result = read();
          in_flight_.fetch_sub(1, std::memory_order_relaxed);
          boost::asio::post(executor,
                            [deliver = std::move(deliver), result = std::move(result)]() mutable {
                              deliver(std::move(result));
                            });
        });
  }

  // Reads queued or running now (for /metrics: a stalled disk shows here first).
  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  std::atomic<size_t> in_flight_{0};
  boost::asio::thread_pool pool_;  // last: joined before in_flight_ goes
};

}  // namespace sluice::broker
