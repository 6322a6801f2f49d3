// The SigV4 verifier against requests signed by botocore (an independent signer) at
// 2023-12-05T12:00:00Z, and every way a request can fail, with AWS's texts.
#include "protocol/authenticator.h"

#include <gtest/gtest.h>

namespace sluice::protocol {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kBody = R"({"StreamName":"orders","ShardCount":1})";
constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr std::string_view kInvalidToken = "The security token included in the request is invalid.";
// botocore's SigV4Auth for AKIDSIGV4TEST / secret-one, eu-west-1.
constexpr std::string_view kHeaderAuthorization =
    "AWS4-HMAC-SHA256 Credential=AKIDSIGV4TEST/20231205/eu-west-1/kinesis/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=d298f852e50732516e3019dc299b75b0a762b051e72c5e1863e8f3ef2600f9fe";

std::chrono::system_clock::time_point SignedAt() {
  return std::chrono::sys_days{std::chrono::year{2023} / 12 / 5} + 12h;
}

CredentialStore Keys() {
  auto store = ParseCredentials(R"([
    {"access_key_id": "AKIDSIGV4TEST", "secret_access_key": "secret-one",
     "account_id": "111111111111"},
    {"access_key_id": "AKIDTOKEN", "secret_access_key": "secret-two",
     "account_id": "222222222222", "session_token": "token-xyz"},
    {"access_key_id": "AKIDWRONGSECRET", "secret_access_key": "not-secret-one",
     "account_id": "333333333333"}])",
                                "test");
  EXPECT_TRUE(store.ok()) << store.status().message();
  return *store;
}

net::HttpRequest Post(std::vector<std::pair<std::string, std::string>> extra,
                      std::string target = "/") {
  net::HttpRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.body = std::string(kBody);
  request.headers = {{"host", "127.0.0.1:4567"},
                     {"content-type", "application/x-amz-json-1.1"},
                     {"x-amz-target", "Kinesis_20131202.CreateStream"}};
  request.headers.insert(request.headers.end(), extra.begin(), extra.end());
  return request;
}

net::HttpRequest HeaderSigned(std::string authorization = std::string(kHeaderAuthorization)) {
  return Post({{"x-amz-date", "20231205T120000Z"}, {"authorization", std::move(authorization)}});
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  Status Check(const net::HttpRequest& request) {
    return authenticator_.Authenticate(request).status();
  }
  void ExpectError(const net::HttpRequest& request, ErrorCode code, std::string_view message) {
    Status status = Check(request);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), code) << status.message();
    EXPECT_EQ(status.message(), message);
  }

  std::chrono::system_clock::time_point now_ = SignedAt() + 30s;
  Authenticator authenticator_{Keys(), [this] { return now_; }};
};

TEST_F(AuthenticatorTest, AcceptsBotocoreSignatureAndNamesTheAccount) {
  auto principal = authenticator_.Authenticate(HeaderSigned());
  ASSERT_TRUE(principal.ok()) << principal.status().message();
  EXPECT_EQ(principal->account_id, "111111111111");
  EXPECT_EQ(principal->region, "eu-west-1");
  EXPECT_EQ(principal->access_key_id, "AKIDSIGV4TEST");
}

TEST_F(AuthenticatorTest, SigningKeysAreCachedPerKeyDateAndRegion) {
  ASSERT_TRUE(Check(HeaderSigned()).ok());
  ASSERT_TRUE(Check(HeaderSigned()).ok());
  EXPECT_EQ(authenticator_.CachedSigningKeys(), 1u);
}

TEST_F(AuthenticatorTest, WrongSecretIsInvalidSignature) {
  std::string authorization(kHeaderAuthorization);
  authorization.replace(authorization.find("AKIDSIGV4TEST"), 13, "AKIDWRONGSECRET");
  ExpectError(HeaderSigned(authorization), ErrorCode::kInvalidSignature, kMismatch);
}

TEST_F(AuthenticatorTest, ChangedBodyOrHeaderIsInvalidSignature) {
  auto request = HeaderSigned();
  request.body = R"({"StreamName":"other","ShardCount":1})";
  ExpectError(request, ErrorCode::kInvalidSignature, kMismatch);
  request = HeaderSigned();
  request.headers[2].second = "Kinesis_20131202.DeleteStream";
  ExpectError(request, ErrorCode::kInvalidSignature, kMismatch);
}

TEST_F(AuthenticatorTest, WrongRegionInScopeIsInvalidSignature) {
  std::string authorization(kHeaderAuthorization);
  authorization.replace(authorization.find("eu-west-1"), 9, "us-east-1");
  ExpectError(HeaderSigned(authorization), ErrorCode::kInvalidSignature, kMismatch);
}

TEST_F(AuthenticatorTest, UnknownKeyIsUnrecognizedClient) {
  std::string authorization(kHeaderAuthorization);
  authorization.replace(authorization.find("AKIDSIGV4TEST"), 13, "AKIDNOBODY");
  ExpectError(HeaderSigned(authorization), ErrorCode::kUnrecognizedClient, kInvalidToken);
}

TEST_F(AuthenticatorTest, OldAndFutureDatesAreRefusedWithAwsTexts) {
  now_ = SignedAt() + 20min;
  ExpectError(HeaderSigned(), ErrorCode::kInvalidSignature,
              "Signature expired: 20231205T120000Z is now earlier than 20231205T120500Z "
              "(20231205T122000Z - 15 min.)");
  now_ = SignedAt() - 16min;
  ExpectError(HeaderSigned(), ErrorCode::kInvalidSignature,
              "Signature not yet current: 20231205T120000Z is still later than 20231205T115900Z "
              "(20231205T114400Z + 15 min.)");
  now_ = SignedAt() + 15min;  // the edge is still inside
  EXPECT_TRUE(Check(HeaderSigned()).ok());
}

TEST_F(AuthenticatorTest, ScopeMustBeKinesisAws4RequestAndTheRequestDay) {
  auto with_scope = [](std::string scope) {
    std::string authorization(kHeaderAuthorization);
    authorization.replace(authorization.find("20231205/eu-west-1/kinesis/aws4_request"), 39, scope);
    return HeaderSigned(authorization);
  };
  ExpectError(with_scope("20231204/eu-west-1/dynamodb/aws4_reques"), ErrorCode::kInvalidSignature,
              "Credential should be scoped to correct service: 'kinesis'. Credential should be "
              "scoped with a valid terminator: 'aws4_request', not 'aws4_reques'. Date in "
              "Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
              "'20231204' != '20231205', from '20231205T120000Z'.");
  ExpectError(with_scope("20231205/eu-west-1/kinesis"), ErrorCode::kIncompleteSignature,
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term, got 'AKIDSIGV4TEST/20231205/eu-west-1/kinesis'");
}

TEST_F(AuthenticatorTest, HostMustBeSigned) {
  std::string authorization(kHeaderAuthorization);
  authorization.replace(authorization.find("content-type;host;"), 18, "content-type;");
  ExpectError(HeaderSigned(authorization), ErrorCode::kIncompleteSignature,
              "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST_F(AuthenticatorTest, Http2ClientsMaySignTheAuthorityPseudoHeader) {
  // Signed (as the JS SDK v3 does over HTTP/2) with ":authority" in place of "host"; the HTTP/2
  // layer hands the authority over as the host header.
  auto request =
      Post({{"x-amz-date", "20231205T120000Z"},
            {"authorization",
             "AWS4-HMAC-SHA256 Credential=AKIDSIGV4TEST/20231205/eu-west-1/kinesis/aws4_request, "
             "SignedHeaders=:authority;content-type;x-amz-date;x-amz-target, "
             "Signature=1e175ed4e210b9ab6c154b9fd2a97155fff1436af98341db5c499a37e0358cab"}});
  request.http_version = 20;
  EXPECT_TRUE(Check(request).ok()) << Check(request).message();
  request.http_version = 11;  // HTTP/1.1 has no :authority to sign
  ExpectError(request, ErrorCode::kInvalidSignature, kMismatch);
}

TEST_F(AuthenticatorTest, DateHeaderStandsInForXAmzDate) {
  // Signed with the RFC 1123 Date header; the string to sign carries its ISO 8601 form.
  auto request =
      Post({{"date", "Tue, 05 Dec 2023 12:00:00 GMT"},
            {"authorization",
             "AWS4-HMAC-SHA256 Credential=AKIDSIGV4TEST/20231205/eu-west-1/kinesis/aws4_request, "
             "SignedHeaders=content-type;date;host;x-amz-target, "
             "Signature=8843e0fc5b595377525d215d192995e3469078fd098c6ddc6bba5fa51c43f335"}});
  EXPECT_TRUE(Check(request).ok()) << Check(request).message();
  now_ = SignedAt() + 16min;
  ExpectError(request, ErrorCode::kInvalidSignature,
              "Signature expired: 20231205T120000Z is now earlier than 20231205T120100Z "
              "(20231205T121600Z - 15 min.)");
}

TEST_F(AuthenticatorTest, AlgorithmAndDateFormatAreChecked) {
  std::string authorization(kHeaderAuthorization);
  authorization.replace(0, 16, "AWS4-HMAC-SHA512");
  ExpectError(HeaderSigned(authorization), ErrorCode::kIncompleteSignature,
              "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'. Use 'AWS4-HMAC-SHA256'.");
  auto request = Post({{"x-amz-date", "2023-12-05T12:00:00Z"},
                       {"authorization", std::string(kHeaderAuthorization)}});
  ExpectError(request, ErrorCode::kIncompleteSignature,
              "Date must be in ISO-8601 'basic format'. Got '2023-12-05T12:00:00Z'. See "
              "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST_F(AuthenticatorTest, SessionTokensMustMatchTheKey) {
  // botocore's SigV4Auth for AKIDTOKEN / secret-two / token-xyz, us-east-1.
  const std::string authorization =
      "AWS4-HMAC-SHA256 Credential=AKIDTOKEN/20231205/us-east-1/kinesis/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
      "Signature=b2bc976b56984d8a852bcd88e339805defdefa325fd18a34ad42f13c81eb78c3";
  auto with_token = [&](std::string token) {
    return Post({{"x-amz-date", "20231205T120000Z"},
                 {"x-amz-security-token", std::move(token)},
                 {"authorization", authorization}});
  };
  auto principal = authenticator_.Authenticate(with_token("token-xyz"));
  ASSERT_TRUE(principal.ok()) << principal.status().message();
  EXPECT_EQ(principal->account_id, "222222222222");
  ExpectError(with_token("token-abc"), ErrorCode::kUnrecognizedClient, kInvalidToken);
  ExpectError(Post({{"x-amz-date", "20231205T120000Z"}, {"authorization", authorization}}),
              ErrorCode::kUnrecognizedClient, kInvalidToken);
  // A token for a key that has none.
  auto request = HeaderSigned();
  request.headers.emplace_back("x-amz-security-token", "token-xyz");
  ExpectError(request, ErrorCode::kUnrecognizedClient, kInvalidToken);
}

TEST_F(AuthenticatorTest, DeclaredPayloadHashes) {
  // botocore signs the declared UNSIGNED-PAYLOAD instead of the body's hash.
  auto unsigned_payload =
      Post({{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
            {"x-amz-date", "20231205T120000Z"},
            {"authorization",
             "AWS4-HMAC-SHA256 Credential=AKIDSIGV4TEST/20231205/eu-west-1/kinesis/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, "
             "Signature=7798bef9b92bddc50be068ce75704452cc116f01f41cc7158d5e3e84ae8af6a6"}});
  EXPECT_TRUE(Check(unsigned_payload).ok()) << Check(unsigned_payload).message();
  unsigned_payload.body = "{}";  // not covered by the signature
  EXPECT_TRUE(Check(unsigned_payload).ok());

  auto request = HeaderSigned();
  request.headers.emplace_back("x-amz-content-sha256", std::string(64, 'a'));
  ExpectError(request, ErrorCode::kInvalidSignature,
              "The provided 'x-amz-content-sha256' header does not match what was computed.");
  request = HeaderSigned();
  request.headers.emplace_back("x-amz-content-sha256", "abc");
  ExpectError(request, ErrorCode::kInvalidSignature,
              "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the body, not "
              "'abc'.");
  request = HeaderSigned();
  request.headers.emplace_back("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
  ExpectError(request, ErrorCode::kInvalidSignature,
              "x-amz-content-sha256 STREAMING-AWS4-HMAC-SHA256-PAYLOAD is a chunked (streaming) "
              "signature, which Kinesis does not accept; sign the whole body or send "
              "UNSIGNED-PAYLOAD.");
}

// botocore's SigV4QueryAuth (300 s) for AKIDSIGV4TEST / secret-one, eu-west-1, signing the hash
// of an empty body as it does for every service but S3.
const std::string kPresigned =
    "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDSIGV4TEST%2F20231205%2Feu-west-1%"
    "2Fkinesis%2Faws4_request&X-Amz-Date=20231205T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders="
    "host%3Bx-amz-target&X-Amz-Signature="
    "d1eb08e6acccbbb2b20eabde435b402f40ff9c9b4ca6e611ca32c1eb29105459";

net::HttpRequest Presigned(std::string target, std::string body = "") {
  auto request = Post({}, std::move(target));
  request.body = std::move(body);
  return request;
}

TEST_F(AuthenticatorTest, PresignedRequestsWorkUntilTheyExpire) {
  auto principal = authenticator_.Authenticate(Presigned(kPresigned));
  ASSERT_TRUE(principal.ok()) << principal.status().message();
  EXPECT_EQ(principal->account_id, "111111111111");
  // The body's hash is signed: another body does not match.
  ExpectError(Presigned(kPresigned, std::string(kBody)), ErrorCode::kInvalidSignature, kMismatch);
  now_ = SignedAt() + 301s;
  ExpectError(Presigned(kPresigned), ErrorCode::kInvalidSignature,
              "Signature expired: 20231205T120000Z is now earlier than 20231205T120001Z "
              "(20231205T120501Z - 5 min.)");
  now_ = SignedAt() + 30s;
  std::string tampered = kPresigned;
  tampered.replace(tampered.find("X-Amz-Expires=300"), 17, "X-Amz-Expires=900");
  ExpectError(Presigned(tampered), ErrorCode::kInvalidSignature, kMismatch);
  for (std::string expires : {"0", "604801", "-1", "ten"}) {
    std::string bad = kPresigned;
    bad.replace(bad.find("X-Amz-Expires=300"), 17, "X-Amz-Expires=" + expires);
    ExpectError(
        Presigned(bad), ErrorCode::kIncompleteSignature,
        "X-Amz-Expires must be a whole number of seconds from 1 to 604800, not '" + expires + "'.");
  }
}

TEST_F(AuthenticatorTest, PresignedWithUnsignedPayloadTakesAnyBody) {
  // botocore's SigV4QueryAuth with payload signing off (UNSIGNED-PAYLOAD), as S3 presigns.
  const std::string presigned =
      "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDSIGV4TEST%2F20231205%2Feu-west-1%"
      "2Fkinesis%2Faws4_request&X-Amz-Date=20231205T120000Z&X-Amz-Expires=300&"
      "X-Amz-SignedHeaders=host%3Bx-amz-target&X-Amz-Signature="
      "81b6bc6daa3d97fd0fdf42523b263d51ad4429e32fff0fb1ff832c675e51d734";
  EXPECT_TRUE(Check(Presigned(presigned, std::string(kBody))).ok());
  EXPECT_TRUE(Check(Presigned(presigned, "{}")).ok());
  // The header form never falls back to UNSIGNED-PAYLOAD unless it says so.
  auto request = HeaderSigned();
  request.body = "{}";
  ExpectError(request, ErrorCode::kInvalidSignature, kMismatch);
}

TEST_F(AuthenticatorTest, PresignedSessionTokenIsPartOfTheQuery) {
  // botocore's SigV4QueryAuth (300 s) for AKIDTOKEN / secret-two / "token/with+chars".
  const std::string presigned =
      "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTOKEN%2F20231205%2Fus-east-1%"
      "2Fkinesis%2Faws4_request&X-Amz-Date=20231205T120000Z&X-Amz-Expires=300&"
      "X-Amz-SignedHeaders=host%3Bx-amz-target&X-Amz-Security-Token=token%2Fwith%2Bchars&"
      "X-Amz-Signature=0f17cfff5ceba13493542bb5871effb35fddf65f7733f41b2bfea0159d96cfa4";
  auto store = ParseCredentials(R"([{"access_key_id": "AKIDTOKEN", "secret_access_key":
    "secret-two", "account_id": "222222222222", "session_token": "token/with+chars"}])",
                                "test");
  ASSERT_TRUE(store.ok());
  Authenticator authenticator(*store, [this] { return now_; });
  auto principal = authenticator.Authenticate(Presigned(presigned));
  ASSERT_TRUE(principal.ok()) << principal.status().message();
  EXPECT_EQ(principal->account_id, "222222222222");
}

TEST(CredentialStoreTest, ParsesAndRefusesWhatWillNotDo) {
  auto store = ParseCredentials(
      R"([{"access_key_id": "A", "secret_access_key": "s", "account_id": "123456789012"}])", "f");
  ASSERT_TRUE(store.ok());
  ASSERT_NE(store->Find("A"), nullptr);
  EXPECT_EQ(store->Find("A")->account_id, "123456789012");
  EXPECT_EQ(store->Find("B"), nullptr);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{}", "credentials file f: must be a JSON list"},
      {"[", "credentials file f: not valid JSON"},
      {"[]", "credentials file f: lists no credentials"},
      {R"([{"access_key_id": "A", "secret_access_key": "s", "account_id": "12345"}])",
       "credentials file f: entry 0 (A) needs an account_id of 12 digits"},
      {R"([{"access_key_id": "", "secret_access_key": "s", "account_id": "123456789012"}])",
       "credentials file f: entry 0 needs a non-empty access_key_id"},
      {R"([{"access_key_id": "A", "account_id": "123456789012"}])",
       "credentials file f: entry 0 (A) needs a non-empty secret_access_key"},
      {R"([{"access_key_id": "A", "secret_access_key": "s", "account_id": "123456789012"},
           {"access_key_id": "A", "secret_access_key": "t", "account_id": "123456789012"}])",
       "credentials file f: entry 1 (A) repeats an access_key_id"},
      {R"([{"access_key_id": "A", "secret": "s", "account_id": "123456789012"}])",
       "credentials file f: entry 0 has unknown member secret"},
      {R"([{"access_key_id": 5, "secret_access_key": "s", "account_id": "123456789012"}])",
       "credentials file f: entry 0: access_key_id must be a string"},
  };
  for (const auto& [json, message] : bad) {
    auto parsed = ParseCredentials(json, "f");
    ASSERT_FALSE(parsed.ok()) << json;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message().substr(0, message.size()), message) << json;
  }
  auto missing = LoadCredentialsFile("/nonexistent/credentials.json");
  EXPECT_EQ(missing.status().message(),
            "cannot read credentials file /nonexistent/credentials.json");
}

}  // namespace
}  // namespace sluice::protocol
