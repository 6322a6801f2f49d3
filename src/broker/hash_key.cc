#include "sluice/broker/hash_key.h"

#include <algorithm>
#include <stdexcept>

#include <openssl/evp.h>

namespace sluice::broker {
namespace {

constexpr Uint128 kMax = kMaxHashKey.value();

}  // namespace

std::string HashKeyToDecimal(HashKey hash_key) {
  Uint128 key = hash_key.value();
  if (key == 0) return "0";
  std::string digits;
  while (key != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(key % 10)));
    key /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::optional<HashKey> HashKeyFromDecimal(std::string_view text) {
  if (text.empty() || text.size() > 39) return std::nullopt;
  Uint128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    Uint128 digit = static_cast<Uint128>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;  // would pass 2^128 - 1
    value = value * 10 + digit;
  }
  return HashKey{value};
}

HashKey HashKeyForPartitionKey(std::string_view partition_key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(partition_key.data(), partition_key.size(), digest, &length, EVP_md5(), nullptr) !=
          1 ||
      length != 16) {
    // Only an allocation failure inside OpenSSL gets here; there is no shard to pick without
    // the hash. The request handler turns the exception into an InternalFailure answer.
    throw std::runtime_error("MD5 of a partition key failed");
  }
  Uint128 key = 0;
  for (unsigned int i = 0; i < 16; ++i) key = (key << 8) | digest[i];
  return HashKey{key};
}

std::vector<HashKeyRange> InitialHashKeyRanges(uint32_t shard_count) {
  std::vector<HashKeyRange> ranges;
  if (shard_count == 0) return ranges;
  // floor(2^128 / n) without a 129-bit type: (2^128 - 1) / n, plus one when n divides 2^128.
  Uint128 width = kMax / shard_count;
  if (kMax % shard_count == shard_count - 1) ++width;
  ranges.reserve(shard_count);
  for (uint32_t i = 0; i < shard_count; ++i) {
    Uint128 start = width * i;
    Uint128 end = (i + 1 == shard_count) ? kMax : width * (i + 1) - 1;
    ranges.push_back({HashKey{start}, HashKey{end}});
  }
  return ranges;
}

HashKey KeyBefore(HashKey key) { return HashKey{key.value() - 1}; }

bool CanSplitAt(HashKeyRange range, HashKey new_start) {
  return range.start.value() < kMax - 1 && new_start.value() > range.start.value() + 1 &&
         new_start < range.end;
}

bool AreAdjacent(HashKeyRange lower, HashKeyRange upper) {
  return lower.end.value() != kMax && lower.end.value() + 1 == upper.start.value();
}

std::vector<HashKey> UniformTargetStarts(const std::vector<HashKey>& current_starts,
                                         uint32_t target) {
  std::vector<HashKey> starts;
  for (const auto& range : InitialHashKeyRanges(target)) starts.push_back(range.start);
  if (target == 0) return starts;
  const Uint128 tolerance = kMax / target / 1024;
  for (size_t i = 1; i < starts.size(); ++i) {
    const Uint128 ideal = starts[i].value();
    Uint128 best_distance = tolerance + 1;
    for (HashKey current : current_starts) {
      const Uint128 c = current.value();
      const Uint128 distance = c > ideal ? c - ideal : ideal - c;
      if (c != 0 && distance < best_distance) {
        best_distance = distance;
        starts[i] = current;
      }
    }
  }
  return starts;
}

}  // namespace sluice::broker
