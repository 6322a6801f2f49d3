#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/server_context.h"
#include "sluice/net/http_server.h"

struct nghttp2_session;

namespace sluice::net {

// What must happen once a batch of output has reached the socket: the chunks nghttp2 took
// into it are delivered, and the requests whose last frame it carries leave the in-flight
// count. Reported true when the batch was written, false when the connection failed first.
struct WrittenBatch {
  std::vector<WriteDone> deliveries;
  std::vector<std::unique_ptr<InFlightRequest>> completed;

  void Report(bool written) noexcept;
};

// A request whose last frame has arrived, ready for the RequestHandler.
struct Http2Request {
  int32_t stream_id = 0;
  HttpRequest request;
};

// The server side of one HTTP/2 connection as a state machine without I/O: nghttp2 parses the
// peer's bytes and frames ours; this class turns streams into HttpRequests, feeds responses
// into DATA frames as flow control allows, and enforces the server's limits (header and body
// size, answered with the RejectionResponder's response; concurrent streams, by SETTINGS).
// The Http2Session moves the bytes between it and the socket and runs the timers.
//
// Threads: the connection's strand only (not thread-safe). Callbacks it runs (WriteDone with
// false) run inline, which is safe because a ResponseWriter only posts to the strand.
class Http2Codec {
 public:
  // `over_capacity`: the connection came in over the server's connection cap (see
  // ConnectionSlot), so every request on it is refused and the peer is told to go away.
  Http2Codec(ServerContext& context, std::string remote_address, bool tls, bool over_capacity);
  ~Http2Codec();
  Http2Codec(const Http2Codec&) = delete;
  Http2Codec& operator=(const Http2Codec&) = delete;

  // Creates the nghttp2 session and queues the server's SETTINGS and connection window.
  Status Start();

  // Feeds bytes from the peer; requests they complete are then in TakeRequests(). False when
  // the connection is beyond repair (bad preface, flooding): close it without further output.
  // Protocol errors nghttp2 can report queue a GOAWAY instead and return true.
  bool Receive(const uint8_t* data, size_t size);
  std::vector<Http2Request> TakeRequests();

  // Appends serialized frames to `out` until it holds at least `limit` bytes or nothing is
  // left to send; what the batch completes is added to `batch`. False on a fatal error.
  bool Produce(std::string& out, size_t limit, WrittenBatch& batch);

  // nghttp2's view: both false means the connection is done (GOAWAY exchanged, no streams).
  bool WantsRead() const;
  bool WantsWrite() const;

  // The response to stream `stream_id`, from its ResponseWriter (see ResponseSink). A stream
  // that no longer exists (reset by the peer, closed) makes these no-ops; writes get false.
  void StartResponse(int32_t stream_id, int status, HttpHeaders headers,
                     std::optional<uint64_t> content_length);
  void WriteResponse(int32_t stream_id, std::string chunk, WriteDone done);
  void FinishResponse(int32_t stream_id);
  void AbortResponse(int32_t stream_id, std::string_view why);

  // Graceful shutdown, step 1: GOAWAY with the largest stream id (no new streams, please) and a
  // PING whose acknowledgement tells that the peer has seen it (ShutdownNoticeSeen()).
  void NoticeShutdown();
  bool ShutdownNoticeSeen() const { return shutdown_ping_acked_; }
  // Step 2 (also the idle goodbye): GOAWAY with the last stream processed; streams up to it
  // finish, later ones are refused.
  void GoAway();
  // A GOAWAY with `error_code` and no more reading (protocol violation, timeout).
  void Terminate(uint32_t error_code);

  // Streams open (requests arriving or being answered).
  size_t open_streams() const { return streams_.size(); }
  // When the oldest request still arriving runs out of read time, if any is arriving.
  std::optional<std::chrono::steady_clock::time_point> RequestDeadline() const;
  // Resets the streams whose requests did not arrive within the read timeout.
  void ResetLateRequests(std::chrono::steady_clock::time_point now);
  // The connection is gone: every pending write is refused, every request leaves the count.
  void Abandon() noexcept;

 private:
  struct Stream;
  struct Callbacks;  // nghttp2's C callbacks, trampolining into the members below
  friend struct Callbacks;

  Stream* Find(int32_t stream_id);
  spdlog::logger& log() const { return *context_.log; }

  // --- From nghttp2 while receiving ---
  int OnBeginHeaders(int32_t stream_id);
  int OnHeader(int32_t stream_id, std::string_view name, std::string_view value);
  int OnHeadersComplete(Stream& stream, bool end_stream);
  int OnData(int32_t stream_id, const uint8_t* data, size_t size);
  void OnRequestComplete(Stream& stream);
  void OnStreamClose(int32_t stream_id, uint32_t error_code);
  // --- From nghttp2 while sending ---
  ssize_t ReadBody(int32_t stream_id, uint8_t* buffer, size_t length, uint32_t* flags);
  void OnEndStreamSent(int32_t stream_id);

  // Answers a request the server refuses to read further; its remaining DATA is discarded.
  void Reject(Stream& stream, RejectReason reason);
  void ResetStream(int32_t stream_id, uint32_t error_code);
  // Lets nghttp2 ask for body data again after the provider deferred.
  void Resume(Stream& stream);
  void FailPendingWrites(Stream& stream) noexcept;

  // Admission control for one request: false (and the stream refused) when the connection is
  // over capacity, or when its body of `total` bytes finds no room in the budgets.
  bool Admit(Stream& stream, size_t total);

  ServerContext& context_;
  const std::string remote_address_;
  const bool tls_;
  const bool over_capacity_;
  // Request body bytes this connection's streams hold (options.max_connection_request_bytes):
  // 128 concurrent streams of a 16 MiB body each would otherwise be 2 GiB on one connection.
  ByteBudget request_bytes_;
  bool refused_goaway_sent_ = false;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<Http2Request> ready_;
  // Streams whose response ended while their request was still arriving: reset (NO_ERROR)
  // once Produce is out of nghttp2, so the peer stops sending a body nobody reads.
  std::vector<int32_t> to_reset_;
  // Set while Produce runs: where the chunks and requests the output completes go.
  WrittenBatch* producing_ = nullptr;
  bool shutdown_ping_acked_ = false;
  bool shutdown_ping_sent_ = false;
};

}  // namespace sluice::net
