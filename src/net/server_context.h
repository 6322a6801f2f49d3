#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <spdlog/logger.h>
#include <boost/asio/ssl/context.hpp>

#include "sluice/net/http_server.h"

namespace sluice::net {

// Something that owns an accepted connection (a protocol detector, then a session).
class Connection {
 public:
  virtual ~Connection() = default;
  // Asks the connection to wind down for a server stop: an idle connection closes at once, one
  // with a request in flight closes after answering it. Thread-safe: posts to the connection's
  // strand.
  virtual void Shutdown() = 0;
};

// The live connections of one server, so that Stop() can reach them. Holds weak references
// only: a connection's lifetime is that of its pending operations.
//
// Threads: any. The mutex guards the map and is held only to copy or change entries.
class ConnectionRegistry {
 public:
  uint64_t Add(std::weak_ptr<Connection> connection);
  // Points `id` at a new owner (a detector handing its connection to a session).
  void Replace(uint64_t id, std::weak_ptr<Connection> connection);
  void Remove(uint64_t id);
  // Calls Shutdown() on every live connection, outside the lock.
  void ShutdownAll();
  size_t size() const;

 private:
  mutable std::mutex connections_mutex_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;
};

// A connection's entry in the registry, removed when the slot is destroyed. Moves from the
// detector to the session with the connection. Used on the connection's strand only.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionRegistry* registry, uint64_t id) : registry_(registry), id_(id) {}
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot();

  // Makes `owner` the connection that Stop() reaches through this slot.
  void Rebind(std::weak_ptr<Connection> owner);
  uint64_t id() const { return id_; }

 private:
  ConnectionRegistry* registry_ = nullptr;
  uint64_t id_ = 0;
};

// Holds one request in the server's in-flight count (HttpServer::InFlight) from the moment it is
// handed to the handler until its response is written to the end or abandoned with its
// connection or stream. Any thread.
class InFlightRequest {
 public:
  explicit InFlightRequest(std::atomic<size_t>& count) : count_(count) { count_.fetch_add(1); }
  ~InFlightRequest() { count_.fetch_sub(1); }
  InFlightRequest(const InFlightRequest&) = delete;
  InFlightRequest& operator=(const InFlightRequest&) = delete;

 private:
  std::atomic<size_t>& count_;
};

// What every connection of one server shares. Outlives the HttpServer while connections hold
// it, so a session never touches a destroyed server. Immutable after Start() except for
// `stopping` and the registry, which are thread-safe.
struct ServerContext {
  ServerOptions options;
  RequestHandler handler;
  RejectionResponder reject;
  std::unique_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP only
  std::shared_ptr<spdlog::logger> log;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> in_flight{0};  // see HttpServer::InFlight()
  ConnectionRegistry connections;

  // How long a connection that is being closed may linger to drain what the peer still sends,
  // so that our last response is not lost to a TCP reset.
  std::chrono::milliseconds LingerTimeout() const {
    return std::min(options.read_timeout, std::chrono::milliseconds(2000));
  }
};

}  // namespace sluice::net
