#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "sluice/broker/broker.h"
#include "sluice/net/http_server.h"
#include "sluice/protocol/frontend.h"
#include "sluice/replication/replicated_store.h"

namespace sluice::admin {

// The operator's view of a running broker, on the API port beside the Kinesis API: `GET /health`
// (readiness), `GET /metrics` (Prometheus text: the front end's per-operation counters, the
// broker's traffic, the store's nodes and quorum latency) and the operator routes under
// `/_sluice/` (node state, fault injection; see docs/operations.md). It reads the front end and
// the broker, and drives the store's fault injection: that is why it lives outside protocol/,
// which knows nothing below api/.
//
// Thread-safe: Handle runs on a connection's strand, SetReady from any thread; everything it
// reads is itself thread-safe.
class OperatorSurface {
 public:
  OperatorSurface(const protocol::Frontend& frontend, const broker::Broker& broker,
                  replication::ReplicatedStore& store);

  // Whether a request for `target` (path and query) is this surface's rather than the API's.
  static bool Serves(std::string_view target);
  // Answers a request Serves() claimed; unknown paths under /_sluice/ get a 404.
  net::HttpResponse Handle(const net::HttpRequest& request) const;
  // /health answers 200 only once the broker has recovered and the server listens.
  void SetReady(bool ready) { ready_ = ready; }

 private:
  std::string RenderMetrics() const;  // metrics.cc

  const protocol::Frontend& frontend_;
  const broker::Broker& broker_;
  replication::ReplicatedStore& store_;
  std::atomic<bool> ready_{false};
};

}  // namespace sluice::admin
