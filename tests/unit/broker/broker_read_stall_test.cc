// Reads that wait on a stalled disk: they hold the broker's reader threads, never the
// io_context, so writes and every other answer go on; once the disk answers, so do they.
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;

class BrokerReadStallTest : public BrokerTest {
 protected:
  // Every read of every node waits `delay` (cut short by the next call).
  void StallReads(std::chrono::milliseconds delay) {
    for (auto& [name, control] : controls_) {
      replication::FaultSettings faults = control->settings();
      faults.read_delay = delay;
      control->Set(faults);
    }
  }
};

TEST_F(BrokerReadStallTest, ReadsStuckOnTheDiskHoldNoIoThreadAndAnswerOnceItRecovers) {
  ASSERT_TRUE(Create("s", 1).ok());
  const int64_t before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            1000;
  ASSERT_TRUE(Put("s", {{"a", "k", std::nullopt}, {"b", "k", std::nullopt}}).ok());
  const std::string from_start = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");

  StallReads(60s);  // far longer than the test waits for anything
  std::promise<Result<GetRecordsResult>> records;
  broker_->GetRecords(from_start, std::nullopt,
                      [&](Result<GetRecordsResult> r) { records.set_value(std::move(r)); });
  std::promise<Result<std::string>> at_timestamp;
  IteratorRequest request{
      {"s", ""}, "shardId-000000000000", IteratorType::kAtTimestamp, std::nullopt, before_ms};
  broker_->GetShardIterator(caller_, request,
                            [&](Result<std::string> r) { at_timestamp.set_value(std::move(r)); });
  ASSERT_TRUE(Eventually([&] { return broker_->Counters().reads_in_flight == 2; }));

  // The io_context (one thread here) is free: writes commit and answer, streams are created,
  // and a read that needs no disk (LATEST) answers.
  auto put = Put("s", {{"c", "k", std::nullopt}});
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->failed, 0u);
  EXPECT_TRUE(Create("other", 1).ok());
  EXPECT_FALSE(Iterator("s", "shardId-000000000000", "LATEST").empty());
  auto reads = records.get_future();
  auto iterator = at_timestamp.get_future();
  EXPECT_EQ(reads.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(iterator.wait_for(0s), std::future_status::timeout);

  StallReads(0ms);  // the disk answers again
  ASSERT_EQ(reads.wait_for(10s), std::future_status::ready);
  auto read = reads.get();
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->records.size(), 2u);  // what was committed when the read began
  EXPECT_EQ(read->records[0].data, "a");
  EXPECT_EQ(read->records[1].data, "b");
  ASSERT_EQ(iterator.wait_for(10s), std::future_status::ready);
  auto from_time = iterator.get();
  ASSERT_TRUE(from_time.ok()) << from_time.status().message();
  auto again = GetRecords(*from_time, std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->records.size(), 3u);
  EXPECT_EQ(broker_->Counters().reads_in_flight, 0u);
}

}  // namespace
}  // namespace sluice::broker
