#include "sluice/broker/sequence_number.h"

#include <array>

namespace sluice::broker {
namespace {

constexpr size_t kHexDigits = 47;
// 16^47 < 10^57, so a sequence number has at most 57 decimal digits (56 in practice).
constexpr size_t kMaxDecimalDigits = 57;

// Converts a big-endian hex digit string to decimal by repeated division of the digit array.
std::string HexToDecimal(std::array<uint8_t, kHexDigits> nibbles) {
  std::string decimal;
  size_t first = 0;
  while (first < nibbles.size()) {
    unsigned remainder = 0;
    for (size_t i = first; i < nibbles.size(); ++i) {
      unsigned current = remainder * 16 + nibbles[i];
      nibbles[i] = static_cast<uint8_t>(current / 10);
      remainder = current % 10;
    }
    decimal.push_back(static_cast<char>('0' + remainder));
    while (first < nibbles.size() && nibbles[first] == 0) ++first;
  }
  return {decimal.rbegin(), decimal.rend()};
}

// Converts decimal text to exactly 47 hex digits; false if it has other characters or overflows.
bool DecimalToHex(std::string_view text, std::array<uint8_t, kHexDigits>& nibbles) {
  nibbles.fill(0);
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    unsigned carry = static_cast<unsigned>(c - '0');
    for (size_t i = kHexDigits; i-- > 0;) {
      unsigned current = nibbles[i] * 10u + carry;
      nibbles[i] = static_cast<uint8_t>(current & 0xf);
      carry = current >> 4;
    }
    if (carry != 0) return false;
  }
  return true;
}

void PutHex(std::array<uint8_t, kHexDigits>& nibbles, size_t offset, size_t width, uint64_t value) {
  for (size_t i = 0; i < width; ++i) {
    nibbles[offset + width - 1 - i] = static_cast<uint8_t>(value & 0xf);
    value >>= 4;
  }
}

uint64_t GetHex(const std::array<uint8_t, kHexDigits>& nibbles, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value = (value << 4) | nibbles[offset + i];
  return value;
}

}  // namespace

std::string SequenceNumber::ToString() const {
  std::array<uint8_t, kHexDigits> nibbles{};
  nibbles[0] = 2;
  PutHex(nibbles, 1, 9, static_cast<uint64_t>(shard_created_s));
  PutHex(nibbles, 10, 1, shard_index.value() & 0xf);
  PutHex(nibbles, 11, 16, seq_index);
  PutHex(nibbles, 27, 2, 0);
  PutHex(nibbles, 29, 9, static_cast<uint64_t>(arrival_s));
  PutHex(nibbles, 38, 8, shard_index.value());
  nibbles[46] = 2;
  return HexToDecimal(nibbles);
}

std::optional<SequenceNumber> SequenceNumber::Parse(std::string_view text) {
  if (text.empty() || text.size() > kMaxDecimalDigits) return std::nullopt;
  std::array<uint8_t, kHexDigits> nibbles{};
  if (!DecimalToHex(text, nibbles)) return std::nullopt;
  if (nibbles[0] != 2 || nibbles[46] != 2 || GetHex(nibbles, 27, 2) != 0) return std::nullopt;
  SequenceNumber parsed;
  parsed.shard_created_s = static_cast<int64_t>(GetHex(nibbles, 1, 9));
  parsed.seq_index = GetHex(nibbles, 11, 16);
  parsed.arrival_s = static_cast<int64_t>(GetHex(nibbles, 29, 9));
  parsed.shard_index = ShardIndex{static_cast<uint32_t>(GetHex(nibbles, 38, 8))};
  if ((parsed.shard_index.value() & 0xf) != GetHex(nibbles, 10, 1)) return std::nullopt;
  if (parsed.seq_index > kMaxSeqIndex) return std::nullopt;
  return parsed;
}

}  // namespace sluice::broker
