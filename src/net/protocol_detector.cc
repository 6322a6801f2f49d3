#include "net/protocol_detector.h"

#include <exception>
#include <sstream>
#include <string_view>
#include <utility>

#include <openssl/ssl.h>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "net/http1_session.h"
#include "net/http2_session.h"
#include "net/http2_wire.h"
#include "net/tls_context.h"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;

// The first byte of a TLS record carrying a handshake message (the ClientHello).
constexpr unsigned char kTlsHandshakeRecord = 0x16;
// Enough for any first read. One byte tells TLS from plain; a plain connection may need up to
// the 24 bytes of the HTTP/2 preface, which can arrive in pieces.
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
    const uint64_t id = context_->connections.Add(weak_from_this());
    const size_t open = context_->connections.size();
    slot_ = ConnectionSlot(&context_->connections, id, open > context_->options.max_connections);
    if (context_->stopping.load()) return Close();
    if (open > context_->ConnectionHardLimit()) {
      // Even the connections kept for refusals are all taken: this one costs nothing more.
      context_->refused_connections.fetch_add(1);
      context_->log->debug("connection {}: {} connections open, closing at once", remote_address_,
                           open);
      return Close();
    }
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
    if (*first != kTlsHandshakeRecord) return OnPlainBytes();
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

void ProtocolDetector::OnPlainBytes() {
  const std::string_view seen(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  switch (MatchHttp2Preface(seen)) {
    case PrefaceMatch::kPartial:
      // The read timeout set in Detect() still bounds the whole wait.
      stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                              [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                                self->OnFirstBytes(ec, bytes);
                              });
      return;
    case PrefaceMatch::kComplete:
      handed_off_ = true;
      return StartHttp2Session(context_, std::move(stream_), std::move(buffer_), std::move(slot_),
                               remote_address_);
    case PrefaceMatch::kMismatch:
      handed_off_ = true;
      return StartHttp1Session(context_, std::move(stream_), std::move(buffer_), std::move(slot_),
                               remote_address_);
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
    const std::string_view protocol(reinterpret_cast<const char*>(alpn), alpn_length);
    context_->log->trace("connection {}: TLS established, ALPN '{}'", remote_address_, protocol);
    handed_off_ = true;
    // HTTP/2 over TLS is negotiated by ALPN only (RFC 9113, 3.2); without it, HTTP/1.1.
    if (protocol == kAlpnHttp2) {
      return StartHttp2Session(context_, std::move(*tls_stream_), std::move(buffer_),
                               std::move(slot_), remote_address_);
    }
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
