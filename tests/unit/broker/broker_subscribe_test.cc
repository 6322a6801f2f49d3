// SubscribeToShard in the broker: records pushed from the commit signal, every starting
// position, heartbeats, lifetime, the takeover rule, backpressure, continuation, and the end of a
// subscription when its consumer goes or the broker stops.
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;

// Records what a subscription delivers. Acknowledges each event at once unless `hold` is set;
// then the test acknowledges with Release().
class RecordingSink : public SubscriptionSink {
 public:
  void Started() override {
    std::lock_guard lock(mutex_);
    started_ = true;
    changed_.notify_all();
  }
  void Event(SubscribeEvent event, std::function<void(bool)> delivered) override {
    std::unique_lock lock(mutex_);
    events_.push_back(std::move(event));
    if (hold_) {
      held_.push_back(std::move(delivered));
      changed_.notify_all();
      return;
    }
    changed_.notify_all();
    lock.unlock();
    delivered(true);
  }
  void Ended(Status status) override {
    std::lock_guard lock(mutex_);
    ended_ = std::move(status);
    changed_.notify_all();
  }

  // Waits up to 5 s for `predicate` over the sink's state.
  bool WaitFor(const std::function<bool()>& predicate) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, predicate);
  }
  bool WaitStarted() {
    return WaitFor([&] { return started_ || ended_.has_value(); }) && started_;
  }
  std::optional<Status> WaitEnded() {
    WaitFor([&] { return ended_.has_value(); });
    std::lock_guard lock(mutex_);
    return ended_;
  }
  // Every record delivered so far, as data strings.
  std::vector<std::string> Data() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> data;
    for (const auto& event : events_) {
      for (const auto& record : event.records) data.push_back(record.data);
    }
    return data;
  }
  bool WaitForRecords(size_t count) {
    return WaitFor([&] {
      size_t total = 0;
      for (const auto& event : events_) total += event.records.size();
      return total >= count;
    });
  }
  std::vector<SubscribeEvent> Events() {
    std::lock_guard lock(mutex_);
    return {events_.begin(), events_.end()};
  }
  void Hold(bool hold) {
    std::lock_guard lock(mutex_);
    hold_ = hold;
  }
  void Release() {
    std::vector<std::function<void(bool)>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& delivered : held) delivered(true);
  }
  size_t EventCount() {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  bool started_ = false;
  bool hold_ = false;
  std::deque<SubscribeEvent> events_;
  std::vector<std::function<void(bool)>> held_;
  std::optional<Status> ended_;
};

class SubscribeTest : public BrokerTest {
 protected:
  void SetUp() override {
    subscription_options_.heartbeat = 5s;
    subscription_options_.takeover = 0ms;
    BrokerTest::SetUp();
  }
  std::string StreamArnOf(const std::string& stream) {
    return StreamArn(caller_.region, caller_.account, stream);
  }
  std::string Consumer(const std::string& stream, const std::string& name = "reader") {
    std::promise<Result<ConsumerDescription>> done;
    broker_->RegisterStreamConsumer(caller_, {StreamArnOf(stream), name, {}},
                                    [&](Result<ConsumerDescription> r) { done.set_value(r); });
    auto registered = done.get_future().get();
    EXPECT_TRUE(registered.ok()) << registered.status().message();
    return registered.ok() ? registered->consumer_arn : "";
  }
  std::shared_ptr<RecordingSink> Subscribe(const std::string& consumer_arn, IteratorType type,
                                           std::optional<std::string> sequence = std::nullopt,
                                           std::optional<int64_t> at_ms = std::nullopt) {
    auto sink = std::make_shared<RecordingSink>();
    broker_->SubscribeToShard(caller_,
                              {consumer_arn, "shardId-000000000000", type, sequence, at_ms}, sink);
    return sink;
  }
  std::vector<std::string> PutMany(const std::string& stream, int from, int count) {
    std::vector<PutEntry> entries;
    std::vector<std::string> data;
    for (int i = from; i < from + count; ++i) {
      data.push_back("r" + std::to_string(i));
      entries.push_back({data.back(), "key" + std::to_string(i), std::nullopt});
    }
    auto put = Put(stream, std::move(entries));
    EXPECT_TRUE(put.ok() && put->failed == 0);
    return data;
  }
};

TEST_F(SubscribeTest, PushesCommittedRecordsFromLatest) {
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string consumer = Consumer("s");
  PutMany("s", 0, 3);  // before the subscription: LATEST skips them
  auto sink = Subscribe(consumer, IteratorType::kLatest);
  ASSERT_TRUE(sink->WaitStarted());
  auto want = PutMany("s", 3, 5);
  // Pushed by the commit signal: well before the 5 s heartbeat could have carried it.
  const auto put_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(sink->WaitForRecords(5));
  EXPECT_LT(std::chrono::steady_clock::now() - put_at, 2s);
  EXPECT_EQ(sink->Data(), want);
  auto events = sink->Events();
  EXPECT_EQ(events.back().continuation.seq_index, 7u);
  EXPECT_EQ(events.back().millis_behind_latest, 0);
}

TEST_F(SubscribeTest, TrimHorizonThenLiveRecordsExactlyOnceInOrder) {
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string consumer = Consumer("s");
  std::vector<std::string> want = PutMany("s", 0, 50);
  auto sink = Subscribe(consumer, IteratorType::kTrimHorizon);
  ASSERT_TRUE(sink->WaitStarted());
  for (int batch = 1; batch <= 10; ++batch) {
    auto more = PutMany("s", batch * 50, 50);
    want.insert(want.end(), more.begin(), more.end());
  }
  ASSERT_TRUE(sink->WaitForRecords(want.size()));
  std::this_thread::sleep_for(50ms);  // nothing extra arrives
  EXPECT_EQ(sink->Data(), want);
}

TEST_F(SubscribeTest, StartsAtSequenceNumbersAndTimestamps) {
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string consumer = Consumer("s");
  auto put =
      Put("s", {{"a", "k", std::nullopt}, {"b", "k", std::nullopt}, {"c", "k", std::nullopt}});
  ASSERT_TRUE(put.ok());
  const std::string second = put->records[1].sequence.ToString();

  auto at = Subscribe(consumer, IteratorType::kAtSequenceNumber, second);
  ASSERT_TRUE(at->WaitForRecords(2));
  EXPECT_EQ(at->Data(), (std::vector<std::string>{"b", "c"}));
  auto after = Subscribe(consumer, IteratorType::kAfterSequenceNumber, second);
  ASSERT_TRUE(after->WaitForRecords(1));
  EXPECT_EQ(after->Data(), (std::vector<std::string>{"c"}));
  auto from_time = Subscribe(consumer, IteratorType::kAtTimestamp, std::nullopt, int64_t{0});
  ASSERT_TRUE(from_time->WaitForRecords(3));
  EXPECT_EQ(from_time->Data(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SubscribeTest, RefusesWhatAwsRefuses) {
  Close();
  consumer_delay_ = 10s;
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string creating = Consumer("s");
  auto code = [&](const std::shared_ptr<RecordingSink>& sink) {
    auto ended = sink->WaitEnded();
    EXPECT_FALSE(sink->started_);
    return ended ? ended->code() : ErrorCode::kInternal;
  };
  EXPECT_EQ(code(Subscribe(creating, IteratorType::kLatest)), ErrorCode::kResourceInUse);
  EXPECT_EQ(code(Subscribe(StreamArnOf("s") + "/consumer/nobody:1", IteratorType::kLatest)),
            ErrorCode::kResourceNotFound);

  Close();
  consumer_delay_ = 0ms;
  Open();
  const std::string active = Consumer("s", "active");
  auto sink = std::make_shared<RecordingSink>();
  broker_->SubscribeToShard(caller_,
                            {active, "shardId-000000000009", IteratorType::kLatest, {}, {}}, sink);
  EXPECT_EQ(code(sink), ErrorCode::kResourceNotFound);
  EXPECT_EQ(code(Subscribe(active, IteratorType::kAtSequenceNumber, "12345")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Subscribe(active, IteratorType::kAtSequenceNumber)), ErrorCode::kInvalidArgument);
}

TEST_F(SubscribeTest, HeartbeatsWhileIdleAndEndsAfterItsLifetime) {
  Close();
  subscription_options_.heartbeat = 50ms;
  subscription_options_.lifetime = 600ms;
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  auto sink = Subscribe(Consumer("s"), IteratorType::kTrimHorizon);
  ASSERT_TRUE(sink->WaitStarted());
  ASSERT_TRUE(sink->WaitFor([&] { return sink->events_.size() >= 3; }));
  for (const auto& event : sink->Events()) {
    EXPECT_TRUE(event.records.empty());
    // Nothing delivered yet: resume from the shard's start.
    auto resumed = SequenceNumber::Parse(event.continuation.ToString());
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->seq_index, 0u);
  }
  auto ended = sink->WaitEnded();
  ASSERT_TRUE(ended);
  EXPECT_TRUE(ended->ok()) << ended->message();
}

TEST_F(SubscribeTest, ContinuationResumesWithoutLossOrRepeat) {
  Close();
  subscription_options_.heartbeat = 30ms;
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string consumer = Consumer("s");
  // An idle subscription from TRIM_HORIZON: its continuation must not skip record 0.
  auto idle = Subscribe(consumer, IteratorType::kTrimHorizon);
  ASSERT_TRUE(idle->WaitFor([&] { return !idle->events_.empty(); }));
  const std::string before_anything = idle->Events().front().continuation.ToString();
  broker_->Stop();
  ASSERT_TRUE(idle->WaitEnded());
  Close();
  Open();

  auto want = PutMany("s", 0, 10);
  auto resumed = Subscribe(consumer, IteratorType::kAfterSequenceNumber, before_anything);
  ASSERT_TRUE(resumed->WaitForRecords(10));
  EXPECT_EQ(resumed->Data(), want);
  const std::string continuation = resumed->Events().back().continuation.ToString();

  auto more = PutMany("s", 10, 5);
  auto next = Subscribe(consumer, IteratorType::kAfterSequenceNumber, continuation);
  ASSERT_TRUE(next->WaitForRecords(5));
  EXPECT_EQ(next->Data(), more);
}

TEST_F(SubscribeTest, ASlowSubscriberGetsOneEventAtATime) {
  ASSERT_TRUE(Create("s", 1).ok());
  Close();
  subscription_options_.max_event_records = 10;
  Open();
  auto sink = std::make_shared<RecordingSink>();
  sink->Hold(true);
  auto want = PutMany("s", 0, 30);
  broker_->SubscribeToShard(
      caller_, {Consumer("s"), "shardId-000000000000", IteratorType::kTrimHorizon, {}, {}}, sink);
  ASSERT_TRUE(sink->WaitFor([&] { return sink->events_.size() == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sink->EventCount(), 1u);  // nothing more until the first is delivered
  EXPECT_GT(sink->Events().front().millis_behind_latest, -1);
  sink->Hold(false);
  sink->Release();
  ASSERT_TRUE(sink->WaitForRecords(30));
  EXPECT_EQ(sink->Data(), want);
}

TEST_F(SubscribeTest, ASecondSubscriptionWithinTheWindowIsRefusedAfterItReplaces) {
  Close();
  subscription_options_.takeover = 300ms;
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string consumer = Consumer("s");
  auto first = Subscribe(consumer, IteratorType::kLatest);
  ASSERT_TRUE(first->WaitStarted());
  auto refused = Subscribe(consumer, IteratorType::kLatest);
  auto refusal = refused->WaitEnded();
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->code(), ErrorCode::kResourceInUse);
  EXPECT_FALSE(refused->started_);
  std::this_thread::sleep_for(350ms);
  auto second = Subscribe(consumer, IteratorType::kLatest);
  ASSERT_TRUE(second->WaitStarted());
  auto replaced = first->WaitEnded();
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->code(), ErrorCode::kResourceInUse);
}

TEST_F(SubscribeTest, EndsWhenItsConsumerIsDeregisteredOrTheBrokerStops) {
  Close();
  subscription_options_.heartbeat = 30ms;
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string consumer = Consumer("s");
  auto sink = Subscribe(consumer, IteratorType::kLatest);
  ASSERT_TRUE(sink->WaitStarted());
  std::promise<Status> deregistered;
  broker_->DeregisterStreamConsumer(caller_, {"", "", consumer},
                                    [&](Result<Done> r) { deregistered.set_value(r.status()); });
  ASSERT_TRUE(deregistered.get_future().get().ok());
  auto ended = sink->WaitEnded();
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->code(), ErrorCode::kResourceNotFound);

  auto other = Subscribe(Consumer("s", "other"), IteratorType::kLatest);
  ASSERT_TRUE(other->WaitStarted());
  broker_->Stop();
  auto stopped = other->WaitEnded();
  ASSERT_TRUE(stopped);
  EXPECT_TRUE(stopped->ok());
}

// A subscription to a closed shard delivers its records, then one event with its children, and
// ends; one waiting at the tip when the shard is split learns of it at once (not at a heartbeat).
TEST_F(SubscribeTest, AClosedShardEndsWithItsChildShards) {
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string consumer = Consumer("s");
  auto want = PutMany("s", 0, 3);
  auto waiting = Subscribe(consumer, IteratorType::kLatest);
  ASSERT_TRUE(waiting->WaitStarted());
  std::promise<Status> split;
  broker_->SplitShard(caller_, {"s", ""}, "shardId-000000000000",
                      "170141183460469231731687303715884105728",
                      [&](Result<Done> r) { split.set_value(r.status()); });
  ASSERT_TRUE(split.get_future().get().ok());
  const auto split_at = std::chrono::steady_clock::now();
  auto ended = waiting->WaitEnded();
  ASSERT_TRUE(ended.has_value());
  EXPECT_TRUE(ended->ok()) << ended->message();
  EXPECT_LT(std::chrono::steady_clock::now() - split_at, 2s);
  auto events = waiting->Events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().child_shards.size(), 2u);

  auto reader = Subscribe(consumer, IteratorType::kTrimHorizon);
  ended = reader->WaitEnded();
  ASSERT_TRUE(ended.has_value());
  EXPECT_TRUE(ended->ok()) << ended->message();
  EXPECT_EQ(reader->Data(), want);
  events = reader->Events();
  ASSERT_FALSE(events.empty());
  const SubscribeEvent& last = events.back();
  EXPECT_TRUE(last.records.empty());
  EXPECT_EQ(last.continuation.seq_index, 2u);  // after the last record: nothing lost on resume
  ASSERT_EQ(last.child_shards.size(), 2u);
  EXPECT_EQ(last.child_shards[0].shard_index, ShardIndex{1});
  EXPECT_EQ(last.child_shards[1].shard_index, ShardIndex{2});
  EXPECT_EQ(last.child_shards[0].parent_shards, std::vector<ShardIndex>{ShardIndex{0}});
  for (size_t i = 0; i + 1 < events.size(); ++i) EXPECT_TRUE(events[i].child_shards.empty());
}

}  // namespace
}  // namespace sluice::broker
