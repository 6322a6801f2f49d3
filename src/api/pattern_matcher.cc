#include "api/pattern_matcher.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace sluice::api {
namespace {

using ByteSet = PatternMatcher::ByteSet;
using Instruction = PatternMatcher::Instruction;
using Op = Instruction::Op;

constexpr int kUnbounded = -1;

ByteSet Range(unsigned char first, unsigned char last) {
  ByteSet set;
  for (unsigned c = first; c <= last; ++c) set.set(c);
  return set;
}

ByteSet Byte(unsigned char c) { return Range(c, c); }

// The classes of the "C" locale, which std::regex uses unless a program changes the global one.
ByteSet Digits() { return Range('0', '9'); }
ByteSet WordBytes() { return Range('A', 'Z') | Range('a', 'z') | Digits() | Byte('_'); }
ByteSet SpaceBytes() { return Range('\t', '\r') | Byte(' '); }  // \t \n \v \f \r and ' '
ByteSet AnyButLineEnd() { return ~(Byte('\n') | Byte('\r')); }  // ECMAScript's `.`

// A parsed pattern, before it becomes NFA instructions.
struct Node {
  enum class Kind { kEmpty, kBytes, kConcat, kAlternation, kRepeat };
  Kind kind = Kind::kEmpty;
  ByteSet bytes;               // kBytes
  std::vector<Node> children;  // kConcat, kAlternation; kRepeat has one
  int min = 0;                 // kRepeat
  int max = 0;                 // kRepeat; kUnbounded for `*`, `+` and `{n,}`
};

// A recursive-descent parser of the subset described in pattern_matcher.h. Errors name the
// offending construct and its offset in the pattern.
class Parser {
 public:
  explicit Parser(std::string_view pattern) : pattern_(pattern) {}

  Result<Node> Parse() {
    if (!pattern_.empty() && pattern_[0] == '^') pos_ = 1;  // whole-string matching anyway
    Node node = ParseAlternation();
    if (error_.empty() && pos_ < pattern_.size()) Fail("an unbalanced ')'");
    if (!error_.empty()) return Status(ErrorCode::kInvalidArgument, error_);
    return node;
  }

 private:
  bool AtEnd() const { return pos_ >= pattern_.size(); }
  char Peek() const { return pattern_[pos_]; }

  void Fail(const std::string& what) {
    if (!error_.empty()) return;
    error_ = "pattern '" + std::string(pattern_) + "' has " + what + " at offset " +
             std::to_string(pos_) + ", which the pattern matcher does not support";
  }

  Node ParseAlternation() {
    Node first = ParseConcat();
    if (AtEnd() || Peek() != '|') return first;
    Node node;
    node.kind = Node::Kind::kAlternation;
    node.children.push_back(std::move(first));
    while (error_.empty() && !AtEnd() && Peek() == '|') {
      ++pos_;
      node.children.push_back(ParseConcat());
    }
    return node;
  }

  Node ParseConcat() {
    Node node;
    node.kind = Node::Kind::kConcat;
    while (error_.empty() && !AtEnd() && Peek() != '|' && Peek() != ')') {
      node.children.push_back(ParseRepeat());
    }
    return node;
  }

  Node ParseRepeat() {
    Node atom = ParseAtom();
    if (!error_.empty() || AtEnd()) return atom;
    int min = 0;
    int max = 0;
    switch (Peek()) {
      case '*':
        min = 0, max = kUnbounded, ++pos_;
        break;
      case '+':
        min = 1, max = kUnbounded, ++pos_;
        break;
      case '?':
        min = 0, max = 1, ++pos_;
        break;
      case '{':
        if (!ParseBraces(min, max)) return atom;
        break;
      default:
        return atom;
    }
    if (!AtEnd() && std::string_view("*+?{").find(Peek()) != std::string_view::npos) {
      Fail("a quantifier after a quantifier (non-greedy or nested)");
    }
    Node node;
    node.kind = Node::Kind::kRepeat;
    node.min = min;
    node.max = max;
    node.children.push_back(std::move(atom));
    return node;
  }

  // A decimal count of a `{n,m}` quantifier, at most kMaxRepeat.
  bool ParseCount(int& count) {
    if (AtEnd() || !std::isdigit(static_cast<unsigned char>(Peek()))) return false;
    count = 0;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(Peek()))) {
      count = count * 10 + (Peek() - '0');
      if (count > PatternMatcher::kMaxRepeat) return false;
      ++pos_;
    }
    return true;
  }

  // `{n}`, `{n,}` or `{n,m}` with n <= m; pos_ is at the '{'.
  bool ParseBraces(int& min, int& max) {
    const size_t start = pos_++;
    bool ok = ParseCount(min);
    max = min;
    if (ok && !AtEnd() && Peek() == ',') {
      ++pos_;
      max = kUnbounded;
      if (!AtEnd() && Peek() != '}') ok = ParseCount(max) && max >= min;
    }
    ok = ok && !AtEnd() && Peek() == '}';
    if (!ok) {
      pos_ = start;
      Fail("a '{' that is not a quantifier {n}, {n,} or {n,m} with n <= m <= " +
           std::to_string(PatternMatcher::kMaxRepeat));
      return false;
    }
    ++pos_;
    return true;
  }

  static Node Bytes(const ByteSet& bytes) {
    Node node;
    node.kind = Node::Kind::kBytes;
    node.bytes = bytes;
    return node;
  }

  Node ParseAtom() {
    const char c = Peek();
    switch (c) {
      case '(': {
        if (pos_ + 1 < pattern_.size() && pattern_[pos_ + 1] == '?') {
          Fail("a '(?' group");
          return {};
        }
        ++pos_;
        Node inner = ParseAlternation();
        if (error_.empty() && (AtEnd() || Peek() != ')')) Fail("a '(' without its ')'");
        ++pos_;
        return inner;
      }
      case '[':
        return ParseClass();
      case '.':
        ++pos_;
        return Bytes(AnyButLineEnd());
      case '\\': {
        ByteSet bytes;
        unsigned char byte = 0;
        ParseEscape(bytes, byte);
        return Bytes(bytes);
      }
      case '$':
        if (pos_ + 1 == pattern_.size()) {  // whole-string matching anyway
          ++pos_;
          return {};
        }
        Fail("a '$' that does not end the pattern");
        return {};
      case '^':
        Fail("a '^' that does not start the pattern");
        return {};
      case '*':
      case '+':
      case '?':
      case '{':
        Fail(std::string("a '") + c + "' with nothing to repeat");
        return {};
      case ']':
      case '}':
        Fail(std::string("an unescaped '") + c + "'");
        return {};
      default:
        ++pos_;
        return Bytes(Byte(static_cast<unsigned char>(c)));
    }
  }

  // An escape, pos_ at its backslash, into `bytes`. Returns whether it stands for one byte (then
  // also in `byte`, which a class may use as the end of a range) rather than a class such as \d.
  bool ParseEscape(ByteSet& bytes, unsigned char& byte) {
    ++pos_;
    if (AtEnd()) {
      Fail("a trailing '\\'");
      return false;
    }
    const char c = Peek();
    const auto lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string_view classes = "dDsSwW";
    if (classes.find(c) != std::string_view::npos) {
      ++pos_;
      const ByteSet set = lower == 'd' ? Digits() : lower == 's' ? SpaceBytes() : WordBytes();
      bytes = c == lower ? set : ~set;
      return false;
    }
    const std::string_view controls = "tnvfr";
    if (auto at = controls.find(c); at != std::string_view::npos) {
      ++pos_;
      byte = static_cast<unsigned char>("\t\n\v\f\r"[at]);
      bytes = Byte(byte);
      return true;
    }
    if (static_cast<unsigned char>(c) < 0x80 && std::ispunct(static_cast<unsigned char>(c))) {
      ++pos_;
      byte = static_cast<unsigned char>(c);
      bytes = Byte(byte);
      return true;
    }
    Fail(std::string("the escape '\\") + c + "'");
    return false;
  }

  // One member of a class: a byte (returned in `byte`, true) or a class escape (false).
  bool ParseClassMember(ByteSet& bytes, unsigned char& byte) {
    if (Peek() == '\\') return ParseEscape(bytes, byte);
    if (Peek() == '[') {
      Fail("a '[' inside a class (POSIX classes are not supported)");
      return false;
    }
    byte = static_cast<unsigned char>(Peek());
    bytes = Byte(byte);
    ++pos_;
    return true;
  }

  Node ParseClass() {
    ++pos_;
    const bool negated = !AtEnd() && Peek() == '^';
    if (negated) ++pos_;
    if (!AtEnd() && Peek() == ']') {
      Fail("an empty class '[]'");
      return {};
    }
    ByteSet members;
    while (error_.empty() && !AtEnd() && Peek() != ']') {
      ByteSet bytes;
      unsigned char first = 0;
      const bool single = ParseClassMember(bytes, first);
      if (!error_.empty()) break;
      const bool range = pos_ + 1 < pattern_.size() && Peek() == '-' && pattern_[pos_ + 1] != ']';
      if (!range) {
        members |= bytes;
        continue;
      }
      ++pos_;
      unsigned char last = 0;
      const bool single_last = ParseClassMember(bytes, last);
      if (!error_.empty()) break;
      if (!single || !single_last || first > last || first >= 0x80 || last >= 0x80) {
        Fail("a class range that is not two ASCII bytes in order");
        break;
      }
      members |= Range(first, last);
    }
    if (error_.empty() && AtEnd()) Fail("a '[' without its ']'");
    ++pos_;
    return Bytes(negated ? ~members : members);
  }

  std::string_view pattern_;
  size_t pos_ = 0;
  std::string error_;
};

// Turns a parsed pattern into Thompson NFA instructions (Russ Cox, "Regular Expression Matching
// Can Be Simple And Fast"). Counted repetitions are unrolled: `e{2,4}` becomes e e (e (e)?)?.
class Emitter {
 public:
  Status Emit(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kEmpty:
        return Status::Ok();
      case Node::Kind::kBytes: {
        const uint32_t at = Add({.op = Op::kByte, .set = SetIndex(node.bytes)});
        if (at < program_.size()) program_[at].next = at + 1;
        return Checked();
      }
      case Node::Kind::kConcat:
        for (const Node& child : node.children) SLUICE_RETURN_IF_ERROR(Emit(child));
        return Status::Ok();
      case Node::Kind::kAlternation:
        return EmitAlternation(node.children);
      case Node::Kind::kRepeat:
        return EmitRepeat(node.children.front(), node.min, node.max);
    }
    return Status::Ok();
  }

  Status Finish() {
    Add({.op = Op::kMatch});
    return Checked();
  }

  std::vector<Instruction> TakeProgram() { return std::move(program_); }
  std::vector<ByteSet> TakeSets() { return std::move(sets_); }

 private:
  uint32_t Here() const { return static_cast<uint32_t>(program_.size()); }

  // Appends `instruction` unless the program is already too big (Checked() says so).
  uint32_t Add(Instruction instruction) {
    if (program_.size() >= PatternMatcher::kMaxProgramSize) {
      too_big_ = true;
      return Here();
    }
    program_.push_back(instruction);
    return Here() - 1;
  }

  Status Checked() const {
    if (!too_big_) return Status::Ok();
    return Status(ErrorCode::kInvalidArgument, "pattern compiles to more than " +
                                                   std::to_string(PatternMatcher::kMaxProgramSize) +
                                                   " NFA states");
  }

  // Patches the instruction at `at`, which may not exist when the program grew too big.
  void SetNext(uint32_t at, uint32_t target) {
    if (at < program_.size()) program_[at].next = target;
  }
  void SetAlternative(uint32_t at, uint32_t target) {
    if (at < program_.size()) program_[at].alternative = target;
  }

  uint32_t SetIndex(const ByteSet& bytes) {
    auto it = std::find(sets_.begin(), sets_.end(), bytes);
    if (it != sets_.end()) return static_cast<uint32_t>(it - sets_.begin());
    sets_.push_back(bytes);
    return static_cast<uint32_t>(sets_.size() - 1);
  }

  // split(a, split(b, c)): each choice but the last jumps to the end once matched.
  Status EmitAlternation(const std::vector<Node>& choices) {
    std::vector<uint32_t> jumps;
    for (size_t i = 0; i < choices.size(); ++i) {
      if (i + 1 == choices.size()) {
        SLUICE_RETURN_IF_ERROR(Emit(choices[i]));
        break;
      }
      const uint32_t split = Add({.op = Op::kSplit});
      SetNext(split, split + 1);
      SLUICE_RETURN_IF_ERROR(Emit(choices[i]));
      jumps.push_back(Add({.op = Op::kJump}));
      SetAlternative(split, Here());
      SLUICE_RETURN_IF_ERROR(Checked());
    }
    for (uint32_t jump : jumps) SetNext(jump, Here());
    return Checked();
  }

  Status EmitRepeat(const Node& item, int min, int max) {
    for (int i = 0; i < min; ++i) SLUICE_RETURN_IF_ERROR(Emit(item));
    if (max == kUnbounded) {  // loop: split(item then back here, out)
      const uint32_t loop = Add({.op = Op::kSplit});
      SetNext(loop, loop + 1);
      SLUICE_RETURN_IF_ERROR(Emit(item));
      const uint32_t back = Add({.op = Op::kJump});
      SetNext(back, loop);
      SetAlternative(loop, Here());
      return Checked();
    }
    std::vector<uint32_t> splits;  // each optional copy may be skipped, with all after it
    for (int i = min; i < max; ++i) {
      const uint32_t split = Add({.op = Op::kSplit});
      SetNext(split, split + 1);
      splits.push_back(split);
      SLUICE_RETURN_IF_ERROR(Emit(item));
    }
    for (uint32_t split : splits) SetAlternative(split, Here());
    return Checked();
  }

  std::vector<Instruction> program_;
  std::vector<ByteSet> sets_;
  bool too_big_ = false;
};

}  // namespace

Result<PatternMatcher> PatternMatcher::Compile(std::string_view pattern) {
  Result<Node> parsed = Parser(pattern).Parse();
  if (!parsed.ok()) return parsed.status();
  Emitter emitter;
  SLUICE_RETURN_IF_ERROR(emitter.Emit(*parsed));
  SLUICE_RETURN_IF_ERROR(emitter.Finish());
  return PatternMatcher(emitter.TakeProgram(), emitter.TakeSets());
}

bool PatternMatcher::Matches(std::string_view text) const { return Run(text, nullptr); }

bool PatternMatcher::Matches(std::string_view text, uint64_t& steps) const {
  return Run(text, &steps);
}

// The Pike VM: `current` holds the byte-consuming (and match) states reachable after the bytes
// read so far, each once; following splits and jumps from a state is its closure. A state is
// visited at most once per input position (`visited_at`), which bounds the work.
bool PatternMatcher::Run(std::string_view text, uint64_t* steps) const {
  std::vector<uint32_t> current;
  std::vector<uint32_t> next;
  std::vector<uint32_t> pending;
  std::vector<size_t> visited_at(program_.size(), 0);  // 1 + the position, 0 for never
  uint64_t visits = 0;

  auto add_closure = [&](uint32_t start, size_t generation, std::vector<uint32_t>& states) {
    pending.push_back(start);
    while (!pending.empty()) {
      const uint32_t pc = pending.back();
      pending.pop_back();
      if (visited_at[pc] == generation) continue;
      visited_at[pc] = generation;
      ++visits;
      const Instruction& instruction = program_[pc];
      switch (instruction.op) {
        case Op::kSplit:
          pending.push_back(instruction.alternative);
          pending.push_back(instruction.next);
          break;
        case Op::kJump:
          pending.push_back(instruction.next);
          break;
        case Op::kByte:
        case Op::kMatch:
          states.push_back(pc);
          break;
      }
    }
  };

  add_closure(0, 1, current);
  size_t position = 0;
  for (; position < text.size() && !current.empty(); ++position) {
    const auto byte = static_cast<unsigned char>(text[position]);
    next.clear();
    for (uint32_t pc : current) {
      const Instruction& instruction = program_[pc];
      if (instruction.op == Op::kByte && sets_[instruction.set].test(byte)) {
        add_closure(instruction.next, position + 2, next);
      }
    }
    current.swap(next);
  }
  if (steps != nullptr) *steps += visits;
  return position == text.size() && std::any_of(current.begin(), current.end(), [&](uint32_t pc) {
           return program_[pc].op == Op::kMatch;
         });
}

}  // namespace sluice::api
