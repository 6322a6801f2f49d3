// Many writers on many shards of one stream, a reader on every shard, and the commit signal.
#include <atomic>
#include <future>
#include <map>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

// Eight writer threads put to every shard of an eight-shard stream while another thread keeps
// reading every shard. Per shard, records arrive in sequence order, exactly once, and each
// writer's records of a shard appear in the order it was acknowledged.
TEST_F(BrokerTest, ConcurrentWritersAndAReaderKeepPerShardOrderAndExactlyOnce) {
  constexpr int kShards = 8;
  constexpr int kWriters = 8;
  constexpr int kCallsPerWriter = 40;
  ASSERT_TRUE(Create("s", kShards).ok());

  std::atomic<bool> writing{true};
  std::atomic<int> reader_errors{0};
  std::thread reader([&] {
    std::vector<uint64_t> next(kShards, 0);
    std::vector<std::string> iterators;
    for (int shard = 0; shard < kShards; ++shard) {
      iterators.push_back(Iterator("s", ShardIdFor(ShardIndex(shard)), "TRIM_HORIZON"));
    }
    while (writing) {
      for (int shard = 0; shard < kShards; ++shard) {
        auto read = GetRecords(iterators[shard], std::nullopt);
        if (!read.ok()) {
          ++reader_errors;
          continue;
        }
        for (const auto& record : read->records) {
          // Never a record twice or out of order; gaps are allowed (a failed write's indices).
          if (record.sequence.seq_index < next[shard]) ++reader_errors;
          next[shard] = record.sequence.seq_index + 1;
        }
        iterators[shard] = *read->next_iterator;
      }
    }
  });

  // writer -> (shard -> data of its acknowledged records, in acknowledgement order)
  std::vector<std::map<ShardIndex, std::vector<std::string>>> acknowledged(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int call = 0; call < kCallsPerWriter; ++call) {
        std::vector<PutEntry> entries;
        const int count = call % 2 == 0 ? 1 : 10;  // PutRecord-sized and PutRecords-sized
        for (int i = 0; i < count; ++i) {
          std::string data =
              "w" + std::to_string(w) + "-c" + std::to_string(call) + "-" + std::to_string(i);
          entries.push_back({data, "pk-" + std::to_string(w * 1000 + call * 10 + i), std::nullopt});
        }
        auto put = Put("s", entries);
        ASSERT_TRUE(put.ok());
        ASSERT_EQ(put->failed, 0u);
        for (size_t i = 0; i < entries.size(); ++i) {
          acknowledged[w][put->records[i].shard_index].push_back(entries[i].data);
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  writing = false;
  reader.join();
  EXPECT_EQ(reader_errors.load(), 0);

  size_t total = 0;
  for (int shard = 0; shard < kShards; ++shard) {
    std::vector<std::string> stored;
    std::string it = Iterator("s", ShardIdFor(ShardIndex(shard)), "TRIM_HORIZON");
    uint64_t previous = 0;
    bool first = true;
    for (;;) {
      auto read = GetRecords(it, std::nullopt);
      ASSERT_TRUE(read.ok());
      for (const auto& record : read->records) {
        if (!first) {
          EXPECT_GT(record.sequence.seq_index, previous);
        }
        first = false;
        previous = record.sequence.seq_index;
        stored.push_back(record.data);
      }
      if (read->records.empty()) break;
      it = *read->next_iterator;
    }
    total += stored.size();
    // Each writer's records of this shard, in the order the shard holds them, are exactly the
    // ones it was acknowledged for, in acknowledgement order.
    for (int w = 0; w < kWriters; ++w) {
      std::vector<std::string> mine;
      const std::string prefix = "w" + std::to_string(w) + "-";
      for (const auto& data : stored) {
        if (data.rfind(prefix, 0) == 0) mine.push_back(data);
      }
      EXPECT_EQ(mine, acknowledged[w][ShardIndex(shard)]) << "writer " << w;
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kWriters * (kCallsPerWriter / 2) * 11));
}

// A waiter on a shard's commit signal wakes on the io_context thread once a record is committed
// there, and not for records of other shards.
TEST_F(BrokerTest, TheCommitSignalWakesWaitersOnTheIoContext) {
  ASSERT_TRUE(Create("s", 2).ok());
  std::promise<std::thread::id> woke;
  std::atomic<int> wakes{0};
  std::promise<std::thread::id> io_thread;
  boost::asio::post(io_.io(), [&] { io_thread.set_value(std::this_thread::get_id()); });
  const auto io_id = io_thread.get_future().get();

  ASSERT_TRUE(broker_
                  ->AwaitRecords(caller_, {"s", ""}, ShardIndex{1}, 0,
                                 [&] {
                                   if (wakes++ == 0) woke.set_value(std::this_thread::get_id());
                                 })
                  .ok());
  // ExplicitHashKey 0 lands in shard 0: the waiter on shard 1 stays asleep.
  ASSERT_TRUE(Put("s", {{"a", "k", std::string("0")}}).ok());
  EXPECT_EQ(wakes.load(), 0);
  ASSERT_TRUE(Put("s", {{"b", "k", std::string("340282366920938463463374607431768211455")}}).ok());
  auto future = woke.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(future.get(), io_id);
  EXPECT_EQ(wakes.load(), 1);

  // Already satisfied: it runs at once.
  bool ran = false;
  ASSERT_TRUE(
      broker_->AwaitRecords(caller_, {"s", ""}, ShardIndex{1}, 0, [&] { ran = true; }).ok());
  EXPECT_TRUE(ran);
  EXPECT_EQ(broker_->AwaitRecords(caller_, {"s", ""}, ShardIndex{7}, 0, [] {}).code(),
            ErrorCode::kResourceNotFound);
}

}  // namespace
}  // namespace sluice::broker
