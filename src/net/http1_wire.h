#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sluice/net/http_server.h"

namespace sluice::net {

// Translations between Beast's HTTP/1 messages and errors and the server's own types, and the
// HTTP/1 framing of response bodies. Pure functions; any thread.

// The parser of one request, and the server's limits on it: header bytes (request line and
// fields) and body bytes (declared or chunked), each failing the read with header_limit or
// body_limit when exceeded.
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
void ApplyLimits(RequestParser& parser, const ServerOptions& options);

// The request as the handler sees it, from a message the parser finished: header names
// lower-cased, values and repeats as sent, HTTP/1.0 kept as 10 and anything else as 11. The
// connection's own facts (remote address, TLS) are the session's to fill in.
HttpRequest ToHttpRequest(boost::beast::http::request<boost::beast::http::string_body> message);

// Why reading a request failed, in the terms the session acts on.
enum class ReadFailure {
  kBodyTooLarge,    // answer with the rejection, then close
  kHeaderTooLarge,  // answer with the rejection, then close
  kMalformed,       // answer with the rejection (best effort), then close
  kTimeout,         // the read timeout expired: close
  kDisconnected,    // the peer went away or the transport failed: close
};
ReadFailure ClassifyReadError(boost::beast::error_code ec);

std::string_view RejectReasonName(RejectReason reason);

// What the server sends for a rejection when no RejectionResponder is set: 413, 431 or 400.
HttpResponse DefaultRejection(RejectReason reason);

// How the body of a response is delimited on an HTTP/1 connection.
enum class BodyFraming {
  kNone,           // no body at all: HEAD, 204, 304 (writes are dropped)
  kContentLength,  // exactly the declared number of bytes
  kChunked,        // HTTP/1.1 chunked transfer coding, ended by the last chunk
  kUntilClose,     // HTTP/1.0 without a length: the body ends when the connection closes
};

struct ResponseHead {
  // A message without a body only for its keep_alive() and content_length() helpers.
  boost::beast::http::response<boost::beast::http::empty_body> header;
  BodyFraming framing = BodyFraming::kContentLength;
  bool wants_close = false;  // the handler sent "Connection: close"
};

// The head of a response for a request of HTTP version `version` (10 or 11). A known
// `content_length` becomes Content-Length (except for 204 and 304, which carry no body); an
// unknown one becomes chunked (HTTP/1.1) or a body until close (HTTP/1.0). A HEAD request gets
// the length without the body. The handler's own Content-Length, Transfer-Encoding and Connection
// headers are dropped; "Connection: close" among them sets `wants_close`. Status codes outside
// 200..999 become 500. Keep-alive is left for the caller to set.
ResponseHead MakeResponseHead(int status, HttpHeaders headers,
                              std::optional<uint64_t> content_length, int version, bool is_head);

// The head as it goes on the wire: status line, fields, and the empty line.
std::string SerializeHead(const boost::beast::http::response_header<>& header);

// Chunked transfer coding (RFC 9112, 7.1): each non-empty chunk is "<hex size>\r\n<data>\r\n";
// the body ends with a zero-size chunk and an empty trailer.
std::string ChunkPrefix(size_t size);
inline constexpr std::string_view kChunkSuffix = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace sluice::net
