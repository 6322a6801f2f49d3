#include "net/http1_session.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "net/guarded.h"
#include "net/http1_wire.h"
#include "net/strand_response_writer.h"

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

// One HTTP/1.x connection: reads a request, hands it to the handler with a StrandResponseWriter,
// frames what the writer sends (Content-Length, chunked, or until close for HTTP/1.0), and loops
// while the connection is kept alive. Every member function except Shutdown() runs on the
// connection's strand; Shutdown() and the writer only post to it.
template <class Stream>
class Http1Session : public Connection,
                     public ResponseSink,
                     public std::enable_shared_from_this<Http1Session<Stream>> {
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
  // kResponding lasts from handing the request up until the response's last byte is written.
  enum class Phase { kIdle, kReading, kResponding, kClosing };

  // One piece of output: framing around the data, and whom to tell once it is written.
  struct Outgoing {
    std::string before;
    std::string data;
    std::string_view after;  // static text only
    WriteDone done;
  };

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }
  spdlog::logger& log() const { return *context_->log; }

  // Runs `body`; an exception ends the connection instead of escaping into Asio.
  template <class F>
  void Guarded(F&& body) noexcept {
    RunGuarded(*context_->log, remote_address_, std::forward<F>(body), [this] { CloseNow(); });
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
    ApplyLimits(*parser_, options);
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
    if (!Admit()) return Reject(RejectReason::kOverloaded, ec);
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

  // Admission control, before the body is read (or a 100 Continue invites it): a connection
  // over the server's connection cap is refused, and so is a body the server's request-bytes
  // budget has no room for. The lease holds the body's bytes until the response is written.
  bool Admit() {
    if (slot_.over_capacity()) return false;
    size_t expected = 0;
    if (auto length = parser_->content_length()) {
      expected = static_cast<size_t>(*length);
    } else if (parser_->chunked()) {
      expected = context_->options.max_body_bytes;  // all it may grow to
    }
    body_lease_ = BodyLease(&context_->request_bytes, nullptr);
    return body_lease_.CoverUpTo(expected);
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
    phase_ = Phase::kResponding;
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    request_is_head_ = message.method() == http::verb::head;
    keep_alive_ = message.keep_alive();

    HttpRequest request = ToHttpRequest(std::move(message));
    request_version_ = request.http_version;
    request.remote_address = remote_address_;
    request.tls = kTls;

    // The writer keeps the session alive while the handler holds it; its calls reach the
    // session as OnResponse* on the strand, tagged with this exchange so that a writer that
    // outlives its request changes nothing.
    ++exchange_;
    ResetResponse();
    in_flight_.emplace(context_->in_flight);
    auto writer =
        std::make_shared<StrandResponseWriter>(this->shared_from_this(), executor_, exchange_,
                                               context_->options.max_queued_response_bytes);
    try {
      context_->handler(std::move(request), writer);
    } catch (const std::exception& e) {
      context_->log->error("connection {}: request handler threw: {}", remote_address_, e.what());
      writer->Abort("the request handler threw");
    } catch (...) {
      context_->log->error("connection {}: request handler threw", remote_address_);
      writer->Abort("the request handler threw");
    }
  }

  // --- The response, from the writer (on the strand) ----------------------------------------

  // Whether an event of `exchange` concerns the response being written now.
  bool Current(uint64_t exchange) const {
    return exchange == exchange_ && phase_ == Phase::kResponding && !response_ended_;
  }

  void OnResponseStart(uint64_t exchange, int status, HttpHeaders headers,
                       std::optional<uint64_t> content_length) override {
    Guarded([&] {
      if (!Current(exchange)) return;
      if (response_started_) {
        log().warn("connection {}: response started twice; the second is ignored", remote_address_);
        return;
      }
      BeginResponse(status, std::move(headers), content_length);
    });
  }

  void OnResponseWrite(uint64_t exchange, std::string chunk, WriteDone done) override {
    Guarded([&] {
      if (!Current(exchange)) return ReportWriteDone(done, false);
      if (!response_started_) {
        AbortResponse("body written before the response was started");
        return ReportWriteDone(done, false);
      }
      QueueBody(std::move(chunk), std::move(done));
    });
  }

  void OnResponseFinish(uint64_t exchange) override {
    Guarded([&] {
      if (!Current(exchange)) return;
      if (!response_started_) return AbortResponse("response finished before it was started");
      EndResponse();
    });
  }

  void OnResponseAbort(uint64_t exchange, std::string_view why) override {
    Guarded([&] {
      if (Current(exchange)) AbortResponse(why);
    });
  }

  // --- Framing and writing the response ------------------------------------------------------

  void ResetResponse() {
    response_started_ = false;
    response_ended_ = false;
    framing_ = BodyFraming::kContentLength;
    declared_length_ = 0;
    body_bytes_ = 0;
  }

  void BeginResponse(int status, HttpHeaders headers, std::optional<uint64_t> content_length) {
    ResponseHead head = MakeResponseHead(status, std::move(headers), content_length,
                                         request_version_, request_is_head_);
    framing_ = head.framing;
    declared_length_ = content_length.value_or(0);
    keep_alive_ = keep_alive_ && !head.wants_close && framing_ != BodyFraming::kUntilClose &&
                  !stopping_ && !context_->stopping.load();
    head.header.keep_alive(keep_alive_);
    response_started_ = true;
    Queue(SerializeHead(head.header), {}, {}, {});
  }

  void QueueBody(std::string chunk, WriteDone done) {
    switch (framing_) {
      case BodyFraming::kNone:
        // HEAD, 204 and 304 have no body; the producer need not know.
        return ReportWriteDone(done, true);
      case BodyFraming::kContentLength:
        if (chunk.size() > declared_length_ - body_bytes_) {
          AbortResponse("body longer than the declared content length");
          return ReportWriteDone(done, false);
        }
        body_bytes_ += chunk.size();
        return Queue({}, std::move(chunk), {}, std::move(done));
      case BodyFraming::kChunked:
        if (chunk.empty()) return Queue({}, {}, {}, std::move(done));  // "0" would end the body
        {
          std::string prefix = ChunkPrefix(chunk.size());  // before `chunk` is moved from
          return Queue(std::move(prefix), std::move(chunk), kChunkSuffix, std::move(done));
        }
      case BodyFraming::kUntilClose:
        return Queue({}, std::move(chunk), {}, std::move(done));
    }
  }

  void EndResponse() {
    if (framing_ == BodyFraming::kContentLength && body_bytes_ != declared_length_) {
      return AbortResponse("body shorter than the declared content length");
    }
    if (framing_ == BodyFraming::kChunked) Queue(std::string(kLastChunk), {}, {}, {});
    response_ended_ = true;
    ScheduleFlush();
  }

  // Ends a response that cannot be completed. Before anything was sent the peer still gets a
  // 500; after, the connection closes mid-body so the peer cannot mistake the part for the whole.
  void AbortResponse(std::string_view why) {
    if (!response_started_) {
      log().error("connection {}: answering 500: {}", remote_address_, why);
      keep_alive_ = false;
      BeginResponse(500, {}, 0);
      return EndResponse();
    }
    log().error("connection {}: closing mid-response: {}", remote_address_, why);
    response_ended_ = true;
    CloseNow();
  }

  void Queue(std::string before, std::string data, std::string_view after, WriteDone done) {
    outgoing_.push_back(Outgoing{std::move(before), std::move(data), after, std::move(done)});
    ScheduleFlush();
  }

  // Writes what is queued on the next turn of the strand rather than at once, so that the head,
  // body and end of a one-shot response posted together leave in one write.
  void ScheduleFlush() {
    if (writing_ || flush_scheduled_) return;
    flush_scheduled_ = true;
    asio::post(executor_, [self = this->shared_from_this()] {
      self->Guarded([&] {
        self->flush_scheduled_ = false;
        self->Flush();
      });
    });
  }

  void Flush() {
    if (writing_ || phase_ != Phase::kResponding) return;
    if (outgoing_.empty()) {
      if (response_ended_) CompleteResponse();
      return;
    }
    writing_ = true;
    sending_.swap(outgoing_);
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(sending_.size() * 3);
    for (const Outgoing& piece : sending_) {
      for (std::string_view part :
           {std::string_view(piece.before), std::string_view(piece.data), piece.after}) {
        if (!part.empty()) buffers.emplace_back(part.data(), part.size());
      }
    }
    // A peer that stops reading for this long is gone.
    tcp().expires_after(context_->options.read_timeout);
    asio::async_write(stream_, std::move(buffers), Bind(&Http1Session::OnFlushed));
  }

  void OnFlushed(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    std::vector<Outgoing> sent;
    sent.swap(sending_);
    if (ec) {
      log().debug("connection {}: writing the response failed: {}", remote_address_, ec.message());
      CloseNow();
    }
    for (Outgoing& piece : sent) ReportWriteDone(piece.done, !ec);
    if (ec) return;
    Flush();
  }

  // The last byte of the response is written.
  void CompleteResponse() {
    in_flight_.reset();
    body_lease_.Release();
    if (!keep_alive_) return CloseGracefully();
    ReadNextRequest();
  }

  // Answers a request the server refuses to read, then closes the connection.
  void Reject(RejectReason reason, beast::error_code ec) {
    if (reason == RejectReason::kOverloaded) {
      // Expected under load, and possibly many at once: counted, not logged one by one.
      context_->refused_requests.fetch_add(1);
      log().debug("connection {}: refusing a request, the server is at a limit", remote_address_);
    } else {
      log().info("connection {}: rejecting request ({}): {}", remote_address_,
                 RejectReasonName(reason), ec.message());
    }
    parser_.reset();
    body_lease_.Release();
    HttpResponse response;
    try {
      response = context_->reject ? context_->reject(reason) : DefaultRejection(reason);
    } catch (const std::exception& e) {
      context_->log->error("rejection responder threw: {}", e.what());
      response = HttpResponse{.status = 500, .headers = {}, .body = {}};
    }
    phase_ = Phase::kResponding;
    ++exchange_;  // a writer still held for an earlier request must not touch this answer
    ResetResponse();
    request_version_ = 11;
    request_is_head_ = false;
    keep_alive_ = false;
    const uint64_t length = response.body.size();
    BeginResponse(response.status, std::move(response.headers), length);
    QueueBody(std::move(response.body), {});
    EndResponse();
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
    in_flight_.reset();
    body_lease_.Release();
    // Queued output will never be written; what is being written completes with an error.
    std::vector<Outgoing> unsent;
    unsent.swap(outgoing_);
    for (Outgoing& piece : unsent) ReportWriteDone(piece.done, false);
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
  std::optional<RequestParser> parser_;
  std::optional<http::response<http::empty_body>> continue_response_;

  // The response being written (phase kResponding).
  uint64_t exchange_ = 0;  // which request the current writer answers
  std::optional<InFlightRequest> in_flight_;
  BodyLease body_lease_;  // the request's bytes in the server's budget, until answered
  bool response_started_ = false;
  bool response_ended_ = false;  // finished or aborted: nothing more is accepted
  BodyFraming framing_ = BodyFraming::kContentLength;
  uint64_t declared_length_ = 0;
  uint64_t body_bytes_ = 0;
  std::vector<Outgoing> outgoing_;  // queued, not yet being written
  std::vector<Outgoing> sending_;   // being written by the pending async_write
  bool writing_ = false;
  bool flush_scheduled_ = false;
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
