#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/status.h"
#include "sluice/net/http_server.h"

namespace sluice::protocol {

// What every answer to one request carries besides its body, as AWS sends it
// (AWS-COMPAT.md, "Envelope details"): `x-amzn-RequestId` (a UUID), `x-amz-id-2` (base64 of 72
// random bytes) and, for a request from a browser (one with an `Origin` header), the CORS headers
// browser SDKs need to read the answer.
//
// One per request; copyable, so a streamed answer can keep its own.
class Envelope {
 public:
  // For an answer to no request in particular (one the HTTP layer refused): no CORS.
  Envelope();
  explicit Envelope(const net::HttpRequest& request);

  const std::string& request_id() const { return request_id_; }

  // The headers of an answer in `content_type` (none when empty): Content-Type first, then the
  // envelope's.
  net::HttpHeaders Headers(std::string_view content_type) const;

 private:
  std::string request_id_;
  std::string amz_id_2_;
  bool cors_ = false;
};

// The answer to a CORS preflight (OPTIONS with an Origin header), or nullopt for any other
// request: 200 with an empty body and no Content-Type or x-amz-id-2, allowing any origin and
// echoing the headers and method the browser asked for.
std::optional<net::HttpResponse> PreflightResponse(const net::HttpRequest& request);

// An error in the XML shape AWS uses where no encoding was chosen (a request that is not a POST,
// or a body without a Content-Type): `<Type>\n  <Message>text</Message>\n</Type>\n`, no
// Content-Type, 403.
net::HttpResponse XmlErrorResponse(const Status& status, const Envelope& envelope);

}  // namespace sluice::protocol
