// UpdateShardCount's plan (PlanUniformScaling) and the hash-key rules of SplitShard and
// MergeShards, without a broker.
#include <gtest/gtest.h>

#include "broker/reshard_plan.h"

namespace sluice::broker {
namespace {

StreamInfo UniformStream(uint32_t shards) {
  StreamInfo info;
  info.name = "s";
  auto ranges = InitialHashKeyRanges(shards);
  for (uint32_t i = 0; i < shards; ++i) {
    ShardInfo shard;
    shard.index = ShardIndex{i};
    shard.range = ranges[i];
    info.shards.push_back(shard);
  }
  return info;
}

std::vector<HashKeyRange> OpenRanges(const StreamInfo& info) {
  std::vector<HashKeyRange> ranges;
  for (const auto& shard : info.shards) {
    if (shard.open()) ranges.push_back(shard.range);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const HashKeyRange& a, const HashKeyRange& b) { return a.start < b.start; });
  return ranges;
}

// The open shards cover the hash-key space once, without gaps; every child has one parent (a
// split) or two (a merge), each made before it.
void ExpectWellFormed(const StreamInfo& info) {
  auto ranges = OpenRanges(info);
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front().start, HashKey{0});
  EXPECT_EQ(ranges.back().end, kMaxHashKey);
  for (size_t i = 1; i < ranges.size(); ++i) EXPECT_TRUE(AreAdjacent(ranges[i - 1], ranges[i]));
  for (const auto& shard : info.shards) {
    if (shard.parent) {
      EXPECT_LT(shard.parent->value(), shard.index.value());
      EXPECT_FALSE(info.shards[shard.parent->value()].open());
    }
    if (shard.adjacent_parent) {
      EXPECT_TRUE(shard.parent.has_value());
      EXPECT_LT(shard.adjacent_parent->value(), shard.index.value());
    }
  }
}

size_t Count(const StreamInfo& info, bool merges) {
  size_t count = 0;
  for (const auto& shard : info.shards) {
    if (!shard.parent) continue;
    if (shard.adjacent_parent.has_value() == merges) ++count;
  }
  return merges ? count : count / 2;  // a split makes two children
}

TEST(ReshardPlan, DoublingAUniformStreamSplitsEachShardOnce) {
  for (uint32_t n : {1u, 2u, 3u, 4u, 5u, 7u, 16u}) {
    StreamInfo info = UniformStream(n);
    ASSERT_TRUE(PlanUniformScaling(info, 2 * n, 1000).ok()) << n;
    ExpectWellFormed(info);
    EXPECT_EQ(info.OpenShardCount(), 2 * n);
    EXPECT_EQ(Count(info, false), n) << n;
    EXPECT_EQ(Count(info, true), 0u) << n;
    EXPECT_EQ(info.shards.size(), 3 * n) << "no short-lived shards";
  }
  StreamInfo four = UniformStream(4);
  ASSERT_TRUE(PlanUniformScaling(four, 8, 1000).ok());
  auto want = InitialHashKeyRanges(8);
  auto got = OpenRanges(four);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].start, want[i].start);
    EXPECT_EQ(got[i].end, want[i].end);
  }
}

TEST(ReshardPlan, HalvingAUniformStreamMergesEachPairOnce) {
  for (uint32_t n : {2u, 4u, 6u, 16u}) {
    StreamInfo info = UniformStream(n);
    ASSERT_TRUE(PlanUniformScaling(info, n / 2, 1000).ok()) << n;
    ExpectWellFormed(info);
    EXPECT_EQ(info.OpenShardCount(), n / 2);
    EXPECT_EQ(Count(info, true), n / 2) << n;
    EXPECT_EQ(Count(info, false), 0u) << n;
  }
}

TEST(ReshardPlan, AnyTargetWithinTheLimitsEndsAtEqualRanges) {
  for (uint32_t n = 1; n <= 12; ++n) {
    for (uint32_t target = (n + 1) / 2; target <= 2 * n; ++target) {
      StreamInfo info = UniformStream(n);
      ASSERT_TRUE(PlanUniformScaling(info, target, 1000).ok()) << n << "->" << target;
      ExpectWellFormed(info);
      auto ranges = OpenRanges(info);
      ASSERT_EQ(ranges.size(), target);
      // Each open range starts within 1/1024 of a range's width of where an exact share would.
      auto ideal = InitialHashKeyRanges(target);
      const Uint128 tolerance = kMaxHashKey.value() / target / 1024;
      for (size_t i = 0; i < target; ++i) {
        const Uint128 a = ranges[i].start.value();
        const Uint128 b = ideal[i].start.value();
        EXPECT_LE(a > b ? a - b : b - a, tolerance) << n << "->" << target << " #" << i;
      }
    }
  }
}

TEST(ReshardPlan, ShortLivedShardsAreClosedAtOnceWithTwoParentsAtMost) {
  StreamInfo info = UniformStream(3);
  ASSERT_TRUE(PlanUniformScaling(info, 4, 1000).ok());
  ExpectWellFormed(info);
  EXPECT_EQ(info.OpenShardCount(), 4u);
  for (const auto& shard : info.shards) {
    if (shard.index.value() < 3) continue;
    EXPECT_EQ(shard.created_ms, 1000);
    if (!shard.open()) {
      EXPECT_EQ(*shard.closed_ms, 1000);  // short-lived
    }
  }
}

TEST(ReshardPlan, SplitAndMergeRules) {
  const HashKeyRange range{HashKey{10}, HashKey{20}};
  EXPECT_FALSE(CanSplitAt(range, HashKey{10}));
  EXPECT_FALSE(CanSplitAt(range, HashKey{11}));  // not greater than one plus the start
  EXPECT_TRUE(CanSplitAt(range, HashKey{12}));
  EXPECT_TRUE(CanSplitAt(range, HashKey{19}));
  EXPECT_FALSE(CanSplitAt(range, HashKey{20}));  // not less than the end
  EXPECT_FALSE(CanSplitAt(range, HashKey{21}));
  EXPECT_TRUE(AreAdjacent({HashKey{0}, HashKey{9}}, range));
  EXPECT_FALSE(AreAdjacent(range, {HashKey{0}, HashKey{9}}));
  EXPECT_FALSE(AreAdjacent({HashKey{0}, HashKey{8}}, range));
  EXPECT_FALSE(AreAdjacent({HashKey{0}, kMaxHashKey}, {HashKey{0}, kMaxHashKey}));

  StreamInfo info = UniformStream(2);
  ReshardEditor editor(info, 5000);
  auto [lower, upper] = editor.Split(ShardIndex{0}, HashKey{1000});
  EXPECT_EQ(lower, ShardIndex{2});
  EXPECT_EQ(upper, ShardIndex{3});
  EXPECT_EQ(info.shards[2].range.end, HashKey{999});
  EXPECT_EQ(info.shards[3].range.start, HashKey{1000});
  EXPECT_EQ(*info.shards[0].closed_ms, 5000);
  ShardIndex merged = editor.Merge(ShardIndex{1}, ShardIndex{3});  // upper first: either order
  EXPECT_EQ(merged, ShardIndex{4});
  EXPECT_EQ(info.shards[4].range.start, HashKey{1000});
  EXPECT_EQ(info.shards[4].range.end, kMaxHashKey);
  EXPECT_EQ(*info.shards[4].parent, ShardIndex{1});
  EXPECT_EQ(*info.shards[4].adjacent_parent, ShardIndex{3});
  auto children = ChildShardsOf(info, ShardIndex{3});
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].shard_index, ShardIndex{4});
  EXPECT_EQ(children[0].parent_shards, (std::vector<ShardIndex>{ShardIndex{1}, ShardIndex{3}}));
}

// Closed shards, their ends and their parents survive the persisted form.
TEST(ReshardPlan, ReshardedMetadataRoundTrips) {
  StreamInfo info = UniformStream(2);
  info.account = "000000000000";
  info.region = "us-east-1";
  ReshardEditor editor(info, 5000);
  editor.Split(ShardIndex{0}, HashKey{1000});
  editor.Merge(ShardIndex{3}, ShardIndex{1});
  info.shards[0].closed_at_seq = 41;
  auto decoded = DecodeStreamInfo(EncodeStreamInfo(info));
  ASSERT_TRUE(decoded.has_value());
  ASSERT_EQ(decoded->shards.size(), info.shards.size());
  for (size_t i = 0; i < info.shards.size(); ++i) {
    const auto& a = info.shards[i];
    const auto& b = decoded->shards[i];
    EXPECT_EQ(a.range.start, b.range.start);
    EXPECT_EQ(a.range.end, b.range.end);
    EXPECT_EQ(a.parent, b.parent);
    EXPECT_EQ(a.adjacent_parent, b.adjacent_parent);
    EXPECT_EQ(a.closed_ms, b.closed_ms);
    EXPECT_EQ(a.closed_at_seq, b.closed_at_seq);
  }
  EXPECT_EQ(decoded->shards[0].EndSeqIndex(), 42u);
  EXPECT_EQ(decoded->shards[1].EndSeqIndex(), 0u);  // closed empty
}

}  // namespace
}  // namespace sluice::broker
