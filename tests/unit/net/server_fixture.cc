#include "server_fixture.h"

#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

#include "sluice/common/log.h"

namespace sluice::net::testing {

using namespace std::chrono_literals;

void ServerFixture::SetUp() {
  // SLUICE_LOG_LEVEL=debug shows what the server does with each connection.
  if (const char* level = std::getenv("SLUICE_LOG_LEVEL")) SetLogLevel(level);
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-net-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  dir_ = pattern;
  cert_ = dir_ / "tls" / "cert.pem";
  key_ = dir_ / "tls" / "key.pem";
  Status status = EnsureSelfSignedCertificate(cert_, key_);
  ASSERT_TRUE(status.ok()) << status.message();

  work_.emplace(io_.get_executor());
  for (int i = 0; i < 3; ++i) io_threads_.emplace_back([this] { io_.run(); });
}

void ServerFixture::TearDown() {
  std::vector<std::thread> answer_threads;
  {
    std::lock_guard lock(state_mutex_);
    answer_threads.swap(answer_threads_);
  }
  for (auto& thread : answer_threads) thread.join();
  servers_.clear();
  work_.reset();
  io_.stop();
  for (auto& thread : io_threads_) thread.join();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

ServerOptions ServerFixture::DefaultOptions() const {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.tls_cert = cert_;
  options.tls_key = key_;
  return options;
}

HttpServer* ServerFixture::StartServer(ServerOptions options) {
  auto server = std::make_unique<HttpServer>(
      io_, std::move(options),
      [this](HttpRequest request, Responder respond) {
        Handle(std::move(request), std::move(respond));
      },
      [](RejectReason reason) {
        HttpResponse response;
        switch (reason) {
          case RejectReason::kBodyTooLarge:
            response.status = 413;
            response.body = "rejected: body too large";
            break;
          case RejectReason::kHeaderTooLarge:
            response.status = 431;
            response.body = "rejected: header too large";
            break;
          case RejectReason::kMalformed:
            response.status = 400;
            response.body = "rejected: malformed";
            break;
        }
        return response;
      });
  Status status = server->Start();
  EXPECT_TRUE(status.ok()) << status.message();
  if (!status.ok()) return nullptr;
  servers_.push_back(std::move(server));
  return servers_.back().get();
}

std::optional<HttpRequest> ServerFixture::LastRequest() {
  std::lock_guard lock(state_mutex_);
  return last_request_;
}

HttpResponse ServerFixture::Echo(const HttpRequest& request) {
  HttpResponse response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "text/plain");
  if (request.HasHeader("x-echo")) {
    response.headers.emplace_back("X-Echo", std::string(request.Header("x-echo")));
  }
  response.body = request.method + " " + request.target + "\n" + request.body;
  return response;
}

void ServerFixture::AnswerLater(HttpRequest request, Responder respond,
                                std::chrono::milliseconds delay) {
  std::lock_guard lock(state_mutex_);
  answer_threads_.emplace_back([request = std::move(request), respond = std::move(respond), delay] {
    std::this_thread::sleep_for(delay);
    respond(Echo(request));
  });
}

void ServerFixture::Handle(HttpRequest request, Responder respond) {
  {
    std::lock_guard lock(state_mutex_);
    last_request_ = request;
  }
  const std::string target = request.target;
  if (target == "/async") return AnswerLater(std::move(request), std::move(respond), 50ms);
  if (target == "/slow") return AnswerLater(std::move(request), std::move(respond), 300ms);
  if (target == "/never") return;
  if (target == "/throw") throw std::runtime_error("handler failure for the test");
  if (target == "/twice") {
    respond(Echo(request));
    respond(HttpResponse{.status = 500, .headers = {}, .body = "second answer"});
    return;
  }
  HttpResponse response = Echo(request);
  if (target == "/close") response.headers.emplace_back("Connection", "close");
  respond(std::move(response));
}

}  // namespace sluice::net::testing
