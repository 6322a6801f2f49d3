#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "sluice/broker/broker.h"
#include "sluice/net/http_server.h"
#include "sluice/protocol/frontend.h"
#include "sluice/replication/replicated_store.h"

namespace sluice::admin {

// The operator's view of a running broker, on its own port (`--admin-listen`, loopback by
// default), never on the public API port: `GET /health` (readiness), `GET /metrics` (Prometheus
// text: the front end's per-operation counters, the broker's traffic, the store's nodes and quorum
// latency) and the operator routes under `/_sluice/` (node state, fault injection; see
// docs/operations.md). Read-only routes are open on that port; every mutating one (POST) needs
// `Authorization: Bearer <token>`, which no cross-site form post can send, and gets a 401
// without it. The API port serves `GET /health` alone, for load balancers. It reads the front
// end and the broker, and drives the store's fault injection: that is why it lives outside
// protocol/, which knows nothing below api/.
//
// Thread-safe: Handle runs on a connection's strand, SetReady from any thread; everything it
// reads is itself thread-safe.
class OperatorSurface {
 public:
  // `token`: what mutating routes require (LoadOrCreateAdminToken); never empty.
  OperatorSurface(const protocol::Frontend& frontend, const broker::Broker& broker,
                  replication::ReplicatedStore& store, std::string token);

  // Whether a request for `target` (path and query) on the API port is this surface's (the
  // health check) rather than a Kinesis call.
  static bool ServesOnApiPort(std::string_view target);
  // Answers a request on the operator port (or the health check on the API port); unknown paths
  // get a 404.
  net::HttpResponse Handle(const net::HttpRequest& request) const;
  // /health answers 200 only once the broker has recovered and the server listens.
  void SetReady(bool ready) { ready_ = ready; }
  // The API server whose admission control /metrics reports (connections open, refusals);
  // set once it listens, before SetReady(true).
  void WatchApiServer(const net::HttpServer* server) { api_server_ = server; }

 private:
  std::string RenderMetrics() const;  // metrics.cc

  const protocol::Frontend& frontend_;
  const broker::Broker& broker_;
  replication::ReplicatedStore& store_;
  const std::string token_;
  std::atomic<bool> ready_{false};
  std::atomic<const net::HttpServer*> api_server_{nullptr};
};

}  // namespace sluice::admin
