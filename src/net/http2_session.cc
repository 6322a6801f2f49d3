#include "net/http2_session.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <spdlog/logger.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "net/guarded.h"
#include "net/http2_codec.h"
#include "net/strand_response_writer.h"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One read from the socket.
constexpr size_t kReadBytes = 64 * 1024;
// Frames gathered into one socket write: several full DATA frames, yet small enough that a
// peer that reads slowly holds the producers back through their WriteDone.
constexpr size_t kWriteBatchBytes = 64 * 1024;

// One HTTP/2 connection: moves bytes between the socket and the Http2Codec, hands complete
// requests to the handler with a StrandResponseWriter per stream, and runs the connection's
// one timer (idle, read and write timeouts, the shutdown handshake, lingering on close). One
// read is always pending while the peer may send, and at most one write.
//
// Threads: every member function except Shutdown() runs on the connection's strand; Shutdown()
// and the writers only post to it.
template <class Stream>
class Http2Session : public Connection,
                     public ResponseSink,
                     public std::enable_shared_from_this<Http2Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Http2Session(std::shared_ptr<ServerContext> context, Stream stream, beast::flat_buffer buffer,
               ConnectionSlot slot, std::string remote_address)
      : context_(std::move(context)),
        remote_address_(std::move(remote_address)),
        stream_(std::move(stream)),
        executor_(stream_.get_executor()),
        timer_(executor_),
        codec_(*context_, remote_address_, kTls, slot.over_capacity()),
        detected_(std::move(buffer)),
        slot_(std::move(slot)),
        read_buffer_(kReadBytes) {}

  // On the strand, right after construction.
  void Run() {
    Guarded([this] {
      slot_.Rebind(this->weak_from_this());
      // The session keeps a read pending while it writes, so Beast's per-stream deadline
      // (which would cut that read) gives way to the session's own timer.
      tcp().expires_never();
      beast::error_code ignored;
      // Small frames (SETTINGS, WINDOW_UPDATE, a short response) must not wait for the
      // peer's delayed ACK.
      tcp().socket().set_option(tcp::no_delay(true), ignored);
      if (Status started = codec_.Start(); !started.ok()) {
        log().error("connection {}: {}", remote_address_, started.message());
        return CloseNow();
      }
      log().debug("connection {}: HTTP/2 ({})", remote_address_, kTls ? "h2" : "h2c");
      last_busy_ = Clock::now();
      if (detected_.size() > 0) {
        auto bytes = detected_.data();
        if (!codec_.Receive(static_cast<const uint8_t*>(bytes.data()), bytes.size())) {
          return CloseNow();
        }
        detected_.consume(detected_.size());
      }
      if (context_->stopping.load()) return OnServerStop();
      Pump();
    });
  }

  void Shutdown() override {
    asio::post(executor_,
               [self = this->shared_from_this()] { self->Guarded([&] { self->OnServerStop(); }); });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }
  spdlog::logger& log() const { return *context_->log; }
  const ServerOptions& options() const { return context_->options; }

  // Runs `body`; an exception ends the connection instead of escaping into Asio.
  template <class F>
  void Guarded(F&& body) noexcept {
    RunGuarded(*context_->log, remote_address_, std::forward<F>(body), [this] { CloseNow(); });
  }

  // A completion handler that calls member `fn` on the strand, guarded, keeping us alive.
  template <class... Args>
  auto Bind(void (Http2Session::*fn)(Args...)) {
    return [self = this->shared_from_this(), fn](auto&&... args) {
      self->Guarded([&] { ((*self).*fn)(std::forward<decltype(args)>(args)...); });
    };
  }

  // --- The loop: after every event, hand up requests, write, read, and re-arm the timer ----

  void Pump() {
    if (closing_) return;
    Dispatch();
    if (stopping_ && !final_goaway_ &&
        (codec_.ShutdownNoticeSeen() || Clock::now() >= notice_deadline_)) {
      // The peer has seen the notice (or had its chance): streams it opened before are
      // served, later ones refused.
      codec_.GoAway();
      final_goaway_ = true;
    }
    if (codec_.open_streams() > 0) last_busy_ = Clock::now();
    Flush();
    if (closing_) return;
    if (!writing_ && !codec_.WantsRead() && !codec_.WantsWrite()) return CloseGracefully();
    StartRead();
    ArmTimer();
  }

  // Coalesces the writer's calls of one strand turn into one Pump (one socket write).
  void SchedulePump() {
    if (pump_scheduled_) return;
    pump_scheduled_ = true;
    asio::post(executor_, [self = this->shared_from_this()] {
      self->Guarded([&] {
        self->pump_scheduled_ = false;
        self->Pump();
      });
    });
  }

  void Dispatch() {
    for (Http2Request& ready : codec_.TakeRequests()) {
      // The writer keeps the session alive while the handler holds it; its calls come back as
      // OnResponse* on the strand, tagged with the stream id, which HTTP/2 never reuses.
      auto writer = std::make_shared<StrandResponseWriter>(this->shared_from_this(), executor_,
                                                           static_cast<uint64_t>(ready.stream_id),
                                                           options().max_queued_response_bytes);
      try {
        context_->handler(std::move(ready.request), writer);
      } catch (const std::exception& e) {
        log().error("connection {}: request handler threw: {}", remote_address_, e.what());
        writer->Abort("the request handler threw");
      } catch (...) {
        log().error("connection {}: request handler threw", remote_address_);
        writer->Abort("the request handler threw");
      }
    }
  }

  void StartRead() {
    if (reading_ || closing_ || !codec_.WantsRead()) return;
    reading_ = true;
    stream_.async_read_some(asio::buffer(read_buffer_), Bind(&Http2Session::OnRead));
  }

  void OnRead(beast::error_code ec, std::size_t bytes) {
    reading_ = false;
    if (closing_) return ContinueClose();  // the read was cancelled for the close
    if (ec) {
      log().debug("connection {}: HTTP/2 connection ended: {}", remote_address_, ec.message());
      return CloseNow();
    }
    if (!codec_.Receive(read_buffer_.data(), bytes)) return CloseNow();
    Pump();
  }

  void Flush() {
    if (writing_ || closing_) return;
    sending_.clear();
    WrittenBatch batch;
    if (!codec_.Produce(sending_, kWriteBatchBytes, batch)) {
      batch.Report(false);
      return CloseNow();
    }
    if (sending_.empty()) return batch.Report(true);  // empty chunks only
    writing_ = true;
    write_started_ = Clock::now();
    sending_batch_ = std::move(batch);
    asio::async_write(stream_, asio::buffer(sending_), Bind(&Http2Session::OnWritten));
  }

  void OnWritten(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    WrittenBatch batch = std::move(sending_batch_);
    sending_batch_ = {};
    batch.Report(!ec);
    if (ec) {
      log().debug("connection {}: HTTP/2 write failed: {}", remote_address_, ec.message());
      return CloseNow();
    }
    Pump();
  }

  // --- The response, from the writers (on the strand) ---------------------------------------

  static int32_t StreamId(uint64_t exchange) { return static_cast<int32_t>(exchange); }

  void OnResponseStart(uint64_t exchange, int status, HttpHeaders headers,
                       std::optional<uint64_t> content_length) override {
    Guarded([&] {
      codec_.StartResponse(StreamId(exchange), status, std::move(headers), content_length);
      SchedulePump();
    });
  }

  void OnResponseWrite(uint64_t exchange, std::string chunk, WriteDone done) override {
    Guarded([&] {
      codec_.WriteResponse(StreamId(exchange), std::move(chunk), std::move(done));
      SchedulePump();
    });
  }

  void OnResponseFinish(uint64_t exchange) override {
    Guarded([&] {
      codec_.FinishResponse(StreamId(exchange));
      SchedulePump();
    });
  }

  void OnResponseAbort(uint64_t exchange, std::string_view why) override {
    Guarded([&] {
      codec_.AbortResponse(StreamId(exchange), why);
      SchedulePump();
    });
  }

  // --- Time -----------------------------------------------------------------------------------

  // Points the one timer at the nearest deadline that applies now.
  void ArmTimer() {
    Clock::time_point deadline = Clock::time_point::max();
    auto consider = [&](Clock::time_point candidate) { deadline = std::min(deadline, candidate); };
    if (closing_) {
      consider(close_deadline_);
    } else {
      if (codec_.open_streams() == 0 && !idle_goaway_) {
        consider(last_busy_ + options().idle_timeout);
      }
      if (auto request = codec_.RequestDeadline()) consider(*request);
      // A peer that stops reading for this long is gone.
      if (writing_) consider(write_started_ + options().read_timeout);
      if (stopping_ && !final_goaway_) consider(notice_deadline_);
    }
    if (deadline == timer_deadline_) return;
    timer_deadline_ = deadline;
    if (deadline == Clock::time_point::max()) {
      timer_.cancel();
      return;
    }
    timer_.expires_at(deadline);
    timer_.async_wait(Bind(&Http2Session::OnTimer));
  }

  // Each firing checks every deadline against the clock, so a stale firing (the timer moved
  // after it had expired) does no harm.
  void OnTimer(beast::error_code ec) {
    if (ec == asio::error::operation_aborted || closed_) return;
    timer_deadline_ = Clock::time_point::max();
    const Clock::time_point now = Clock::now();
    if (closing_) {
      if (now >= close_deadline_) return CloseNow();
      return ArmTimer();
    }
    if (writing_ && now >= write_started_ + options().read_timeout) {
      log().debug("connection {}: peer stopped reading; closing", remote_address_);
      return CloseNow();
    }
    codec_.ResetLateRequests(now);
    if (codec_.open_streams() == 0 && !idle_goaway_ && now >= last_busy_ + options().idle_timeout) {
      log().debug("connection {}: idle timeout", remote_address_);
      idle_goaway_ = true;
      codec_.GoAway();
    }
    Pump();
  }

  // --- Closing ------------------------------------------------------------------------------

  void OnServerStop() {
    if (stopping_ || closing_) return;
    stopping_ = true;
    // Step 1 of the graceful GOAWAY; Pump sends the final one when the peer has seen it.
    codec_.NoticeShutdown();
    notice_deadline_ = Clock::now() + context_->LingerTimeout();
    Pump();
  }

  // Everything is said (GOAWAY exchanged, no streams, output written): say goodbye to TLS,
  // half-close, and drain what the peer still sends for a moment so that our last frames are
  // not destroyed by a reset.
  void CloseGracefully() {
    closing_ = true;
    close_deadline_ = Clock::now() + context_->LingerTimeout();
    ArmTimer();
    if (reading_) {
      // The pending read would compete with the TLS shutdown; OnRead continues the close.
      beast::error_code ignored;
      tcp().socket().cancel(ignored);
      return;
    }
    ContinueClose();
  }

  void ContinueClose() {
    if (closed_) return;
    if constexpr (kTls) {
      if (!tls_shutdown_started_) {
        tls_shutdown_started_ = true;
        return stream_.async_shutdown(Bind(&Http2Session::OnTlsShutdown));
      }
    }
    Drain();
  }

  void OnTlsShutdown(beast::error_code ec) {
    if (ec) log().debug("connection {}: TLS shutdown: {}", remote_address_, ec.message());
    if (closed_ || !tcp().socket().is_open()) return CloseNow();
    Drain();
  }

  void Drain() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp().socket().async_read_some(asio::buffer(read_buffer_), Bind(&Http2Session::OnDrained));
  }

  void OnDrained(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec || closed_) return CloseNow();
    tcp().socket().async_read_some(asio::buffer(read_buffer_), Bind(&Http2Session::OnDrained));
  }

  void CloseNow() noexcept {
    if (closed_) return;
    closed_ = true;
    closing_ = true;
    // Streams still open are abandoned: their writes are refused, their requests uncounted.
    codec_.Abandon();
    try {
      timer_.cancel();
      beast::error_code ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      tcp().close();
    } catch (...) {
      // Closing is best effort; the socket is released with the session regardless.
    }
    log().debug("connection {}: HTTP/2 connection closed", remote_address_);
  }

  const std::shared_ptr<ServerContext> context_;
  const std::string remote_address_;
  Stream stream_;
  const asio::any_io_executor executor_;  // the connection's strand
  asio::steady_timer timer_;
  Http2Codec codec_;
  beast::flat_buffer detected_;  // bytes the protocol detector read
  ConnectionSlot slot_;
  std::vector<uint8_t> read_buffer_;

  bool reading_ = false;
  bool writing_ = false;
  bool pump_scheduled_ = false;
  std::string sending_;         // the frames being written
  WrittenBatch sending_batch_;  // what they complete
  Clock::time_point write_started_;
  Clock::time_point last_busy_;  // the last moment a stream was open
  Clock::time_point timer_deadline_ = Clock::time_point::max();

  bool stopping_ = false;      // the server is stopping: GOAWAY sent or about to be
  bool final_goaway_ = false;  // the last-stream GOAWAY of a server stop is queued
  Clock::time_point notice_deadline_;
  bool idle_goaway_ = false;
  bool closing_ = false;  // no more HTTP/2: closing the transport
  bool closed_ = false;   // the socket is closed
  bool tls_shutdown_started_ = false;
  Clock::time_point close_deadline_;
};

template <class Stream>
void Start(std::shared_ptr<ServerContext> context, Stream stream, beast::flat_buffer buffer,
           ConnectionSlot slot, std::string remote_address) {
  std::make_shared<Http2Session<Stream>>(std::move(context), std::move(stream), std::move(buffer),
                                         std::move(slot), std::move(remote_address))
      ->Run();
}

}  // namespace

void StartHttp2Session(std::shared_ptr<ServerContext> context, PlainStream stream,
                       beast::flat_buffer buffer, ConnectionSlot slot, std::string remote_address) {
  Start(std::move(context), std::move(stream), std::move(buffer), std::move(slot),
        std::move(remote_address));
}

void StartHttp2Session(std::shared_ptr<ServerContext> context, TlsStream stream,
                       beast::flat_buffer buffer, ConnectionSlot slot, std::string remote_address) {
  Start(std::move(context), std::move(stream), std::move(buffer), std::move(slot),
        std::move(remote_address));
}

}  // namespace sluice::net
