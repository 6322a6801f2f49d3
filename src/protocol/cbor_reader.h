#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::protocol {

// The major types of RFC 8949, section 3.1.
enum class CborMajor : uint8_t {
  kUnsigned = 0,
  kNegative = 1,
  kBytes = 2,
  kText = 3,
  kArray = 4,
  kMap = 5,
  kTag = 6,
  kSimple = 7,  // simple values, floats and the break code
};

// The simple values and float sizes of major type 7 that the codecs tell apart.
inline constexpr uint8_t kCborFalse = 20;
inline constexpr uint8_t kCborTrue = 21;
inline constexpr uint8_t kCborNull = 22;
inline constexpr uint8_t kCborUndefined = 23;
inline constexpr uint8_t kCborHalf = 25;    // additional info of a half-precision float
inline constexpr uint8_t kCborSingle = 26;  // ... single precision
inline constexpr uint8_t kCborDouble = 27;  // ... double precision

// How deep arrays, maps and tags may nest; deeper input is refused rather than followed, so a
// body cannot exhaust the stack. Kinesis requests nest four levels at most.
inline constexpr int kCborMaxDepth = 64;

// The head of one data item: its initial byte and the argument that follows it.
struct CborHead {
  CborMajor major = CborMajor::kUnsigned;
  uint8_t info = 0;         // additional information: the low five bits of the initial byte
  uint64_t argument = 0;    // value, length, count, tag number, simple value or float bits
  bool indefinite = false;  // a string, array or map of indefinite length (info 31)

  bool IsBreak() const { return major == CborMajor::kSimple && info == 31; }
  bool IsNull() const {
    return major == CborMajor::kSimple && (info == kCborNull || info == kCborUndefined);
  }
  bool IsBoolean() const {
    return major == CborMajor::kSimple && (info == kCborFalse || info == kCborTrue);
  }
  bool IsFloat() const {
    return major == CborMajor::kSimple && info >= kCborHalf && info <= kCborDouble;
  }
  bool IsInteger() const { return major == CborMajor::kUnsigned || major == CborMajor::kNegative; }
};

// The value of a float head (half, single or double precision).
double CborFloatValue(const CborHead& head);

// Reads CBOR (RFC 8949) data items from a buffer it does not own, one head at a time, for the
// codec's walk along a model shape. Every read checks bounds before it looks: a truncated item, a
// length past the end of the input, a reserved additional-information value (28-30), a break
// code outside an indefinite-length item or nesting past kCborMaxDepth is a SerializationException
// saying so, never a read past the end, and nothing is allocated that the input cannot back.
//
// Not thread-safe; one reader per body.
class CborReader {
 public:
  explicit CborReader(std::string_view data) : data_(data) {}
  // The reader keeps a view of its input: a temporary string would be gone before it is read.
  explicit CborReader(std::string&&) = delete;

  size_t position() const { return position_; }
  // Moves to `position`, an offset a previous position() returned: the codec revisits the
  // members of a structure in model order after finding them in body order.
  void Seek(size_t position) { position_ = position; }
  bool AtEnd() const { return position_ >= data_.size(); }

  // The head of the next item. A break code comes back as such (IsBreak): only the reader of
  // an indefinite-length item may accept it.
  Result<CborHead> ReadHead();
  // Whether the next byte is the break code (false at the end of the input).
  bool AtBreak() const;

  // The content of the string whose head was just read, definite or in chunks of the same major
  // type, appended to `out`.
  Status ReadText(const CborHead& head, std::string& out);
  Status ReadBytes(const CborHead& head, std::vector<uint8_t>& out);

  // Skips the rest of the item whose head was just read, and everything nested in it, checking
  // that it is well-formed; `depth` is the item's own nesting depth (1 for the top item).
  Status SkipRest(const CborHead& head, int depth);
  // Skips one whole item at nesting depth `depth`.
  Status Skip(int depth);

 private:
  // Hands each definite run of the string to `append`.
  template <typename Append>
  Status ReadString(const CborHead& head, Append append);
  // A definite-length run of `length` bytes at the current position.
  Result<std::string_view> Take(uint64_t length);

  std::string_view data_;
  size_t position_ = 0;
};

// A SerializationException for malformed CBOR.
Status CborError(std::string message);

}  // namespace sluice::protocol
