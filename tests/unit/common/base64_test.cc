#include "sluice/common/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// The decoder checks as it decodes; it must accept exactly what Base64Problem accepts, and a
// text it accepts is the canonical encoding of what it decodes to (unused bits are zero).
TEST(Base64Test, DecodeAcceptsExactlyWhatProblemAccepts) {
  const std::string alphabet = "AQgw/+=!";  // low bits zero and not, both symbols, '=', a stray
  size_t accepted = 0;
  const size_t length = 4;
  for (std::string prefix : {"", "QUJD", "QU=D"}) {  // a last quad alone, after a whole one,
    std::vector<size_t> digits(length, 0);           // after a misplaced '='
    while (true) {
      std::string text = prefix;
      for (size_t d : digits) text.push_back(alphabet[d]);
      auto decoded = Base64Decode(text);
      ASSERT_EQ(decoded.has_value(), Base64Problem(text).empty()) << text;
      if (decoded) {
        EXPECT_EQ(Base64Encode(*decoded), text);
        ++accepted;
      }
      size_t k = 0;
      while (k < length && ++digits[k] == alphabet.size()) digits[k++] = 0;
      if (k == length) break;
    }
  }
  EXPECT_GT(accepted, 1000u);
  for (const char* text : {"", "=", "==", "===", "====", "A===", "AA==", "AAA=", "AA=A", "QQ=="}) {
    EXPECT_EQ(Base64Decode(text).has_value(), Base64Problem(text).empty()) << text;
  }
}

}  // namespace
}  // namespace sluice
