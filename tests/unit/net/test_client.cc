#include "test_client.h"

#include <string>
#include <utility>

#include <openssl/ssl.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace sluice::net::testing {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;

TestClient::TestClient(bool tls, std::chrono::milliseconds timeout) : tls_(tls), timeout_(timeout) {
  tls_context_.set_verify_mode(asio::ssl::verify_none);
}

void TestClient::Await() {
  io_.restart();
  io_.run();
}

beast::error_code TestClient::ConnectTcp(uint16_t port) {
  beast::tcp_stream* tcp_stream = nullptr;
  if (tls_) {
    secure_.emplace(io_, tls_context_);
    tcp_stream = &beast::get_lowest_layer(*secure_);
  } else {
    plain_.emplace(io_);
    tcp_stream = &*plain_;
  }
  beast::error_code result;
  tcp_stream->expires_after(timeout_);
  tcp_stream->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                            [&](beast::error_code ec) { result = ec; });
  Await();
  return result;
}

beast::error_code TestClient::Connect(uint16_t port, std::string_view alpn) {
  if (auto ec = ConnectTcp(port)) return ec;
  if (!tls_) return {};
  SSL_set_tlsext_host_name(secure_->native_handle(), "localhost");
  if (!alpn.empty()) {
    std::string wire;
    wire.push_back(static_cast<char>(alpn.size()));
    wire.append(alpn);
    SSL_set_alpn_protos(secure_->native_handle(),
                        reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  beast::error_code result;
  beast::get_lowest_layer(*secure_).expires_after(timeout_);
  secure_->async_handshake(asio::ssl::stream_base::client,
                           [&](beast::error_code ec) { result = ec; });
  Await();
  return result;
}

beast::error_code TestClient::WriteRaw(std::string_view bytes) {
  beast::error_code result;
  auto done = [&](beast::error_code ec, std::size_t) { result = ec; };
  if (tls_) {
    beast::get_lowest_layer(*secure_).expires_after(timeout_);
    asio::async_write(*secure_, asio::buffer(bytes), done);
  } else {
    plain_->expires_after(timeout_);
    asio::async_write(*plain_, asio::buffer(bytes), done);
  }
  Await();
  return result;
}

beast::error_code TestClient::Send(http::request<http::string_body> request) {
  beast::error_code result;
  auto done = [&](beast::error_code ec, std::size_t) { result = ec; };
  if (tls_) {
    beast::get_lowest_layer(*secure_).expires_after(timeout_);
    http::async_write(*secure_, request, done);
  } else {
    plain_->expires_after(timeout_);
    http::async_write(*plain_, request, done);
  }
  Await();
  return result;
}

beast::error_code TestClient::Read(Response& response, bool head) {
  beast::error_code result;
  auto done = [&](beast::error_code ec, std::size_t) { result = ec; };
  http::response_parser<http::string_body> parser;
  parser.skip(head);
  // Streamed test responses run to tens of MiB; Beast's default stops at 8.
  parser.body_limit(boost::none);
  if (tls_) {
    beast::get_lowest_layer(*secure_).expires_after(timeout_);
    http::async_read(*secure_, buffer_, parser, done);
  } else {
    plain_->expires_after(timeout_);
    http::async_read(*plain_, buffer_, parser, done);
  }
  Await();
  if (!result) response = parser.release();
  return result;
}

std::optional<Response> TestClient::Roundtrip(http::request<http::string_body> request) {
  if (Send(std::move(request))) return std::nullopt;
  Response response;
  if (Read(response)) return std::nullopt;
  return response;
}

bool TestClient::WaitForClose() {
  for (;;) {
    beast::error_code result;
    std::size_t bytes = 0;
    auto done = [&](beast::error_code ec, std::size_t n) {
      result = ec;
      bytes = n;
    };
    auto space = buffer_.prepare(4096);
    if (tls_) {
      beast::get_lowest_layer(*secure_).expires_after(timeout_);
      secure_->async_read_some(space, done);
    } else {
      plain_->expires_after(timeout_);
      plain_->async_read_some(space, done);
    }
    Await();
    if (result) return result != beast::error::timeout;
    buffer_.commit(bytes);
  }
}

std::string TestClient::AlpnSelected() {
  if (!secure_) return "";
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(secure_->native_handle(), &data, &length);
  if (data == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(data), length);
}

void TestClient::Close() {
  beast::error_code ignored;
  beast::tcp_stream* tcp_stream = tls_ ? (secure_ ? &beast::get_lowest_layer(*secure_) : nullptr)
                                       : (plain_ ? &*plain_ : nullptr);
  if (tcp_stream == nullptr) return;
  tcp_stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp_stream->socket().close(ignored);
}

http::request<http::string_body> MakeRequest(http::verb method, std::string_view target,
                                             std::string body, int version) {
  http::request<http::string_body> request(method, target, version);
  request.set(http::field::host, "localhost");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

}  // namespace sluice::net::testing
