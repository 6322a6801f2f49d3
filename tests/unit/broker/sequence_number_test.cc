#include "sluice/broker/sequence_number.h"

#include <random>

#include <gtest/gtest.h>

#include "sluice/broker/stream_model.h"

namespace sluice::broker {
namespace {

TEST(SequenceNumberTest, DecodesRealAwsNumbers) {
  auto first = SequenceNumber::Parse("49647060812288014558888668248263847763900017820167045122");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->shard_created_s, 1701746677);
  EXPECT_EQ(first->shard_index, ShardIndex{0});
  EXPECT_EQ(first->seq_index, 26054u);
  EXPECT_EQ(first->arrival_s, 1701760152);

  auto second = SequenceNumber::Parse("49594189147623985939251953501666965394405037144469929986");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->shard_created_s, 1553568712);
  EXPECT_EQ(second->seq_index, 195u);
  EXPECT_EQ(second->arrival_s, 1553568735);
}

TEST(SequenceNumberTest, EncodesRealAwsNumbersExactly) {
  SequenceNumber number{1701746677, ShardIndex{0}, 26054, 1701760152};
  EXPECT_EQ(number.ToString(), "49647060812288014558888668248263847763900017820167045122");
}

TEST(SequenceNumberTest, RoundTripsAcrossShardsAndIndices) {
  for (uint32_t shard : {0u, 1u, 15u, 16u, 4242u, 0x7fffffffu}) {
    for (uint64_t index : {uint64_t{0}, uint64_t{1}, uint64_t{123456789}, kMaxSeqIndex}) {
      SequenceNumber number{1700000000, ShardIndex{shard}, index, 1700000123};
      std::string text = number.ToString();
      EXPECT_EQ(text.size(), 56u);
      auto parsed = SequenceNumber::Parse(text);
      ASSERT_TRUE(parsed) << text;
      EXPECT_EQ(parsed->shard_index, ShardIndex{shard});
      EXPECT_EQ(parsed->seq_index, index);
      EXPECT_EQ(parsed->shard_created_s, 1700000000);
      EXPECT_EQ(parsed->arrival_s, 1700000123);
    }
  }
}

// ToString's fast decimal conversion against Parse's independent one, over random fields.
TEST(SequenceNumberTest, RoundTripsRandomFields) {
  std::mt19937_64 random(42);
  for (int i = 0; i < 20000; ++i) {
    SequenceNumber number{static_cast<int64_t>(random() % 0xfffffffffULL),
                          ShardIndex{static_cast<uint32_t>(random() % 0x80000000ULL)},
                          random() & kMaxSeqIndex, static_cast<int64_t>(random() % 0xfffffffffULL)};
    std::string text = number.ToString();
    auto parsed = SequenceNumber::Parse(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(parsed->shard_created_s, number.shard_created_s) << text;
    EXPECT_EQ(parsed->shard_index, number.shard_index) << text;
    EXPECT_EQ(parsed->seq_index, number.seq_index) << text;
    EXPECT_EQ(parsed->arrival_s, number.arrival_s) << text;
  }
}

TEST(SequenceNumberTest, OrdersByIndexAsNumbersDo) {
  // Equal length decimal strings compare like the numbers, so a later index (even with an
  // earlier arrival second) must give a larger string.
  std::string previous;
  for (uint64_t index = 0; index < 2000; index += 7) {
    std::string text =
        SequenceNumber{1700000000, ShardIndex{3}, index, 1700000999 - static_cast<int64_t>(index)}
            .ToString();
    if (!previous.empty()) {
      ASSERT_EQ(text.size(), previous.size());
      EXPECT_LT(previous, text);
    }
    previous = text;
  }
}

TEST(SequenceNumberTest, RejectsMalformedText) {
  EXPECT_FALSE(SequenceNumber::Parse(""));
  EXPECT_FALSE(SequenceNumber::Parse("abc"));
  EXPECT_FALSE(SequenceNumber::Parse("123"));  // wrong version digits
  EXPECT_FALSE(
      SequenceNumber::Parse("4964706081228801455888866824826384776390001782016704512200000"));
  // One digit changed so the version nibble at the end is no longer 2.
  EXPECT_FALSE(SequenceNumber::Parse("49647060812288014558888668248263847763900017820167045123"));
}

TEST(ShardIdTest, FormatsAndParsesLikeAws) {
  EXPECT_EQ(ShardIdFor(ShardIndex{7}), "shardId-000000000007");
  EXPECT_EQ(ParseShardId("shardId-000000000007"), ShardIndex{7});
  EXPECT_EQ(ParseShardId("shardId-7"), ShardIndex{7});
  EXPECT_EQ(ParseShardId("7"), ShardIndex{7});
  EXPECT_FALSE(ParseShardId("shard-7"));
  EXPECT_FALSE(ParseShardId("shardId-"));
  EXPECT_FALSE(ParseShardId("shardId-x"));
  EXPECT_FALSE(ParseShardId("shardId-9999999999999"));
}

}  // namespace
}  // namespace sluice::broker
