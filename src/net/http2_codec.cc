#include "net/http2_codec.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <exception>
#include <limits>
#include <utility>

#include <spdlog/logger.h>

#include "net/http1_wire.h"
#include "net/http2_wire.h"
#include "net/strand_response_writer.h"

namespace sluice::net {
namespace {

using Clock = std::chrono::steady_clock;

// Flow-control windows the server offers for request bodies. nghttp2 replenishes them as bodies
// are consumed; large ones keep a 10 MiB PutRecords (13 MiB in base64) from waiting on
// WINDOW_UPDATE round trips.
constexpr int32_t kStreamWindowBytes = 4 << 20;
constexpr int32_t kConnectionWindowBytes = 32 << 20;
// Bytes HPACK counts for each header field beyond its name and value (RFC 9113, 6.5.2).
constexpr size_t kHeaderFieldOverhead = 32;

std::string_view View(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

nghttp2_nv MakeNv(const std::string& name, const std::string& value) {
  // nghttp2_submit_response copies the fields, so they only have to live through that call.
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

void WrittenBatch::Report(bool written) noexcept {
  for (WriteDone& done : deliveries) ReportWriteDone(done, written);
  deliveries.clear();
  completed.clear();
}

// One request/response exchange. Lives from the peer's HEADERS until nghttp2 closes the stream.
struct Http2Codec::Stream {
  // One piece of the response body, as the handler wrote it.
  struct Chunk {
    std::string data;
    size_t offset = 0;  // bytes already taken into DATA frames
    WriteDone done;
  };

  int32_t id = 0;
  Clock::time_point started;
  // The request, until it is handed up.
  HttpRequest request;
  std::string authority;
  size_t header_bytes = 0;
  bool header_too_large = false;
  bool head_request = false;
  bool request_complete = false;  // END_STREAM received
  bool handed_up = false;         // dispatched to the handler or rejected: DATA is discarded
  std::unique_ptr<InFlightRequest> in_flight;
  BodyLease lease;  // the body's bytes in the server's and the connection's budgets

  // The response.
  bool response_started = false;
  bool response_ended = false;  // finished or aborted: nothing more is accepted
  bool body_finished = false;   // Finish seen: the provider ends the stream when drained
  bool send_body = true;        // false for HEAD, 204, 304: writes are dropped
  bool deferred = false;        // the provider told nghttp2 to wait for data
  std::optional<uint64_t> declared_length;
  uint64_t body_bytes = 0;
  std::deque<Chunk> pending;
};

// nghttp2 is C: its callbacks must not throw. Each failure becomes CALLBACK_FAILURE, which
// nghttp2 turns into the end of the connection.
struct Http2Codec::Callbacks {
  static Http2Codec& Of(void* user_data) { return *static_cast<Http2Codec*>(user_data); }

  template <class F>
  static auto Guard(void* user_data, F&& body) noexcept -> decltype(body()) {
    try {
      return body();
    } catch (const std::exception& e) {
      Of(user_data).log().error("connection {}: HTTP/2 callback failed: {}",
                                Of(user_data).remote_address_, e.what());
    } catch (...) {
      Of(user_data).log().error("connection {}: HTTP/2 callback failed",
                                Of(user_data).remote_address_);
    }
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }

  static int BeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    return Guard(user_data, [&] { return Of(user_data).OnBeginHeaders(frame->hd.stream_id); });
  }

  static int Header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                    size_t name_size, const uint8_t* value, size_t value_size, uint8_t /*flags*/,
                    void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    return Guard(user_data, [&] {
      return Of(user_data).OnHeader(frame->hd.stream_id, View(name, name_size),
                                    View(value, value_size));
    });
  }

  static int FrameReceived(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    return Guard(user_data, [&] {
      Http2Codec& codec = Of(user_data);
      const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
      switch (frame->hd.type) {
        case NGHTTP2_HEADERS:
          if (Stream* stream = codec.Find(frame->hd.stream_id)) {
            if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
              return codec.OnHeadersComplete(*stream, end_stream);
            }
            if (end_stream) codec.OnRequestComplete(*stream);  // after trailers
          }
          return 0;
        case NGHTTP2_DATA:
          if (Stream* stream = codec.Find(frame->hd.stream_id); stream && end_stream) {
            codec.OnRequestComplete(*stream);
          }
          return 0;
        case NGHTTP2_PING:
          if ((frame->hd.flags & NGHTTP2_FLAG_ACK) != 0 && codec.shutdown_ping_sent_) {
            codec.shutdown_ping_acked_ = true;
          }
          return 0;
        case NGHTTP2_GOAWAY:
          codec.log().debug("connection {}: peer sent GOAWAY (error {}, last stream {})",
                            codec.remote_address_, frame->goaway.error_code,
                            frame->goaway.last_stream_id);
          return 0;
        default:
          return 0;
      }
    });
  }

  static int DataChunk(nghttp2_session*, uint8_t /*flags*/, int32_t stream_id, const uint8_t* data,
                       size_t size, void* user_data) {
    return Guard(user_data, [&] { return Of(user_data).OnData(stream_id, data, size); });
  }

  static int StreamClosed(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                          void* user_data) {
    return Guard(user_data, [&] {
      Of(user_data).OnStreamClose(stream_id, error_code);
      return 0;
    });
  }

  static int FrameSent(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    const bool ends_stream =
        (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (!ends_stream) return 0;
    return Guard(user_data, [&] {
      Of(user_data).OnEndStreamSent(frame->hd.stream_id);
      return 0;
    });
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buffer, size_t length,
                          uint32_t* flags, nghttp2_data_source*, void* user_data) {
    return Guard(user_data, [&]() -> ssize_t {
      return Of(user_data).ReadBody(stream_id, buffer, length, flags);
    });
  }

  static int InvalidFrame(nghttp2_session*, const nghttp2_frame* frame, int error,
                          void* user_data) {
    Http2Codec& codec = Of(user_data);
    codec.log().debug("connection {}: invalid HTTP/2 frame (type {}, stream {}): {}",
                      codec.remote_address_, frame->hd.type, frame->hd.stream_id,
                      nghttp2_strerror(error));
    return 0;
  }

  static int Error(nghttp2_session*, int /*code*/, const char* message, size_t size,
                   void* user_data) {
    Http2Codec& codec = Of(user_data);
    codec.log().debug("connection {}: HTTP/2: {}", codec.remote_address_,
                      std::string_view(message, size));
    return 0;
  }
};

Http2Codec::Http2Codec(ServerContext& context, std::string remote_address, bool tls,
                       bool over_capacity)
    : context_(context),
      remote_address_(std::move(remote_address)),
      tls_(tls),
      over_capacity_(over_capacity),
      request_bytes_(
          std::max(context.options.max_connection_request_bytes, context.options.max_body_bytes)) {}

Http2Codec::~Http2Codec() {
  Abandon();
  // Before the streams and buffers it may still call back into go away.
  if (session_ != nullptr) nghttp2_session_del(session_);
}

Status Http2Codec::Start() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) {
    return Status(ErrorCode::kInternal, "out of memory for HTTP/2 callbacks");
  }
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &Callbacks::BeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &Callbacks::Header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Callbacks::FrameReceived);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Callbacks::DataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Callbacks::StreamClosed);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &Callbacks::FrameSent);
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(callbacks, &Callbacks::InvalidFrame);
  nghttp2_session_callbacks_set_error_callback2(callbacks, &Callbacks::Error);
  const int created = nghttp2_session_server_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  if (created != 0) {
    session_ = nullptr;
    return Status(ErrorCode::kInternal,
                  std::string("cannot create an HTTP/2 session: ") + nghttp2_strerror(created));
  }

  const ServerOptions& options = context_.options;
  const auto header_list_size = static_cast<uint32_t>(
      std::min<size_t>(options.max_header_bytes, std::numeric_limits<uint32_t>::max()));
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
       std::max<uint32_t>(options.max_concurrent_streams, 1)},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kStreamWindowBytes)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, header_list_size},
  };
  int rv = nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  if (rv == 0) {
    rv = nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                               kConnectionWindowBytes);
  }
  if (rv != 0) {
    return Status(ErrorCode::kInternal,
                  std::string("cannot queue HTTP/2 settings: ") + nghttp2_strerror(rv));
  }
  return Status::Ok();
}

bool Http2Codec::Receive(const uint8_t* data, size_t size) {
  const ssize_t used = nghttp2_session_mem_recv(session_, data, size);
  if (used < 0) {
    log().debug("connection {}: HTTP/2 input refused: {}", remote_address_,
                nghttp2_strerror(static_cast<int>(used)));
    return false;
  }
  return true;
}

std::vector<Http2Request> Http2Codec::TakeRequests() { return std::exchange(ready_, {}); }

bool Http2Codec::Produce(std::string& out, size_t limit, WrittenBatch& batch) {
  producing_ = &batch;
  bool ok = true;
  while (out.size() < limit) {
    const uint8_t* data = nullptr;
    const ssize_t size = nghttp2_session_mem_send(session_, &data);
    if (size < 0) {
      log().debug("connection {}: HTTP/2 output failed: {}", remote_address_,
                  nghttp2_strerror(static_cast<int>(size)));
      ok = false;
      break;
    }
    if (size == 0) {
      if (to_reset_.empty()) break;
      for (int32_t id : std::exchange(to_reset_, {})) ResetStream(id, NGHTTP2_NO_ERROR);
      continue;
    }
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  }
  producing_ = nullptr;
  return ok;
}

bool Http2Codec::WantsRead() const { return nghttp2_session_want_read(session_) != 0; }
bool Http2Codec::WantsWrite() const {
  return nghttp2_session_want_write(session_) != 0 || !to_reset_.empty();
}

Http2Codec::Stream* Http2Codec::Find(int32_t stream_id) {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

// --- Receiving requests ---------------------------------------------------------------------

int Http2Codec::OnBeginHeaders(int32_t stream_id) {
  auto stream = std::make_unique<Stream>();
  stream->id = stream_id;
  stream->started = Clock::now();
  stream->request.remote_address = remote_address_;
  stream->request.tls = tls_;
  stream->request.http_version = 20;
  streams_[stream_id] = std::move(stream);
  return 0;
}

int Http2Codec::OnHeader(int32_t stream_id, std::string_view name, std::string_view value) {
  Stream* stream = Find(stream_id);
  if (stream == nullptr || stream->handed_up) return 0;
  stream->header_bytes += name.size() + value.size() + kHeaderFieldOverhead;
  if (stream->header_bytes > context_.options.max_header_bytes) stream->header_too_large = true;
  if (stream->header_too_large) return 0;  // answered once the block is complete
  // nghttp2 has checked the block (RFC 9113, 8.2 and 8.3): names are lower case, pseudo-headers
  // come first and appear once, and no connection-specific header is present.
  if (name == ":method") {
    stream->request.method = value;
    stream->head_request = value == "HEAD";
  } else if (name == ":path") {
    stream->request.target = value;
  } else if (name == ":authority") {
    stream->authority = value;
  } else if (!name.empty() && name.front() != ':') {
    stream->request.headers.emplace_back(name, value);
  }
  return 0;
}

int Http2Codec::OnHeadersComplete(Stream& stream, bool end_stream) {
  if (end_stream) stream.request_complete = true;
  if (stream.header_too_large) {
    Reject(stream, RejectReason::kHeaderTooLarge);
    return 0;
  }
  // A declared length over the limit is refused before any of the body arrives.
  std::string_view length = stream.request.Header("content-length");
  uint64_t declared = 0;
  if (!length.empty()) {
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), declared);
    if (ec == std::errc() && end == length.data() + length.size() &&
        declared > context_.options.max_body_bytes) {
      Reject(stream, RejectReason::kBodyTooLarge);
      return 0;
    }
  }
  stream.lease = BodyLease(&context_.request_bytes, &request_bytes_);
  if (!Admit(stream, static_cast<size_t>(declared))) return 0;
  if (end_stream) OnRequestComplete(stream);
  return 0;
}

bool Http2Codec::Admit(Stream& stream, size_t total) {
  if (!over_capacity_ && stream.lease.CoverUpTo(total)) return true;
  Reject(stream, RejectReason::kOverloaded);
  if (over_capacity_ && !refused_goaway_sent_) {
    // Streams already open finish; the peer opens new ones elsewhere (or later).
    refused_goaway_sent_ = true;
    GoAway();
  }
  return false;
}

int Http2Codec::OnData(int32_t stream_id, const uint8_t* data, size_t size) {
  Stream* stream = Find(stream_id);
  if (stream == nullptr || stream->handed_up) return 0;  // discarded; the window still opens
  if (stream->request.body.size() + size > context_.options.max_body_bytes) {
    Reject(*stream, RejectReason::kBodyTooLarge);
    return 0;
  }
  if (!Admit(*stream, stream->request.body.size() + size)) return 0;
  stream->request.body.append(reinterpret_cast<const char*>(data), size);
  return 0;
}

void Http2Codec::OnRequestComplete(Stream& stream) {
  stream.request_complete = true;
  if (stream.handed_up) return;
  stream.handed_up = true;
  if (!stream.authority.empty() && !stream.request.HasHeader("host")) {
    stream.request.headers.emplace_back("host", std::move(stream.authority));
  }
  stream.in_flight = std::make_unique<InFlightRequest>(context_.in_flight);
  ready_.push_back(Http2Request{stream.id, std::move(stream.request)});
}

void Http2Codec::OnStreamClose(int32_t stream_id, uint32_t error_code) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  std::unique_ptr<Stream> stream = std::move(it->second);
  streams_.erase(it);
  if (error_code != NGHTTP2_NO_ERROR || !stream->response_ended) {
    log().debug("connection {}: stream {} closed before its response ended (error {})",
                remote_address_, stream_id, nghttp2_http2_strerror(error_code));
  }
  FailPendingWrites(*stream);
  // A response whose last frame is in the batch being produced counts until that batch is
  // written; otherwise (a reset, a failure) the request is over now.
  if (producing_ != nullptr && stream->in_flight) {
    producing_->completed.push_back(std::move(stream->in_flight));
  }
}

// --- Sending responses ----------------------------------------------------------------------

void Http2Codec::StartResponse(int32_t stream_id, int status, HttpHeaders headers,
                               std::optional<uint64_t> content_length) {
  Stream* stream = Find(stream_id);
  if (stream == nullptr || stream->response_ended) return;
  if (stream->response_started) {
    log().warn("connection {}: response started twice; the second is ignored", remote_address_);
    return;
  }
  Http2ResponseHead head = MakeHttp2ResponseHead(status, headers, content_length);
  std::vector<nghttp2_nv> fields;
  fields.reserve(head.fields.size());
  for (const auto& [name, value] : head.fields) fields.push_back(MakeNv(name, value));

  stream->response_started = true;
  stream->send_body = head.has_body && !stream->head_request;
  stream->declared_length = stream->send_body ? content_length : std::nullopt;
  nghttp2_data_provider provider{};
  provider.read_callback = &Callbacks::ReadBody;
  const int rv =
      nghttp2_submit_response(session_, stream_id, fields.data(), fields.size(), &provider);
  if (rv != 0) {
    log().error("connection {}: cannot submit the response on stream {}: {}", remote_address_,
                stream_id, nghttp2_strerror(rv));
    stream->response_ended = true;
    ResetStream(stream_id, NGHTTP2_INTERNAL_ERROR);
  }
}

void Http2Codec::WriteResponse(int32_t stream_id, std::string chunk, WriteDone done) {
  Stream* stream = Find(stream_id);
  if (stream == nullptr || stream->response_ended) return ReportWriteDone(done, false);
  if (!stream->response_started) {
    AbortResponse(stream_id, "body written before the response was started");
    return ReportWriteDone(done, false);
  }
  if (!stream->send_body) return ReportWriteDone(done, true);  // HEAD, 204, 304: no body
  if (stream->declared_length && chunk.size() > *stream->declared_length - stream->body_bytes) {
    AbortResponse(stream_id, "body longer than the declared content length");
    return ReportWriteDone(done, false);
  }
  stream->body_bytes += chunk.size();
  stream->pending.push_back(Stream::Chunk{std::move(chunk), 0, std::move(done)});
  Resume(*stream);
}

void Http2Codec::FinishResponse(int32_t stream_id) {
  Stream* stream = Find(stream_id);
  if (stream == nullptr || stream->response_ended) return;
  if (!stream->response_started) {
    return AbortResponse(stream_id, "response finished before it was started");
  }
  if (stream->declared_length && stream->body_bytes != *stream->declared_length) {
    return AbortResponse(stream_id, "body shorter than the declared content length");
  }
  stream->response_ended = true;
  stream->body_finished = true;
  Resume(*stream);
}

void Http2Codec::AbortResponse(int32_t stream_id, std::string_view why) {
  Stream* stream = Find(stream_id);
  if (stream == nullptr || stream->response_ended) return;
  if (!stream->response_started) {
    // Nothing sent yet: the peer still gets an answer.
    log().error("connection {}: answering 500 on stream {}: {}", remote_address_, stream_id, why);
    StartResponse(stream_id, 500, {}, 0);
    return FinishResponse(stream_id);
  }
  // Part of the body is out: only a reset tells the peer that it is not the whole.
  log().error("connection {}: resetting stream {} mid-response: {}", remote_address_, stream_id,
              why);
  stream->response_ended = true;
  FailPendingWrites(*stream);
  ResetStream(stream_id, NGHTTP2_INTERNAL_ERROR);
}

ssize_t Http2Codec::ReadBody(int32_t stream_id, uint8_t* buffer, size_t length, uint32_t* flags) {
  Stream* stream = Find(stream_id);
  if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
  size_t copied = 0;
  while (!stream->pending.empty()) {
    Stream::Chunk& chunk = stream->pending.front();
    const size_t take = std::min(length - copied, chunk.data.size() - chunk.offset);
    std::memcpy(buffer + copied, chunk.data.data() + chunk.offset, take);
    copied += take;
    chunk.offset += take;
    if (chunk.offset < chunk.data.size()) break;  // the frame is full
    // All of the chunk is in frames now: delivered once they are written.
    if (producing_ != nullptr) {
      producing_->deliveries.push_back(std::move(chunk.done));
    } else {
      ReportWriteDone(chunk.done, true);
    }
    stream->pending.pop_front();
  }
  if (stream->pending.empty() && stream->body_finished) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(copied);
  }
  if (copied == 0) {
    stream->deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(copied);
}

void Http2Codec::OnEndStreamSent(int32_t stream_id) {
  Stream* stream = Find(stream_id);
  // The answer is complete but the peer is still sending a body nobody will read: RFC 9113,
  // 8.1 allows ending the exchange with RST_STREAM(NO_ERROR).
  if (stream != nullptr && !stream->request_complete) to_reset_.push_back(stream_id);
}

void Http2Codec::Resume(Stream& stream) {
  if (!stream.deferred) return;
  stream.deferred = false;
  const int rv = nghttp2_session_resume_data(session_, stream.id);
  if (rv != 0 && rv != NGHTTP2_ERR_INVALID_ARGUMENT) {
    log().error("connection {}: cannot resume stream {}: {}", remote_address_, stream.id,
                nghttp2_strerror(rv));
  }
}

void Http2Codec::Reject(Stream& stream, RejectReason reason) {
  if (reason == RejectReason::kOverloaded) {
    // Expected under load, and possibly many at once: counted, not logged one by one.
    context_.refused_requests.fetch_add(1);
    log().debug("connection {}: refusing stream {}, the server is at a limit", remote_address_,
                stream.id);
  } else {
    log().info("connection {}: rejecting request on stream {} ({})", remote_address_, stream.id,
               RejectReasonName(reason));
  }
  stream.handed_up = true;
  stream.request.body.clear();
  stream.request.body.shrink_to_fit();
  stream.lease.Release();
  HttpResponse response;
  try {
    response = context_.reject ? context_.reject(reason) : DefaultRejection(reason);
  } catch (const std::exception& e) {
    log().error("rejection responder threw: {}", e.what());
    response = HttpResponse{.status = 500, .headers = {}, .body = {}};
  }
  const uint64_t length = response.body.size();
  StartResponse(stream.id, response.status, std::move(response.headers), length);
  WriteResponse(stream.id, std::move(response.body), {});
  FinishResponse(stream.id);
}

void Http2Codec::ResetStream(int32_t stream_id, uint32_t error_code) {
  const int rv = nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, error_code);
  if (rv != 0) {
    log().debug("connection {}: cannot reset stream {}: {}", remote_address_, stream_id,
                nghttp2_strerror(rv));
  }
}

void Http2Codec::FailPendingWrites(Stream& stream) noexcept {
  std::deque<Stream::Chunk> pending = std::move(stream.pending);
  stream.pending.clear();
  for (Stream::Chunk& chunk : pending) ReportWriteDone(chunk.done, false);
}

// --- The connection -------------------------------------------------------------------------

void Http2Codec::NoticeShutdown() {
  if (shutdown_ping_sent_) return;
  shutdown_ping_sent_ = true;
  nghttp2_submit_shutdown_notice(session_);
  nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
}

void Http2Codec::GoAway() {
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
}

void Http2Codec::Terminate(uint32_t error_code) {
  nghttp2_session_terminate_session(session_, error_code);
}

std::optional<Clock::time_point> Http2Codec::RequestDeadline() const {
  std::optional<Clock::time_point> earliest;
  for (const auto& [id, stream] : streams_) {
    if (stream->request_complete) continue;
    const Clock::time_point deadline = stream->started + context_.options.read_timeout;
    if (!earliest || deadline < *earliest) earliest = deadline;
  }
  return earliest;
}

void Http2Codec::ResetLateRequests(Clock::time_point now) {
  for (auto& [id, stream] : streams_) {
    if (stream->request_complete || stream->started + context_.options.read_timeout > now) {
      continue;
    }
    log().debug("connection {}: request on stream {} not complete within the read timeout",
                remote_address_, id);
    // Counted as complete so that it is reset once, not at every tick until nghttp2 closes it.
    stream->request_complete = true;
    ResetStream(id, NGHTTP2_CANCEL);
  }
}

void Http2Codec::Abandon() noexcept {
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams) FailPendingWrites(*stream);
  ready_.clear();
}

}  // namespace sluice::net
