#include "net/http1_session.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "net/http1_wire.h"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// How much to ask for when waiting for the first bytes of a request or draining a closing one.
constexpr size_t kReadChunk = 16 * 1024;

// One HTTP/1.x connection. Every member function except Shutdown() and the Responder it hands
// out runs on the connection's strand; those two only post to it.
template <class Stream>
class Http1Session : public Connection, public std::enable_shared_from_this<Http1Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Http1Session(std::shared_ptr<ServerContext> context, Stream stream, beast::flat_buffer buffer,
               ConnectionSlot slot, std::string remote_address)
      : context_(std::move(context)),
        stream_(std::move(stream)),
        executor_(stream_.get_executor()),
        buffer_(std::move(buffer)),
        slot_(std::move(slot)),
        remote_address_(std::move(remote_address)) {}

  // On the strand, right after construction.
  void Run() {
    Guarded([this] {
      slot_.Rebind(this->weak_from_this());
      ReadNextRequest();
    });
  }

  void Shutdown() override {
    asio::post(executor_,
               [self = this->shared_from_this()] { self->Guarded([&] { self->OnServerStop(); }); });
  }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kClosing };

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }
  spdlog::logger& log() const { return *context_->log; }

  // Runs `body`; an exception ends the connection instead of escaping into Asio.
  template <class F>
  void Guarded(F&& body) noexcept {
    try {
      body();
    } catch (const std::exception& e) {
      context_->log->error("connection {}: unexpected error, closing: {}", remote_address_,
                           e.what());
      CloseNow();
    } catch (...) {
      context_->log->error("connection {}: unexpected error, closing", remote_address_);
      CloseNow();
    }
  }

  // A completion handler that calls member `fn` on the strand, guarded, keeping us alive.
  template <class... Args>
  auto Bind(void (Http1Session::*fn)(Args...)) {
    return [self = this->shared_from_this(), fn](auto&&... args) {
      self->Guarded([&] { ((*self).*fn)(std::forward<decltype(args)>(args)...); });
    };
  }

  // --- Reading a request -------------------------------------------------------------------

  void ReadNextRequest() {
    if (stopping_ || context_->stopping.load()) return CloseNow();
    const ServerOptions& options = context_->options;
    parser_.emplace();
    parser_->body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    if (buffer_.size() > 0) return StartRequest();  // pipelined, or bytes from the detector

    // Idle between requests: wait for a first byte within the idle timeout.
    phase_ = Phase::kIdle;
    tcp().expires_after(options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk), Bind(&Http1Session::OnIdleRead));
  }

  void OnIdleRead(beast::error_code ec, std::size_t bytes) {
    if (ec) {
      if (ec == beast::error::timeout) {
        log().debug("connection {}: idle timeout", remote_address_);
      } else {
        log().debug("connection {}: closed while idle: {}", remote_address_, ec.message());
      }
      return CloseNow();
    }
    buffer_.commit(bytes);
    StartRequest();
  }

  // The request has begun: all of it must arrive before the read timeout.
  void StartRequest() {
    phase_ = Phase::kReading;
    request_deadline_ = std::chrono::steady_clock::now() + context_->options.read_timeout;
    tcp().expires_at(request_deadline_);
    http::async_read_header(stream_, buffer_, *parser_, Bind(&Http1Session::OnHeader));
  }

  void OnHeader(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    const auto& header = parser_->get();
    if (!parser_->is_done() && header.version() >= 11 &&
        beast::iequals(header[http::field::expect], "100-continue")) {
      // The client waits for this before it sends the body.
      continue_response_.emplace(http::status::continue_, 11);
      tcp().expires_at(request_deadline_);
      return http::async_write(stream_, *continue_response_,
                               Bind(&Http1Session::OnContinueWritten));
    }
    ReadBody();
  }

  void OnContinueWritten(beast::error_code ec, std::size_t /*bytes*/) {
    continue_response_.reset();
    if (ec) {
      log().debug("connection {}: writing 100 Continue failed: {}", remote_address_, ec.message());
      return CloseNow();
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Dispatch();
    tcp().expires_at(request_deadline_);
    http::async_read(stream_, buffer_, *parser_, Bind(&Http1Session::OnBody));
  }

  void OnBody(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    Dispatch();
  }

  void OnReadError(beast::error_code ec) {
    switch (ClassifyReadError(ec)) {
      case ReadFailure::kBodyTooLarge:
        return Reject(RejectReason::kBodyTooLarge, ec);
      case ReadFailure::kHeaderTooLarge:
        return Reject(RejectReason::kHeaderTooLarge, ec);
      case ReadFailure::kMalformed:
        return Reject(RejectReason::kMalformed, ec);
      case ReadFailure::kTimeout:
        log().debug("connection {}: request not complete within the read timeout", remote_address_);
        return CloseNow();
      case ReadFailure::kDisconnected:
        log().debug("connection {}: closed mid-request: {}", remote_address_, ec.message());
        return CloseNow();
    }
  }

  // --- Handing the request up ---------------------------------------------------------------

  void Dispatch() {
    phase_ = Phase::kHandling;
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    request_version_ = message.version() == 10 ? 10 : 11;
    request_is_head_ = message.method() == http::verb::head;
    keep_alive_ = message.keep_alive();

    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_address_;
    request.tls = kTls;
    request.http_version = request_version_;

    // The responder keeps the session alive until it is called (or dropped); a second call is
    // ignored, and a call after the connection closed finds a closed socket and does nothing.
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self = this->shared_from_this(), answered](HttpResponse response) {
      if (answered->exchange(true)) {
        self->context_->log->warn("connection {}: response given twice; the second is ignored",
                                  self->remote_address_);
        return;
      }
      asio::post(self->executor_, [self, response = std::move(response)]() mutable {
        self->Guarded([&] { self->OnResponse(std::move(response)); });
      });
    };
    try {
      context_->handler(std::move(request), respond);
    } catch (const std::exception& e) {
      context_->log->error("connection {}: request handler threw: {}", remote_address_, e.what());
      respond(HttpResponse{.status = 500, .headers = {}, .body = {}});
    } catch (...) {
      context_->log->error("connection {}: request handler threw", remote_address_);
      respond(HttpResponse{.status = 500, .headers = {}, .body = {}});
    }
  }

  // --- Writing the response ---------------------------------------------------------------

  void OnResponse(HttpResponse response) {
    if (phase_ != Phase::kHandling) return;  // connection already closing
    bool handler_wants_close = false;
    response_.emplace(
        ToWire(std::move(response), request_version_, request_is_head_, &handler_wants_close));
    keep_alive_ = keep_alive_ && !handler_wants_close && !stopping_ && !context_->stopping.load();
    response_->keep_alive(keep_alive_);
    Write();
  }

  void Write() {
    phase_ = Phase::kWriting;
    tcp().expires_after(context_->options.read_timeout);
    http::async_write(stream_, *response_, Bind(&Http1Session::OnWritten));
  }

  void OnWritten(beast::error_code ec, std::size_t /*bytes*/) {
    response_.reset();
    if (ec) {
      log().debug("connection {}: writing the response failed: {}", remote_address_, ec.message());
      return CloseNow();
    }
    if (!keep_alive_) return CloseGracefully();
    ReadNextRequest();
  }

  // Answers a request the server refuses to read, then closes the connection.
  void Reject(RejectReason reason, beast::error_code ec) {
    context_->log->info("connection {}: rejecting request ({}): {}", remote_address_,
                        RejectReasonName(reason), ec.message());
    parser_.reset();
    HttpResponse response;
    try {
      response = context_->reject ? context_->reject(reason) : DefaultRejection(reason);
    } catch (const std::exception& e) {
      context_->log->error("rejection responder threw: {}", e.what());
      response = HttpResponse{.status = 500, .headers = {}, .body = {}};
    }
    bool ignored = false;
    response_.emplace(ToWire(std::move(response), 11, false, &ignored));
    keep_alive_ = false;
    response_->keep_alive(false);
    Write();
  }

  // --- Closing ------------------------------------------------------------------------------

  // Says goodbye (TLS close_notify, then a TCP half-close) and drains what the peer still sends
  // for a moment, so our last response is not destroyed by a reset.
  void CloseGracefully() {
    phase_ = Phase::kClosing;
    tcp().expires_after(context_->LingerTimeout());
    if constexpr (kTls) {
      stream_.async_shutdown(Bind(&Http1Session::OnTlsShutdown));
    } else {
      Drain();
    }
  }

  void OnTlsShutdown(beast::error_code ec) {
    if (ec) log().debug("connection {}: TLS shutdown: {}", remote_address_, ec.message());
    if (!tcp().socket().is_open()) return CloseNow();
    Drain();
  }

  void Drain() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    tcp().async_read_some(buffer_.prepare(kReadChunk), Bind(&Http1Session::OnDrained));
  }

  void OnDrained(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return CloseNow();
    tcp().async_read_some(buffer_.prepare(kReadChunk), Bind(&Http1Session::OnDrained));
  }

  void CloseNow() noexcept {
    phase_ = Phase::kClosing;
    try {
      beast::error_code ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      tcp().close();
    } catch (...) {
      // Closing is best effort; the socket is released with the session regardless.
    }
  }

  void OnServerStop() {
    stopping_ = true;
    // An idle connection goes now; one with a request in flight closes after answering it.
    if (phase_ == Phase::kIdle) tcp().cancel();
  }

  const std::shared_ptr<ServerContext> context_;
  Stream stream_;
  const asio::any_io_executor executor_;  // the connection's strand
  beast::flat_buffer buffer_;
  ConnectionSlot slot_;
  const std::string remote_address_;

  Phase phase_ = Phase::kIdle;
  bool stopping_ = false;
  bool keep_alive_ = true;
  int request_version_ = 11;
  bool request_is_head_ = false;
  std::chrono::steady_clock::time_point request_deadline_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_response_;
  std::optional<http::response<http::string_body>> response_;
};

template <class Stream>
void Start(std::shared_ptr<ServerContext> context, Stream stream, beast::flat_buffer buffer,
           ConnectionSlot slot, std::string remote_address) {
  std::make_shared<Http1Session<Stream>>(std::move(context), std::move(stream), std::move(buffer),
                                         std::move(slot), std::move(remote_address))
      ->Run();
}

}  // namespace

void StartHttp1Session(std::shared_ptr<ServerContext> context, PlainStream stream,
                       beast::flat_buffer buffer, ConnectionSlot slot, std::string remote_address) {
  Start(std::move(context), std::move(stream), std::move(buffer), std::move(slot),
        std::move(remote_address));
}

void StartHttp1Session(std::shared_ptr<ServerContext> context, TlsStream stream,
                       beast::flat_buffer buffer, ConnectionSlot slot, std::string remote_address) {
  Start(std::move(context), std::move(stream), std::move(buffer), std::move(slot),
        std::move(remote_address));
}

}  // namespace sluice::net
