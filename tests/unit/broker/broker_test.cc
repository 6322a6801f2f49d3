// The broker over a real three-node replicated store in a temp directory.
#include "sluice/broker/broker.h"

#include <future>
#include <set>

#include <gtest/gtest.h>

#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

TEST_F(BrokerTest, CreateDescribeAndDuplicate) {
  ASSERT_TRUE(Create("s1", 3).ok());
  auto described = broker_->DescribeStream(caller_, {"s1", ""}, std::nullopt, "");
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->stream.shards.size(), 3u);
  EXPECT_EQ(described->stream.status, StreamStatus::kActive);
  EXPECT_EQ(described->stream.Arn(), "arn:aws:kinesis:us-east-1:000000000000:stream/s1");
  Status again = Create("s1", 1);
  EXPECT_EQ(again.code(), ErrorCode::kResourceInUse);
  EXPECT_EQ(again.message(), "Stream s1 under account 000000000000 already exists.");
}

TEST_F(BrokerTest, UnknownStreamIsNotFoundWithAwsText) {
  auto described = broker_->DescribeStream(caller_, {"nope", ""}, std::nullopt, "");
  ASSERT_FALSE(described.ok());
  EXPECT_EQ(described.status().code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(described.status().message(), "Stream nope under account 000000000000 not found.");
}

TEST_F(BrokerTest, RecordsRouteByMd5AndReadBackInOrder) {
  ASSERT_TRUE(Create("s", 4).ok());
  std::vector<PutEntry> entries;
  for (int i = 0; i < 200; ++i)
    entries.push_back({"data-" + std::to_string(i), "key-" + std::to_string(i), std::nullopt});
  auto put = Put("s", entries);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->failed, 0u);
  auto described = broker_->DescribeStream(caller_, {"s", ""}, std::nullopt, "");
  size_t read_total = 0;
  for (const auto& shard : described->stream.shards) {
    auto result = GetRecords(Iterator("s", shard.Id(), "TRIM_HORIZON"), std::nullopt);
    ASSERT_TRUE(result.ok());
    std::string previous;
    for (const auto& record : result->records) {
      EXPECT_TRUE(shard.range.Contains(HashKeyForPartitionKey(record.partition_key)));
      if (!previous.empty()) {
        EXPECT_LT(previous, record.sequence.ToString());
      }
      previous = record.sequence.ToString();
    }
    read_total += result->records.size();
  }
  EXPECT_EQ(read_total, 200u);
}

TEST_F(BrokerTest, IteratorTypesPositionWhereAwsDoes) {
  ASSERT_TRUE(Create("s", 1).ok());
  auto put =
      Put("s", {{"a", "k", std::nullopt}, {"b", "k", std::nullopt}, {"c", "k", std::nullopt}});
  ASSERT_TRUE(put.ok());
  const std::string second = put->records[1].sequence.ToString();
  auto read = [&](const std::string& it) {
    std::vector<std::string> data;
    auto result = GetRecords(it, std::nullopt);  // keep it alive while iterating
    for (const auto& r : result->records) data.push_back(r.data);
    return data;
  };
  const std::string shard = "shardId-000000000000";
  EXPECT_EQ(read(Iterator("s", shard, "TRIM_HORIZON")), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(read(Iterator("s", shard, "AT_SEQUENCE_NUMBER", second)),
            (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(read(Iterator("s", shard, "AFTER_SEQUENCE_NUMBER", second)),
            (std::vector<std::string>{"c"}));
  std::string latest = Iterator("s", shard, "LATEST");
  EXPECT_TRUE(read(latest).empty());
  EXPECT_EQ(read(Iterator("s", "0", "AT_TIMESTAMP", std::nullopt, 0)),
            (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_TRUE(Put("s", {{"d", "k", std::nullopt}}).ok());
  EXPECT_EQ(read(latest), (std::vector<std::string>{"d"}));
}

TEST_F(BrokerTest, ChainedIteratorsReadEveryRecordOnceWithLimits) {
  ASSERT_TRUE(Create("s", 1).ok());
  std::vector<PutEntry> entries;
  for (int i = 0; i < 50; ++i) entries.push_back({std::to_string(i), "k", std::nullopt});
  ASSERT_TRUE(Put("s", entries).ok());
  std::string it = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  std::vector<std::string> seen;
  for (int round = 0; round < 20; ++round) {
    auto result = GetRecords(it, 7);
    ASSERT_TRUE(result.ok());
    for (const auto& r : result->records) seen.push_back(r.data);
    ASSERT_TRUE(result->next_iterator);
    if (result->records.empty()) {
      EXPECT_EQ(result->millis_behind_latest, 0);
    }
    it = *result->next_iterator;
  }
  ASSERT_EQ(seen.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(seen[i], std::to_string(i));
}

TEST_F(BrokerTest, BadSequenceNumbersAndIteratorsAreInvalidArguments) {
  ASSERT_TRUE(Create("s", 2).ok());
  auto put = Put("s", {{"a", "k", std::string("0")}});  // explicit hash key 0 -> shard 0
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(ShardIdFor(put->records[0].shard_index), "shardId-000000000000");
  IteratorRequest wrong_shard{{"s", ""},
                              "shardId-000000000001",
                              IteratorType::kAtSequenceNumber,
                              put->records[0].sequence.ToString(),
                              std::nullopt};
  auto it = GetShardIterator(caller_, wrong_shard);
  ASSERT_FALSE(it.ok());
  EXPECT_EQ(it.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(it.status().message(),
            "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in "
            "a call to a shard with shardId-000000000001");
  auto bad = GetRecords("AAAAAAAAAAE=", std::nullopt);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "Invalid ShardIterator.");
  auto missing_shard = GetShardIterator(
      caller_,
      {{"s", ""}, "shardId-000000000009", IteratorType::kLatest, std::nullopt, std::nullopt});
  EXPECT_EQ(missing_shard.status().code(), ErrorCode::kResourceNotFound);
}

TEST_F(BrokerTest, ExplicitHashKeyOutOfRangeIsRejected) {
  ASSERT_TRUE(Create("s", 1).ok());
  auto put = Put("s", {{"a", "k", std::string("340282366920938463463374607431768211456")}});
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(BrokerTest, RestartKeepsStreamsRecordsAndSequenceOrder) {
  ASSERT_TRUE(Create("s", 1).ok());
  auto before = Put("s", {{"a", "k", std::nullopt}, {"b", "k", std::nullopt}});
  ASSERT_TRUE(before.ok());
  Close();
  Open();
  auto after = Put("s", {{"c", "k", std::nullopt}});
  ASSERT_TRUE(after.ok());
  auto b = SequenceNumber::Parse(before->records[1].sequence.ToString());
  auto c = SequenceNumber::Parse(after->records[0].sequence.ToString());
  EXPECT_GT(c->seq_index, b->seq_index);
  auto result = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), std::nullopt);
  ASSERT_EQ(result->records.size(), 3u);
  EXPECT_EQ(result->records[2].data, "c");
}

TEST_F(BrokerTest, ExpiredRecordsVanishAndTheirSequenceNumbersAreNeverReissued) {
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string shard = "shardId-000000000000";
  // Two puts, so two storage entries (one put's records of a shard are one entry, which a
  // sweep keeps or deletes as a whole: see the storage tests).
  ASSERT_TRUE(Put("s", {{"a", "k", std::nullopt}}).ok());
  ASSERT_TRUE(Put("s", {{"b", "k", std::nullopt}}).ok());
  const uint64_t uid = broker_->DescribeStreamSummary(caller_, {"s", ""})->uid;

  // A day and an hour later both have expired: invisible at once...
  time_travel_ = std::chrono::hours(25);
  auto read = GetRecords(Iterator("s", shard, "TRIM_HORIZON"), std::nullopt);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->records.empty());
  // ...and gone from disk after the sweep, but for the newest, which marks where the shard's
  // sequence numbers go on.
  broker_->SweepRetention();
  Close();  // finishes the sweep's write
  Open();
  auto view = store_->OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->FirstSeq(uid, 0)->value_or(99), 1u);
  EXPECT_EQ((*view)->LastSeq(uid, 0)->value_or(99), 1u);
  read = GetRecords(Iterator("s", shard, "TRIM_HORIZON"), std::nullopt);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->records.empty());

  // After the restart the shard goes on past every number it ever issued.
  auto fresh = Put("s", {{"c", "k", std::nullopt}});
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(SequenceNumber::Parse(fresh->records[0].sequence.ToString())->seq_index, 2u);
  read = GetRecords(Iterator("s", shard, "TRIM_HORIZON"), std::nullopt);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].data, "c");
}

TEST_F(BrokerTest, RetentionChangesFollowAwsRules) {
  ASSERT_TRUE(Create("s", 1).ok());
  auto change = [&](int hours, bool increase) {
    std::promise<Status> done;
    broker_->ChangeRetention(caller_, {"s", ""}, hours, increase,
                             [&](Result<Done> r) { done.set_value(r.status()); });
    return done.get_future().get();
  };
  EXPECT_TRUE(change(48, true).ok());
  EXPECT_EQ(change(24, true).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(change(72, false).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(change(10, false).message(),
            "Minimum allowed retention period is 24 hours. Requested retention period (10 hours) "
            "is too short.");
  EXPECT_TRUE(change(24, false).ok());
  EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"s", ""})->retention_hours, 24);
}

TEST_F(BrokerTest, ListStreamsPaginates) {
  for (auto name : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(Create(name, 1).ok());
  ListStreamsRequest request;
  request.limit = 2;
  std::vector<std::string> names;
  for (int page = 0; page < 5; ++page) {
    auto result = broker_->ListStreams(caller_, request);
    ASSERT_TRUE(result.ok());
    for (const auto& s : result->streams) names.push_back(s.name);
    if (!result->has_more) break;
    request.next_token = *result->next_token;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(BrokerTest, ListStreamsTokensExpireAndStayInTheirNamespace) {
  for (auto name : {"a", "b"}) ASSERT_TRUE(Create(name, 1).ok());
  ListStreamsRequest request;
  request.limit = 1;
  auto first = broker_->ListStreams(caller_, request);
  ASSERT_TRUE(first.ok() && first->next_token);
  request.next_token = *first->next_token;
  EXPECT_EQ(broker_->ListStreams(caller_, request)->streams.front().name, "b");
  auto elsewhere = broker_->ListStreams({"111111111111", "us-east-1"}, request);
  EXPECT_EQ(elsewhere.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(broker_->ListStreams({caller_.account, "eu-west-1"}, request).status().code(),
            ErrorCode::kInvalidArgument);
  time_travel_ = std::chrono::milliseconds(300001);
  auto expired = broker_->ListStreams(caller_, request);
  EXPECT_EQ(expired.status().code(), ErrorCode::kExpiredNextToken);
  EXPECT_EQ(expired.status().message(), "The NextToken has expired.");
}

TEST_F(BrokerTest, ListShardsPaginatesWithTokens) {
  ASSERT_TRUE(Create("s", 5).ok());
  ListShardsRequest request;
  request.stream = {"s", ""};
  request.max_results = 2;
  std::vector<std::string> ids;
  for (int page = 0; page < 5; ++page) {
    auto result = broker_->ListShards(caller_, request);
    ASSERT_TRUE(result.ok()) << result.status().message();
    for (const auto& shard : result->shards) ids.push_back(shard.Id());
    if (!result->next_token) break;
    request = ListShardsRequest{};
    request.next_token = *result->next_token;
    request.max_results = 2;
  }
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids.back(), "shardId-000000000004");
}

TEST_F(BrokerTest, DeleteRemovesTheStream) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(Put("s", {{"a", "k", std::nullopt}}).ok());
  std::promise<Status> done;
  broker_->DeleteStream(caller_, {"s", ""}, false,
                        [&](Result<Done> r) { done.set_value(r.status()); });
  ASSERT_TRUE(done.get_future().get().ok());
  EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"s", ""}).status().code(),
            ErrorCode::kResourceNotFound);
  ASSERT_TRUE(Create("s", 1).ok());  // a new stream of the same name starts empty
  auto result = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), std::nullopt);
  EXPECT_TRUE(result->records.empty());
}

// Sequence numbers carry the shard's creation second: a stream deleted and re-created within one
// second (here: within one frozen millisecond) must still refuse the old stream's sequence
// numbers and iterators.
TEST_F(BrokerTest, AStreamRecreatedInTheSameSecondRefusesTheOldOnesPositions) {
  frozen_clock_ms_ = 1701760153593;
  ASSERT_TRUE(Create("s", 1).ok());
  auto put = Put("s", {{"old", "k", std::nullopt}});
  ASSERT_TRUE(put.ok());
  const std::string old_sequence = put->records.front().sequence.ToString();
  const std::string old_iterator = Iterator("s", "shardId-000000000000", "TRIM_HORIZON");
  for (int generation = 0; generation < 3; ++generation) {
    std::promise<Status> deleted;
    broker_->DeleteStream(caller_, {"s", ""}, false,
                          [&](Result<Done> r) { deleted.set_value(r.status()); });
    ASSERT_TRUE(deleted.get_future().get().ok());
    ASSERT_TRUE(Create("s", 1).ok());
    ASSERT_TRUE(Put("s", {{"new", "k", std::nullopt}}).ok());
    EXPECT_EQ(GetRecords(old_iterator, std::nullopt).status().code(), ErrorCode::kResourceNotFound);
    IteratorRequest request{{"s", ""},
                            "shardId-000000000000",
                            IteratorType::kAtSequenceNumber,
                            old_sequence,
                            std::nullopt};
    auto refused = GetShardIterator(caller_, request);
    EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument) << generation;
  }
}

// A clock that goes backwards across a restart (a host whose time was corrected) keeps arrival
// times monotonic per shard: the last arrival time is recovered with the next sequence number.
TEST_F(BrokerTest, ArrivalTimesStayMonotonicWhenTheClockGoesBackAcrossARestart) {
  frozen_clock_ms_ = 1701760153593;
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(Put("s", {{"before", "k", std::nullopt}}).ok());
  Close();
  frozen_clock_ms_ = 1701760153593 - 3600000;  // an hour earlier
  Open();
  ASSERT_TRUE(Put("s", {{"after", "k", std::nullopt}}).ok());
  auto result = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), std::nullopt);
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(result->records.size(), 2u);
  EXPECT_GE(result->records[1].arrival_ms, result->records[0].arrival_ms);
  EXPECT_EQ(result->records[0].arrival_ms, 1701760153593);
}

TEST_F(BrokerTest, WithoutAQuorumNothingChanges) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(store_->FailNode("az-a").ok());
  ASSERT_TRUE(store_->FailNode("az-b").ok());
  std::promise<Status> deleted;
  broker_->DeleteStream(caller_, {"s", ""}, false,
                        [&](Result<Done> r) { deleted.set_value(r.status()); });
  EXPECT_EQ(deleted.get_future().get().code(), ErrorCode::kUnavailable);
  auto summary = broker_->DescribeStreamSummary(caller_, {"s", ""});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->status, StreamStatus::kActive);
  EXPECT_EQ(Create("t", 1).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"t", ""}).status().code(),
            ErrorCode::kResourceNotFound);
  auto put = Put("s", {{"a", "k", std::nullopt}});
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->failed, 1u);
  EXPECT_FALSE(put->records[0].ok());
  EXPECT_EQ(put->records[0].status.code(), ErrorCode::kUnavailable);
}

TEST_F(BrokerTest, ShardLimitIsEnforcedWithAwsText) {
  std::promise<Status> done;
  CreateStreamRequest request;
  request.name = "big";
  request.shard_count = 501;
  broker_->CreateStream(caller_, request, [&](Result<Done> r) { done.set_value(r.status()); });
  Status status = done.get_future().get();
  EXPECT_EQ(status.code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(
      status.message().find(
          "This request would exceed the shard limit for the account 000000000000 in us-east-1."),
      std::string::npos);
}

}  // namespace
}  // namespace sluice::broker
