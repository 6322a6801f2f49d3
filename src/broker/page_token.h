#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/broker/broker.h"
#include "sluice/common/status.h"

// Pagination tokens are opaque to clients: base64 of a small JSON document naming where the next
// page starts, what it belongs to, and when the token was issued (so that it can expire). This is
// the one place their format is known. They are not signed, so decoding trusts nothing in them:
// every member is checked for its type and range, and anything else is "Invalid NextToken."
// (never an exception, never a number that overflows).
namespace sluice::broker::page_token {

// ListStreams: the last stream name listed, in the account and region (`namespace_key`, the
// registry prefix) that listed it.
struct StreamsPage {
  std::string after;
};
std::string EncodeStreams(const StreamsPage& page, std::string_view namespace_key, int64_t now_ms);
// InvalidArgument for a token that is not ours or belongs to another namespace;
// ExpiredNextToken for one older than `ttl_ms`.
Result<StreamsPage> DecodeStreams(std::string_view token, std::string_view namespace_key,
                                  int64_t now_ms, int64_t ttl_ms);

// ListShards: the stream (name and creation time), the last shard listed, and the filter the
// first call gave.
struct ShardsPage {
  std::string stream;
  int64_t created_ms = 0;
  std::string after;
  std::optional<ShardFilter> filter;
};
std::string EncodeShards(const ShardsPage& page, int64_t now_ms);
Result<ShardsPage> DecodeShards(std::string_view token, int64_t now_ms, int64_t ttl_ms);

// ListStreamConsumers: the stream's ARN and creation time, and the last consumer listed (its
// creation time and name: consumers are listed in registration order).
struct ConsumersPage {
  std::string stream_arn;
  int64_t stream_created_ms = 0;
  int64_t after_ms = 0;
  std::string after;
};
std::string EncodeConsumers(const ConsumersPage& page, int64_t now_ms);
// Also InvalidArgument for a token of another stream, or of an earlier stream of that name.
Result<ConsumersPage> DecodeConsumers(std::string_view token, std::string_view stream_arn,
                                      int64_t stream_created_ms, int64_t now_ms, int64_t ttl_ms);

inline Status Invalid() { return Status(ErrorCode::kInvalidArgument, "Invalid NextToken."); }

inline Status ExpiredError() {
  return Status(ErrorCode::kExpiredNextToken, "The NextToken has expired.");
}

}  // namespace sluice::broker::page_token
