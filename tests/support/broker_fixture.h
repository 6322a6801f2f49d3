#pragma once

#include <atomic>
#include <memory>

#include <gtest/gtest.h>

#include "sluice/broker/broker.h"
#include "sluice/replication/replicated_store.h"
#include "support/io_thread.h"
#include "support/temp_dir.h"

namespace sluice::testing {

// A real broker over a three-node replicated store in a fresh temp directory, for tests of the
// layers above it (api/, protocol/). Lifecycle delays are 0, so a created stream is ACTIVE when
// CreateStream answers, and the broker's clock is `now_ms_`, so arrival and creation times (and
// the sequence numbers made from them) are known to the test.
class BrokerFixture : public ::testing::Test {
 protected:
  // 2023-12-05T07:09:13.593Z, the JSON timestamp AWS-COMPAT.md quotes.
  static constexpr int64_t kNowMs = 1701760153593;

  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    replication::StoreOptions store_options;
    store_options.node_count = 3;
    auto store = replication::ReplicatedStore::Open(dir_.path(), store_options);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    broker::IteratorCodec::Key key;
    key.fill(7);
    broker::BrokerOptions options;
    options.create_delay = options.delete_delay = options.update_delay =
        std::chrono::milliseconds(0);
    options.consumer_create_delay = options.consumer_delete_delay = std::chrono::milliseconds(0);
    options.subscription.lifetime = std::chrono::milliseconds(300);  // a whole stream, quickly
    options.clock_ms = [this] { return now_ms_.load(); };
    broker_ =
        std::make_unique<broker::Broker>(io_.io(), *store_, broker::IteratorCodec(key), options);
    ASSERT_TRUE(broker_->Recover().ok());
  }

  void TearDown() override {
    if (broker_) broker_->Stop();
    if (store_) store_->Close();
    io_.Drain();
    broker_.reset();
    store_.reset();
  }

  TempDir dir_;
  IoThread io_;  // write completions and timers run here, as on the server's event loop
  std::unique_ptr<replication::ReplicatedStore> store_;
  std::unique_ptr<broker::Broker> broker_;
  std::atomic<int64_t> now_ms_{kNowMs};
};

}  // namespace sluice::testing
