#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/server_context.h"

namespace sluice::net {

// The first stage of every accepted connection: reads the first bytes (within the read
// timeout) and decides what the connection speaks. A TLS ClientHello (first byte 0x16) gets a
// TLS handshake, when TLS is configured, and then the session for the ALPN protocol ("h2":
// HTTP/2, else HTTP/1.1). On a plain connection the HTTP/2 client preface
// ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") selects h2c with prior knowledge; bytes that stop
// matching it are HTTP/1.x. The bytes already read are handed to the session.
//
// This is the one place that picks a session type.
//
// Threads: runs on the connection's strand (the executor of the accepted socket). Shutdown()
// may be called from any thread.
class ProtocolDetector : public Connection, public std::enable_shared_from_this<ProtocolDetector> {
 public:
  ProtocolDetector(std::shared_ptr<ServerContext> context, boost::asio::ip::tcp::socket socket);

  // Starts detection on the connection's strand. Call once, from any thread.
  void Run();
  void Shutdown() override;

 private:
  void Detect();
  void OnFirstBytes(boost::beast::error_code ec, std::size_t bytes);
  // Plain text so far: HTTP/2 preface, HTTP/1.x, or too few bytes to tell.
  void OnPlainBytes();
  void OnHandshake(boost::beast::error_code ec, std::size_t bytes_used);
  void Close();

  const std::shared_ptr<ServerContext> context_;
  const std::string remote_address_;  // "address:port" of the peer, for logs and requests
  boost::beast::tcp_stream stream_;
  const boost::asio::any_io_executor executor_;  // the connection's strand
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_stream_;
  boost::beast::flat_buffer buffer_;
  ConnectionSlot slot_;
  bool handed_off_ = false;  // the stream now belongs to a session
};

}  // namespace sluice::net
