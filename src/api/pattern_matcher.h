#pragma once

#include <bitset>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::api {

// Whole-string matching of the `pattern` constraints of the API model, in time linear in the
// input.
//
// Why not std::regex: it backtracks, and the model's ARN patterns
// (`arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+`, strings up to 2048 characters) have several `.*`
// that can split a crafted ARN in quadratically many ways, so one request could cost the broker
// a tenth of a second of CPU (a second under ASan). Here a pattern is compiled once, when the
// model loads, into a Thompson NFA, and a match runs it as a Pike VM without captures: the set of
// NFA states live after each input byte, each state visited at most once per byte. The cost is
// therefore at most (text length + 1) x size() steps, whatever the text.
//
// The answers are those of std::regex_match with std::regex::ECMAScript in the "C" locale, byte
// by byte (a UTF-8 character is several bytes, as std::regex sees it): `.` is any byte but '\n'
// and '\r'; `\d` is [0-9], `\w` [A-Za-z0-9_], `\s` [\t\n\v\f\r ]; `\D`, `\W`, `\S` their
// complements (so `\S` matches every byte >= 0x80).
//
// Only the syntax the model uses is accepted, and anything else is refused by Compile, so an
// updated model with a new construct fails when it loads rather than matching wrongly: literal
// bytes; the escapes above, the control escapes \t \n \v \f \r and a backslash before any
// punctuation (`\/`, `\.`); `.`; classes `[...]` and `[^...]` with ranges and the escapes above;
// groups `( )`; alternation `|`; the quantifiers `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`; a `^`
// first and a `$` last in the pattern (which say nothing more for a whole-string match).
// Refused among others: non-greedy quantifiers, `(?`, backreferences, `\b`, `\x`/`\u`, POSIX
// classes, and `^` or `$` anywhere else.
class PatternMatcher {
 public:
  // The compiled `pattern`, or kInvalidArgument naming the construct it does not support and
  // where.
  static Result<PatternMatcher> Compile(std::string_view pattern);

  // Whether the whole of `text` matches, as std::regex_match would answer.
  bool Matches(std::string_view text) const;
  // The same, adding to `steps` the number of NFA states visited: at most
  // (text.size() + 1) * size(). Lets tests observe the cost without timing it.
  bool Matches(std::string_view text, uint64_t& steps) const;

  // The number of NFA states (instructions) of the compiled pattern.
  size_t size() const { return program_.size(); }

  // Bounds on what Compile accepts, so that a pattern cannot make a huge program.
  static constexpr int kMaxRepeat = 1000;
  static constexpr size_t kMaxProgramSize = 20000;

  using ByteSet = std::bitset<256>;
  struct Instruction {
    enum class Op : uint8_t {
      kByte,   // consume one byte in sets[set], then go on at the next instruction
      kSplit,  // go on at both `next` and `alternative`
      kJump,   // go on at `next`
      kMatch,  // the pattern matched, if the input ends here
    };
    Op op = Op::kMatch;
    uint32_t next = 0;
    uint32_t alternative = 0;
    uint32_t set = 0;
  };

 private:
  PatternMatcher(std::vector<Instruction> program, std::vector<ByteSet> sets)
      : program_(std::move(program)), sets_(std::move(sets)) {}

  bool Run(std::string_view text, uint64_t* steps) const;

  std::vector<Instruction> program_;  // starts at 0
  std::vector<ByteSet> sets_;         // the byte sets that kByte instructions consume
};

}  // namespace sluice::api
