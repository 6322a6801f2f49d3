// The broker when the quorum fails its writes, and when nodes are rebuilt under its readers.
#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;

// The stream metadata on the node a read would use, as key=value lines.
std::vector<std::string> MetaOnDisk(replication::ReplicatedStore& store) {
  std::vector<std::string> lines;
  auto view = store.OpenReadView();
  EXPECT_TRUE(view.ok());
  if (!view.ok()) return lines;
  auto meta = (*view)->ScanMeta(std::string(kStreamMetaRoot));
  EXPECT_TRUE(meta.ok());
  if (meta.ok()) {
    for (const auto& [key, value] : *meta) lines.push_back(key + "=" + value);
  }
  return lines;
}

// Whether every node is healthy within a few seconds.
bool AllHealthy(const replication::ReplicatedStore& store) {
  return Eventually([&] {
    for (const auto& info : store.Nodes()) {
      if (info.state != replication::NodeState::kHealthy) return false;
    }
    return true;
  });
}

// Create, Delete and DecreaseRetention are accepted, then fail because two of the three nodes
// fail their applies (the third applies them): nothing changes in memory, on disk, or after a
// restart.
TEST_F(BrokerTest, MetadataChangesTheQuorumFailsLeaveNoTrace) {
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(Put("s", {{"a", "k1", std::nullopt}, {"b", "k2", std::nullopt}}).ok());
  std::promise<Status> increased;
  broker_->ChangeRetention(caller_, {"s", ""}, 48, true,
                           [&](Result<Done> r) { increased.set_value(r.status()); });
  ASSERT_TRUE(increased.get_future().get().ok());
  ASSERT_TRUE(Eventually([&] {
    for (const auto& info : store_->Nodes()) {
      if (info.applied_lsn != store_->Stats().committed_lsn) return false;
    }
    return true;
  }));
  const auto before = MetaOnDisk(*store_);

  // a and b fail their applies while `change` runs (c applies what it is sent); afterwards
  // they are healthy again, rebuilt from c.
  auto with_two_nodes_failing = [&](const std::function<void()>& change) {
    controls_["az-a"]->FailApplies(true);
    controls_["az-b"]->FailApplies(true);
    change();
    controls_["az-a"]->FailApplies(false);
    controls_["az-b"]->FailApplies(false);
    ASSERT_TRUE(store_->RecoverNode("az-a").ok());
    ASSERT_TRUE(store_->RecoverNode("az-b").ok());
    ASSERT_TRUE(AllHealthy(*store_));
  };
  with_two_nodes_failing([&] { EXPECT_EQ(Create("t", 1).code(), ErrorCode::kUnavailable); });
  with_two_nodes_failing([&] {
    std::promise<Status> decreased;
    broker_->ChangeRetention(caller_, {"s", ""}, 24, false,
                             [&](Result<Done> r) { decreased.set_value(r.status()); });
    EXPECT_EQ(decreased.get_future().get().code(), ErrorCode::kUnavailable);
  });
  with_two_nodes_failing([&] {
    std::promise<Status> deleted;
    broker_->DeleteStream(caller_, {"s", ""}, false,
                          [&](Result<Done> r) { deleted.set_value(r.status()); });
    EXPECT_EQ(deleted.get_future().get().code(), ErrorCode::kUnavailable);
  });

  // In memory: as before.
  auto check_memory = [&] {
    EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"t", ""}).status().code(),
              ErrorCode::kResourceNotFound);
    auto summary = broker_->DescribeStreamSummary(caller_, {"s", ""});
    ASSERT_TRUE(summary.ok());
    EXPECT_EQ(summary->status, StreamStatus::kActive);
    EXPECT_EQ(summary->retention_hours, 48);
    size_t records = 0;
    for (const char* shard : {"shardId-000000000000", "shardId-000000000001"}) {
      auto read = GetRecords(Iterator("s", shard, "TRIM_HORIZON"), std::nullopt);
      ASSERT_TRUE(read.ok());
      records += read->records.size();
    }
    EXPECT_EQ(records, 2u);
  };
  check_memory();
  // On disk (the one node that applied every failed write has undone each).
  EXPECT_TRUE(Eventually([&] { return MetaOnDisk(*store_) == before; }));
  EXPECT_EQ(MetaOnDisk(*store_), before);

  // After a restart (c applied every failed write, so it is the most advanced node and what the
  // others were rebuilt from).
  Close();
  Open();
  ASSERT_TRUE(AllHealthy(*store_));
  check_memory();
  EXPECT_EQ(MetaOnDisk(*store_), before);
}

// A node is failed, recovered and rebuilt, again and again, while readers chain GetRecords and
// the retention sweep runs: no reader skips a committed record, and the sweep deletes nothing
// that has not expired.
TEST_F(BrokerTest, ReadsAndTheSweepStayCorrectWhileANodeIsRebuilt) {
  constexpr int kShards = 4;
  ASSERT_TRUE(Create("s", kShards).ok());
  std::atomic<int> committed{0};
  auto put_some = [&](int count) {
    std::vector<PutEntry> entries;
    for (int i = 0; i < count; ++i) {
      entries.push_back(
          {"d" + std::to_string(committed + i), "k" + std::to_string(i), std::nullopt});
    }
    auto put = Put("s", std::move(entries));
    ASSERT_TRUE(put.ok());
    ASSERT_EQ(put->failed, 0u);
    committed += count;
  };
  put_some(400);

  std::atomic<bool> stop{false};
  std::atomic<int> passes{0};
  std::atomic<int> shortfalls{0};
  std::thread reader([&] {
    while (!stop) {
      const int expected = committed.load();  // every record committed before this pass
      int seen = 0;
      bool complete = true;
      for (int shard = 0; shard < kShards && complete; ++shard) {
        std::string it = Iterator("s", ShardIdFor(ShardIndex(shard)), "TRIM_HORIZON");
        uint64_t next_index = 0;
        for (;;) {
          auto read = GetRecords(it, 1000);
          if (!read.ok()) {  // no node to read from for a moment: try the pass again
            complete = false;
            break;
          }
          for (const auto& record : read->records) {
            EXPECT_EQ(record.sequence.seq_index, next_index) << "a record was skipped";
            next_index = record.sequence.seq_index + 1;
          }
          seen += static_cast<int>(read->records.size());
          if (read->records.empty()) break;
          it = *read->next_iterator;
        }
      }
      if (!complete) continue;
      if (seen < expected) ++shortfalls;
      ++passes;
    }
  });
  std::thread sweeper([&] {
    while (!stop) {
      broker_->SweepRetention();
      std::this_thread::sleep_for(1ms);
    }
  });

  for (int round = 0; round < 6; ++round) {
    const char* node = round % 2 == 0 ? "az-a" : "az-b";
    ASSERT_TRUE(store_->FailNode(node).ok());
    put_some(100);
    ASSERT_TRUE(store_->RecoverNode(node).ok());  // rebuilt from a snapshot of a peer
    ASSERT_TRUE(AllHealthy(*store_));
    put_some(50);
  }
  const int target = passes + 3;
  ASSERT_TRUE(Eventually([&] { return passes >= target; }));
  stop = true;
  reader.join();
  sweeper.join();
  EXPECT_EQ(shortfalls.load(), 0);

  // And nothing was deleted: every record is still there.
  int total = 0;
  for (int shard = 0; shard < kShards; ++shard) {
    std::string it = Iterator("s", ShardIdFor(ShardIndex(shard)), "TRIM_HORIZON");
    for (;;) {
      auto read = GetRecords(it, 10000);
      ASSERT_TRUE(read.ok());
      total += static_cast<int>(read->records.size());
      if (read->records.empty()) break;
      it = *read->next_iterator;
    }
  }
  EXPECT_EQ(total, committed.load());
}

}  // namespace
}  // namespace sluice::broker
