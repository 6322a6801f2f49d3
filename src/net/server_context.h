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
  ConnectionSlot(ConnectionRegistry* registry, uint64_t id, bool over_capacity)
      : registry_(registry), id_(id), over_capacity_(over_capacity) {}
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : registry_(std::exchange(other.registry_, nullptr)),
        id_(other.id_),
        over_capacity_(other.over_capacity_) {}
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot();

  // Makes `owner` the connection that Stop() reaches through this slot.
  void Rebind(std::weak_ptr<Connection> owner);
  uint64_t id() const { return id_; }
  // The connection was opened while max_connections were already open: each of its requests is
  // refused (RejectReason::kOverloaded) and it closes after the first answer.
  bool over_capacity() const { return over_capacity_; }

 private:
  ConnectionRegistry* registry_ = nullptr;
  uint64_t id_ = 0;
  bool over_capacity_ = false;
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

// A count of bytes that may not pass a limit, shared by threads: request body bytes buffered
// across all connections, or across the streams of one HTTP/2 connection. The limit is set
// before the budget is shared.
class ByteBudget {
 public:
  explicit ByteBudget(size_t limit = 0) : limit_(limit) {}
  void set_limit(size_t limit) { limit_ = limit; }
  // Takes `bytes` if that keeps the total within the limit.
  bool TryTake(size_t bytes);
  void Give(size_t bytes) { used_.fetch_sub(bytes); }
  size_t used() const { return used_.load(); }

 private:
  size_t limit_;
  std::atomic<size_t> used_{0};
};

// The bytes one request's body holds in one or two budgets (the server's and, on HTTP/2, the
// connection's), given back when the lease ends. Grows as the body is found to be larger.
class BodyLease {
 public:
  BodyLease() = default;
  BodyLease(ByteBudget* server, ByteBudget* connection)
      : server_(server), connection_(connection) {}
  BodyLease(BodyLease&& other) noexcept
      : server_(std::exchange(other.server_, nullptr)),
        connection_(std::exchange(other.connection_, nullptr)),
        bytes_(std::exchange(other.bytes_, 0)) {}
  BodyLease& operator=(BodyLease&& other) noexcept;
  BodyLease(const BodyLease&) = delete;
  BodyLease& operator=(const BodyLease&) = delete;
  ~BodyLease() { Release(); }

  // Makes the lease cover `total` bytes; false (and unchanged) when a budget has no room.
  bool CoverUpTo(size_t total);
  void Release() noexcept;
  size_t bytes() const { return bytes_; }

 private:
  ByteBudget* server_ = nullptr;
  ByteBudget* connection_ = nullptr;
  size_t bytes_ = 0;
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
  // Request body bytes held by requests being read or answered
  // (options.max_request_bytes_in_flight).
  ByteBudget request_bytes;
  // Requests refused with RejectReason::kOverloaded, and connections closed at accept because
  // even the overflow allowance was used up (see ServerOptions::max_connections).
  std::atomic<uint64_t> refused_requests{0};
  std::atomic<uint64_t> refused_connections{0};

  // Connections beyond max_connections are still taken, up to this many in all, so that their
  // requests get a clear refusal instead of a reset; past it a connection is closed at once.
  size_t ConnectionHardLimit() const {
    return options.max_connections + std::max<size_t>(16, options.max_connections / 8);
  }

  // How long a connection that is being closed may linger to drain what the peer still sends,
  // so that our last response is not lost to a TCP reset.
  std::chrono::milliseconds LingerTimeout() const {
    return std::min(options.read_timeout, std::chrono::milliseconds(2000));
  }
};

}  // namespace sluice::net
