// Rebuilding nodes: RecoverNode while serving, and recovery when the store opens.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "sluice/replication/replicated_store.h"
#include "store_fixture.h"

namespace sluice::replication::testing {
namespace {

TEST_F(StoreTest, RecoverNodeCatchesUpFromAHealthyPeer) {
  OpenStore();
  for (uint64_t seq = 0; seq < 20; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  ASSERT_TRUE(store_->FailNode("az-b").ok());
  for (uint64_t seq = 20; seq < 40; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());

  // Hold the rebuild so the catching-up state can be observed, and keep writing meanwhile.
  controls_["az-b"]->Hang();
  ASSERT_TRUE(store_->RecoverNode("az-b").ok());
  ASSERT_TRUE(controls_["az-b"]->WaitUntilHung(5s));
  EXPECT_EQ(Info("az-b").state, NodeState::kCatchingUp);
  ASSERT_TRUE(store_->RecoverNode("az-b").ok());  // no-op while catching up
  for (uint64_t seq = 40; seq < 50; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  EXPECT_EQ(Info("az-b").state, NodeState::kCatchingUp);
  controls_["az-b"]->Release();

  ASSERT_TRUE(WaitCaughtUp("az-b"));
  EXPECT_EQ(store_->Stats().catch_ups_completed, 1u);
  ASSERT_TRUE(WaitCaughtUp("az-a"));
  ASSERT_TRUE(WaitCaughtUp("az-c"));
  auto expected = Content(*nodes_["az-a"]);
  EXPECT_EQ(expected.size(), 55u);  // 50 records and 5 meta keys
  EXPECT_EQ(Content(*nodes_["az-b"]), expected);
  EXPECT_EQ(Content(*nodes_["az-c"]), expected);
  ASSERT_TRUE(store_->RecoverNode("az-b").ok());  // no-op when healthy
}

TEST_F(StoreTest, RecoveredNodeCountsTowardTheQuorum) {
  OpenStore();
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(store_->FailNode("az-a").ok());
  ASSERT_TRUE(WriteAndWait(RecordBatch(1)).ok());
  ASSERT_TRUE(store_->RecoverNode("az-a").ok());
  ASSERT_TRUE(WaitForState("az-a", NodeState::kHealthy));
  // With b gone, a and c are the quorum.
  ASSERT_TRUE(store_->FailNode("az-b").ok());
  for (uint64_t seq = 2; seq < 10; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  ASSERT_TRUE(WaitCaughtUp("az-a"));
  ASSERT_TRUE(WaitCaughtUp("az-c"));
  EXPECT_EQ(Content(*nodes_["az-a"]), Content(*nodes_["az-c"]));
  EXPECT_EQ(nodes_["az-a"]->ReadRecords(Shard10())->size(), 10u);
}

TEST_F(StoreTest, NodeFailedDuringCatchUpStaysDownAndCanRecoverAgain) {
  OpenStore();
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(store_->FailNode("az-c").ok());
  ASSERT_TRUE(WriteAndWait(RecordBatch(1)).ok());
  controls_["az-c"]->Hang();
  ASSERT_TRUE(store_->RecoverNode("az-c").ok());
  ASSERT_TRUE(controls_["az-c"]->WaitUntilHung(5s));
  ASSERT_TRUE(store_->FailNode("az-c").ok());
  controls_["az-c"]->Release();
  ASSERT_TRUE(WriteAndWait(RecordBatch(2)).ok());
  // The abandoned rebuild does not make it healthy.
  ASSERT_TRUE(WaitFor([&] { return nodes_["az-c"]->applied_lsn() >= 2; }));
  EXPECT_EQ(Info("az-c").state, NodeState::kDown);

  ASSERT_TRUE(store_->RecoverNode("az-c").ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  EXPECT_EQ(Content(*nodes_["az-c"]), Content(*nodes_["az-a"]));
}

TEST_F(StoreTest, CatchUpFailsWhenItsSourceGoesDown) {
  OpenStore();
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(store_->FailNode("az-c").ok());
  // a (the source) hangs on LSN 2, so the snapshot queued behind it waits.
  controls_["az-a"]->Hang();
  Completions& completions = completions_;
  ASSERT_TRUE(store_->Write(RecordBatch(1), completions.Callback(0)).ok());
  ASSERT_TRUE(controls_["az-a"]->WaitUntilHung(5s));
  ASSERT_TRUE(store_->RecoverNode("az-c").ok());
  EXPECT_EQ(Info("az-c").state, NodeState::kCatchingUp);
  ASSERT_TRUE(store_->FailNode("az-a").ok());  // drops the snapshot task
  ASSERT_TRUE(WaitForState("az-c", NodeState::kDown));
  // LSN 2 went to a and b only; with a gone it cannot reach a quorum.
  ASSERT_TRUE(completions.WaitForCount(1));
  EXPECT_EQ(completions.statuses()[0].code(), ErrorCode::kUnavailable);
  controls_["az-a"]->Release();

  // b is the one healthy node left; it can still rebuild c.
  ASSERT_TRUE(store_->RecoverNode("az-c").ok());
  ASSERT_TRUE(WaitForState("az-c", NodeState::kHealthy));
  EXPECT_EQ(Content(*nodes_["az-c"]), Content(*nodes_["az-b"]));
  ASSERT_TRUE(WriteAndWait(RecordBatch(3)).ok());
}

TEST_F(StoreTest, RestartKeepsDataAndContinuesTheLog) {
  OpenStore();
  for (uint64_t seq = 0; seq < 20; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  store_->Close();

  OpenStore();
  EXPECT_EQ(store_->Stats().committed_lsn, 20u);
  for (const auto& info : store_->Nodes()) {
    EXPECT_EQ(info.state, NodeState::kHealthy) << info.name;
    EXPECT_EQ(info.applied_lsn, 20u) << info.name;
  }
  auto records = ReadShard10();
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), 20u);
  ASSERT_TRUE(WriteAndWait(RecordBatch(20)).ok());
  EXPECT_EQ(store_->Stats().committed_lsn, 21u);
  EXPECT_EQ(ReadShard10()->size(), 21u);
}

TEST_F(StoreTest, WipedAzDirectoryIsRebuiltAtOpen) {
  OpenStore();
  for (uint64_t seq = 0; seq < 30; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  store_.reset();
  std::filesystem::remove_all(dir_.path() / "az-b");

  OpenStore();
  EXPECT_EQ(store_->Stats().committed_lsn, 30u);
  ASSERT_TRUE(WaitCaughtUp("az-b"));
  EXPECT_EQ(nodes_["az-b"]->applied_lsn(), 30u);
  EXPECT_EQ(Content(*nodes_["az-b"]), Content(*nodes_["az-a"]));
  EXPECT_EQ(Content(*nodes_["az-b"]).size(), 35u);
  ASSERT_TRUE(WriteAndWait(RecordBatch(30)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  EXPECT_EQ(Content(*nodes_["az-b"]), Content(*nodes_["az-c"]));
}

TEST_F(StoreTest, NodeBehindAtOpenIsRebuiltAndTwoWipedNodesToo) {
  OpenStore();
  for (uint64_t seq = 0; seq < 5; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  ASSERT_TRUE(store_->FailNode("az-c").ok());
  for (uint64_t seq = 5; seq < 10; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  store_.reset();

  OpenStore();
  ASSERT_TRUE(WaitCaughtUp("az-c"));
  EXPECT_EQ(Content(*nodes_["az-c"]), Content(*nodes_["az-a"]));
  store_.reset();

  // Only one node survives: it is the truth, and the other two are rebuilt from it.
  std::filesystem::remove_all(dir_.path() / "az-a");
  std::filesystem::remove_all(dir_.path() / "az-c");
  OpenStore();
  EXPECT_EQ(store_->Stats().committed_lsn, 10u);
  ASSERT_TRUE(WaitCaughtUp("az-a"));
  ASSERT_TRUE(WaitCaughtUp("az-c"));
  EXPECT_EQ(Content(*nodes_["az-a"]), Content(*nodes_["az-b"]));
  EXPECT_EQ(Content(*nodes_["az-c"]), Content(*nodes_["az-b"]));
  ASSERT_TRUE(WriteAndWait(RecordBatch(10)).ok());
}

TEST_F(StoreTest, FaultsUnderConcurrentLoadLeaveNodesEqual) {
  OpenStore();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  Completions& completions = completions_;
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      if (store_->Write(RecordBatch(static_cast<uint64_t>(i)), completions.Callback(i)).ok()) {
        ++ok;
      } else {
        ++refused;
      }
      if (i % 8 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  // Stops and joins the writer however the test ends, so a failed assertion cannot leave a
  // joinable thread behind.
  struct JoinOnExit {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~JoinOnExit() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } join_on_exit{stop, writer};
  for (const char* name : {"az-a", "az-b", "az-c", "az-a", "az-c"}) {
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(store_->FailNode(name).ok());
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(store_->RecoverNode(name).ok());
    ASSERT_TRUE(WaitForState(name, NodeState::kHealthy));
  }
  stop = true;
  writer.join();
  ASSERT_TRUE(completions.WaitForCount(static_cast<size_t>(ok.load())));
  // One node down at a time never costs a quorum.
  for (const Status& status : completions.statuses()) EXPECT_TRUE(status.ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  EXPECT_EQ(Content(*nodes_["az-a"]), Content(*nodes_["az-b"]));
  EXPECT_EQ(Content(*nodes_["az-a"]), Content(*nodes_["az-c"]));
  EXPECT_EQ(store_->Stats().catch_ups_completed, 5u);
  EXPECT_GT(ok.load(), 0);
}

}  // namespace
}  // namespace sluice::replication::testing
