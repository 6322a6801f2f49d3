#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sluice/common/base64.h"
#include "sluice/common/status.h"

// Pagination tokens are opaque to clients: base64 of a small JSON document naming where the next
// page starts, what it belongs to, and when the token was issued (so that it can expire).
namespace sluice::broker::page_token {

inline std::string Encode(nlohmann::json body, int64_t now_ms) {
  body["issued_ms"] = now_ms;
  return Base64Encode(body.dump());
}

inline std::optional<nlohmann::json> Decode(const std::string& token) {
  auto raw = Base64Decode(token);
  if (!raw) return std::nullopt;
  auto body = nlohmann::json::parse(*raw, nullptr, false);
  // Tokens are not signed, so a client can send anything here: every member a caller reads is
  // type-checked by that caller, and issued_ms must be an int64 (2^63 read as one would wrap).
  if (body.is_discarded() || !body.is_object() || !body["issued_ms"].is_number_integer() ||
      (body["issued_ms"].is_number_unsigned() &&
       body["issued_ms"].get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
    return std::nullopt;
  }
  return body;
}

// Also true for a token "issued" further in the future than it may live: no such token was ever
// handed out, and one forged so would otherwise never expire.
inline bool Expired(const nlohmann::json& token, int64_t now_ms, int64_t ttl_ms) {
  const int64_t issued = token["issued_ms"].get<int64_t>();
  if (issued > now_ms) return issued - now_ms > ttl_ms;
  return now_ms - issued > ttl_ms;
}

inline Status Invalid() { return Status(ErrorCode::kInvalidArgument, "Invalid NextToken."); }

inline Status ExpiredError() {
  return Status(ErrorCode::kExpiredNextToken, "The NextToken has expired.");
}

}  // namespace sluice::broker::page_token
