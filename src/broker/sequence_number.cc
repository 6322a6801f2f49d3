#include "sluice/broker/sequence_number.h"

#include <array>

namespace sluice::broker {
namespace {

__extension__ typedef unsigned __int128 Uint128;

constexpr size_t kHexDigits = 47;
// 16^47 < 10^57, so a sequence number has at most 57 decimal digits (56 in practice).
constexpr size_t kMaxDecimalDigits = 57;

// Converts a big-endian hex digit string to decimal. The 188-bit value is held in three 64-bit
// limbs and divided by 10^19 per step (a 128-by-64-bit division per limb), so a conversion is a
// handful of divisions rather than one per digit pair: it runs for every record a PutRecords or
// GetRecords answer carries.
std::string HexToDecimal(const std::array<uint8_t, kHexDigits>& nibbles) {
  constexpr uint64_t kChunk = 10'000'000'000'000'000'000ULL;  // 10^19 < 2^64
  constexpr int kChunkDigits = 19;
  uint64_t limbs[3] = {0, 0, 0};  // most significant first; 47 nibbles = 188 bits
  for (size_t i = 0; i < kHexDigits; ++i) {
    const size_t from_end = kHexDigits - 1 - i;  // the nibble's position from the right
    limbs[2 - from_end / 16] |= static_cast<uint64_t>(nibbles[i]) << (4 * (from_end % 16));
  }
  uint64_t chunks[4];  // least significant first
  int count = 0;
  do {
    Uint128 remainder = 0;
    for (uint64_t& limb : limbs) {
      Uint128 current = (remainder << 64) | limb;
      limb = static_cast<uint64_t>(current / kChunk);
      remainder = current % kChunk;
    }
    chunks[count++] = static_cast<uint64_t>(remainder);
  } while ((limbs[0] | limbs[1] | limbs[2]) != 0);
  // The most significant chunk without leading zeros, the others zero-padded to 19 digits.
  char digits[4 * kChunkDigits];
  char* end = digits + sizeof(digits);
  char* out = end;
  for (int i = 0; i < count; ++i) {
    uint64_t chunk = chunks[i];
    const bool last = i == count - 1;
    for (int d = 0; d < kChunkDigits && (!last || chunk != 0 || d == 0); ++d) {
      *--out = static_cast<char>('0' + chunk % 10);
      chunk /= 10;
    }
  }
  return std::string(out, end);
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
