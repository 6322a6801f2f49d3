#pragma once

// A net::ResponseWriter that keeps one response in memory, for tests that drive a request
// handler without a network. Callable from any thread, as a real writer is; Get() waits until
// the handler has finished (or dropped the writer, which yields status 0).

#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "sluice/net/response_writer.h"

namespace sluice::testing {

class CapturedResponse {
 public:
  // The writer to hand to the handler; Get() answers once it is finished or destroyed.
  std::shared_ptr<net::ResponseWriter> Writer() {
    return std::make_shared<CapturingWriter>(result_);
  }
  net::HttpResponse Get() { return future_.get(); }

 private:
  struct Shared {
    std::mutex response_mutex;  // guards response and done
    net::HttpResponse response;
    bool done = false;
    std::promise<net::HttpResponse> promise;
  };

  class CapturingWriter final : public net::ResponseWriter {
   public:
    explicit CapturingWriter(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    ~CapturingWriter() override {
      Complete(net::HttpResponse{.status = 0, .headers = {}, .body = {}});
    }
    void Start(int status, net::HttpHeaders headers, std::optional<uint64_t>) override {
      std::lock_guard lock(shared_->response_mutex);
      shared_->response.status = status;
      shared_->response.headers = std::move(headers);
    }
    void Write(std::string chunk, net::WriteDone done) override {
      {
        std::lock_guard lock(shared_->response_mutex);
        shared_->response.body += chunk;
      }
      if (done) done(true);
    }
    void Finish() override {
      net::HttpResponse response;
      {
        std::lock_guard lock(shared_->response_mutex);
        response = shared_->response;
      }
      Complete(std::move(response));
    }

   private:
    void Complete(net::HttpResponse response) {
      std::lock_guard lock(shared_->response_mutex);
      if (shared_->done) return;
      shared_->done = true;
      shared_->promise.set_value(std::move(response));
    }
    std::shared_ptr<Shared> shared_;
  };

  std::shared_ptr<Shared> result_ = std::make_shared<Shared>();
  std::future<net::HttpResponse> future_ = result_->promise.get_future();
};

}  // namespace sluice::testing
