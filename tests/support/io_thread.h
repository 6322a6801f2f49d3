#pragma once

#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace sluice::testing {

// An io_context run by a thread of its own, as the server runs its event loop: the broker posts
// write completions and lifecycle timers to it. Drain() waits until what was posted so far has
// run (call it after Broker::Stop and ReplicatedStore::Close, before destroying the broker).
class IoThread {
 public:
  IoThread() : thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    thread_.join();
  }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::io_context& io() { return io_; }
  void Drain() {
    std::promise<void> drained;
    boost::asio::post(io_, [&] { drained.set_value(); });
    drained.get_future().wait();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread thread_;
};

}  // namespace sluice::testing
