#include "sluice/broker/hash_key.h"

#include <gtest/gtest.h>

namespace sluice::broker {
namespace {

TEST(HashKeyTest, DecimalRoundTripsAtTheEdges) {
  EXPECT_EQ(HashKeyToDecimal(HashKey{0}), "0");
  EXPECT_EQ(HashKeyToDecimal(kMaxHashKey), "340282366920938463463374607431768211455");
  EXPECT_EQ(HashKeyFromDecimal("340282366920938463463374607431768211455"), kMaxHashKey);
  EXPECT_EQ(HashKeyFromDecimal("0"), HashKey{0});
}

TEST(HashKeyTest, RejectsOutOfRangeAndNonDigits) {
  EXPECT_FALSE(HashKeyFromDecimal("340282366920938463463374607431768211456"));  // 2^128
  EXPECT_FALSE(HashKeyFromDecimal("-1"));
  EXPECT_FALSE(HashKeyFromDecimal(""));
  EXPECT_FALSE(HashKeyFromDecimal("12a"));
  EXPECT_FALSE(HashKeyFromDecimal("1000000000000000000000000000000000000000"));
}

TEST(HashKeyTest, PartitionKeyIsMd5BigEndian) {
  EXPECT_EQ(HashKeyToDecimal(HashKeyForPartitionKey("a")),
            "16955237001963240173058271559858726497");
  EXPECT_EQ(HashKeyToDecimal(HashKeyForPartitionKey("partition-1")),
            "198019941650871988756153596255032211816");
  EXPECT_EQ(HashKeyToDecimal(HashKeyForPartitionKey("")),
            "281949768489412648962353822266799178366");
}

TEST(HashKeyTest, TwoShardsSplitWhereAwsDoes) {
  auto ranges = InitialHashKeyRanges(2);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(HashKeyToDecimal(ranges[0].start), "0");
  EXPECT_EQ(HashKeyToDecimal(ranges[0].end), "170141183460469231731687303715884105727");
  EXPECT_EQ(HashKeyToDecimal(ranges[1].start), "170141183460469231731687303715884105728");
  EXPECT_EQ(ranges[1].end, kMaxHashKey);
}

TEST(HashKeyTest, ThreeShardsUseFloorOfTwoTo128OverN) {
  auto ranges = InitialHashKeyRanges(3);
  EXPECT_EQ(HashKeyToDecimal(ranges[1].start), "113427455640312821154458202477256070485");
  EXPECT_EQ(HashKeyToDecimal(ranges[1].end), "226854911280625642308916404954512140969");
  EXPECT_EQ(ranges[2].end, kMaxHashKey);
}

TEST(HashKeyTest, RangesTileTheWholeSpaceForOneToManyShards) {
  for (uint32_t n = 1; n <= 64; ++n) {
    auto ranges = InitialHashKeyRanges(n);
    ASSERT_EQ(ranges.size(), n);
    EXPECT_EQ(ranges.front().start, HashKey{0}) << n;
    EXPECT_EQ(ranges.back().end, kMaxHashKey) << n;
    for (uint32_t i = 1; i < n; ++i) {
      EXPECT_EQ(ranges[i].start, HashKey{ranges[i - 1].end.value() + 1})
          << n << " shards, shard " << i;
    }
  }
}

TEST(HashKeyTest, ContainsIsInclusive) {
  HashKeyRange range{HashKey{10}, HashKey{20}};
  EXPECT_TRUE(range.Contains(HashKey{10}));
  EXPECT_TRUE(range.Contains(HashKey{20}));
  EXPECT_FALSE(range.Contains(HashKey{9}));
  EXPECT_FALSE(range.Contains(HashKey{21}));
}

}  // namespace
}  // namespace sluice::broker
