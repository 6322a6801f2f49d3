#include "net/protocol_detector.h"

#include <exception>
#include <sstream>
#include <string_view>
#include <utility>

#include <openssl/ssl.h>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "net/http1_session.h"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;

// The first byte of a TLS record carrying a handshake message (the ClientHello).
constexpr unsigned char kTlsHandshakeRecord = 0x16;
// Enough for any first read; one byte decides.
constexpr size_t kFirstReadBytes = 4096;

std::string FormatPeer(const asio::ip::tcp::socket& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "(unknown peer)";
  std::ostringstream out;
  out << endpoint;
  return out.str();
}

}  // namespace

ProtocolDetector::ProtocolDetector(std::shared_ptr<ServerContext> context,
                                   asio::ip::tcp::socket socket)
    : context_(std::move(context)),
      remote_address_(FormatPeer(socket)),
      stream_(std::move(socket)),
      executor_(stream_.get_executor()) {}

void ProtocolDetector::Run() {
  asio::post(executor_, [self = shared_from_this()] { self->Detect(); });
}

void ProtocolDetector::Detect() {
  try {
    slot_ = ConnectionSlot(&context_->connections, context_->connections.Add(weak_from_this()));
    if (context_->stopping.load()) return Close();
    stream_.expires_after(context_->options.read_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                              self->OnFirstBytes(ec, bytes);
                            });
  } catch (const std::exception& e) {
    context_->log->error("connection {}: unexpected error, closing: {}", remote_address_, e.what());
    Close();
  }
}

void ProtocolDetector::Shutdown() {
  asio::post(executor_, [self = shared_from_this()] {
    if (!self->handed_off_) self->Close();
  });
}

void ProtocolDetector::OnFirstBytes(beast::error_code ec, std::size_t bytes) {
  try {
    if (ec) {
      context_->log->debug("connection {}: closed before its first byte: {}", remote_address_,
                           ec.message());
      return Close();
    }
    buffer_.commit(bytes);
    const auto* first = static_cast<const unsigned char*>(buffer_.data().data());
    if (*first != kTlsHandshakeRecord) {
      handed_off_ = true;
      return StartHttp1Session(context_, std::move(stream_), std::move(buffer_), std::move(slot_),
                               remote_address_);
    }
    if (!context_->tls) {
      context_->log->info(
          "connection {}: TLS ClientHello, but no TLS certificate is configured; closing",
          remote_address_);
      return Close();
    }
    tls_stream_.emplace(std::move(stream_), *context_->tls);
    beast::get_lowest_layer(*tls_stream_).expires_after(context_->options.read_timeout);
    // bind_front_handler rather than a lambda: Beast 1.81 constrains the buffered
    // async_handshake's handler with the unbuffered signature, which only a variadic handler
    // satisfies.
    tls_stream_->async_handshake(
        ssl::stream_base::server, buffer_.data(),
        beast::bind_front_handler(&ProtocolDetector::OnHandshake, shared_from_this()));
  } catch (const std::exception& e) {
    context_->log->error("connection {}: unexpected error, closing: {}", remote_address_, e.what());
    Close();
  }
}

void ProtocolDetector::OnHandshake(beast::error_code ec, std::size_t bytes_used) {
  try {
    if (ec) {
      context_->log->debug("connection {}: TLS handshake failed: {}", remote_address_,
                           ec.message());
      return Close();
    }
    buffer_.consume(bytes_used);
    const unsigned char* alpn = nullptr;
    unsigned int alpn_length = 0;
    SSL_get0_alpn_selected(tls_stream_->native_handle(), &alpn, &alpn_length);
    // Only "http/1.1" (or no ALPN) is offered today; "h2" would start an HTTP/2 session here.
    context_->log->trace("connection {}: TLS established, ALPN '{}'", remote_address_,
                         std::string_view(reinterpret_cast<const char*>(alpn), alpn_length));
    handed_off_ = true;
    StartHttp1Session(context_, std::move(*tls_stream_), std::move(buffer_), std::move(slot_),
                      remote_address_);
  } catch (const std::exception& e) {
    context_->log->error("connection {}: unexpected error, closing: {}", remote_address_, e.what());
    Close();
  }
}

void ProtocolDetector::Close() {
  if (handed_off_) return;
  beast::error_code ignored;
  auto& tcp = tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : stream_;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  tcp.socket().close(ignored);
}

}  // namespace sluice::net
