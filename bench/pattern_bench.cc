// Times the API model's ARN patterns on normal ARNs and on crafted 2 KB ones, with std::regex
// (what the validator used before) and with api::PatternMatcher (what it uses now). A command-line
// measurement for docs/benchmarks.md, not a test: `build/<dir>/sluice-patternbench`.
//
// Each line: the input, then the mean wall time of one whole-string match for each matcher, over
// enough repetitions to last about a second (single-threaded, so about its CPU time on an idle
// core).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "api/pattern_matcher.h"

namespace {

using Clock = std::chrono::steady_clock;

// The mean time of one call of `match`, in microseconds, and its answer.
double MeanMicros(const std::function<bool()>& match, bool& answer) {
  answer = match();  // warm up, and the answer to print
  int repetitions = 0;
  const auto start = Clock::now();
  auto elapsed = Clock::duration::zero();
  while (elapsed < std::chrono::seconds(1)) {
    if (match() != answer) std::abort();
    ++repetitions;
    elapsed = Clock::now() - start;
  }
  return std::chrono::duration<double, std::micro>(elapsed).count() / repetitions;
}

std::string Repeated(const std::string& prefix, const std::string& unit, size_t length) {
  std::string text = prefix;
  while (text.size() + unit.size() <= length) text += unit;
  return text;
}

}  // namespace

int main() {
  struct Input {
    const char* name;
    std::string text;
  };
  const std::vector<std::string> patterns = {
      R"(arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+)",  // ResourceARN
      R"(arn:aws.*:kinesis:.*:\d{12}:stream/\S+)",    // StreamARN
      R"(^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+)",
  };
  const std::vector<Input> inputs = {
      {"normal stream ARN", "arn:aws:kinesis:us-east-1:123456789012:stream/orders"},
      {"normal consumer ARN",
       "arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/app:1700000000"},
      {"arn:aws + ':kinesis:' x N", Repeated("arn:aws", ":kinesis:", 2048)},
      {"arn:aws:kinesis: + ':' x N", Repeated("arn:aws:kinesis:", ":", 2048)},
      {"arn:aws + ':kinesis::123456789012:' x N",
       Repeated("arn:aws", ":kinesis::123456789012:", 2048)},
      {"arn:aws + ':kinesis::123456789012:stream' x N",
       Repeated("arn:aws", ":kinesis::123456789012:stream", 2048)},
  };
  for (const auto& pattern : patterns) {
    const std::regex regex(pattern, std::regex::ECMAScript | std::regex::optimize);
    auto compiled = sluice::api::PatternMatcher::Compile(pattern);
    if (!compiled.ok()) {
      std::fprintf(stderr, "%s\n", compiled.status().message().c_str());
      return 1;
    }
    const sluice::api::PatternMatcher& matcher = *compiled;
    std::printf("\npattern %s (%zu NFA states)\n", pattern.c_str(), matcher.size());
    std::printf("%-46s %6s %14s %12s %8s\n", "input", "bytes", "std::regex us", "matcher us",
                "matches");
    for (const auto& input : inputs) {
      bool regex_answer = false;
      bool matcher_answer = false;
      const double regex_us =
          MeanMicros([&] { return std::regex_match(input.text, regex); }, regex_answer);
      const double matcher_us =
          MeanMicros([&] { return matcher.Matches(input.text); }, matcher_answer);
      if (regex_answer != matcher_answer) {
        std::fprintf(stderr, "the matchers disagree on %s\n", input.name);
        return 1;
      }
      std::printf("%-46s %6zu %14.1f %12.1f %8s\n", input.name, input.text.size(), regex_us,
                  matcher_us, matcher_answer ? "yes" : "no");
    }
  }
  return 0;
}
