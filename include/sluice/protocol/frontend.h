#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "sluice/api/api.h"
#include "sluice/broker/broker.h"
#include "sluice/net/http_server.h"
#include "sluice/replication/replicated_store.h"

namespace sluice::protocol {

struct FrontendOptions {
  std::string account_id = "000000000000";
  std::string default_region = "us-east-1";  // when a request carries no credential scope
  size_t max_body_bytes = 16 << 20;          // for the text of the 413 answer
};

// Turns HTTP requests into Kinesis calls and their results into AWS-shaped responses:
// `POST /` with X-Amz-Target, AWS JSON 1.1 (and legacy application/json), the presence and shape
// of SigV4 credentials, `x-amzn-RequestId` on every answer. Beside the API, on the same port:
// `GET /health`, `GET /metrics` (Prometheus text) and the operator surface under `/_sluice/`
// (see docs/operations.md).
//
// Thread-safe; Handle runs on a connection's strand and may answer later from a storage thread.
class Frontend {
 public:
  Frontend(const api::Api& api, const broker::Broker& broker, replication::ReplicatedStore& store,
           FrontendOptions options);

  void Handle(net::HttpRequest request, std::shared_ptr<net::ResponseWriter> writer) const;
  // The answer to a request the HTTP layer refused before framing it completely.
  net::HttpResponse Reject(net::RejectReason reason) const;
  // /health answers 200 only once the broker has recovered and the server listens.
  void SetReady(bool ready) { ready_ = ready; }

 private:
  void HandleKinesis(net::HttpRequest request, std::shared_ptr<net::ResponseWriter> writer) const;
  net::HttpResponse HandleOperator(const net::HttpRequest& request) const;
  std::string RenderMetrics() const;

  struct OperationCounters {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> errors{0};
  };

  const api::Api& api_;
  const broker::Broker& broker_;
  replication::ReplicatedStore& store_;
  FrontendOptions options_;
  std::atomic<bool> ready_{false};
  // One entry per operation of the model, created in the constructor and never changed after,
  // so lookups need no lock.
  std::map<std::string, std::unique_ptr<OperationCounters>, std::less<>> counters_;
};

}  // namespace sluice::protocol
