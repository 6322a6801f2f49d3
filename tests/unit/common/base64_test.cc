#include "sluice/common/base64.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Base64Test, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    auto decoded = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
}

TEST(Base64Test, ExplainsProblemsInAwsWords) {
  EXPECT_EQ(Base64Problem("abc"),
            "Base64 encoded length is expected a multiple of 4 bytes but found: 3");
  EXPECT_EQ(Base64Problem("ab!d"), "Invalid Base64 character: '!'");
  EXPECT_EQ(Base64Problem("a=bc"), "Invalid Base64 character: '='");
  EXPECT_EQ(Base64Problem("aGVsbG9="), "Invalid last non-pad Base64 character dectected");
  EXPECT_EQ(Base64Problem("aGVsbG8="), "");
  EXPECT_FALSE(Base64Decode("aGVsbG9="));
}

}  // namespace
}  // namespace sluice
