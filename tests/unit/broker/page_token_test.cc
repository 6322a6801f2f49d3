// Pagination tokens (broker/page_token.h): round trips, and the forged tokens fuzz_page_token
// and issue 9 name, each of which used to throw from the JSON library or overflow, and must be
// "Invalid NextToken." instead.
#include "broker/page_token.h"

#include <gtest/gtest.h>

#include "sluice/common/base64.h"

namespace sluice::broker::page_token {
namespace {

constexpr int64_t kNow = 1764000000000;
constexpr int64_t kTtl = 300000;
constexpr std::string_view kNamespace = "000000000000/us-east-1/";
constexpr std::string_view kArn = "arn:aws:kinesis:us-east-1:000000000000:stream/s";

std::string Forge(std::string_view json) { return Base64Encode(json); }

template <typename T>
void ExpectInvalid(const Result<T>& result) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "Invalid NextToken.");
}

TEST(PageTokenTest, StreamsRoundTripWithinTheirNamespace) {
  std::string token = EncodeStreams({"after-me"}, kNamespace, kNow);
  auto page = DecodeStreams(token, kNamespace, kNow + 1000, kTtl);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->after, "after-me");
  ExpectInvalid(DecodeStreams(token, "111111111111/us-east-1/", kNow, kTtl));
}

TEST(PageTokenTest, ShardsRoundTripWithTheirFilter) {
  ShardFilter filter{ShardFilterType::kAtTimestamp, "", 1763999999000};
  std::string token = EncodeShards({"s", 1763000000000, "shardId-000000000003", filter}, kNow);
  auto page = DecodeShards(token, kNow, kTtl);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->stream, "s");
  EXPECT_EQ(page->created_ms, 1763000000000);
  EXPECT_EQ(page->after, "shardId-000000000003");
  ASSERT_TRUE(page->filter);
  EXPECT_EQ(page->filter->type, ShardFilterType::kAtTimestamp);
  EXPECT_EQ(page->filter->timestamp_ms, 1763999999000);
}

TEST(PageTokenTest, ConsumersDecodeOnlyForTheirStream) {
  std::string token = EncodeConsumers({std::string(kArn), 1763000000000, 1763000000500, "c"}, kNow);
  auto page = DecodeConsumers(token, kArn, 1763000000000, kNow, kTtl);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->after_ms, 1763000000500);
  EXPECT_EQ(page->after, "c");
  ExpectInvalid(DecodeConsumers(token, kArn, 1763000000001, kNow, kTtl));  // recreated stream
  ExpectInvalid(DecodeConsumers(token, "arn:aws:kinesis:us-east-1:000000000000:stream/t",
                                1763000000000, kNow, kTtl));
}

TEST(PageTokenTest, OldTokensExpire) {
  std::string token = EncodeStreams({"a"}, kNamespace, kNow);
  auto expired = DecodeStreams(token, kNamespace, kNow + kTtl + 1, kTtl);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), ErrorCode::kExpiredNextToken);
  EXPECT_TRUE(DecodeStreams(token, kNamespace, kNow + kTtl, kTtl).ok());
}

TEST(PageTokenTest, ForgedIssueTimesAreInvalidWithoutOverflow) {
  // issued_ms = INT64_MIN: now - issued overflowed.
  ExpectInvalid(DecodeStreams(
      Forge(
          R"({"after":"a","namespace":"000000000000/us-east-1/","issued_ms":-9223372036854775808})"),
      kNamespace, kNow, kTtl));
  // Past INT64_MAX: read as an int64 it wrapped to a negative number.
  ExpectInvalid(DecodeShards(
      Forge(R"({"stream":"s","created_ms":1,"after":"a","issued_ms":18446744073709551615})"), kNow,
      kTtl));
  // Far in the future: not one of ours (it would never expire).
  ExpectInvalid(DecodeStreams(
      Forge(
          R"({"after":"a","namespace":"000000000000/us-east-1/","issued_ms":9223372036854775807})"),
      kNamespace, kNow, kTtl));
  ExpectInvalid(
      DecodeStreams(Forge(R"({"after":"a","namespace":"000000000000/us-east-1/","issued_ms":1.5})"),
                    kNamespace, kNow, kTtl));
}

TEST(PageTokenTest, ForgedMemberTypesAreInvalidNotExceptions) {
  // A filter that is not an object, or whose members have the wrong types: value() and get()
  // threw nlohmann::type_error here.
  ExpectInvalid(DecodeShards(
      Forge(R"({"stream":"s","created_ms":1,"after":"a","issued_ms":1764000000000,"filter":"x"})"),
      kNow, kTtl));
  ExpectInvalid(DecodeShards(Forge(R"({"stream":"s","created_ms":1,"after":"a",)"
                                   R"("issued_ms":1764000000000,"filter":{"type":"4"}})"),
                             kNow, kTtl));
  ExpectInvalid(DecodeShards(Forge(R"({"stream":"s","created_ms":1,"after":"a",)"
                                   R"("issued_ms":1764000000000,"filter":{"type":4,)"
                                   R"("timestamp_ms":"x"}})"),
                             kNow, kTtl));
  ExpectInvalid(
      DecodeShards(Forge(R"({"stream":"s","created_ms":1,"after":"a",)"
                         R"("issued_ms":1764000000000,"filter":{"type":1,"shard_id":7}})"),
                   kNow, kTtl));
  // A float creation time: converting 1e300 to an int64 is undefined behaviour.
  ExpectInvalid(DecodeConsumers(Forge(R"({"stream":"arn:aws:kinesis:us-east-1:000000000000:)"
                                      R"(stream/s","stream_created_ms":1e300,"after_ms":1,)"
                                      R"("after":"c","issued_ms":1764000000000})"),
                                kArn, 1763000000000, kNow, kTtl));
  ExpectInvalid(DecodeStreams("not base64", kNamespace, kNow, kTtl));
  ExpectInvalid(DecodeStreams(Forge("[1,2]"), kNamespace, kNow, kTtl));
}

}  // namespace
}  // namespace sluice::broker::page_token
