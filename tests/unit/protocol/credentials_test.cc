#include "protocol/credentials.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sluice::protocol
