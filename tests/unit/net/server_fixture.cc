#include "server_fixture.h"

#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <future>
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
  std::vector<std::pair<HttpRequest, std::shared_ptr<ResponseWriter>>> held;
  {
    std::lock_guard lock(state_mutex_);
    answer_threads.swap(answer_threads_);
    held.swap(held_);
  }
  held.clear();  // dropped unanswered: the responses are aborted
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
      [this](HttpRequest request, std::shared_ptr<ResponseWriter> writer) {
        Handle(std::move(request), std::move(writer));
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
          case RejectReason::kOverloaded:
            response.status = 503;
            response.headers.emplace_back("Retry-After", "1");
            response.body = "rejected: overloaded";
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

size_t ServerFixture::HeldCount() {
  std::lock_guard lock(state_mutex_);
  return held_.size();
}

void ServerFixture::ReleaseHeld() {
  std::vector<std::pair<HttpRequest, std::shared_ptr<ResponseWriter>>> held;
  {
    std::lock_guard lock(state_mutex_);
    held.swap(held_);
  }
  for (auto& [request, writer] : held) SendResponse(*writer, Echo(request));
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

void ServerFixture::OnAnswerThread(std::function<void()> body) {
  std::lock_guard lock(state_mutex_);
  answer_threads_.emplace_back(std::move(body));
}

void ServerFixture::AnswerLater(HttpRequest request, std::shared_ptr<ResponseWriter> writer,
                                std::chrono::milliseconds delay) {
  OnAnswerThread([request = std::move(request), writer = std::move(writer), delay] {
    std::this_thread::sleep_for(delay);
    SendResponse(*writer, Echo(request));
  });
}

namespace {

// Writes `chunk` and waits for its delivery report; nullopt when none came within `patience`.
std::optional<bool> WriteAndWait(ResponseWriter& writer, std::string chunk,
                                 std::chrono::milliseconds patience) {
  auto delivered = std::make_shared<std::promise<bool>>();
  auto future = delivered->get_future();
  writer.Write(std::move(chunk), [delivered](bool ok) { delivered->set_value(ok); });
  if (future.wait_for(patience) == std::future_status::timeout) return std::nullopt;
  return future.get();
}

}  // namespace

void ServerFixture::StreamFromThread(std::shared_ptr<ResponseWriter> writer) {
  OnAnswerThread([writer = std::move(writer)] {
    writer->Start(200, {{"Content-Type", "text/plain"}}, std::nullopt);
    for (int i = 0; i < kThreadChunks; ++i) {
      if (WriteAndWait(*writer, std::to_string(i) + ";", 5s) != true) return;
    }
    writer->Finish();
  });
}

void ServerFixture::Produce(std::shared_ptr<ResponseWriter> writer) {
  OnAnswerThread([this, writer = std::move(writer)] {
    writer->Start(200, {}, std::nullopt);
    for (int i = 0; i < kProduceChunks; ++i) {
      std::string chunk(kProduceChunkBytes, static_cast<char>('a' + i % 26));
      auto delivered = std::make_shared<std::promise<bool>>();
      auto future = delivered->get_future();
      writer->Write(std::move(chunk), [delivered](bool ok) { delivered->set_value(ok); });
      if (future.wait_for(300ms) == std::future_status::timeout) producer_stalled_ = true;
      // Then wait as long as it takes: the test reads eventually, or closes the connection.
      if (!future.get()) {
        ++produce_refused_;
        return;
      }
      ++produced_chunks_;
    }
    writer->Finish();
  });
}

void ServerFixture::Flood(std::shared_ptr<ResponseWriter> writer) {
  OnAnswerThread([this, writer = std::move(writer)] {
    writer->Start(200, {}, std::nullopt);
    for (int i = 0; i < kFloodChunks; ++i) {
      writer->Write(std::string(kProduceChunkBytes, 'f'), [this](bool ok) {
        if (ok) {
          ++flood_delivered_;
        } else {
          ++flood_refused_;
        }
      });
    }
    writer->Finish();
  });
}

void ServerFixture::Handle(HttpRequest request, std::shared_ptr<ResponseWriter> writer) {
  {
    std::lock_guard lock(state_mutex_);
    last_request_ = request;
  }
  const std::string target = request.target;
  if (target == "/async") return AnswerLater(std::move(request), std::move(writer), 50ms);
  if (target == "/slow") return AnswerLater(std::move(request), std::move(writer), 300ms);
  if (target == "/never") return;
  if (target == "/hold") {
    std::lock_guard lock(state_mutex_);
    held_.emplace_back(std::move(request), std::move(writer));
    return;
  }
  if (target == "/throw") throw std::runtime_error("handler failure for the test");
  if (target == "/twice") {
    SendResponse(*writer, Echo(request));
    SendResponse(*writer, HttpResponse{.status = 500, .headers = {}, .body = "second answer"});
    return;
  }
  if (target == "/stream") {
    writer->Start(200, {{"Content-Type", "text/plain"}}, std::nullopt);
    for (const char* chunk : {"one", "two", "three"}) writer->Write(chunk);
    writer->Finish();
    return;
  }
  if (target == "/stream-thread") return StreamFromThread(std::move(writer));
  if (target == "/produce") return Produce(std::move(writer));
  if (target == "/flood") return Flood(std::move(writer));
  if (target == "/drop-mid") {
    writer->Start(200, {}, std::nullopt);
    writer->Write("partial");
    return;
  }
  if (target == "/short") {
    writer->Start(200, {}, 10);
    writer->Write("abc");
    writer->Finish();
    return;
  }
  HttpResponse response = Echo(request);
  if (target == "/close") response.headers.emplace_back("Connection", "close");
  SendResponse(*writer, std::move(response));
}

}  // namespace sluice::net::testing
