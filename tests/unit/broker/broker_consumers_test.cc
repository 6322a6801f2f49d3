// Enhanced fan-out consumers: registration, lookup by ARN or by stream and name, listing with
// pagination, lifecycle, limits, DeleteStream's EnforceConsumerDeletion, and durability.
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;

class ConsumersTest : public BrokerTest {
 protected:
  std::string StreamArnOf(const std::string& stream) {
    return StreamArn(caller_.region, caller_.account, stream);
  }
  Result<ConsumerDescription> Register(const std::string& stream, const std::string& name) {
    std::promise<Result<ConsumerDescription>> done;
    broker_->RegisterStreamConsumer(caller_, {StreamArnOf(stream), name, {}},
                                    [&](Result<ConsumerDescription> r) { done.set_value(r); });
    return done.get_future().get();
  }
  Status Deregister(const ConsumerRef& ref) {
    std::promise<Status> done;
    broker_->DeregisterStreamConsumer(caller_, ref,
                                      [&](Result<Done> r) { done.set_value(r.status()); });
    return done.get_future().get();
  }
  Status DeleteStream(const std::string& stream, bool enforce) {
    std::promise<Status> done;
    broker_->DeleteStream(caller_, {stream, ""}, enforce,
                          [&](Result<Done> r) { done.set_value(r.status()); });
    return done.get_future().get();
  }
  std::optional<ConsumerStatus> StatusOf(const std::string& stream, const std::string& name) {
    auto found = broker_->DescribeStreamConsumer(caller_, {StreamArnOf(stream), name, ""});
    if (!found.ok()) return std::nullopt;
    return found->consumer.status;
  }
  // Waits up to 5 s for the consumer's status to be `want` (nullopt: gone).
  bool Becomes(const std::string& stream, const std::string& name,
               std::optional<ConsumerStatus> want) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (StatusOf(stream, name) != want) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
};

TEST_F(ConsumersTest, RegisterDescribeListDeregister) {
  ASSERT_TRUE(Create("s", 2).ok());
  auto registered = Register("s", "reader");
  ASSERT_TRUE(registered.ok()) << registered.status().message();
  const std::string stream_arn = StreamArnOf("s");
  EXPECT_EQ(registered->stream_arn, stream_arn);
  EXPECT_EQ(registered->consumer.name, "reader");
  EXPECT_EQ(registered->consumer.status, ConsumerStatus::kActive);  // no delay in this fixture
  EXPECT_EQ(registered->consumer_arn, stream_arn + "/consumer/reader:" +
                                          std::to_string(registered->consumer.created_ms / 1000));

  // By ARN, by stream ARN and name, and by all three.
  const std::string arn = registered->consumer_arn;
  for (const ConsumerRef& ref : {ConsumerRef{"", "", arn}, ConsumerRef{stream_arn, "reader", ""},
                                 ConsumerRef{stream_arn, "reader", arn}}) {
    auto described = broker_->DescribeStreamConsumer(caller_, ref);
    ASSERT_TRUE(described.ok()) << described.status().message();
    EXPECT_EQ(described->consumer_arn, arn);
  }

  auto listed = broker_->ListStreamConsumers(caller_, {stream_arn, std::nullopt, "", {}});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->consumers.size(), 1u);
  EXPECT_EQ(listed->consumers[0].consumer_arn, arn);
  EXPECT_FALSE(listed->next_token);
  EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"s", ""})->consumers.size(), 1u);

  ASSERT_TRUE(Deregister({"", "", arn}).ok());
  auto gone = broker_->DescribeStreamConsumer(caller_, {"", "", arn});
  EXPECT_EQ(gone.status().code(), ErrorCode::kResourceNotFound);
  EXPECT_TRUE(broker_->ListStreamConsumers(caller_, {stream_arn, {}, "", {}})->consumers.empty());
}

TEST_F(ConsumersTest, RefsThatNameNothingOrDisagree) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(Create("t", 1).ok());
  auto registered = Register("s", "reader");
  ASSERT_TRUE(registered.ok());
  const std::string arn = registered->consumer_arn;
  auto code = [&](const ConsumerRef& ref) {
    return broker_->DescribeStreamConsumer(caller_, ref).status().code();
  };
  EXPECT_EQ(code({StreamArnOf("s"), "", ""}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({"", "reader", ""}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({StreamArnOf("t"), "", arn}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({"", "other", arn}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({StreamArnOf("s"), "nobody", ""}), ErrorCode::kResourceNotFound);
  EXPECT_EQ(code({StreamArnOf("t"), "reader", ""}), ErrorCode::kResourceNotFound);
  EXPECT_EQ(code({StreamArnOf("gone"), "reader", ""}), ErrorCode::kResourceNotFound);
  // The creation time is part of the consumer's identity.
  const std::string stale = StreamArnOf("s") + "/consumer/reader:1";
  EXPECT_EQ(code({"", "", stale}), ErrorCode::kResourceNotFound);
  // Another account's or region's ARN names nothing here.
  EXPECT_EQ(code({"", "", "arn:aws:kinesis:eu-west-1:000000000000:stream/s/consumer/reader:1"}),
            ErrorCode::kResourceNotFound);
}

TEST_F(ConsumersTest, NamesAreUniqueAndTwentyIsTheLimit) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(Register("s", "c0").ok());
  auto again = Register("s", "c0");
  EXPECT_EQ(again.status().code(), ErrorCode::kResourceInUse);
  EXPECT_NE(again.status().message().find("Consumer c0 under stream s"), std::string::npos)
      << again.status().message();
  for (int i = 1; i < 20; ++i) ASSERT_TRUE(Register("s", "c" + std::to_string(i)).ok()) << i;
  auto over = Register("s", "c20");
  EXPECT_EQ(over.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"s", ""})->consumers.size(), 20u);
}

TEST_F(ConsumersTest, ListingPagesExpireAndBelongToTheirStream) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(Create("t", 1).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Register("s", "c" + std::to_string(i)).ok());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = broker_->ListStreamConsumers(caller_, {StreamArnOf("s"), 2, token, {}});
    ASSERT_TRUE(page.ok()) << page.status().message();
    for (const auto& c : page->consumers) seen.push_back(c.consumer.name);
    token = page->next_token.value_or("");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen, (std::vector<std::string>{"c0", "c1", "c2", "c3", "c4"}));
  EXPECT_EQ(pages, 3);

  auto first = broker_->ListStreamConsumers(caller_, {StreamArnOf("s"), 2, "", {}});
  ASSERT_TRUE(first.ok() && first->next_token);
  auto elsewhere =
      broker_->ListStreamConsumers(caller_, {StreamArnOf("t"), 2, *first->next_token, {}});
  EXPECT_EQ(elsewhere.status().code(), ErrorCode::kInvalidArgument);
  auto garbage =
      broker_->ListStreamConsumers(caller_, {StreamArnOf("s"), 2, "bm90IGEgdG9rZW4=", {}});
  EXPECT_EQ(garbage.status().code(), ErrorCode::kInvalidArgument);
  time_travel_ = 301s;
  auto expired =
      broker_->ListStreamConsumers(caller_, {StreamArnOf("s"), 2, *first->next_token, {}});
  EXPECT_EQ(expired.status().code(), ErrorCode::kExpiredNextToken);
  time_travel_ = 0s;

  const int64_t created = broker_->DescribeStreamSummary(caller_, {"s", ""})->created_ms;
  EXPECT_TRUE(broker_->ListStreamConsumers(caller_, {StreamArnOf("s"), {}, "", created}).ok());
  auto other_incarnation =
      broker_->ListStreamConsumers(caller_, {StreamArnOf("s"), {}, "", created - 10000});
  EXPECT_EQ(other_incarnation.status().code(), ErrorCode::kResourceNotFound);
}

TEST_F(ConsumersTest, LifecycleGoesThroughCreatingAndDeleting) {
  Close();
  consumer_delay_ = 300ms;
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  auto registered = Register("s", "reader");
  ASSERT_TRUE(registered.ok());
  EXPECT_EQ(registered->consumer.status, ConsumerStatus::kCreating);
  // Only ACTIVE consumers can be deregistered.
  EXPECT_EQ(Deregister({"", "", registered->consumer_arn}).code(), ErrorCode::kResourceInUse);
  ASSERT_TRUE(Becomes("s", "reader", ConsumerStatus::kActive));
  ASSERT_TRUE(Deregister({"", "", registered->consumer_arn}).ok());
  EXPECT_EQ(StatusOf("s", "reader"), ConsumerStatus::kDeleting);
  EXPECT_TRUE(Deregister({"", "", registered->consumer_arn}).ok());  // already on its way out
  ASSERT_TRUE(Becomes("s", "reader", std::nullopt));
}

TEST_F(ConsumersTest, OnlyFiveConsumersAreCreatedAtOnce) {
  Close();
  consumer_delay_ = 10s;
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Register("s", "c" + std::to_string(i)).ok());
  EXPECT_EQ(Register("s", "c5").status().code(), ErrorCode::kLimitExceeded);
}

TEST_F(ConsumersTest, DeleteStreamNeedsEnforceConsumerDeletion) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(Register("s", "reader").ok());
  Status refused = DeleteStream("s", false);
  EXPECT_EQ(refused.code(), ErrorCode::kResourceInUse);
  EXPECT_EQ(refused.message(),
            "DeleteStream can't delete " + StreamArnOf("s") +
                " because there are consumers associated with this data stream. To delete s "
                "anyway, set the EnforceConsumerDeletion parameter to true to force the deletion "
                "of all the consumers that are associated with it.");
  ASSERT_TRUE(DeleteStream("s", true).ok());
  EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"s", ""}).status().code(),
            ErrorCode::kResourceNotFound);
  // A new stream of the same name starts without consumers.
  ASSERT_TRUE(Create("s", 1).ok());
  EXPECT_TRUE(broker_->DescribeStreamSummary(caller_, {"s", ""})->consumers.empty());
}

TEST_F(ConsumersTest, ConsumersSurviveARestartAndFinishTheirLifecycle) {
  ASSERT_TRUE(Create("s", 1).ok());
  auto active = Register("s", "kept");
  ASSERT_TRUE(active.ok());
  Close();
  consumer_delay_ = 1h;  // a consumer registered now stays CREATING until the restart
  Open();
  ASSERT_TRUE(Register("s", "pending").ok());
  EXPECT_EQ(StatusOf("s", "pending"), ConsumerStatus::kCreating);
  Close();
  consumer_delay_ = 0ms;
  Open();
  auto kept = broker_->DescribeStreamConsumer(caller_, {"", "", active->consumer_arn});
  ASSERT_TRUE(kept.ok()) << kept.status().message();
  EXPECT_EQ(kept->consumer.status, ConsumerStatus::kActive);
  // An interrupted CREATING finishes after recovery.
  EXPECT_TRUE(Becomes("s", "pending", ConsumerStatus::kActive));
}

TEST_F(ConsumersTest, ARegistrationTheQuorumFailsLeavesNoConsumer) {
  ASSERT_TRUE(Create("s", 1).ok());
  controls_["az-a"]->FailApplies(true);
  controls_["az-b"]->FailApplies(true);
  EXPECT_EQ(Register("s", "reader").status().code(), ErrorCode::kUnavailable);
  controls_["az-a"]->FailApplies(false);
  controls_["az-b"]->FailApplies(false);
  EXPECT_EQ(StatusOf("s", "reader"), std::nullopt);
  ASSERT_TRUE(store_->RecoverNode("az-a").ok());
  ASSERT_TRUE(store_->RecoverNode("az-b").ok());
  Close();
  Open();
  EXPECT_EQ(StatusOf("s", "reader"), std::nullopt);
}

}  // namespace
}  // namespace sluice::broker
