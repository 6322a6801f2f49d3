#include "net/http2_wire.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace sluice::net {

PrefaceMatch MatchHttp2Preface(std::string_view first_bytes) {
  const size_t compared = std::min(first_bytes.size(), kHttp2ClientPreface.size());
  if (first_bytes.substr(0, compared) != kHttp2ClientPreface.substr(0, compared)) {
    return PrefaceMatch::kMismatch;
  }
  return compared == kHttp2ClientPreface.size() ? PrefaceMatch::kComplete : PrefaceMatch::kPartial;
}

bool IsConnectionSpecificHeader(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"};
  return std::find(kNames.begin(), kNames.end(), lower_name) != kNames.end();
}

Http2ResponseHead MakeHttp2ResponseHead(int status, const HttpHeaders& headers,
                                        std::optional<uint64_t> content_length) {
  Http2ResponseHead head;
  head.status = (status < 200 || status > 999) ? 500 : status;
  head.has_body = head.status != 204 && head.status != 304;
  head.fields.reserve(headers.size() + 2);
  head.fields.emplace_back(":status", std::to_string(head.status));
  for (const auto& [name, value] : headers) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // The framing is ours: the length comes from `content_length`, the rest has no meaning
    // on a multiplexed connection.
    if (lower == "content-length" || IsConnectionSpecificHeader(lower)) continue;
    head.fields.emplace_back(std::move(lower), value);
  }
  if (content_length && head.has_body) {
    head.fields.emplace_back("content-length", std::to_string(*content_length));
  }
  return head;
}

}  // namespace sluice::net
