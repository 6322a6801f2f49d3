// AWS's per-shard throughput limits (--enforce-limits), on a clock the test moves by hand.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/shard_throughput.h"
#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

TEST(TokenBucketTest, HoldsOneSecondAndRefillsContinuously) {
  TokenBucket bucket(5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryTake(1, 1000)) << i;
  EXPECT_FALSE(bucket.TryTake(1, 1000));
  EXPECT_FALSE(bucket.TryTake(1, 1199));  // 0.995 of a token back
  EXPECT_TRUE(bucket.TryTake(1, 1200));
  // An idle minute saves up no more than a second's worth.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryTake(1, 61200)) << i;
  EXPECT_FALSE(bucket.TryTake(1, 61200));
}

TEST(TokenBucketTest, ChargesIntoDebtThatTimePaysOff) {
  TokenBucket bucket(100);
  bucket.Charge(250, 0);  // -150
  EXPECT_FALSE(bucket.HasCredit(0));
  EXPECT_FALSE(bucket.HasCredit(1500));  // 0
  EXPECT_TRUE(bucket.HasCredit(1510));
}

class LimitsTest : public BrokerTest {
 protected:
  static constexpr int64_t kStartMs = 1701760153000;
  void SetUp() override {
    frozen_clock_ms_ = kStartMs;
    enforce_limits_ = true;
    BrokerTest::SetUp();
    ASSERT_TRUE(Create("s", 1).ok());
  }
  static std::vector<PutEntry> Records(size_t count, size_t bytes) {
    return std::vector<PutEntry>(count, PutEntry{std::string(bytes, 'x'), "k", std::nullopt});
  }
  static constexpr const char* kRateExceeded =
      "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.";
};

TEST_F(LimitsTest, ThousandRecordsASecondThenEntriesFailOnTheirOwn) {
  for (int call = 0; call < 2; ++call) {
    auto put = Put("s", Records(500, 10));
    ASSERT_TRUE(put.ok());
    EXPECT_EQ(put->failed, 0u);
  }
  auto over = Put("s", Records(3, 10));
  ASSERT_TRUE(over.ok());  // the call succeeds; its entries fail, as PutRecords does on AWS
  EXPECT_EQ(over->failed, 3u);
  EXPECT_EQ(over->records[0].status.code(), ErrorCode::kProvisionedThroughputExceeded);
  EXPECT_EQ(over->records[0].status.message(), kRateExceeded);

  frozen_clock_ms_ += 10;  // ten records' worth comes back
  auto partly = Put("s", Records(12, 10));
  ASSERT_TRUE(partly.ok());
  EXPECT_EQ(partly->failed, 2u);
  EXPECT_TRUE(partly->records[9].ok());
  EXPECT_FALSE(partly->records[10].ok());

  // Only what was written counts: the refused entries are not in the shard.
  auto records = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), {});
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->records.size(), 1010u);
}

TEST_F(LimitsTest, OneMebibyteASecond) {
  auto put = Put("s", Records(3, 400 * 1024));
  ASSERT_TRUE(put.ok());
  EXPECT_TRUE(put->records[0].ok());
  EXPECT_TRUE(put->records[1].ok());
  EXPECT_FALSE(put->records[2].ok());  // 1200 KiB would pass 1024 KiB
  frozen_clock_ms_ += 1000;
  EXPECT_EQ(Put("s", Records(1, 400 * 1024))->failed, 0u);
}

TEST_F(LimitsTest, FiveReadsASecondAndTwoMebibytes) {
  std::string iterator = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  for (int i = 0; i < 4; ++i) {
    auto read = GetRecords(iterator, {});
    ASSERT_TRUE(read.ok()) << i;
    iterator = *read->next_iterator;
  }
  ASSERT_TRUE(GetRecords(iterator, {}).ok());
  auto sixth = GetRecords(iterator, {});
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.status().code(), ErrorCode::kProvisionedThroughputExceeded);
  EXPECT_EQ(sixth.status().message(), kRateExceeded);

  // 3 MiB written over three seconds, read in one call: the next read waits for the debt
  // (1 MiB over the 2 MiB/s) to be paid off, half a second.
  for (int second = 0; second < 3; ++second) {
    frozen_clock_ms_ += 1000;
    ASSERT_EQ(Put("s", Records(2, 512 * 1024 - 1))->failed, 0u);
  }
  frozen_clock_ms_ += 1000;
  auto big = GetRecords(iterator, {});
  ASSERT_TRUE(big.ok()) << big.status().message();
  EXPECT_EQ(big->records.size(), 6u);
  frozen_clock_ms_ += 400;
  EXPECT_FALSE(GetRecords(*big->next_iterator, {}).ok());
  frozen_clock_ms_ += 200;
  EXPECT_TRUE(GetRecords(*big->next_iterator, {}).ok());
}

TEST_F(LimitsTest, FiveIteratorsASecond) {
  IteratorRequest request{{"s", ""}, "shardId-000000000000", IteratorType::kLatest, {}, {}};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(GetShardIterator(caller_, request).ok()) << i;
  auto refused = GetShardIterator(caller_, request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kProvisionedThroughputExceeded);
  frozen_clock_ms_ += 200;
  EXPECT_TRUE(GetShardIterator(caller_, request).ok());
}

TEST_F(LimitsTest, OffByDefault) {
  Close();
  enforce_limits_ = false;
  Open();
  for (int call = 0; call < 4; ++call) EXPECT_EQ(Put("s", Records(500, 10))->failed, 0u);
}

}  // namespace
}  // namespace sluice::broker
