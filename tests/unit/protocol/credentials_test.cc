#include "protocol/credentials.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::protocol {
namespace {

net::HttpRequest WithHeaders(std::vector<std::pair<std::string, std::string>> headers,
                             std::string target = "/") {
  net::HttpRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.headers = std::move(headers);
  return request;
}

TEST(CredentialsTest, ReadsRegionFromTheScope) {
  auto credentials = ReadCredentials(WithHeaders(
      {{"authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231205/eu-west-1/kinesis/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abcdef"},
       {"x-amz-date", "20231205T000000Z"}}));
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(credentials->region, "eu-west-1");
}

TEST(CredentialsTest, MissingIsMissingAuthenticationToken) {
  auto credentials = ReadCredentials(WithHeaders({}));
  EXPECT_EQ(credentials.status().code(), ErrorCode::kMissingAuthenticationToken);
  EXPECT_EQ(credentials.status().message(), "Missing Authentication Token");
}

TEST(CredentialsTest, IncompleteHeaderListsWhatIsMissing) {
  auto credentials =
      ReadCredentials(WithHeaders({{"authorization", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e"}}));
  EXPECT_EQ(credentials.status().code(), ErrorCode::kIncompleteSignature);
  EXPECT_EQ(credentials.status().message(),
            "Authorization header requires 'Signature' parameter. Authorization header requires "
            "'SignedHeaders' parameter. Authorization header requires existence of either a "
            "'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e");
}

TEST(CredentialsTest, PresignedQueryWorksAndBothFormsConflict) {
  std::string query =
      "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20231205%2Fap-south-1%2Fkinesis%"
      "2Faws4_request"
      "&X-Amz-Signature=ab&X-Amz-SignedHeaders=host&X-Amz-Date=20231205T000000Z";
  auto credentials = ReadCredentials(WithHeaders({}, query));
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_EQ(credentials->region, "ap-south-1");
  auto both = ReadCredentials(WithHeaders({{"authorization", "x"}}, query));
  EXPECT_EQ(both.status().code(), ErrorCode::kInvalidSignature);
  auto partial = ReadCredentials(WithHeaders({}, "/?X-Amz-Algorithm=x"));
  EXPECT_EQ(partial.status().code(), ErrorCode::kIncompleteSignature);
}

TEST(CredentialsTest, RegionsThatCannotBeRegionsAreRefused) {
  auto with_region = [](const std::string& region) {
    return ReadCredentials(WithHeaders(
        {{"authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231205/" + region +
                               "/kinesis/aws4_request, SignedHeaders=host, Signature=ab"},
         {"x-amz-date", "20231205T000000Z"}}));
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "Credential should be scoped to a valid region, not ''. "},
      {std::string(256, 'a'), "Credential should be scoped to a valid region. "},
      {"us\xff-east", "Credential should be scoped to a valid region. "},
      {std::string("us\x01") + "east", "Credential should be scoped to a valid region. "},
      {"us=east", "Credential should be scoped to a valid region, not 'us=east'. "},
      {"us:east", "Credential should be scoped to a valid region, not 'us:east'. "},
  };
  for (const auto& [region, message] : cases) {
    auto credentials = with_region(region);
    ASSERT_FALSE(credentials.ok()) << region;
    EXPECT_EQ(credentials.status().code(), ErrorCode::kInvalidSignature);
    EXPECT_EQ(credentials.status().message(), message);
  }
  EXPECT_TRUE(with_region(std::string(255, 'a')).ok());
  // A '/' in the region makes six elements.
  auto slash = with_region("us/east-1");
  EXPECT_EQ(slash.status().code(), ErrorCode::kIncompleteSignature);
  EXPECT_EQ(slash.status().message(),
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got "
            "'AKIDEXAMPLE/20231205/us/east-1/kinesis/aws4_request'");
  // The same checks for the presigned form, where the scope is percent-encoded.
  auto presigned = ReadCredentials(
      WithHeaders({},
                  "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20231205%2Fus%00x%2F"
                  "kinesis%2Faws4_request&X-Amz-Signature=ab&X-Amz-SignedHeaders=host&"
                  "X-Amz-Date=20231205T000000Z"));
  EXPECT_EQ(presigned.status().message(), "Credential should be scoped to a valid region. ");
}

}  // namespace
}  // namespace sluice::protocol
