#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/server_context.h"
#include "sluice/common/status.h"

namespace sluice::net {

// Owns the listening socket and accepts connections, giving each its own strand and a
// ProtocolDetector. Accept errors such as running out of file descriptors pause accepting
// briefly instead of spinning.
//
// Threads: Open() on the caller's thread before Run(); the accept loop on the listener's own
// strand; Close() from any thread (it posts to that strand).
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, std::shared_ptr<ServerContext> context);

  // Binds and listens on options.host:options.port. Fails with a message naming the address.
  Status Open();
  void Run();
  void Close();
  // The bound port; valid after a successful Open().
  uint16_t port() const { return port_; }

 private:
  void Accept();
  // Accepts again after a pause (after an accept error).
  void AcceptLater();
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  const std::shared_ptr<ServerContext> context_;
  boost::asio::ip::tcp::acceptor acceptor_;  // on the listener's strand
  boost::asio::steady_timer retry_timer_;    // on the listener's strand
  uint16_t port_ = 0;
};

}  // namespace sluice::net
