#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::net {

// Header names and values as the handler gives them; order is kept on the wire.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// A whole response, for handlers that answer in one piece. Sent through a ResponseWriter with
// SendResponse().
struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
};

// Told once what became of one chunk given to ResponseWriter::Write: true when the transport
// took it (so the producer may write the next one), false when it never will (the peer left,
// the response was aborted, or the chunk came after Finish). Called on the connection's strand,
// never inline from Write; it must not block, but it may call Write again.
using WriteDone = std::function<void(bool delivered)>;

// How a request handler answers one request: the status and headers once, then the body in as
// many chunks as it likes, then Finish. One-shot replies and streams (event streams, say) go
// through the same path. The framing is the transport's business: HTTP/1.1 sends a body of known
// length with Content-Length and a streamed one chunked (HTTP/1.0: until the connection closes);
// HTTP/2 sends DATA frames and ends the stream (after an abort: RST_STREAM). Handlers hold the
// writer by shared_ptr.
//
// Threads: every member may be called from any thread; calls are forwarded, in the order they
// were made, to the connection's strand. Calls from several threads at once are safe but their
// order is then theirs to arrange.
//
// Contract: Start before Write, Finish last. Calls after Finish are ignored (a Write's `done`
// gets false). A writer destroyed without Finish aborts the response: before Start the peer gets
// a 500 and the connection closes; after Start the connection closes without completing the
// body, so the peer sees a truncated response rather than a short one that looks whole.
//
// Backpressure: each response bounds the body bytes queued but not yet written
// (ServerOptions::max_queued_response_bytes; on HTTP/2, where streams share a connection, each
// stream has its own bound, and "written" means taken into DATA frames as the peer's flow-control
// window allows and those frames written to the socket). A Write that finds the queue over the
// bound aborts the response. A producer that writes its next chunk only once the previous `done`
// has reported true never meets the bound.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // Sends the status and headers. `content_length` is the exact total of the chunks to come
  // when the handler knows it, or nullopt for a streamed body. Framing headers among `headers`
  // (Content-Length, Transfer-Encoding, Connection) are the transport's: they are dropped, but
  // "Connection: close" asks to close the connection after this response. Statuses outside
  // 200..999 are sent as 500.
  virtual void Start(int status, HttpHeaders headers, std::optional<uint64_t> content_length) = 0;
  // Queues the next piece of the body. An empty chunk sends nothing but still reports `done`.
  virtual void Write(std::string chunk, WriteDone done = {}) = 0;
  // Ends the body. With a declared content length, the chunks must add up to it exactly, or the
  // connection is closed instead, since the peer could not tell where the body ends.
  virtual void Finish() = 0;
};

// Sends `response` whole through `writer`: Start with the body's length, Write, Finish.
void SendResponse(ResponseWriter& writer, HttpResponse response);

}  // namespace sluice::net
