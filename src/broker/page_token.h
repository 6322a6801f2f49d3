#pragma once

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
  if (body.is_discarded() || !body.is_object() || !body["issued_ms"].is_number_integer()) {
    return std::nullopt;
  }
  return body;
}

inline bool Expired(const nlohmann::json& token, int64_t now_ms, int64_t ttl_ms) {
  return now_ms - token["issued_ms"].get<int64_t>() > ttl_ms;
}

inline Status Invalid() { return Status(ErrorCode::kInvalidArgument, "Invalid NextToken."); }

inline Status ExpiredError() {
  return Status(ErrorCode::kExpiredNextToken, "The NextToken has expired.");
}

}  // namespace sluice::broker::page_token
