// The pagination-token decoders of ListStreams, ListShards and ListStreamConsumers
// (broker/page_token.h). Tokens are base64 JSON and not signed, so anything a client sends must
// come out as a page position or as InvalidArgument / ExpiredNextToken.
//
// Invariants beyond "no crash":
// - decoding fails only with "Invalid NextToken." or "The NextToken has expired." (never an
//   exception from the JSON library, never an overflow on a forged issued_ms);
// - a token that decodes re-encodes into one that decodes to the same position;
// - a ListStreamConsumers token decodes only for the stream it names.

#include "broker/page_token.h"
#include "fuzz_support.h"

namespace {

namespace page_token = sluice::broker::page_token;
using sluice::fuzz::Require;

using sluice::fuzz::kTokenNamespace;
using sluice::fuzz::kTokenNowMs;
using sluice::fuzz::kTokenStreamArn;
using sluice::fuzz::kTokenStreamCreatedMs;
using sluice::fuzz::kTokenTtlMs;

template <typename T>
void CheckFailure(const sluice::Result<T>& result) {
  if (result.ok()) return;
  const auto code = result.status().code();
  Require(
      code == sluice::ErrorCode::kInvalidArgument || code == sluice::ErrorCode::kExpiredNextToken,
      "a token failed with something other than InvalidArgument or ExpiredNextToken");
}

bool SameFilter(const std::optional<sluice::broker::ShardFilter>& a,
                const std::optional<sluice::broker::ShardFilter>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a ||
         (a->type == b->type && a->shard_id == b->shard_id && a->timestamp_ms == b->timestamp_ms);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token = sluice::fuzz::AsText(data, size);

  auto streams = page_token::DecodeStreams(token, kTokenNamespace, kTokenNowMs, kTokenTtlMs);
  CheckFailure(streams);
  if (streams.ok()) {
    auto again =
        page_token::DecodeStreams(page_token::EncodeStreams(*streams, kTokenNamespace, kTokenNowMs),
                                  kTokenNamespace, kTokenNowMs, kTokenTtlMs);
    Require(again.ok() && again->after == streams->after,
            "a ListStreams token does not round-trip");
  }

  auto shards = page_token::DecodeShards(token, kTokenNowMs, kTokenTtlMs);
  CheckFailure(shards);
  if (shards.ok()) {
    auto again = page_token::DecodeShards(page_token::EncodeShards(*shards, kTokenNowMs),
                                          kTokenNowMs, kTokenTtlMs);
    Require(again.ok() && again->stream == shards->stream &&
                again->created_ms == shards->created_ms && again->after == shards->after &&
                SameFilter(again->filter, shards->filter),
            "a ListShards token does not round-trip");
  }

  auto consumers = page_token::DecodeConsumers(token, kTokenStreamArn, kTokenStreamCreatedMs,
                                               kTokenNowMs, kTokenTtlMs);
  CheckFailure(consumers);
  if (consumers.ok()) {
    Require(consumers->stream_arn == kTokenStreamArn &&
                consumers->stream_created_ms == kTokenStreamCreatedMs,
            "a ListStreamConsumers token decoded for another stream");
    auto again = page_token::DecodeConsumers(page_token::EncodeConsumers(*consumers, kTokenNowMs),
                                             kTokenStreamArn, kTokenStreamCreatedMs, kTokenNowMs,
                                             kTokenTtlMs);
    Require(
        again.ok() && again->after_ms == consumers->after_ms && again->after == consumers->after,
        "a ListStreamConsumers token does not round-trip");
  }
  return 0;
}
