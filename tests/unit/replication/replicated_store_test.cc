#include "sluice/replication/replicated_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <numeric>

#include "store_fixture.h"

namespace sluice::replication::testing {
namespace {

TEST(NodeStateNameTest, NamesEveryState) {
  EXPECT_STREQ(NodeStateName(NodeState::kHealthy), "healthy");
  EXPECT_STREQ(NodeStateName(NodeState::kDown), "down");
  EXPECT_STREQ(NodeStateName(NodeState::kCatchingUp), "catching_up");
}

TEST_F(StoreTest, RejectsInvalidOptions) {
  auto options = DefaultOptions();
  options.quorum = 4;
  auto store = ReplicatedStore::Open(dir_.path(), options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(StoreTest, AllHealthyWritesCommitInLsnOrder) {
  OpenStore();
  auto infos = store_->Nodes();
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(infos[0].name, "az-a");
  EXPECT_EQ(infos[1].name, "az-b");
  EXPECT_EQ(infos[2].name, "az-c");

  constexpr int kWrites = 300;
  Completions& completions = completions_;
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(store_->Write(RecordBatch(static_cast<uint64_t>(i)), completions.Callback(i)).ok());
  }
  ASSERT_TRUE(completions.WaitForCount(kWrites));
  std::vector<int> expected(kWrites);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(completions.order(), expected);
  for (const Status& status : completions.statuses()) EXPECT_TRUE(status.ok());

  auto stats = store_->Stats();
  EXPECT_EQ(stats.committed_lsn, static_cast<uint64_t>(kWrites));
  EXPECT_EQ(stats.batches_committed, static_cast<uint64_t>(kWrites));
  EXPECT_EQ(stats.batches_failed, 0u);
  EXPECT_GT(stats.bytes_committed, 0u);
  ASSERT_EQ(stats.latency_counts.size(), stats.latency_bounds_us.size() + 1);
  EXPECT_EQ(stats.latency_counts.back(), static_cast<uint64_t>(kWrites));
  EXPECT_GT(stats.latency_sum_us, 0);

  auto records = ReadShard10();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), static_cast<size_t>(kWrites));
  EXPECT_EQ(records->back().data, "data-299");
  EXPECT_EQ(
      ThroughView([](const storage::StorageNode& n) { return n.GetMeta("last/4"); })->value_or(""),
      "299");
  EXPECT_EQ(ThroughView([](const storage::StorageNode& n) { return n.ScanMeta("last/"); })->size(),
            5u);
  EXPECT_EQ(*ThroughView([](const storage::StorageNode& n) { return n.LastSeq(1, 0); }),
            std::optional<uint64_t>(299));
  EXPECT_EQ(*ThroughView([](const storage::StorageNode& n) { return n.FirstSeq(1, 0); }),
            std::optional<uint64_t>(0));
  EXPECT_EQ(*ThroughView([](const storage::StorageNode& n) {
    return n.FirstSeqAtOrAfter(1, 0, 1100, 0, UINT64_MAX);
  }),
            std::optional<uint64_t>(100));

  // Every node ends with the same content.
  ASSERT_TRUE(WaitAllCaughtUp());
  EXPECT_EQ(Content(*nodes_["az-a"]), Content(*nodes_["az-b"]));
  EXPECT_EQ(Content(*nodes_["az-a"]), Content(*nodes_["az-c"]));
  for (const auto& info : store_->Nodes()) {
    EXPECT_EQ(info.state, NodeState::kHealthy);
    EXPECT_EQ(info.lag, 0u);
    EXPECT_GT(info.disk_bytes, 0u);
  }
}

TEST_F(StoreTest, WritesFromManyThreadsAllComplete) {
  OpenStore();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  Completions& completions = completions_;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int id = t * kPerThread + i;
        ASSERT_TRUE(
            store_->Write(RecordBatch(static_cast<uint64_t>(id)), completions.Callback(id)).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(completions.WaitForCount(kThreads * kPerThread));
  // Each thread's writes complete in the order it made them.
  std::vector<int> last(kThreads, -1);
  for (int id : completions.order()) {
    EXPECT_GT(id, last[id / kPerThread]);
    last[id / kPerThread] = id;
  }
  EXPECT_EQ(store_->Stats().committed_lsn, static_cast<uint64_t>(kThreads * kPerThread));
}

TEST_F(StoreTest, OneNodeFailedWritesSucceed) {
  OpenStore();
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());  // so b is not half-way through applying LSN 1
  ASSERT_TRUE(store_->FailNode("az-b").ok());
  ASSERT_TRUE(store_->FailNode("az-b").ok());  // idempotent
  EXPECT_EQ(Info("az-b").state, NodeState::kDown);
  uint64_t b_applied = Info("az-b").applied_lsn;

  for (uint64_t seq = 1; seq <= 10; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  EXPECT_EQ(Info("az-b").applied_lsn, b_applied);  // it takes no more writes
  EXPECT_EQ(Info("az-b").lag, 11u - b_applied);
  for (int i = 0; i < 6; ++i) {  // every read is served by a live node
    auto records = ReadShard10();
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records->size(), 11u);
  }

  Status unknown = store_->FailNode("az-x");
  EXPECT_EQ(unknown.code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(unknown.message(), "Node az-x not found.");
  EXPECT_EQ(store_->RecoverNode("nope").code(), ErrorCode::kResourceNotFound);
}

TEST_F(StoreTest, TwoNodesDownWritesFailImmediatelyAndDataStaysReadable) {
  OpenStore();
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  // (A node that has not applied everything committed yet serves no reads, so let b catch up
  // before taking the others away.)
  ASSERT_TRUE(WaitAllCaughtUp());
  ASSERT_TRUE(store_->FailNode("az-a").ok());
  ASSERT_TRUE(store_->FailNode("az-c").ok());

  std::atomic<bool> called{false};
  Status status = store_->Write(RecordBatch(1), [&](Status) { called = true; });
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(status.message().empty());

  auto records = ReadShard10();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(records->at(0).data, "data-0");

  ASSERT_TRUE(store_->FailNode("az-b").ok());
  EXPECT_EQ(ReadShard10().status().code(), ErrorCode::kUnavailable);
  // No peer to rebuild from: az-a holds every committed write, so it rejoins first on its own.
  EXPECT_TRUE(store_->RecoverNode("az-a").ok());
  EXPECT_TRUE(WaitForState("az-a", NodeState::kHealthy));
  EXPECT_EQ(ReadShard10()->size(), 1u);
  store_->Close();
  EXPECT_FALSE(called.load());
}

// Two nodes fail their applies: the write fails, and the one node that applied it anyway undoes
// it. Recovered, or restarted, every node holds the committed content only.
TEST_F(StoreTest, AFailedWriteWithAnUndoLeavesNoTrace) {
  OpenStore();
  storage::WriteBatch first;
  first.PutMeta("stream/x", "v1");
  ASSERT_TRUE(WriteAndWait(std::move(first)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  const auto committed = Content(*nodes_["az-c"]);
  controls_["az-a"]->FailApplies(true);
  controls_["az-b"]->FailApplies(true);
  storage::WriteBatch change, undo;
  change.PutMeta("stream/x", "v2");
  change.PutMeta("stream/y", "new");
  undo.PutMeta("stream/x", "v1");
  undo.DeleteMeta("stream/y");
  auto completions = std::make_shared<Completions>();
  ASSERT_TRUE(store_->Write(std::move(change), completions->Callback(0), std::move(undo)).ok());
  ASSERT_TRUE(completions->WaitForCount(1));
  EXPECT_EQ(completions->statuses()[0].code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Info("az-c").state, NodeState::kHealthy);
  // The undo is queued right behind the write on c; once c is idle it has run.
  ASSERT_TRUE(WaitFor([&] { return Content(*nodes_["az-c"]) == committed; }));

  controls_["az-a"]->FailApplies(false);
  controls_["az-b"]->FailApplies(false);
  OpenStore();  // restart: c is the most advanced node and the others are rebuilt from it
  ASSERT_TRUE(WaitAllCaughtUp());
  for (const char* name : {"az-a", "az-b", "az-c"}) EXPECT_EQ(Content(*nodes_[name]), committed);
}

// Undos of several failed writes run newest first, so the oldest state comes back.
TEST_F(StoreTest, UndosOfSeveralFailedWritesRunNewestFirst) {
  OpenStore();
  storage::WriteBatch first;
  first.PutMeta("stream/x", "v1");
  ASSERT_TRUE(WriteAndWait(std::move(first)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  const auto committed = Content(*nodes_["az-c"]);
  controls_["az-a"]->Hang();  // a and b hold both writes in their queues...
  controls_["az-b"]->Hang();
  auto completions = std::make_shared<Completions>();
  for (int i = 2; i <= 3; ++i) {
    storage::WriteBatch change, undo;
    change.PutMeta("stream/x", "v" + std::to_string(i));
    undo.PutMeta("stream/x", "v" + std::to_string(i - 1));
    ASSERT_TRUE(store_->Write(std::move(change), completions->Callback(i), std::move(undo)).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return Info("az-c").applied_lsn == 3; }));
  ASSERT_TRUE(store_->FailNode("az-a").ok());  // ...and go down: both writes fail
  ASSERT_TRUE(store_->FailNode("az-b").ok());
  ASSERT_TRUE(completions->WaitForCount(2));
  for (const Status& status : completions->statuses()) {
    EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  }
  ASSERT_TRUE(WaitFor([&] { return Content(*nodes_["az-c"]) == committed; }));
  controls_["az-a"]->Release();
  controls_["az-b"]->Release();
}

TEST_F(StoreTest, NodeWithIoErrorLeavesQuorumAndWritesContinue) {
  OpenStore();
  controls_["az-c"]->FailApplies(true);
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(WaitForState("az-c", NodeState::kDown));
  for (uint64_t seq = 1; seq < 5; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  EXPECT_EQ(Info("az-c").applied_lsn, 0u);
  EXPECT_EQ(store_->Stats().batches_failed, 0u);

  // A second failure leaves one node: writes are refused up front.
  controls_["az-a"]->FailApplies(true);
  Status last = WriteAndWait(RecordBatch(5));
  EXPECT_EQ(last.code(), ErrorCode::kUnavailable);  // accepted, then quorum lost
  ASSERT_TRUE(WaitForState("az-a", NodeState::kDown));
  EXPECT_EQ(WriteAndWait(RecordBatch(6)).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(store_->Stats().batches_failed, 1u);
}

TEST_F(StoreTest, NodeHoldingABatchPastTheTimeoutIsMarkedDown) {
  auto options = DefaultOptions();
  options.node_timeout = 200ms;
  OpenStore(options);
  controls_["az-a"]->Hang();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());  // b and c make the quorum
  ASSERT_TRUE(controls_["az-a"]->WaitUntilHung(5s));
  ASSERT_TRUE(WaitForState("az-a", NodeState::kDown, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  ASSERT_TRUE(WriteAndWait(RecordBatch(1)).ok());
  controls_["az-a"]->Release();
  // Its late acknowledgement does not bring it back.
  ASSERT_TRUE(WaitFor([&] { return Info("az-a").applied_lsn == 1; }));
  EXPECT_EQ(Info("az-a").state, NodeState::kDown);
}

TEST_F(StoreTest, BatchThatCannotReachQuorumFailsInOrder) {
  auto options = DefaultOptions();
  options.node_timeout = 200ms;
  OpenStore(options);
  controls_["az-a"]->Hang();
  controls_["az-b"]->Hang();
  Completions& completions = completions_;
  ASSERT_TRUE(store_->Write(RecordBatch(0), completions.Callback(0)).ok());
  ASSERT_TRUE(store_->Write(RecordBatch(1), completions.Callback(1)).ok());
  ASSERT_TRUE(completions.WaitForCount(2, 5s));
  EXPECT_EQ(completions.order(), (std::vector<int>{0, 1}));
  for (const Status& status : completions.statuses()) {
    EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  }
  EXPECT_EQ(Info("az-a").state, NodeState::kDown);
  EXPECT_EQ(Info("az-b").state, NodeState::kDown);
  EXPECT_EQ(store_->Stats().batches_failed, 2u);
  EXPECT_EQ(store_->Stats().committed_lsn, 0u);
}

TEST_F(StoreTest, LaterBatchNeverCompletesBeforeAnEarlierOne) {
  OpenStore();
  // LSN 1 goes to a and b only (c is down); b hangs, so LSN 1 waits on it.
  ASSERT_TRUE(store_->FailNode("az-c").ok());
  controls_["az-b"]->Hang();
  Completions& completions = completions_;
  ASSERT_TRUE(store_->Write(RecordBatch(0), completions.Callback(0)).ok());
  ASSERT_TRUE(controls_["az-b"]->WaitUntilHung(5s));
  // c rebuilds from a (the first healthy node) and takes LSN 2 with a: a quorum for LSN 2.
  ASSERT_TRUE(store_->RecoverNode("az-c").ok());
  ASSERT_TRUE(WaitForState("az-c", NodeState::kHealthy));
  ASSERT_TRUE(store_->Write(RecordBatch(1), completions.Callback(1)).ok());
  ASSERT_TRUE(
      WaitFor([&] { return Info("az-c").applied_lsn == 2 && Info("az-a").applied_lsn == 2; }));
  EXPECT_EQ(completions.count(), 0u);  // LSN 2 is held back behind LSN 1
  EXPECT_EQ(store_->Stats().committed_lsn, 0u);

  controls_["az-b"]->Release();
  ASSERT_TRUE(completions.WaitForCount(2));
  EXPECT_EQ(completions.order(), (std::vector<int>{0, 1}));
  for (const Status& status : completions.statuses()) EXPECT_TRUE(status.ok());
  EXPECT_EQ(store_->Stats().committed_lsn, 2u);
}

TEST_F(StoreTest, ReadsComeFromANodeCoveringEverythingCommitted) {
  OpenStore();
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  // a stays healthy but falls behind: it must not serve reads that would miss LSN 2.
  controls_["az-a"]->Hang();
  ASSERT_TRUE(WriteAndWait(RecordBatch(1)).ok());
  EXPECT_EQ(Info("az-a").state, NodeState::kHealthy);
  EXPECT_EQ(Info("az-a").lag, 1u);
  for (int i = 0; i < 9; ++i) {
    auto records = ReadShard10();
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records->size(), 2u);
    EXPECT_EQ(*ThroughView([](const storage::StorageNode& n) { return n.LastSeq(1, 0); }),
              std::optional<uint64_t>(1));
    EXPECT_EQ(ThroughView([](const storage::StorageNode& n) {
                return n.GetMeta("last/1");
              })->value_or(""),
              "1");
  }
  controls_["az-a"]->Release();
  ASSERT_TRUE(WaitCaughtUp("az-a"));
}

TEST_F(StoreTest, DelayedButTimelyNodeStaysHealthy) {
  auto options = DefaultOptions();
  options.node_timeout = 2s;
  OpenStore(options);
  controls_["az-b"]->DelayApplies(20ms);
  for (uint64_t seq = 0; seq < 10; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  EXPECT_EQ(Content(*nodes_["az-b"]), Content(*nodes_["az-a"]));
}

// The operator's InjectFaults goes through the production NodeFaults of each node, beneath the
// test's own FaultControl.
TEST_F(StoreTest, InjectedFaultsDegradeANodeUntilItIsRecovered) {
  auto options = DefaultOptions();
  options.node_timeout = 300ms;
  OpenStore(options);
  EXPECT_EQ(store_->InjectFaults("az-x", {}).code(), ErrorCode::kResourceNotFound);

  // Slow but within the timeout: it stays in the quorum and keeps up.
  ASSERT_TRUE(store_->InjectFaults("az-b", {20ms, 0}).ok());
  EXPECT_EQ(Info("az-b").faults.apply_delay, 20ms);
  for (uint64_t seq = 0; seq < 5; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());

  // Slower than the timeout: it leaves the quorum, writes go on.
  ASSERT_TRUE(store_->InjectFaults("az-b", {1500ms, 0}).ok());
  ASSERT_TRUE(WriteAndWait(RecordBatch(5)).ok());
  ASSERT_TRUE(WaitForState("az-b", NodeState::kDown, 5s));
  ASSERT_TRUE(WriteAndWait(RecordBatch(6)).ok());

  // Every write fails: it leaves the quorum at its first write.
  ASSERT_TRUE(store_->InjectFaults("az-c", {0ms, 1.0}).ok());
  EXPECT_EQ(Info("az-c").faults.error_rate, 1.0);
  Status lost = WriteAndWait(RecordBatch(7));  // a and c were its only targets
  EXPECT_EQ(lost.code(), ErrorCode::kUnavailable);
  ASSERT_TRUE(WaitForState("az-c", NodeState::kDown));

  // Recovering clears the faults; both rebuild and hold what a holds.
  ASSERT_TRUE(store_->RecoverNode("az-b").ok());
  ASSERT_TRUE(store_->RecoverNode("az-c").ok());
  EXPECT_FALSE(Info("az-b").faults.any());
  EXPECT_FALSE(Info("az-c").faults.any());
  ASSERT_TRUE(WaitForState("az-b", NodeState::kHealthy));
  ASSERT_TRUE(WaitForState("az-c", NodeState::kHealthy));
  ASSERT_TRUE(WriteAndWait(RecordBatch(8)).ok());  // moves the committed LSN past the lost one
  ASSERT_TRUE(WaitAllCaughtUp());
  EXPECT_EQ(Content(*nodes_["az-b"]), Content(*nodes_["az-a"]));
  EXPECT_EQ(Content(*nodes_["az-c"]), Content(*nodes_["az-a"]));
}

TEST_F(StoreTest, CloseFinishesQueuedWritesAndRefusesNewOnes) {
  OpenStore();
  Completions& completions = completions_;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(store_->Write(RecordBatch(static_cast<uint64_t>(i)), completions.Callback(i)).ok());
  }
  store_->Close();
  EXPECT_EQ(completions.count(), 50u);
  for (const Status& status : completions.statuses()) EXPECT_TRUE(status.ok());
  EXPECT_EQ(store_->Write(RecordBatch(99), [](Status) {}).code(), ErrorCode::kUnavailable);
  store_->Close();  // idempotent
  EXPECT_EQ(nodes_["az-a"]->applied_lsn(), 50u);
  EXPECT_EQ(nodes_["az-c"]->applied_lsn(), 50u);
}

TEST_F(StoreTest, DoneMayWriteAgain) {
  OpenStore();
  Completions& completions = completions_;
  std::function<void(Status)> chain = [&](Status status) {
    completions.Callback(static_cast<int>(completions.count()))(status);
    if (completions.count() < 6) {
      ASSERT_TRUE(store_->Write(RecordBatch(completions.count()), chain).ok());
    }
  };
  ASSERT_TRUE(store_->Write(RecordBatch(0), chain).ok());
  ASSERT_TRUE(completions.WaitForCount(6));
  store_->Close();  // no callback runs after this, so `chain` may go out of scope
  EXPECT_EQ(completions.order(), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  for (const Status& status : completions.statuses()) EXPECT_TRUE(status.ok());
  EXPECT_EQ(store_->Stats().committed_lsn, 6u);
}

}  // namespace
}  // namespace sluice::replication::testing
