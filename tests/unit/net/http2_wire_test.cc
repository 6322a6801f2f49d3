#include "net/http2_wire.h"

#include <string>

#include <gtest/gtest.h>

namespace sluice::net {
namespace {

TEST(Http2PrefaceTest, WholePrefaceSelectsHttp2) {
  EXPECT_EQ(MatchHttp2Preface(kHttp2ClientPreface), PrefaceMatch::kComplete);
  EXPECT_EQ(MatchHttp2Preface(std::string(kHttp2ClientPreface) + "\x00\x00\x12\x04"),
            PrefaceMatch::kComplete);
}

TEST(Http2PrefaceTest, APrefixOfItNeedsMoreBytes) {
  EXPECT_EQ(MatchHttp2Preface("P"), PrefaceMatch::kPartial);
  EXPECT_EQ(MatchHttp2Preface("PRI * HTTP/2.0\r\n"), PrefaceMatch::kPartial);
  EXPECT_EQ(MatchHttp2Preface(kHttp2ClientPreface.substr(0, 23)), PrefaceMatch::kPartial);
}

TEST(Http2PrefaceTest, AnythingElseIsHttp1) {
  EXPECT_EQ(MatchHttp2Preface("POST / HTTP/1.1\r\n"), PrefaceMatch::kMismatch);
  EXPECT_EQ(MatchHttp2Preface("PO"), PrefaceMatch::kMismatch);
  EXPECT_EQ(MatchHttp2Preface("GET / HTTP/1.1\r\n"), PrefaceMatch::kMismatch);
  EXPECT_EQ(MatchHttp2Preface("PRI * HTTP/2.0\r\n\r\nXX"), PrefaceMatch::kMismatch);
}

TEST(Http2ResponseHeadTest, StatusFirstNamesLowerCasedFramingDropped) {
  auto head = MakeHttp2ResponseHead(200,
                                    {{"Content-Type", "application/x-amz-json-1.1"},
                                     {"X-Amzn-RequestId", "abc"},
                                     {"Content-Length", "999"},
                                     {"Transfer-Encoding", "chunked"},
                                     {"Connection", "close"},
                                     {"Keep-Alive", "timeout=5"}},
                                    5);
  ASSERT_EQ(head.fields.size(), 4u);
  EXPECT_EQ(head.fields[0], (std::pair<std::string, std::string>(":status", "200")));
  EXPECT_EQ(head.fields[1],
            (std::pair<std::string, std::string>("content-type", "application/x-amz-json-1.1")));
  EXPECT_EQ(head.fields[2], (std::pair<std::string, std::string>("x-amzn-requestid", "abc")));
  EXPECT_EQ(head.fields[3], (std::pair<std::string, std::string>("content-length", "5")));
  EXPECT_TRUE(head.has_body);
}

TEST(Http2ResponseHeadTest, StreamedBodyHasNoLengthAndBadStatusesBecome500) {
  auto streamed = MakeHttp2ResponseHead(200, {}, std::nullopt);
  ASSERT_EQ(streamed.fields.size(), 1u);
  auto bad = MakeHttp2ResponseHead(101, {}, 0);
  EXPECT_EQ(bad.status, 500);
  EXPECT_EQ(bad.fields[0].second, "500");
  EXPECT_EQ(MakeHttp2ResponseHead(1000, {}, 0).status, 500);
}

TEST(Http2ResponseHeadTest, NoContentCarriesNoLength) {
  auto head = MakeHttp2ResponseHead(204, {}, 0);
  EXPECT_FALSE(head.has_body);
  EXPECT_EQ(head.fields.size(), 1u);
}

}  // namespace
}  // namespace sluice::net
