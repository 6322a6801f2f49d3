#include "replication/node_writer.h"

#include <gtest/gtest.h>

#include <tuple>

#include "store_fixture.h"

namespace sluice::replication::testing {
namespace {

// Records what a NodeWriter reports; thread-safe.
class RecordingListener : public WriterListener {
 public:
  using Applied = std::tuple<uint64_t, uint64_t, bool>;  // first, last, ok

  void OnApplied(size_t, uint64_t, Lsn first_lsn, Lsn last_lsn, const Status& status) override {
    std::lock_guard lock(reports_mutex_);
    applied_.emplace_back(first_lsn.value(), last_lsn.value(), status.ok());
  }
  void OnCaughtUp(size_t, uint64_t, const Status& status) override {
    std::lock_guard lock(reports_mutex_);
    caught_up_.push_back(status);
  }
  void OnProbed(size_t, uint64_t, const Status& status, Clock::duration) override {
    std::lock_guard lock(reports_mutex_);
    probed_.push_back(status);
  }
  std::vector<Status> probed() const {
    std::lock_guard lock(reports_mutex_);
    return probed_;
  }
  std::vector<Applied> applied() const {
    std::lock_guard lock(reports_mutex_);
    return applied_;
  }
  std::vector<Status> caught_up() const {
    std::lock_guard lock(reports_mutex_);
    return caught_up_;
  }

 private:
  mutable std::mutex reports_mutex_;  // guards applied_, caught_up_ and probed_
  std::vector<Applied> applied_;
  std::vector<Status> caught_up_;
  std::vector<Status> probed_;
};

class NodeWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inner = storage::OpenRocksNode("az-a", dir_.path() / "az-a");
    ASSERT_TRUE(inner.ok());
    node_ = std::move(inner).value();
  }
  void TearDown() override {
    control_->Release();
    if (writer_) writer_->Stop();
  }

  void StartWriter(size_t max_group_bytes) {
    writer_ = std::make_unique<NodeWriter>(0, node_.get(), control_, &pin_, &listener_, false,
                                           max_group_bytes);
    writer_->Start();
  }

  static WriterTask WriteTask(uint64_t lsn) {
    WriterTask task;
    task.kind = WriterTask::Kind::kWrite;
    task.lsn = Lsn{lsn};
    task.batch = std::make_shared<const storage::WriteBatch>(RecordBatch(lsn));
    task.queued_at = Clock::now();
    return task;
  }

  TempDir dir_;
  std::shared_ptr<FaultControl> control_ = std::make_shared<FaultControl>();
  std::unique_ptr<storage::StorageNode> node_;
  std::shared_mutex pin_;
  RecordingListener listener_;
  std::unique_ptr<NodeWriter> writer_;
};

TEST_F(NodeWriterTest, GroupCommitsEverythingQueuedBehindABusyApply) {
  StartWriter(16 << 20);
  control_->Hang();
  writer_->Enqueue(WriteTask(1));
  ASSERT_TRUE(control_->WaitUntilHung(5s));
  EXPECT_TRUE(writer_->OldestUnackedSince().has_value());
  for (uint64_t lsn = 2; lsn <= 10; ++lsn) writer_->Enqueue(WriteTask(lsn));
  control_->Release();
  ASSERT_TRUE(WaitFor([&] { return node_->applied_lsn() == 10; }));
  ASSERT_TRUE(WaitFor([&] { return listener_.applied().size() == 2; }));
  EXPECT_EQ(listener_.applied(),
            (std::vector<RecordingListener::Applied>{{1, 1, true}, {2, 10, true}}));
  EXPECT_EQ(control_->applies(), 2);
  EXPECT_EQ(node_->ReadRecords(Shard10())->size(), 10u);
  ASSERT_TRUE(WaitFor([&] { return !writer_->OldestUnackedSince().has_value(); }));
}

TEST_F(NodeWriterTest, GroupsStopAtMaxGroupBytes) {
  const size_t one = RecordBatch(2).ByteSize();
  StartWriter(one * 2);  // two batches per group
  control_->Hang();
  writer_->Enqueue(WriteTask(1));
  ASSERT_TRUE(control_->WaitUntilHung(5s));
  for (uint64_t lsn = 2; lsn <= 6; ++lsn) writer_->Enqueue(WriteTask(lsn));
  control_->Release();
  ASSERT_TRUE(WaitFor([&] { return listener_.applied().size() == 4; }));
  EXPECT_EQ(listener_.applied(), (std::vector<RecordingListener::Applied>{
                                     {1, 1, true}, {2, 3, true}, {4, 5, true}, {6, 6, true}}));
}

TEST_F(NodeWriterTest, FailedApplyIsReported) {
  StartWriter(16 << 20);
  control_->FailApplies(true);
  writer_->Enqueue(WriteTask(1));
  ASSERT_TRUE(WaitFor([&] { return listener_.applied().size() == 1; }));
  EXPECT_EQ(listener_.applied()[0], RecordingListener::Applied(1, 1, false));
  EXPECT_EQ(node_->applied_lsn(), 0u);
}

TEST_F(NodeWriterTest, DropQueueAbandonsWorkAndFailsPendingSnapshots) {
  StartWriter(16 << 20);
  control_->Hang();
  writer_->Enqueue(WriteTask(1));
  ASSERT_TRUE(control_->WaitUntilHung(5s));
  writer_->Enqueue(WriteTask(2));
  auto handoff = std::make_shared<SnapshotHandoff>();
  WriterTask snapshot;
  snapshot.kind = WriterTask::Kind::kSnapshot;
  snapshot.handoff = handoff;
  writer_->Enqueue(std::move(snapshot));

  writer_->DropQueue();
  EXPECT_FALSE(writer_->OldestUnackedSince().has_value());
  auto result = handoff->Wait();
  EXPECT_EQ(result.status().code(), ErrorCode::kUnavailable);
  control_->Release();
  ASSERT_TRUE(WaitFor([&] { return listener_.applied().size() == 1; }));
  writer_->Stop();
  EXPECT_EQ(node_->applied_lsn(), 1u);  // LSN 2 was dropped
}

TEST_F(NodeWriterTest, SnapshotThenCatchUpBetweenTwoWriters) {
  StartWriter(16 << 20);
  writer_->Enqueue(WriteTask(1));
  writer_->Enqueue(WriteTask(2));
  auto handoff = std::make_shared<SnapshotHandoff>();
  WriterTask snapshot;
  snapshot.kind = WriterTask::Kind::kSnapshot;
  snapshot.handoff = handoff;
  writer_->Enqueue(std::move(snapshot));
  writer_->Enqueue(WriteTask(3));  // after the snapshot point

  auto other = storage::OpenRocksNode("az-b", dir_.path() / "az-b");
  ASSERT_TRUE(other.ok());
  RecordingListener other_listener;
  std::shared_mutex other_pin;
  NodeWriter other_writer(1, other->get(), std::make_shared<NodeFaults>(), &other_pin,
                          &other_listener, false, 16 << 20);
  other_writer.Start();
  WriterTask catch_up;
  catch_up.kind = WriterTask::Kind::kCatchUp;
  catch_up.handoff = handoff;
  other_writer.Enqueue(std::move(catch_up));
  other_writer.Enqueue(WriteTask(3));
  ASSERT_TRUE(WaitFor([&] { return (*other)->applied_lsn() == 3; }));
  other_writer.Stop();
  ASSERT_EQ(other_listener.caught_up().size(), 1u);
  EXPECT_TRUE(other_listener.caught_up()[0].ok());
  ASSERT_TRUE(WaitFor([&] { return node_->applied_lsn() == 3; }));
  EXPECT_EQ(Content(**other), Content(*node_));
}

// The bytes a writer holds count its queue and an apply abandoned by DropQueue until it returns;
// a probe queued behind that apply runs only once it has, and leaves the node's content alone.
TEST_F(NodeWriterTest, HeldBytesCountAnAbandonedApplyAndAProbeWaitsForIt) {
  StartWriter(16 << 20);
  control_->Hang();
  WriterTask first = WriteTask(1);
  const size_t first_bytes = first.batch->ByteSize();
  writer_->Enqueue(std::move(first));
  ASSERT_TRUE(control_->WaitUntilHung(5s));
  WriterTask second = WriteTask(2);
  const size_t second_bytes = second.batch->ByteSize();
  writer_->Enqueue(std::move(second));
  EXPECT_EQ(writer_->HeldBytes(), first_bytes + second_bytes);

  writer_->DropQueue();
  EXPECT_EQ(writer_->HeldBytes(), first_bytes);  // still in the hung apply
  WriterTask probe;
  probe.kind = WriterTask::Kind::kProbe;
  probe.queued_at = Clock::now();
  writer_->Enqueue(std::move(probe));
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(listener_.probed().empty());  // behind the hung apply

  control_->Release();
  ASSERT_TRUE(WaitFor([&] { return listener_.probed().size() == 1; }));
  EXPECT_TRUE(listener_.probed()[0].ok());
  EXPECT_EQ(writer_->HeldBytes(), 0u);
  EXPECT_EQ(node_->applied_lsn(), 1u);
  EXPECT_EQ(Content(*node_).size(), 2u);  // LSN 1's record and meta entry, nothing else
}

}  // namespace
}  // namespace sluice::replication::testing
