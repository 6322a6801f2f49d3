#include "net/http1_wire.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <utility>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace sluice::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;

void ApplyLimits(RequestParser& parser, const ServerOptions& options) {
  parser.body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
}

HttpRequest ToHttpRequest(http::request<http::string_body> message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.http_version = message.version() == 10 ? 10 : 11;
  return request;
}

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
    case RejectReason::kOverloaded:
      return "overloaded";
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
    case RejectReason::kOverloaded:
      response.status = 503;
      response.headers.emplace_back("Retry-After", "1");
      break;
  }
  return response;
}

ResponseHead MakeResponseHead(int status, HttpHeaders headers,
                              std::optional<uint64_t> content_length, int version, bool is_head) {
  ResponseHead head;
  auto& out = head.header;
  const unsigned code = status >= 200 && status <= 999 ? static_cast<unsigned>(status) : 500u;
  out.result(code);
  out.version(version);
  for (auto& [name, value] : headers) {
    if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")) {
      continue;
    }
    if (beast::iequals(name, "connection")) {
      for (const auto& token : http::token_list{value}) {
        if (beast::iequals(token, "close")) head.wants_close = true;
      }
      continue;
    }
    out.insert(name, value);
  }
  if (code == 204 || code == 304) {  // these must not carry a body, nor announce one
    head.framing = BodyFraming::kNone;
    return head;
  }
  if (content_length) {
    out.content_length(*content_length);
    head.framing = is_head ? BodyFraming::kNone : BodyFraming::kContentLength;
    return head;
  }
  if (is_head) {
    // What a GET would have had cannot be told without the body; announce nothing.
    head.framing = BodyFraming::kNone;
  } else if (version >= 11) {
    out.set(http::field::transfer_encoding, "chunked");
    head.framing = BodyFraming::kChunked;
  } else {
    head.framing = BodyFraming::kUntilClose;
  }
  return head;
}

std::string SerializeHead(const http::response_header<>& header) {
  http::fields::writer writer(header, header.version(), header.result_int());
  return beast::buffers_to_string(writer.get());
}

std::string ChunkPrefix(size_t size) {
  char buffer[24];
  int length = std::snprintf(buffer, sizeof(buffer), "%zx\r\n", size);
  return std::string(buffer, static_cast<size_t>(length));
}

}  // namespace sluice::net
