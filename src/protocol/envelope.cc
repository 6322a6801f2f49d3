#include "protocol/envelope.h"

#include <cstdio>
#include <random>

#include "sluice/common/base64.h"
#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {
namespace {

std::mt19937_64& Generator() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

std::string NewRequestId() {
  uint64_t high = Generator()();
  uint64_t low = Generator()();
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return buffer;
}

// AWS's x-amz-id-2 decodes to 72 bytes (64-80 seen); it only has to look the same.
std::string NewAmzId2() {
  std::string bytes(72, '\0');
  for (size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t word = Generator()();
    for (size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<char>(word >> (8 * j));
  }
  return Base64Encode(bytes);
}

constexpr std::string_view kExposedHeaders =
    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";

}  // namespace

Envelope::Envelope() : request_id_(NewRequestId()), amz_id_2_(NewAmzId2()) {}

Envelope::Envelope(const net::HttpRequest& request) : Envelope() {
  cors_ = request.HasHeader("origin");
}

net::HttpHeaders Envelope::Headers(std::string_view content_type) const {
  net::HttpHeaders headers;
  headers.reserve(5);
  if (!content_type.empty()) headers.emplace_back("Content-Type", std::string(content_type));
  headers.emplace_back("x-amzn-RequestId", request_id_);
  headers.emplace_back("x-amz-id-2", amz_id_2_);
  if (cors_) {
    headers.emplace_back("Access-Control-Allow-Origin", "*");
    headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposedHeaders));
  }
  return headers;
}

std::optional<net::HttpResponse> PreflightResponse(const net::HttpRequest& request) {
  if (request.method != "OPTIONS" || !request.HasHeader("origin")) return std::nullopt;
  net::HttpResponse response;
  response.headers = {{"x-amzn-RequestId", NewRequestId()}, {"Access-Control-Allow-Origin", "*"}};
  if (request.HasHeader("access-control-request-headers")) {
    response.headers.emplace_back("Access-Control-Allow-Headers",
                                  std::string(request.Header("access-control-request-headers")));
  }
  if (request.HasHeader("access-control-request-method")) {
    response.headers.emplace_back("Access-Control-Allow-Methods",
                                  std::string(request.Header("access-control-request-method")));
  }
  response.headers.emplace_back("Access-Control-Max-Age", "172800");
  return response;
}

net::HttpResponse XmlErrorResponse(const Status& status, const Envelope& envelope) {
  std::string type(ToWire(status.code()).type);
  net::HttpResponse response;
  response.status = 403;
  response.headers = envelope.Headers("");
  response.body.append("<").append(type).append(">\n  <Message>");
  response.body.append(status.message()).append("</Message>\n</").append(type).append(">\n");
  return response;
}

}  // namespace sluice::protocol
