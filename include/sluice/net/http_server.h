#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sluice/common/status.h"
#include "sluice/net/response_writer.h"

namespace sluice::net {

// A complete HTTP request as the layers above see it. net/ knows nothing of Kinesis: it frames
// requests, enforces size and time limits, and hands the bytes up.
struct HttpRequest {
  std::string method;  // "POST", "GET", ...
  std::string target;  // path and query, as sent
  // Header names lower-cased; values as sent. Repeated headers appear repeatedly.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;
  bool tls = false;
  int http_version = 11;  // 10, 11 or 20

  // The first value of header `lower_name`, or "" when absent.
  std::string_view Header(std::string_view lower_name) const;
  bool HasHeader(std::string_view lower_name) const;
};

// Handles one request by answering through `writer`, inline or later and from any thread (after a
// quorum write, say). Dropping the writer unfinished aborts the response (see ResponseWriter);
// an exception escaping the handler does the same, so a handler that throws before it started
// answering gets a 500.
using RequestHandler =
    std::function<void(HttpRequest request, std::shared_ptr<ResponseWriter> writer)>;

// Requests the server rejects before the handler sees them. The layer above decides how each
// looks on the wire (status, body), since only it knows the protocol's error format.
enum class RejectReason {
  kBodyTooLarge,    // Content-Length or the body read so far exceeds max_body_bytes
  kHeaderTooLarge,  // request line + headers (HTTP/2: the header list) exceed max_header_bytes
  kMalformed,       // not parseable as HTTP
  // The server is at a limit (open connections, or request bytes in flight): try again soon.
  kOverloaded,
};
using RejectionResponder = std::function<HttpResponse(RejectReason)>;

struct ServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 4567;  // 0 picks a free port; see HttpServer::port()
  size_t max_body_bytes = 16 << 20;
  size_t max_header_bytes = 64 << 10;
  std::chrono::milliseconds read_timeout{30000};  // a started request must arrive within this
  // An idle connection is closed: HTTP/1.1 between requests, HTTP/2 with no stream open (after
  // a GOAWAY).
  std::chrono::milliseconds idle_timeout{120000};
  // Per response (so per connection on HTTP/1.1, per stream on HTTP/2): body bytes a handler
  // may queue ahead of the socket. A Write that finds this many queued aborts the response, so
  // a peer that stops reading costs bounded memory; one chunk larger than this is fine when the
  // queue is empty.
  size_t max_queued_response_bytes = 1 << 20;
  // HTTP/2: streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
  uint32_t max_concurrent_streams = 128;
  // Admission control, so that load beyond these costs a refusal rather than memory. Connections
  // opened while this many are open are served only with kOverloaded refusals and closed after
  // the first one (a few more are taken for that; past them a connection is closed at once).
  size_t max_connections = 1024;
  // Request body bytes held at once across all connections, from a request's headers (its
  // Content-Length; the body limit when it has none) until its response is written. A request
  // that would pass this is refused (kOverloaded) before its body is read.
  size_t max_request_bytes_in_flight = 256 << 20;
  // The same, for the streams of one HTTP/2 connection (at least max_body_bytes).
  size_t max_connection_request_bytes = 32 << 20;
  std::filesystem::path tls_cert;  // PEM; both set, or both empty for plain HTTP only
  std::filesystem::path tls_key;
};

// One TCP port serving HTTP/1.1 and HTTP/2 in plain text and over TLS: the first byte of a
// connection tells a TLS ClientHello (0x16) from plain HTTP; over TLS, ALPN picks "h2" or
// "http/1.1"; in plain text, the HTTP/2 client preface selects h2c (prior knowledge). Each
// HTTP/2 stream is one request to the handler, the header block's size bounded by
// max_header_bytes and its body by max_body_bytes as on HTTP/1.1.
//
// Threads: accepts and sessions run on the io_context's threads, each connection on its own
// strand. The ResponseWriter may be used from any thread; it posts to the connection's strand.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, ServerOptions options, RequestHandler handler,
             RejectionResponder reject);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads TLS material, binds and starts accepting. Fails with a message a person can act on.
  Status Start();
  // Stops accepting and closes idle connections; in-flight requests finish.
  void Stop();
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Requests in flight: the handler has been called and the response has not been written to
  // the end yet (nor abandoned by a closed connection). Rejected requests never count. Stop()
  // does not wait for these; to drain on shutdown, Stop() and then poll until this is 0 or a
  // deadline passes. Any thread; a momentary value.
  size_t InFlight() const;
  // Admission control so far: connections open now, requests refused as kOverloaded and
  // connections closed at accept since the start. Any thread; momentary values.
  struct AdmissionStats {
    size_t open_connections = 0;
    size_t request_bytes_in_flight = 0;
    uint64_t refused_requests = 0;
    uint64_t refused_connections = 0;
  };
  AdmissionStats Admission() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Makes sure `cert` and `key` exist: when both are missing, generates a self-signed RSA-2048
// (or P-256) certificate for CN=localhost with subjectAltName localhost, 127.0.0.1 and ::1,
// valid for 10 years, and writes them (the key with mode 0600).
Status EnsureSelfSignedCertificate(const std::filesystem::path& cert,
                                   const std::filesystem::path& key);

}  // namespace sluice::net
