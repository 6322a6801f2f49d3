#pragma once

// A small Beast HTTP client for the net tests: plain or TLS (no verification), every operation
// bounded by a timeout so a broken server fails a test instead of hanging it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace sluice::net::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;

using Response = http::response<http::string_body>;

class TestClient {
 public:
  explicit TestClient(bool tls = false,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

  // Connects (and for TLS, handshakes, offering ALPN `alpn` when not empty).
  beast::error_code Connect(uint16_t port, std::string_view alpn = "");
  // Connects the TCP socket only, even for a TLS client.
  beast::error_code ConnectTcp(uint16_t port);

  beast::error_code WriteRaw(std::string_view bytes);
  beast::error_code Send(http::request<http::string_body> request);
  // With `head`, reads a response to a HEAD request (headers only, whatever Content-Length says).
  beast::error_code Read(Response& response, bool head = false);
  // Reads one response (the server answers in order).
  std::optional<Response> Roundtrip(http::request<http::string_body> request);
  // True when the server closes the connection (EOF or reset) within the timeout, after any
  // bytes it still sends.
  bool WaitForClose();
  // The ALPN protocol the server chose ("" if none).
  std::string AlpnSelected();
  void Close();

  beast::flat_buffer& buffer() { return buffer_; }

 private:
  // Runs the client's io_context until the pending operation completes.
  void Await();

  boost::asio::io_context io_;
  boost::asio::ssl::context tls_context_{boost::asio::ssl::context::tls_client};
  bool tls_;
  std::chrono::milliseconds timeout_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
  beast::flat_buffer buffer_;
};

// A request with the headers the tests use most.
http::request<http::string_body> MakeRequest(http::verb method, std::string_view target,
                                             std::string body = "", int version = 11);

}  // namespace sluice::net::testing
