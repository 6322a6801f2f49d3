#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/broker/shard_index.h"

namespace sluice::broker {

// The parts of a Kinesis sequence number. The only place that knows the 56-digit decimal
// format is sequence_number.cc; everything else handles this struct.
//
// Written in hex the number has 47 digits:
//   2 | shard creation time (s, 9 hex) | shard index & 0xf (1) | seq index (16) | 00 |
//   arrival time (s, 9 hex) | shard index (8) | 2
// so numbers of one shard order by seq index, which is what clients compare.
struct SequenceNumber {
  int64_t shard_created_s = 0;
  ShardIndex shard_index;
  uint64_t seq_index = 0;  // at most kMaxSeqIndex
  int64_t arrival_s = 0;

  std::string ToString() const;
  // nullopt for anything that is not a well-formed version-2 sequence number.
  static std::optional<SequenceNumber> Parse(std::string_view text);
};

// The index AWS puts in a closed shard's EndingSequenceNumber.
inline constexpr uint64_t kMaxSeqIndex = 0x7fffffffffffffffULL;

}  // namespace sluice::broker
