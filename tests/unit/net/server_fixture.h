#pragma once

// A fixture that runs HttpServers on 127.0.0.1 (ephemeral ports) over a small io_context
// thread pool, with a self-signed certificate in a fresh temp directory and a handler that
// echoes what it received.
//
// Handler targets: "/async" answers from another thread after 50 ms, "/slow" after 300 ms,
// "/twice" answers twice, "/throw" throws, "/never" drops its writer, "/close" answers
// with "Connection: close". Anything else is answered inline. The echo is
// "<method> <target>\n<body>" with the request's x-echo header copied to the response.
// Streaming targets: "/stream" streams "one", "two", "three" inline; "/stream-thread" streams
// kThreadChunks chunks "<i>;" from another thread, each after the previous one was delivered;
// "/hold" is answered (echoed) only when the test calls ReleaseHeld().
// "/drop-mid" streams "partial" and drops the writer; "/short" declares 10 bytes and sends 3;
// "/produce" streams kProduceChunks chunks of kProduceChunkBytes from another thread, waiting
// for each delivery and noting in producer_stalled_ when one takes over 300 ms; "/flood" writes
// kFloodChunks chunks of kProduceChunkBytes without waiting, counting deliveries and refusals.
// Rejections answer 413 / 431 / 400 / 503 (with Retry-After) and body "rejected: <reason>".

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "sluice/net/http_server.h"

namespace sluice::net::testing {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // 127.0.0.1, port 0, the fixture's certificate and key.
  ServerOptions DefaultOptions() const;
  // Starts a server with the fixture's handler and rejection responder; null on failure.
  HttpServer* StartServer(ServerOptions options);
  HttpServer* StartServer() { return StartServer(DefaultOptions()); }

  std::optional<HttpRequest> LastRequest();
  // Requests to "/hold" waiting for their answer; ReleaseHeld answers them all.
  size_t HeldCount();
  void ReleaseHeld();
  // Polls `condition` every 10 ms for up to `limit`; whether it came true.
  template <class Condition>
  static bool Eventually(Condition condition,
                         std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }
  static HttpResponse Echo(const HttpRequest& request);

  static constexpr int kThreadChunks = 20;
  static constexpr int kProduceChunks = 512;
  static constexpr size_t kProduceChunkBytes = 64 * 1024;
  static constexpr int kFloodChunks = 4096;
  std::atomic<bool> producer_stalled_{false};
  std::atomic<int> produced_chunks_{0};
  std::atomic<int> produce_refused_{0};  // "/produce" writes reported done(false)
  std::atomic<int> flood_delivered_{0};
  std::atomic<int> flood_refused_{0};

  std::filesystem::path dir_;
  std::filesystem::path cert_;
  std::filesystem::path key_;
  boost::asio::io_context io_{3};

 private:
  void Handle(HttpRequest request, std::shared_ptr<ResponseWriter> writer);
  void AnswerLater(HttpRequest request, std::shared_ptr<ResponseWriter> writer,
                   std::chrono::milliseconds delay);
  // Runs `body` on a thread of its own, joined at TearDown.
  void OnAnswerThread(std::function<void()> body);
  // Streaming producers for the targets above, each on an answer thread.
  void StreamFromThread(std::shared_ptr<ResponseWriter> writer);
  void Produce(std::shared_ptr<ResponseWriter> writer);
  void Flood(std::shared_ptr<ResponseWriter> writer);

  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> io_threads_;
  std::vector<std::unique_ptr<HttpServer>> servers_;

  std::mutex state_mutex_;  // guards last_request_, held_ and answer_threads_
  std::optional<HttpRequest> last_request_;
  std::vector<std::pair<HttpRequest, std::shared_ptr<ResponseWriter>>> held_;
  std::vector<std::thread> answer_threads_;
};

}  // namespace sluice::net::testing
