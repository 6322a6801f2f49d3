#include "protocol/cbor_writer.h"

#include <bit>
#include <cmath>
#include <limits>

#include "protocol/utf8.h"

namespace sluice::protocol {
namespace {

void BigEndian(std::string& out, uint64_t value, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

}  // namespace

void CborWriter::Head(CborMajor major, uint64_t argument) {
  const auto type = static_cast<uint8_t>(static_cast<uint8_t>(major) << 5);
  if (argument < 24) {
    out_.push_back(static_cast<char>(type | argument));
  } else if (argument <= 0xff) {
    out_.push_back(static_cast<char>(type | 24));
    BigEndian(out_, argument, 1);
  } else if (argument <= 0xffff) {
    out_.push_back(static_cast<char>(type | 25));
    BigEndian(out_, argument, 2);
  } else if (argument <= 0xffffffff) {
    out_.push_back(static_cast<char>(type | 26));
    BigEndian(out_, argument, 4);
  } else {
    out_.push_back(static_cast<char>(type | 27));
    BigEndian(out_, argument, 8);
  }
}

void CborWriter::Integer(int64_t value) {
  if (value >= 0) {
    Head(CborMajor::kUnsigned, static_cast<uint64_t>(value));
  } else {
    // -1 - value, computed without overflowing at INT64_MIN.
    Head(CborMajor::kNegative, ~static_cast<uint64_t>(value));
  }
}

void CborWriter::Float(double value) {
  // Finite doubles past float's range are checked first: converting them would be undefined.
  const bool fits =
      !std::isfinite(value) || (std::fabs(value) <= std::numeric_limits<float>::max() &&
                                static_cast<double>(static_cast<float>(value)) == value);
  if (fits) {
    out_.push_back(static_cast<char>(0xe0 | kCborSingle));
    BigEndian(out_, std::bit_cast<uint32_t>(static_cast<float>(value)), 4);
  } else {
    out_.push_back(static_cast<char>(0xe0 | kCborDouble));
    BigEndian(out_, std::bit_cast<uint64_t>(value), 8);
  }
}

void CborWriter::Boolean(bool value) {
  out_.push_back(static_cast<char>(0xe0 | (value ? kCborTrue : kCborFalse)));
}

void CborWriter::Null() { out_.push_back(static_cast<char>(0xe0 | kCborNull)); }

void CborWriter::Text(std::string_view text) {
  if (IsValidUtf8(text)) {
    Head(CborMajor::kText, text.size());
    out_.append(text);
    return;
  }
  std::string valid = WithValidUtf8(text);
  Head(CborMajor::kText, valid.size());
  out_.append(valid);
}

void CborWriter::Bytes(std::span<const uint8_t> bytes) {
  Head(CborMajor::kBytes, bytes.size());
  out_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace sluice::protocol
