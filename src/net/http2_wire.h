#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/net/response_writer.h"

namespace sluice::net {

// What HTTP/2 looks like on the wire, as far as the server needs to know beyond nghttp2: the
// client connection preface that selects h2c, and the header block of a response. Pure
// functions; any thread.

// Every HTTP/2 connection starts with these 24 bytes from the client (RFC 9113, 3.4). On a plain
// connection they select HTTP/2 with prior knowledge (h2c).
inline constexpr std::string_view kHttp2ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class PrefaceMatch {
  kComplete,  // the bytes start with the whole preface: HTTP/2
  kPartial,   // the bytes so far are a prefix of it: read more before deciding
  kMismatch,  // not the preface: HTTP/1.x
};
PrefaceMatch MatchHttp2Preface(std::string_view first_bytes);

// The header block of a response: ":status" first, then the handler's headers with names
// lower-cased (HTTP/2 requires it) and the connection-specific ones dropped (RFC 9113, 8.2.2:
// Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade, TE), as is the handler's
// Content-Length: a known `content_length` is sent as "content-length" instead, except on 204
// and 304, which carry no body. Statuses outside 200..999 become 500, as on HTTP/1.1.
struct Http2ResponseHead {
  std::vector<std::pair<std::string, std::string>> fields;
  int status = 200;
  bool has_body = true;  // false for 204 and 304 (and HEAD, which the caller knows about)
};
Http2ResponseHead MakeHttp2ResponseHead(int status, const HttpHeaders& headers,
                                        std::optional<uint64_t> content_length);

// Whether `lower_name` is a connection-specific header that must not appear in HTTP/2.
bool IsConnectionSpecificHeader(std::string_view lower_name);

}  // namespace sluice::net
