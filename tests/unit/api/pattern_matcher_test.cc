#include "api/pattern_matcher.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "sluice/api/model.h"

namespace sluice::api {
namespace {

// The matcher replaced std::regex in the validator; every answer here is also asked of
// std::regex (ECMAScript, as the validator compiled model patterns), so the two agree.
class Reference {
 public:
  explicit Reference(const std::string& pattern)
      : pattern_(pattern),
        regex_(pattern, std::regex::ECMAScript | std::regex::optimize),
        matcher_(Compiled(pattern)) {}

  static PatternMatcher Compiled(const std::string& pattern) {
    auto matcher = PatternMatcher::Compile(pattern);
    EXPECT_TRUE(matcher.ok()) << matcher.status().message();
    return matcher.ok() ? std::move(matcher).value() : *PatternMatcher::Compile("");
  }

  // Both answers for `text`, which must agree; returns the matcher's.
  bool Matches(const std::string& text) const {
    const bool expected = std::regex_match(text, regex_);
    const bool actual = matcher_.Matches(text);
    EXPECT_EQ(actual, expected) << "pattern " << pattern_ << " on '" << text << "'";
    return actual;
  }

  const PatternMatcher& matcher() const { return matcher_; }

 private:
  std::string pattern_;
  std::regex regex_;
  PatternMatcher matcher_;
};

const std::string kConsumerArn =
    R"(^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+)";
const std::string kName = "[a-zA-Z0-9_.-]+";
const std::string kNumber38 = R"(0|([1-9]\d{0,38}))";
const std::string kResourceArn = R"(arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+)";
const std::string kNumber128 = R"(0|([1-9]\d{0,128}))";
const std::string kStreamArn = R"(arn:aws.*:kinesis:.*:\d{12}:stream/\S+)";
const std::string kStreamId = "[a-z0-9]{20}-[a-z0-9]{3}";

struct Case {
  std::string text;
  bool matches;
};

// Strings that match each pattern of the model and strings that do not, among them the ARN
// forms boto3 sends for each partition.
const std::map<std::string, std::vector<Case>>& ModelCases() {
  static const std::map<std::string, std::vector<Case>> cases = {
      {kConsumerArn,
       {
           {"arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/app-1:1700000000", true},
           {"arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s/consumer/c:1", true},
           {"arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/my.stream_1/consumer/c.2-x:"
            "123",
            true},
           {"arn:aws:kinesis::123456789012:stream/a/consumer/b:0", true},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/app-1", false},
           {"arn:aws:kinesis:us-east-1:12345678901:stream/s/consumer/c:1", false},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1x", false},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/s t/consumer/c:1", false},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1\n", false},
           {"xarn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1", false},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/orders", false},
           {"", false},
       }},
      {kName,
       {
           {"orders", true},
           {"a", true},
           {"my.stream_1-x", true},
           {"A.B-C_9", true},
           {"", false},
           {"x!", false},
           {"a b", false},
           {"\xc3\xa9", false},
           {"a/b", false},
           {"a\n", false},
       }},
      {kNumber38,
       {
           {"0", true},
           {"1", true},
           {"10", true},
           {std::string(39, '9'), true},
           {"1" + std::string(38, '0'), true},
           {"", false},
           {"01", false},
           {"00", false},
           {"1" + std::string(39, '0'), false},
           {"-1", false},
           {"1.0", false},
           {"a", false},
       }},
      {kResourceArn,
       {
           {"arn:aws:kinesis:us-east-1:123456789012:stream/orders", true},
           {"arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/orders", true},
           {"arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/orders", true},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/c:1700000000", true},
           {"arn:aws:kinesis:us-east-1:123456789012:mystream/x", true},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/\xc3\xa9", true},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/", false},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/a b", false},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/x\r", false},
           {"arn:aws:kinesis:us-east-1:123456789012:table/x", false},
           {"arn:aws:dynamodb:us-east-1:123456789012:stream/x", false},
           {"arn:aws:kinesis:us-east-1:12345678901:stream/x", false},
           {"arn:aws:kinesis:us-east-1\n:123456789012:stream/x", false},
           {"orders", false},
       }},
      {kNumber128,
       {
           {"0", true},
           {"49590338271490256608559692538361571095921575989136588898", true},
           {"1" + std::string(128, '0'), true},
           {"1" + std::string(129, '0'), false},
           {"0123", false},
           {"", false},
       }},
      {kStreamArn,
       {
           {"arn:aws:kinesis:us-east-1:123456789012:stream/orders", true},
           {"arn:aws-cn:kinesis:cn-north-1:123456789012:stream/orders", true},
           {"arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/orders", true},
           {"arn:aws:kinesis:us-east-1:123456789012:mystream/x", false},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/", false},
           {"arn:aws:kinesis:us-east-1:123456789012:stream/a\tb", false},
           {"arn:aws:kinesis:us-east-1:1234567890123:stream/x", false},
       }},
      {kStreamId,
       {
           {"abcdefghij0123456789-abc", true},
           {"00000000000000000000-000", true},
           {"abcdefghij012345678-abc", false},
           {"ABCDEFGHIJ0123456789-abc", false},
           {"abcdefghij0123456789_abc", false},
           {"abcdefghij0123456789-abcd", false},
       }},
  };
  return cases;
}

void CollectPatterns(const Shape* shape, std::set<const Shape*>& seen,
                     std::set<std::string>& patterns) {
  if (shape == nullptr || !seen.insert(shape).second) return;
  if (!shape->pattern_text.empty()) {
    EXPECT_NE(shape->pattern, nullptr) << shape->name;
    patterns.insert(shape->pattern_text);
  }
  for (const auto& member : shape->members) CollectPatterns(member.shape, seen, patterns);
  CollectPatterns(shape->member, seen, patterns);
  CollectPatterns(shape->key, seen, patterns);
  CollectPatterns(shape->value, seen, patterns);
}

TEST(PatternMatcherTest, EveryPatternOfTheModelHasCases) {
  std::set<const Shape*> seen;
  std::set<std::string> patterns;
  for (const auto& operation : ApiModel::Get().operations()) {
    CollectPatterns(ApiModel::Get().Input(operation), seen, patterns);
    CollectPatterns(ApiModel::Get().Output(operation), seen, patterns);
  }
  EXPECT_EQ(patterns.size(), ModelCases().size());
  for (const auto& pattern : patterns) {
    EXPECT_EQ(ModelCases().count(pattern), 1u) << "no cases for the model's pattern " << pattern;
  }
}

TEST(PatternMatcherTest, ModelPatternsAnswerAsStdRegex) {
  for (const auto& [pattern, cases] : ModelCases()) {
    const Reference reference(pattern);
    for (const auto& [text, matches] : cases) {
      EXPECT_EQ(reference.Matches(text), matches)
          << "pattern " << pattern << " on '" << text << "'";
    }
  }
}

// Strings made of pieces of ARNs and numbers, many of them near misses.
TEST(PatternMatcherTest, ModelPatternsAgreeWithStdRegexOnGeneratedStrings) {
  const std::vector<std::string> pieces = {
      "arn", ":",  "aws",          "-cn",      "kinesis",    "stream", "/", "consumer",
      "0",   "1",  "123456789012", "a",        "Z",          "_",      ".", "-",
      " ",   "\n", "\r",           "\xc3\xa9", "abcdefghij", "x"};
  std::mt19937 random(20261208);
  std::uniform_int_distribution<size_t> count(0, 14);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  for (const auto& [pattern, cases] : ModelCases()) {
    const Reference reference(pattern);
    for (int i = 0; i < 3000; ++i) {
      std::string text = (i % 2 == 0) ? "arn:aws" : "";
      for (size_t n = count(random); n > 0; --n) text += pieces[pick(random)];
      reference.Matches(text);
    }
  }
}

// `.`, the escapes and classes on every single byte: `.` is any byte but '\n' and '\r', and the
// classes are the "C" locale's, so a byte of a UTF-8 character is \S and \W.
TEST(PatternMatcherTest, ByteClassesAnswerAsStdRegex) {
  for (const std::string pattern :
       {".", R"(\S)", R"(\s)", R"(\d)", R"(\w)", R"(\D)", R"(\W)", "[^a]", R"([\S])", R"([\d-])",
        R"(\/)", R"(\.)", R"(\-)", R"([a-zA-Z0-9_.-])", R"(\t|\n|\v|\f|\r)"}) {
    const Reference reference(pattern);
    for (int byte = 0; byte < 256; ++byte)
      reference.Matches(std::string(1, static_cast<char>(byte)));
  }
  const Reference dot(".");
  EXPECT_FALSE(dot.Matches("\n"));
  EXPECT_FALSE(dot.Matches("\r"));
  EXPECT_TRUE(dot.Matches(std::string(1, '\0')));
  EXPECT_TRUE(Reference(R"(\S+)").Matches("\xc3\xa9\xe2\x82\xac"));
}

// The syntax beyond the model's own patterns that the matcher accepts, on every string of up to
// five characters over a small alphabet.
TEST(PatternMatcherTest, SupportedSyntaxAnswersAsStdRegex) {
  const std::string alphabet = "abcx-";
  std::vector<std::string> texts = {""};
  for (size_t start = 0, length = 1; length <= 5; ++length) {
    const size_t end = texts.size();
    for (size_t i = start; i < end; ++i) {
      for (char c : alphabet) texts.push_back(texts[i] + c);
    }
    start = end;
  }
  for (const std::string pattern :
       {"a{2,4}", "(ab|c)+x?", "[a-c]*b",     "x{3,}",     "a{0}b", "()*a",   "(a*)*b",
        "^a|b$",  "a|",        "(a|)b",       "[-a]b",     "[a-]",  "a?b?c?", "(a|ab)(c|bcx)",
        "[^ab]c", R"(a\-b)",   "(a{1,2}){2}", "((a|b)x)*", "$",     "^"}) {
    const Reference reference(pattern);
    for (const auto& text : texts) reference.Matches(text);
  }
}

TEST(PatternMatcherTest, RefusesSyntaxItDoesNotSupport) {
  for (const std::string pattern : {"a*?",       "a+?",         "a??",
                                    "a**",       "(?:a)",       "(?=a)",
                                    R"((a)\1)",  R"(\b)",       R"(\B)",
                                    R"(\x41)",   R"(\u0041)",   R"(\ca)",
                                    R"(\0)",     "[[:alpha:]]", "[]",
                                    "[^]",       "[z-a]",       R"([\d-z])",
                                    R"([a-\d])", "[a",          "a{2,1}",
                                    "a{,3}",     "a{1",         "a{x}",
                                    "a{1001}",   "{1}",         "*a",
                                    "+",         "?",           "a)",
                                    "(a",        "]",           "}",
                                    "a$b",       "a^",          "(^a)",
                                    "(a$)",      R"(\)",        "(a{1000}){1000}"}) {
    auto compiled = PatternMatcher::Compile(pattern);
    EXPECT_FALSE(compiled.ok()) << pattern;
    if (!compiled.ok()) {
      EXPECT_EQ(compiled.status().code(), ErrorCode::kInvalidArgument) << pattern;
    }
  }
}

TEST(PatternMatcherTest, ExplainsWhatItRefusesAndWhere) {
  auto compiled = PatternMatcher::Compile("arn:(?:aws)");
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message(),
            "pattern 'arn:(?:aws)' has a '(?' group at offset 4, which the pattern matcher does "
            "not support");
}

std::string Repeated(const std::string& prefix, const std::string& unit, size_t length) {
  std::string text = prefix;
  while (text.size() + unit.size() <= length) text += unit;
  return text;
}

// ARNs of the longest length the model allows, crafted to make a backtracking matcher try each
// way of splitting them among the patterns' `.*`: the matcher's work stays within
// (length + 1) x its size, whatever the text.
TEST(PatternMatcherTest, CraftedArnsCostAtMostLengthTimesPatternSize) {
  const std::vector<std::string> texts = {
      Repeated("arn:aws", ":kinesis:", 2048),
      Repeated("arn:aws:kinesis:", ":", 2048),
      Repeated("arn:aws", ":kinesis::123456789012:", 2048),
      Repeated("arn:aws", ":kinesis::123456789012:stream", 2048),
  };
  for (const std::string& pattern : {kConsumerArn, kResourceArn, kStreamArn}) {
    const PatternMatcher matcher = Reference::Compiled(pattern);
    for (const std::string& crafted : texts) {
      for (const std::string& text : {crafted, crafted + ":123456789012:stream/a/consumer/b:1"}) {
        uint64_t steps = 0;
        const bool matched = matcher.Matches(text, steps);
        EXPECT_EQ(matched, text.back() == '1') << pattern << " on " << text;
        EXPECT_GT(steps, text.size()) << pattern;
        EXPECT_LE(steps, (text.size() + 1) * matcher.size()) << pattern << " on " << text;
      }
    }
  }
}

// The counter counts every state visited: doubling a crafted input about doubles the work
// (linear), where a backtracking matcher's grows with a power of the length.
TEST(PatternMatcherTest, StepsGrowLinearlyWithTheInput) {
  const PatternMatcher matcher = Reference::Compiled(kResourceArn);
  uint64_t short_steps = 0;
  uint64_t long_steps = 0;
  EXPECT_FALSE(matcher.Matches(Repeated("arn:aws", ":kinesis::123456789012:", 1024), short_steps));
  EXPECT_FALSE(matcher.Matches(Repeated("arn:aws", ":kinesis::123456789012:", 2048), long_steps));
  // Within 5% of twice: a quadratic cost would be four times.
  EXPECT_LE(long_steps * 100, short_steps * 205);
}

}  // namespace
}  // namespace sluice::api
