#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fault_control.h"
#include "sluice/replication/replicated_store.h"
#include "support/temp_dir.h"

namespace sluice::replication::testing {

using sluice::testing::TempDir;

using namespace std::chrono_literals;

// Polls `predicate` until it holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& predicate,
                    std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Collects `done` outcomes in the order they are delivered; thread-safe.
class Completions {
 public:
  std::function<void(Status)> Callback(int id) {
    return [this, id](Status status) {
      std::lock_guard lock(outcomes_mutex_);
      order_.push_back(id);
      statuses_.push_back(status);
      cv_.notify_all();
    };
  }
  bool WaitForCount(size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(outcomes_mutex_);
    return cv_.wait_for(lock, timeout, [&] { return order_.size() >= count; });
  }
  size_t count() const {
    std::lock_guard lock(outcomes_mutex_);
    return order_.size();
  }
  std::vector<int> order() const {
    std::lock_guard lock(outcomes_mutex_);
    return order_;
  }
  std::vector<Status> statuses() const {
    std::lock_guard lock(outcomes_mutex_);
    return statuses_;
  }

 private:
  mutable std::mutex outcomes_mutex_;  // guards order_ and statuses_
  std::condition_variable cv_;
  std::vector<int> order_;
  std::vector<Status> statuses_;
};

inline storage::StoredRecord Record(uint64_t seq, std::string data) {
  storage::StoredRecord record;
  record.seq_index = seq;
  record.arrival_ms = static_cast<int64_t>(1000 + seq);
  record.partition_key = "pk-" + std::to_string(seq % 7);
  record.data = std::move(data);
  return record;
}

// One record at (stream 1, shard 0, seq) and a meta entry naming it.
inline storage::WriteBatch RecordBatch(uint64_t seq) {
  storage::WriteBatch batch;
  batch.PutRecord(1, 0, Record(seq, "data-" + std::to_string(seq)));
  batch.PutMeta("last/" + std::to_string(seq % 5), std::to_string(seq));
  return batch;
}

inline storage::RecordRange Shard10() {
  storage::RecordRange range;
  range.stream_uid = 1;
  range.shard_index = 0;
  return range;
}

// A node's whole visible content, as comparable strings.
inline std::vector<std::string> Content(const storage::StorageNode& node) {
  std::vector<std::string> content;
  auto records = node.ReadRecords(Shard10());
  EXPECT_TRUE(records.ok());
  if (records.ok()) {
    for (const auto& r : *records) {
      content.push_back("record " + std::to_string(r.seq_index) + " " +
                        std::to_string(r.arrival_ms) + " " + r.partition_key + " " + r.data);
    }
  }
  auto meta = node.ScanMeta("");
  EXPECT_TRUE(meta.ok());
  if (meta.ok()) {
    for (const auto& [key, value] : *meta) content.push_back("meta " + key + "=" + value);
  }
  return content;
}

// A fresh data directory, a store whose nodes all have a FaultControl, and helpers.
class StoreTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& [name, control] : controls_) {
      control->Set({});
      control->Release();
    }
    store_.reset();
  }

  StoreOptions DefaultOptions() {
    StoreOptions options;
    options.sync = false;  // tests need no fsync; durability across Close is the same
    options.node_timeout = 5s;
    return options;
  }

  // Opens (or reopens) the store in the fixture's directory.
  void OpenStore(StoreOptions options) {
    store_.reset();
    nodes_.clear();
    options.node_faults = [this](const std::string& name) -> std::shared_ptr<NodeFaults> {
      auto& control = controls_[name];
      if (!control) control = std::make_shared<FaultControl>();
      return control;
    };
    options.wrap_node = [this](std::unique_ptr<storage::StorageNode> node) {
      nodes_[node->name()] = node.get();
      return node;
    };
    auto store = ReplicatedStore::Open(dir_.path(), std::move(options));
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
  }
  void OpenStore() { OpenStore(DefaultOptions()); }

  // Writes and waits for the outcome: Write's own failure, or what `done` reports.
  Status WriteAndWait(storage::WriteBatch batch) {
    auto completions = std::make_shared<Completions>();
    Status queued = store_->Write(std::move(batch), completions->Callback(0));
    if (!queued.ok()) return queued;
    if (!completions->WaitForCount(1)) return Status(ErrorCode::kInternal, "test: done timed out");
    return completions->statuses().at(0);
  }

  // Runs `read` on a fresh ReadView, as the broker reads; the view's failure otherwise.
  template <typename Read>
  auto ThroughView(Read read) -> decltype(read(std::declval<const storage::StorageNode&>())) {
    auto view = store_->OpenReadView();
    if (!view.ok()) return view.status();
    return read(view->node());
  }
  Result<std::vector<storage::StoredRecord>> ReadShard10() {
    return ThroughView(
        [](const storage::StorageNode& node) { return node.ReadRecords(Shard10()); });
  }

  NodeInfo Info(const std::string& name) const {
    for (const auto& info : store_->Nodes()) {
      if (info.name == name) return info;
    }
    ADD_FAILURE() << "no node " << name;
    return {};
  }
  bool WaitForState(const std::string& name, NodeState state,
                    std::chrono::milliseconds timeout = 10s) {
    return WaitFor([&] { return Info(name).state == state; }, timeout);
  }
  // Waits until the node is healthy and has applied everything committed.
  bool WaitCaughtUp(const std::string& name) {
    return WaitFor([&] {
      auto info = Info(name);
      return info.state == NodeState::kHealthy && info.applied_lsn == store_->Stats().committed_lsn;
    });
  }

  bool WaitAllCaughtUp() {
    for (const auto& info : store_->Nodes()) {
      if (!WaitCaughtUp(info.name)) return false;
    }
    return true;
  }

  TempDir dir_;
  // Outlives store_, so callbacks still running while a test body ends find it alive.
  Completions completions_;
  std::map<std::string, std::shared_ptr<FaultControl>> controls_;  // survive reopening
  std::map<std::string, storage::StorageNode*> nodes_;             // owned by store_
  std::unique_ptr<ReplicatedStore> store_;
};

}  // namespace sluice::replication::testing
