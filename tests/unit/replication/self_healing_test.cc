// Nodes that come back on their own: probes with backoff after a timeout or an I/O error, a
// stall of every node at once, the operator's sticky fail, the queue bound, and node
// directories that cannot be opened at start.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace sluice::replication::testing {
namespace {

class SelfHealingTest : public StoreTest {
 protected:
  StoreOptions HealingOptions() {
    StoreOptions options = DefaultOptions();
    options.node_timeout = 200ms;
    options.probe_backoff_min = 20ms;
    options.probe_backoff_max = 160ms;
    return options;
  }

  // The committed records of shard 1/0 on a node, by sequence index.
  static std::vector<uint64_t> Seqs(const storage::StorageNode& node) {
    std::vector<uint64_t> seqs;
    auto records = node.ReadRecords(Shard10());
    EXPECT_TRUE(records.ok());
    if (records.ok()) {
      for (const auto& record : *records) seqs.push_back(record.seq_index);
    }
    return seqs;
  }

  static void Garble(const std::filesystem::path& file) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << "this is not a RocksDB file\n";
  }
};

TEST_F(SelfHealingTest, NodeDownForATimeoutRejoinsOnItsOwn) {
  OpenStore(HealingOptions());
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());

  controls_["az-c"]->Hang();
  ASSERT_TRUE(WriteAndWait(RecordBatch(1)).ok());  // a and b make the quorum
  ASSERT_TRUE(WaitForState("az-c", NodeState::kDown));
  NodeInfo down = Info("az-c");
  EXPECT_NE(down.down_reason.find("within 200 ms"), std::string::npos) << down.down_reason;
  EXPECT_TRUE(down.self_healing);
  ASSERT_TRUE(WriteAndWait(RecordBatch(2)).ok());

  controls_["az-c"]->Release();  // the disk answers again; nobody calls RecoverNode
  ASSERT_TRUE(WriteAndWait(RecordBatch(3)).ok());
  ASSERT_TRUE(WaitCaughtUp("az-c"));
  EXPECT_EQ(Content(*nodes_["az-c"]), Content(*nodes_["az-a"]));
  EXPECT_EQ(Seqs(*nodes_["az-c"]), (std::vector<uint64_t>{0, 1, 2, 3}));
  EXPECT_TRUE(Info("az-c").down_reason.empty());

  // It counts toward the quorum again: with a down, b and c carry the writes.
  ASSERT_TRUE(store_->FailNode("az-a").ok());
  EXPECT_TRUE(WriteAndWait(RecordBatch(4)).ok());
}

TEST_F(SelfHealingTest, ProbesOfAFailingNodeBackOffExponentially) {
  OpenStore(HealingOptions());
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  controls_["az-b"]->FailApplies(true);
  ASSERT_TRUE(WriteAndWait(RecordBatch(1)).ok());
  ASSERT_TRUE(WaitForState("az-b", NodeState::kDown));
  EXPECT_NE(Info("az-b").down_reason.find("injected I/O error"), std::string::npos);

  const int before = controls_["az-b"]->applies();
  std::this_thread::sleep_for(1200ms);
  const int probes = controls_["az-b"]->applies() - before;
  // Waits of 20, 40, 80, 160, 160, ... ms: about 10 probes in 1.2 s. Without a backoff the
  // monitor would probe every few milliseconds; without probes there would be none.
  EXPECT_GE(probes, 5);
  EXPECT_LE(probes, 13);
  NodeInfo info = Info("az-b");
  EXPECT_EQ(info.state, NodeState::kDown);
  EXPECT_TRUE(info.self_healing);
  EXPECT_GE(info.probe_attempts, 5u);
  EXPECT_LE(info.next_probe_in_ms, 160);

  controls_["az-b"]->FailApplies(false);
  ASSERT_TRUE(WriteAndWait(RecordBatch(2)).ok());
  ASSERT_TRUE(WaitCaughtUp("az-b"));
  EXPECT_EQ(Content(*nodes_["az-b"]), Content(*nodes_["az-a"]));
}

TEST_F(SelfHealingTest, OperatorFailStaysDownUntilRecover) {
  OpenStore(HealingOptions());
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  ASSERT_TRUE(store_->FailNode("az-b").ok());
  const int before = controls_["az-b"]->applies();
  std::this_thread::sleep_for(500ms);  // 25 minimum backoffs
  NodeInfo info = Info("az-b");
  EXPECT_EQ(info.state, NodeState::kDown);
  EXPECT_FALSE(info.self_healing);
  EXPECT_EQ(info.next_probe_in_ms, -1);
  EXPECT_EQ(controls_["az-b"]->applies(), before);  // never probed

  // A node that went down by itself and is then failed by the operator stays down too.
  controls_["az-c"]->FailApplies(true);
  EXPECT_EQ(WriteAndWait(RecordBatch(1)).code(), ErrorCode::kUnavailable);
  ASSERT_TRUE(WaitForState("az-c", NodeState::kDown));
  ASSERT_TRUE(store_->FailNode("az-c").ok());
  controls_["az-c"]->FailApplies(false);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(Info("az-c").state, NodeState::kDown);
  EXPECT_FALSE(Info("az-c").self_healing);

  ASSERT_TRUE(store_->RecoverNode("az-b").ok());
  ASSERT_TRUE(store_->RecoverNode("az-c").ok());
  ASSERT_TRUE(WaitForState("az-b", NodeState::kHealthy));
  ASSERT_TRUE(WaitForState("az-c", NodeState::kHealthy));
  EXPECT_TRUE(WriteAndWait(RecordBatch(2)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
}

// Every node hangs past the timeout (a stall of the shared disk): all go down, writes fail at
// once; the stall ends and the store recovers by itself with every acknowledged write, and a
// metadata write that failed during the stall leaves no trace, though every node applied it.
TEST_F(SelfHealingTest, StallOfEveryNodeRecoversWithoutLosingAcknowledgedWrites) {
  OpenStore(HealingOptions());
  {
    storage::WriteBatch meta;
    meta.PutMeta("setting", "old");
    ASSERT_TRUE(WriteAndWait(std::move(meta)).ok());
  }
  std::mutex producer_mutex;  // held around each Write, and to pause the producer
  std::mutex acked_mutex;     // guards acked
  std::set<uint64_t> acked;
  std::atomic<int> outstanding{0};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> next_seq{100};
  std::atomic<uint64_t> refused{0};
  std::thread producer([&] {
    while (!stop.load()) {
      {
        std::lock_guard lock(producer_mutex);
        const uint64_t seq = next_seq++;
        ++outstanding;
        Status queued = store_->Write(RecordBatch(seq), [&, seq](Status status) {
          if (status.ok()) {
            std::lock_guard acked_lock(acked_mutex);
            acked.insert(seq);
          }
          --outstanding;
        });
        if (!queued.ok()) {
          --outstanding;
          ++refused;
        }
      }
      std::this_thread::sleep_for(1ms);
    }
  });
  // However the test ends, the producer stops before the store and the variables it uses go.
  struct StopProducer {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~StopProducer() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } stop_producer{stop, producer};
  auto acked_count = [&] {
    std::lock_guard lock(acked_mutex);
    return acked.size();
  };
  ASSERT_TRUE(WaitFor([&] { return acked_count() > 50; }));

  // The stall begins with a metadata change, so that every node hangs in (and later finishes)
  // applying it, after its failure was decided.
  auto change_done = std::make_shared<Completions>();
  {
    std::unique_lock lock(producer_mutex);
    ASSERT_TRUE(WaitFor([&] { return outstanding.load() == 0; }));
    for (auto& [name, control] : controls_) control->Hang();
    storage::WriteBatch change;
    change.PutMeta("setting", "new");
    storage::WriteBatch undo;
    undo.PutMeta("setting", "old");
    ASSERT_TRUE(store_->Write(std::move(change), change_done->Callback(0), std::move(undo)).ok());
    for (auto& [name, control] : controls_) ASSERT_TRUE(control->WaitUntilHung(5s)) << name;
  }
  for (const char* name : {"az-a", "az-b", "az-c"}) {
    ASSERT_TRUE(WaitForState(name, NodeState::kDown)) << name;
  }
  ASSERT_TRUE(change_done->WaitForCount(1));
  EXPECT_EQ(change_done->statuses()[0].code(), ErrorCode::kUnavailable);
  const uint64_t refused_before = refused.load();
  ASSERT_TRUE(WaitFor([&] { return refused.load() > refused_before + 20; }));  // fail at once
  EXPECT_EQ(ReadShard10().status().code(), ErrorCode::kUnavailable);

  const uint64_t first_after_stall = next_seq.load();
  for (auto& [name, control] : controls_) control->Release();
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard lock(acked_mutex);
        return std::distance(acked.upper_bound(first_after_stall), acked.end()) >= 50;
      },
      20s));
  stop = true;
  producer.join();
  ASSERT_TRUE(WaitFor([&] { return outstanding.load() == 0; }));
  ASSERT_TRUE(WaitAllCaughtUp());

  // Every acknowledged write is on every node, once, in order; the failed change is undone.
  ASSERT_GT(acked.size(), 100u);
  for (const char* name : {"az-a", "az-b", "az-c"}) {
    std::vector<uint64_t> seqs = Seqs(*nodes_[name]);
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
    EXPECT_EQ(std::set<uint64_t>(seqs.begin(), seqs.end()).size(), seqs.size());
    std::vector<uint64_t> missing;
    std::set_difference(acked.begin(), acked.end(), seqs.begin(), seqs.end(),
                        std::back_inserter(missing));
    EXPECT_TRUE(missing.empty()) << name << " lost " << missing.size() << " acknowledged writes";
    auto setting = nodes_[name]->GetMeta("setting");
    ASSERT_TRUE(setting.ok());
    EXPECT_EQ(setting->value_or("(none)"), "old") << name;
  }
  EXPECT_EQ(Content(*nodes_["az-a"]), Content(*nodes_["az-b"]));
  EXPECT_EQ(Content(*nodes_["az-a"]), Content(*nodes_["az-c"]));
}

TEST_F(SelfHealingTest, NodeWhoseQueueOutgrowsTheBoundLeavesTheQuorum) {
  StoreOptions options = HealingOptions();
  options.node_timeout = 30s;  // only the bound can take the slow node out
  options.max_node_queue_bytes = 64 << 10;
  options.probe_backoff_min = 2s;  // it stays down long enough to be looked at
  options.probe_backoff_max = 2s;
  OpenStore(options);
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  controls_["az-c"]->DelayApplies(100ms);

  auto completions = std::make_shared<Completions>();
  const std::string payload(4096, 'x');
  int written = 0;
  for (uint64_t seq = 1; seq <= 200 && Info("az-c").state != NodeState::kDown; ++seq) {
    storage::WriteBatch batch;
    batch.PutRecord(1, 0, Record(seq, payload));
    ASSERT_TRUE(store_->Write(std::move(batch), completions->Callback(static_cast<int>(seq))).ok());
    ++written;
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(WaitForState("az-c", NodeState::kDown, 5s));
  EXPECT_NE(Info("az-c").down_reason.find("65536 byte bound"), std::string::npos)
      << Info("az-c").down_reason;
  ASSERT_TRUE(completions->WaitForCount(static_cast<size_t>(written)));
  for (const Status& status : completions->statuses()) EXPECT_TRUE(status.ok());

  controls_["az-c"]->DelayApplies(0ms);
  ASSERT_TRUE(WaitCaughtUp("az-c"));
  EXPECT_EQ(Content(*nodes_["az-c"]), Content(*nodes_["az-a"]));
}

TEST_F(SelfHealingTest, UnopenableDirectoryIsSetAsideAndRebuilt) {
  OpenStore(HealingOptions());
  for (uint64_t seq = 0; seq < 20; ++seq) ASSERT_TRUE(WriteAndWait(RecordBatch(seq)).ok());
  ASSERT_TRUE(WaitAllCaughtUp());
  const auto expected = Content(*nodes_["az-a"]);
  store_.reset();

  Garble(dir_.path() / "az-b" / "CURRENT");
  OpenStore(HealingOptions());
  ASSERT_TRUE(WaitAllCaughtUp());
  EXPECT_EQ(Content(*nodes_["az-b"]), expected);
  int set_aside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("az-b.corrupt-", 0) == 0) {
      ++set_aside;
      EXPECT_TRUE(std::filesystem::exists(entry.path() / "CURRENT"));  // kept for inspection
    }
  }
  EXPECT_EQ(set_aside, 1);
  ASSERT_TRUE(WriteAndWait(RecordBatch(20)).ok());
}

TEST_F(SelfHealingTest, TooFewOpenableDirectoriesStopTheStartAndRenameNothing) {
  OpenStore(HealingOptions());
  ASSERT_TRUE(WriteAndWait(RecordBatch(0)).ok());
  store_.reset();
  Garble(dir_.path() / "az-a" / "CURRENT");
  Garble(dir_.path() / "az-c" / "CURRENT");

  auto store = ReplicatedStore::Open(dir_.path(), HealingOptions());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("az-a, az-c"), std::string::npos)
      << store.status().message();
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find("corrupt"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::replication::testing
