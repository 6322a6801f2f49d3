#pragma once

// A fixture that runs HttpServers on 127.0.0.1 (ephemeral ports) over a small io_context
// thread pool, with a self-signed certificate in a fresh temp directory and a handler that
// echoes what it received.
//
// Handler targets: "/async" answers from another thread after 50 ms, "/slow" after 300 ms,
// "/twice" answers twice, "/throw" throws, "/never" drops its responder, "/close" answers
// with "Connection: close". Anything else is answered inline. The echo is
// "<method> <target>\n<body>" with the request's x-echo header copied to the response.
// Rejections answer 413 / 431 / 400 with body "rejected: <reason>".

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
  static HttpResponse Echo(const HttpRequest& request);

  std::filesystem::path dir_;
  std::filesystem::path cert_;
  std::filesystem::path key_;
  boost::asio::io_context io_{3};

 private:
  void Handle(HttpRequest request, Responder respond);
  void AnswerLater(HttpRequest request, Responder respond, std::chrono::milliseconds delay);

  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> io_threads_;
  std::vector<std::unique_ptr<HttpServer>> servers_;

  std::mutex state_mutex_;  // guards last_request_ and answer_threads_
  std::optional<HttpRequest> last_request_;
  std::vector<std::thread> answer_threads_;
};

}  // namespace sluice::net::testing
