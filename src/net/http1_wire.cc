#include "net/http1_wire.h"

#include <utility>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace sluice::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;

ReadFailure ClassifyReadError(beast::error_code ec) {
  if (ec == http::error::body_limit) return ReadFailure::kBodyTooLarge;
  if (ec == http::error::header_limit) return ReadFailure::kHeaderTooLarge;
  if (ec == beast::error::timeout) return ReadFailure::kTimeout;
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == http::error::need_more || ec == http::error::need_buffer) {
      return ReadFailure::kDisconnected;
    }
    return ReadFailure::kMalformed;
  }
  return ReadFailure::kDisconnected;
}

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kBodyTooLarge:
      return "body too large";
    case RejectReason::kHeaderTooLarge:
      return "header too large";
    case RejectReason::kMalformed:
      return "malformed";
  }
  return "unknown";
}

HttpResponse DefaultRejection(RejectReason reason) {
  HttpResponse response;
  switch (reason) {
    case RejectReason::kBodyTooLarge:
      response.status = 413;
      break;
    case RejectReason::kHeaderTooLarge:
      response.status = 431;
      break;
    case RejectReason::kMalformed:
      response.status = 400;
      break;
  }
  return response;
}

http::response<http::string_body> ToWire(HttpResponse response, int version, bool is_head,
                                         bool* wants_close) {
  http::response<http::string_body> out;
  const unsigned status = response.status >= 200 && response.status <= 999
                              ? static_cast<unsigned>(response.status)
                              : 500u;
  out.result(status);
  out.version(version);
  for (auto& [name, value] : response.headers) {
    if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")) {
      continue;
    }
    if (beast::iequals(name, "connection")) {
      for (const auto& token : http::token_list{value}) {
        if (beast::iequals(token, "close")) *wants_close = true;
      }
      continue;
    }
    out.insert(name, value);
  }
  if (status == 204 || status == 304) return out;  // these must not carry a body
  out.content_length(response.body.size());
  if (!is_head) out.body() = std::move(response.body);
  return out;
}

}  // namespace sluice::net
