#include "sluice/net/http_server.h"

#include <mutex>
#include <utility>

#include "net/http1_wire.h"
#include "net/listener.h"
#include "net/server_context.h"
#include "net/tls_context.h"
#include "sluice/common/log.h"

namespace sluice::net {

// Threads: Start(), Stop() and port() from any thread (the mutex orders them); the work they
// start runs on the io_context.
class HttpServer::Impl {
 public:
  Impl(boost::asio::io_context& io, ServerOptions options, RequestHandler handler,
       RejectionResponder reject)
      : io_(io), context_(std::make_shared<ServerContext>()) {
    context_->options = std::move(options);
    context_->handler = std::move(handler);
    context_->reject = reject ? std::move(reject) : RejectionResponder(&DefaultRejection);
    context_->log = Logger("net");
    context_->request_bytes.set_limit(context_->options.max_request_bytes_in_flight);
  }

  Status Start() {
    std::lock_guard lock(lifecycle_mutex_);
    if (listener_) return Status(ErrorCode::kInternal, "HTTP server already started");
    const ServerOptions& options = context_->options;
    if (!context_->handler) return Status(ErrorCode::kInternal, "HTTP server has no handler");
    if (options.tls_cert.empty() != options.tls_key.empty()) {
      return Status(ErrorCode::kInternal,
                    "TLS needs both a certificate and a key file; only one is configured");
    }
    if (!options.tls_cert.empty()) {
      auto tls = MakeServerTlsContext(options.tls_cert, options.tls_key);
      if (!tls.ok()) return tls.status();
      context_->tls = std::move(*tls);
    }
    auto listener = std::make_shared<Listener>(io_, context_);
    SLUICE_RETURN_IF_ERROR(listener->Open());
    listener->Run();
    listener_ = std::move(listener);
    context_->log->info("listening on {}:{} (HTTP/1.1 and HTTP/2{})", options.host,
                        listener_->port(), context_->tls ? ", TLS" : "; TLS not configured");
    return Status::Ok();
  }

  void Stop() {
    std::lock_guard lock(lifecycle_mutex_);
    if (!listener_ || context_->stopping.exchange(true)) return;
    listener_->Close();
    context_->connections.ShutdownAll();
    context_->log->info("stopped accepting on port {}", listener_->port());
  }

  size_t InFlight() const { return context_->in_flight.load(); }

  AdmissionStats Admission() const {
    return AdmissionStats{.open_connections = context_->connections.size(),
                          .request_bytes_in_flight = context_->request_bytes.used(),
                          .refused_requests = context_->refused_requests.load(),
                          .refused_connections = context_->refused_connections.load()};
  }

  uint16_t port() const {
    std::lock_guard lock(lifecycle_mutex_);
    return listener_ ? listener_->port() : 0;
  }

 private:
  boost::asio::io_context& io_;
  const std::shared_ptr<ServerContext> context_;  // shared with every connection
  mutable std::mutex lifecycle_mutex_;            // guards listener_ across Start/Stop/port
  std::shared_ptr<Listener> listener_;
};

HttpServer::HttpServer(boost::asio::io_context& io, ServerOptions options, RequestHandler handler,
                       RejectionResponder reject)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(handler), std::move(reject))) {
}

HttpServer::~HttpServer() { impl_->Stop(); }

Status HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop() { impl_->Stop(); }

uint16_t HttpServer::port() const { return impl_->port(); }

size_t HttpServer::InFlight() const { return impl_->InFlight(); }

HttpServer::AdmissionStats HttpServer::Admission() const { return impl_->Admission(); }

}  // namespace sluice::net
