// The SigV4 pieces against AWS's published Signature Version 4 test suite (credentials
// AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 2015-08-30T12:36:00Z, us-east-1,
// service "service") and the signing-key example of AWS's documentation.
#include "protocol/sigv4.h"

#include <gtest/gtest.h>

namespace sluice::protocol::sigv4 {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";
constexpr std::string_view kScope = "20150830/us-east-1/service/aws4_request";
constexpr std::string_view kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string CanonicalFor(std::string_view method, std::string_view target, const Headers& headers,
                         std::string_view signed_headers, std::string_view body) {
  size_t question = target.find('?');
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  std::string missing;
  std::string canonical_headers = CanonicalHeaders(headers, signed_headers, &missing);
  EXPECT_EQ(missing, "");
  auto hash = Sha256(body);
  EXPECT_TRUE(hash.ok());
  return CanonicalRequest(method, CanonicalUri(target.substr(0, question)),
                          CanonicalQueryString(query, ""), canonical_headers, signed_headers,
                          Hex(*hash));
}

std::string SignatureFor(std::string_view method, std::string_view target, Headers headers,
                         std::string_view signed_headers, std::string_view body = "") {
  auto string_to_sign =
      StringToSign(kDate, kScope, CanonicalFor(method, target, headers, signed_headers, body));
  EXPECT_TRUE(string_to_sign.ok());
  auto key = SigningKey(kSecret, "20150830", "us-east-1", "service");
  EXPECT_TRUE(key.ok());
  auto signature = Signature(*key, *string_to_sign);
  EXPECT_TRUE(signature.ok());
  return *signature;
}

Headers Vanilla(Headers more = {}) {
  Headers headers = {{"host", "example.amazonaws.com"}, {"x-amz-date", std::string(kDate)}};
  headers.insert(headers.end(), more.begin(), more.end());
  return headers;
}

TEST(SigV4Test, GetVanillaCanonicalRequestStringToSignAndSignature) {
  std::string canonical = CanonicalFor("GET", "/", Vanilla(), "host;x-amz-date", "");
  EXPECT_EQ(canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" +
                std::string(kEmptyHash));
  auto string_to_sign = StringToSign(kDate, kScope, canonical);
  ASSERT_TRUE(string_to_sign.ok());
  EXPECT_EQ(*string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(SignatureFor("GET", "/", Vanilla(), "host;x-amz-date"),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, QueryStringsAreSortedAndEncoded) {
  EXPECT_EQ(SignatureFor("GET", "/?Param2=value2&Param1=value1", Vanilla(), "host;x-amz-date"),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");  // order-key-case
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(SignatureFor("GET", "/?" + unreserved + "=" + unreserved, Vanilla(), "host;x-amz-date"),
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
  EXPECT_EQ(SignatureFor("GET", "/?%E1%88%B4=bar", Vanilla(), "host;x-amz-date"),
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");  // utf8-query
  EXPECT_EQ(
      SignatureFor("POST", "/?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D",
                   Vanilla(), "host;x-amz-date"),
      "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e");  // nonunreserved
  EXPECT_EQ(SignatureFor("POST", "/?Param1=value1", Vanilla(), "host;x-amz-date"),
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11");
  EXPECT_EQ(CanonicalQueryString("b=2&a=1&X-Amz-Signature=ff&a=0", "X-Amz-Signature"),
            "a=0&a=1&b=2");
}

TEST(SigV4Test, PathsAreNormalizedAndEncoded) {
  EXPECT_EQ(SignatureFor("GET", "/ሴ", Vanilla(), "host;x-amz-date"),
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");  // get-utf8
  EXPECT_EQ(
      SignatureFor("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                   Vanilla(), "host;x-amz-date"),
      "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");  // unreserved
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(CanonicalUri("/example%20space"), "/example%2520space");  // encoded twice, not S3
}

TEST(SigV4Test, HeadersAreLowerCasedTrimmedAndJoined) {
  EXPECT_EQ(
      SignatureFor("GET", "/", Vanilla({{"my-header1", "value1"}, {"my-header2", "\"a   b   c\""}}),
                   "host;my-header1;my-header2;x-amz-date"),
      "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");  // value-trim
  // A repeated header: its values in the order sent, joined by ','.
  EXPECT_EQ(SignatureFor("GET", "/",
                         {{"host", "example.amazonaws.com"},
                          {"my-header1", "value2"},
                          {"my-header1", "value2"},
                          {"my-header1", "value1"},
                          {"x-amz-date", std::string(kDate)}},
                         "host;my-header1;x-amz-date"),
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");  // key-duplicate
  EXPECT_EQ(
      SignatureFor("POST", "/", Vanilla({{"my-header1", "VALUE1"}}), "host;my-header1;x-amz-date"),
      "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d");  // value-case
  std::string missing;
  EXPECT_EQ(CanonicalHeaders(Vanilla(), "host;x-amz-target", &missing),
            "host:example.amazonaws.com\nx-amz-target:\n");
  EXPECT_EQ(missing, "x-amz-target");
}

TEST(SigV4Test, BodyIsHashedIntoThePayload) {
  EXPECT_EQ(
      SignatureFor("POST", "/", Vanilla({{"content-type", "application/x-www-form-urlencoded"}}),
                   "content-type;host;x-amz-date", "Param1=value1"),
      "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Test, SigningKeyMatchesAwsDocumentation) {
  auto key = SigningKey(kSecret, "20120215", "us-east-1", "iam");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Hex(*key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4Test, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace sluice::protocol::sigv4
