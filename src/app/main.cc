// sluice: reads the configuration and wires the layers together.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/config.h"
#include "sluice/admin/admin_token.h"
#include "sluice/admin/operator_surface.h"
#include "sluice/api/api.h"
#include "sluice/broker/broker.h"
#include "sluice/common/durable_file.h"
#include "sluice/common/log.h"
#include "sluice/net/http_server.h"
#include "sluice/protocol/frontend.h"
#include "sluice/replication/replicated_store.h"

extern char** environ;

namespace sluice::app {
namespace {

int Fail(const std::string& what, const Status& status) {
  Logger("app")->critical("{}: {}", what, status.message());
  return 1;
}

// "HOST:PORT" or "[v6]:PORT" into the server's host and port; CheckValues saw the colon.
void SetAddress(const std::string& address, net::ServerOptions& options) {
  size_t colon = address.rfind(':');
  options.host = address.substr(0, colon);
  if (options.host.size() >= 2 && options.host.front() == '[') {
    options.host = options.host.substr(1, options.host.size() - 2);
  }
  options.port = static_cast<uint16_t>(std::stoi(address.substr(colon + 1)));
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

int Run(const Config& config) {
  namespace fs = std::filesystem;
  const fs::path data_dir = config.data_dir;
  // 0700: the directory holds the iterator secret, the admin token and the TLS key.
  if (Status created = CreatePrivateDirectory(data_dir); !created.ok())
    return Fail("data directory", created);

  net::ServerOptions server_options;
  SetAddress(config.listen, server_options);
  server_options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  server_options.max_concurrent_streams = static_cast<uint32_t>(config.max_concurrent_streams);
  server_options.max_connections = static_cast<size_t>(config.max_connections);
  server_options.max_request_bytes_in_flight =
      static_cast<size_t>(config.max_request_bytes_in_flight);
  server_options.tls_cert =
      config.tls_cert.empty() ? data_dir / "tls" / "cert.pem" : fs::path(config.tls_cert);
  server_options.tls_key =
      config.tls_key.empty() ? data_dir / "tls" / "key.pem" : fs::path(config.tls_key);
  if (config.tls_cert.empty() && config.tls_key.empty()) {
    Status tls = net::EnsureSelfSignedCertificate(server_options.tls_cert, server_options.tls_key);
    if (!tls.ok()) return Fail("TLS certificate", tls);
  }

  replication::StoreOptions store_options;
  store_options.node_count = static_cast<int>(config.nodes);
  store_options.quorum = static_cast<int>(config.quorum);
  store_options.sync = config.durability == "fsync";
  store_options.node_timeout = std::chrono::milliseconds(config.node_timeout_ms);
  store_options.max_node_queue_bytes = static_cast<size_t>(config.node_queue_bytes);
  store_options.probe_backoff_min = std::chrono::milliseconds(config.node_probe_min_ms);
  store_options.probe_backoff_max = std::chrono::milliseconds(config.node_probe_max_ms);
  auto store = replication::ReplicatedStore::Open(data_dir, store_options);
  if (!store.ok()) return Fail("opening storage in " + data_dir.string(), store.status());

  auto iterator_key = broker::LoadOrCreateIteratorKey(data_dir / "iterator.key");
  if (!iterator_key.ok()) return Fail("iterator secret", iterator_key.status());

  boost::asio::io_context io;
  broker::BrokerOptions broker_options;
  broker_options.create_delay = std::chrono::milliseconds(config.create_stream_ms);
  broker_options.delete_delay = std::chrono::milliseconds(config.delete_stream_ms);
  broker_options.update_delay = std::chrono::milliseconds(config.update_stream_ms);
  broker_options.consumer_create_delay = std::chrono::milliseconds(config.create_consumer_ms);
  broker_options.consumer_delete_delay = std::chrono::milliseconds(config.delete_consumer_ms);
  broker_options.consumer_limit = static_cast<uint32_t>(config.consumer_limit);
  broker_options.shard_limit = static_cast<uint32_t>(config.shard_limit);
  broker_options.enforce_limits = config.enforce_limits == "true";
  broker_options.on_demand_stream_limit = static_cast<uint32_t>(config.on_demand_stream_limit);
  broker_options.retention_sweep_interval = std::chrono::milliseconds(config.retention_sweep_ms);
  broker_options.next_token_ttl = std::chrono::milliseconds(config.next_token_ttl_ms);
  broker_options.read_threads = static_cast<size_t>(config.read_threads);
  broker::Broker broker(io, **store, broker::IteratorCodec(*iterator_key), broker_options);
  if (Status recovered = broker.Recover(); !recovered.ok())
    return Fail("recovering streams", recovered);

  api::Api api(broker);
  protocol::FrontendOptions frontend_options;
  frontend_options.account_id = config.account_id;
  frontend_options.default_region = config.region;
  frontend_options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  if (config.auth == "sigv4") {
    auto authenticator = protocol::LoadAuthenticator(config.credentials_file);
    if (!authenticator.ok()) return Fail("--auth sigv4", authenticator.status());
    frontend_options.authenticator = std::move(*authenticator);
  }
  protocol::Frontend frontend(api, frontend_options);
  std::string admin_token = config.admin_token;
  if (admin_token.empty() && config.admin_listen != "off") {
    auto token = admin::LoadOrCreateAdminToken(data_dir / "admin.token");
    if (!token.ok()) return Fail("admin token", token.status());
    admin_token = *token;
    Logger("app")->info("operator port token: {}", (data_dir / "admin.token").string());
  }
  admin::OperatorSurface operator_surface(frontend, broker, **store, admin_token);
  // The API port: the health check for load balancers, everything else is an API call.
  net::HttpServer server(
      io, server_options,
      [&frontend, &operator_surface](net::HttpRequest request,
                                     std::shared_ptr<net::ResponseWriter> writer) {
        if (admin::OperatorSurface::ServesOnApiPort(request.target)) {
          return net::SendResponse(*writer, operator_surface.Handle(request));
        }
        frontend.Handle(std::move(request), std::move(writer));
      },
      [&frontend](net::RejectReason reason) { return frontend.Reject(reason); });
  if (Status started = server.Start(); !started.ok())
    return Fail("listening on " + config.listen, started);
  // The operator port: plain HTTP (loopback by default), small requests only.
  std::unique_ptr<net::HttpServer> admin_server;
  if (config.admin_listen != "off") {
    net::ServerOptions admin_options;
    SetAddress(config.admin_listen, admin_options);
    admin_options.max_body_bytes = 64 << 10;
    admin_server = std::make_unique<net::HttpServer>(
        io, admin_options,
        [&operator_surface](net::HttpRequest request, std::shared_ptr<net::ResponseWriter> writer) {
          net::SendResponse(*writer, operator_surface.Handle(request));
        },
        [](net::RejectReason) {
          return net::HttpResponse{400, {}, "bad request\n"};
        });
    if (Status started = admin_server->Start(); !started.ok())
      return Fail("listening on " + config.admin_listen + " (admin-listen)", started);
    if (!IsLoopback(admin_options.host)) {
      Logger("app")->warn(
          "the operator port listens beyond loopback on {}; its POST routes need "
          "the admin token, its metrics and node states are open to anyone who "
          "reaches it",
          config.admin_listen);
    }
  }
  if (!IsLoopback(server_options.host) && config.auth == "none") {
    Logger("app")->warn(
        "the API listens beyond loopback on {} and signatures are not verified (--auth none): "
        "anyone who reaches the port can read and delete every stream; start with --auth sigv4 "
        "--credentials-file PATH to verify them",
        config.listen);
  }
  operator_surface.WatchApiServer(&server);
  operator_surface.SetReady(true);
  std::string admin_port = admin_server ? std::to_string(admin_server->port()) : "off";
  Logger("app")->info(
      "Sluice listening on {}:{} (HTTP and HTTPS), operator port {}, data in {}, {} of {} nodes "
      "for a quorum, auth {}",
      server_options.host, server.port(), admin_port, data_dir.string(), config.quorum,
      config.nodes, config.auth);

  // SIGINT/SIGTERM: a graceful shutdown, on a thread of its own so the io_context keeps serving
  // while it waits (the work guard keeps io.run() going once the listener and idle connections
  // are gone: write completions are still posted to it). Stop accepting; give the requests in
  // flight up to the grace period to be answered; close the nodes, which fails any write still
  // pending with a clear error; let those answers reach the wire (bounded); then stop.
  auto work = boost::asio::make_work_guard(io);
  std::thread shutdown;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    Logger("app")->info("signal {}: shutting down", signal);
    shutdown = std::thread([&] {
      operator_surface.SetReady(false);
      server.Stop();
      if (admin_server) admin_server->Stop();
      broker.Stop();
      auto busy = [&] { return server.InFlight() > 0 || broker.PendingWrites() > 0; };
      auto wait_while_busy = [&](std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (busy() && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      };
      wait_while_busy(std::chrono::milliseconds(config.shutdown_grace_ms));
      if (busy()) {
        Logger("app")->warn("{} requests still in flight after the grace period; failing them",
                            server.InFlight());
      }
      (*store)->Close();  // fails what is still pending; those answers go out now
      wait_while_busy(std::chrono::milliseconds(5000));
      work.reset();
      io.stop();
    });
  });

  unsigned threads = config.threads > 0 ? static_cast<unsigned>(config.threads)
                                        : std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : pool) thread.join();
  if (shutdown.joinable()) shutdown.join();
  (*store)->Close();
  Logger("app")->info("stopped");
  return 0;
}

}  // namespace
}  // namespace sluice::app

int main(int argc, char** argv) {
  bool help = false;
  auto config = sluice::app::LoadConfig(argc, argv, environ, help);
  if (help) {
    std::cout << sluice::app::HelpText();
    return 0;
  }
  if (!config.ok()) {
    std::cerr << "sluice: " << config.status().message() << "\n";
    return 2;
  }
  if (!sluice::SetLogLevel(config->log_level)) {
    std::cerr << "sluice: unknown log level " << config->log_level << "\n";
    return 2;
  }
  return sluice::app::Run(*config);
}
