#pragma once

#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sluice/net/http_server.h"

namespace sluice::net {

// Translations between Beast's HTTP/1 messages and errors and the server's own types. Pure
// functions; any thread.

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

// The wire form of `response` for a request of HTTP version `version` (10 or 11). Always
// carries Content-Length (except for 204 and 304); a HEAD request gets the length without
// the body. The handler's own Content-Length, Transfer-Encoding and Connection headers are
// dropped; `*wants_close` reports a "Connection: close" among them. Status codes outside
// 200..999 become 500. Keep-alive is left for the caller to set.
boost::beast::http::response<boost::beast::http::string_body> ToWire(HttpResponse response,
                                                                     int version, bool is_head,
                                                                     bool* wants_close);

}  // namespace sluice::net
