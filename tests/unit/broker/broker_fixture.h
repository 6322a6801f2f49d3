// The broker over a real three-node replicated store in a temp directory, with the io_context
// running on a thread of its own as in the server, and a fault injector on every node.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "sluice/broker/broker.h"
#include "support/io_thread.h"
#include "unit/replication/fault_control.h"

namespace sluice::broker {

namespace fs = std::filesystem;

// Whether `predicate` holds within ten seconds (polled).
inline bool Eventually(const std::function<bool()>& predicate) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-broker-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    for (auto& [name, control] : controls_) control->Set({});
    Close();
    fs::remove_all(dir_);
  }
  void Open() {
    replication::StoreOptions store_options;
    store_options.node_faults = [this](const std::string& name) {
      auto& control = controls_[name];
      if (!control) control = std::make_shared<replication::testing::FaultControl>();
      return std::shared_ptr<replication::NodeFaults>(control);
    };
    auto store = replication::ReplicatedStore::Open(dir_, store_options);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    IteratorCodec::Key key;
    key.fill(3);
    BrokerOptions options;
    options.create_delay = create_delay_;
    options.delete_delay = std::chrono::milliseconds(0);
    options.update_delay = update_delay_;
    options.on_demand_stream_limit = on_demand_stream_limit_;
    options.consumer_create_delay = options.consumer_delete_delay = consumer_delay_;
    options.subscription = subscription_options_;
    options.enforce_limits = enforce_limits_;
    options.clock_ms = [this] {
      if (int64_t frozen = frozen_clock_ms_.load(); frozen != 0) return frozen;
      auto now = std::chrono::system_clock::now() + time_travel_.load();
      return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    };
    broker_ = std::make_unique<Broker>(io_.io(), *store_, IteratorCodec(key), options);
    ASSERT_TRUE(broker_->Recover().ok());
  }
  void Close() {
    if (broker_) broker_->Stop();
    if (store_) store_->Close();
    io_.Drain();  // what Stop and Close handed the io_context runs before the broker goes away
    broker_.reset();
    store_.reset();
  }

  Status Create(const std::string& name, uint32_t shards) {
    std::promise<Status> done;
    CreateStreamRequest request;
    request.name = name;
    request.shard_count = shards;
    broker_->CreateStream(caller_, request, [&](Result<Done> r) { done.set_value(r.status()); });
    return done.get_future().get();
  }
  Result<PutRecordsResult> Put(const std::string& name, std::vector<PutEntry> entries) {
    std::promise<Result<PutRecordsResult>> done;
    broker_->PutRecords(caller_, {name, ""}, std::move(entries),
                        [&](Result<PutRecordsResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  // The broker's reads, waited for.
  Result<GetRecordsResult> GetRecords(const std::string& iterator, std::optional<uint32_t> limit) {
    std::promise<Result<GetRecordsResult>> done;
    broker_->GetRecords(iterator, limit,
                        [&](Result<GetRecordsResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  Result<std::string> GetShardIterator(const Caller& caller, const IteratorRequest& request) {
    std::promise<Result<std::string>> done;
    broker_->GetShardIterator(caller, request,
                              [&](Result<std::string> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  std::string Iterator(const std::string& name, const std::string& shard, const std::string& type,
                       std::optional<std::string> seq = std::nullopt,
                       std::optional<int64_t> at_ms = std::nullopt) {
    static const std::map<std::string, IteratorType> kTypes = {
        {"AT_SEQUENCE_NUMBER", IteratorType::kAtSequenceNumber},
        {"AFTER_SEQUENCE_NUMBER", IteratorType::kAfterSequenceNumber},
        {"TRIM_HORIZON", IteratorType::kTrimHorizon},
        {"LATEST", IteratorType::kLatest},
        {"AT_TIMESTAMP", IteratorType::kAtTimestamp}};
    IteratorRequest request{{name, ""}, shard, kTypes.at(type), seq, at_ms};
    auto it = GetShardIterator(caller_, request);
    EXPECT_TRUE(it.ok()) << it.status().message();
    return it.ok() ? *it : "";
  }

  fs::path dir_;
  testing::IoThread io_;  // write completions and timers run here, as on the server
  std::unique_ptr<replication::ReplicatedStore> store_;
  std::unique_ptr<Broker> broker_;
  Caller caller_{"000000000000", "us-east-1"};
  std::atomic<std::chrono::milliseconds> time_travel_{std::chrono::milliseconds(0)};
  // When not 0, the broker's clock stands still at this epoch ms (rate tests move it by hand).
  std::atomic<int64_t> frozen_clock_ms_{0};
  bool enforce_limits_ = false;  // takes effect at the next Open
  // A stream's CREATING phase (takes effect at the next Open).
  std::chrono::milliseconds create_delay_{0};
  // A consumer's CREATING and DELETING phases (takes effect at the next Open).
  std::chrono::milliseconds consumer_delay_{0};
  SubscriptionOptions subscription_options_;  // takes effect at the next Open
  // How long an UPDATING stream stays so, and the on-demand stream limit (next Open).
  std::chrono::milliseconds update_delay_{0};
  uint32_t on_demand_stream_limit_ = 50;
  // Each node's fault injector; they survive a reopen.
  std::map<std::string, std::shared_ptr<replication::testing::FaultControl>> controls_;
};

}  // namespace sluice::broker
