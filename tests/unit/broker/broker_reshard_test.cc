// SplitShard, MergeShards and UpdateShardCount in the broker: the shard tree they leave, every
// error rule, reading across a reshard, puts racing a reshard, a reshard the quorum refuses, and
// restarts in the middle of UPDATING and after.
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "broker/clock.h"
#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;

constexpr const char* kAccount = "000000000000";
// The midpoint of a one-shard stream: 2^127.
constexpr const char* kHalf = "170141183460469231731687303715884105728";

class ReshardTest : public BrokerTest {
 protected:
  Status Split(const std::string& stream, const std::string& shard, const std::string& key) {
    std::promise<Status> done;
    broker_->SplitShard(caller_, {stream, ""}, shard, key,
                        [&](Result<Done> r) { done.set_value(r.status()); });
    return done.get_future().get();
  }
  Status Merge(const std::string& stream, const std::string& shard, const std::string& adjacent) {
    std::promise<Status> done;
    broker_->MergeShards(caller_, {stream, ""}, shard, adjacent,
                         [&](Result<Done> r) { done.set_value(r.status()); });
    return done.get_future().get();
  }
  Result<UpdateShardCountResult> Scale(const std::string& stream, uint32_t target) {
    std::promise<Result<UpdateShardCountResult>> done;
    broker_->UpdateShardCount(caller_, {stream, ""}, target,
                              [&](Result<UpdateShardCountResult> r) { done.set_value(r); });
    return done.get_future().get();
  }
  std::vector<ShardInfo> Shards(const std::string& stream) {
    auto described = broker_->DescribeStream(caller_, {stream, ""}, 10000, "");
    EXPECT_TRUE(described.ok()) << described.status().message();
    return described.ok() ? described->stream.shards : std::vector<ShardInfo>{};
  }
  StreamStatus StatusOf(const std::string& stream) {
    auto summary = broker_->DescribeStreamSummary(caller_, {stream, ""});
    EXPECT_TRUE(summary.ok());
    return summary.ok() ? summary->status : StreamStatus::kDeleting;
  }
  // Puts one record with an explicit hash key; returns its outcome.
  PutOutcome PutAt(const std::string& stream, const std::string& data, const std::string& key) {
    auto put = Put(stream, {{data, "pk", key}});
    EXPECT_TRUE(put.ok()) << put.status().message();
    return put.ok() ? put->records[0] : PutOutcome{put.status(), ShardIndex{0}, {}};
  }

  // Reads the whole stream as a KCL would: each shard from TRIM_HORIZON to its end, a child only
  // after all of its parents, following ChildShards. Returns each shard's records' data in order.
  std::map<uint32_t, std::vector<std::string>> ReadEverything(const std::string& stream) {
    std::map<uint32_t, std::vector<std::string>> read;
    std::set<uint32_t> done;
    std::vector<ShardIndex> ready;
    std::map<uint32_t, std::vector<ChildShardView>> children_of;
    for (const auto& shard : Shards(stream)) {
      if (!shard.parent) ready.push_back(shard.index);
    }
    while (!ready.empty()) {
      ShardIndex index = ready.back();
      ready.pop_back();
      if (!done.insert(index.value()).second) continue;
      auto& records = read[index.value()];
      std::string iterator = Iterator(stream, ShardIdFor(index), "TRIM_HORIZON");
      for (int calls = 0; !iterator.empty() && calls < 1000; ++calls) {
        auto got = GetRecords(iterator, 1000);
        EXPECT_TRUE(got.ok()) << got.status().message();
        if (!got.ok()) break;
        for (auto& record : got->records) records.push_back(record.data);
        if (!got->next_iterator) {
          children_of[index.value()] = got->child_shards;
          break;
        }
        if (got->records.empty() && Shards(stream)[index.value()].open()) break;  // at the tip
        iterator = *got->next_iterator;
      }
      for (const auto& child : children_of[index.value()]) {
        bool parents_done = true;
        for (ShardIndex parent : child.parent_shards)
          parents_done &= done.count(parent.value()) > 0;
        if (parents_done) ready.push_back(child.shard_index);
      }
    }
    return read;
  }
};

TEST_F(ReshardTest, SplitClosesTheParentAndOpensTwoChildren) {
  ASSERT_TRUE(Create("s", 1).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(PutAt("s", "a" + std::to_string(i), "5").ok());
  ASSERT_TRUE(Split("s", "shardId-000000000000", kHalf).ok());
  EXPECT_EQ(StatusOf("s"), StreamStatus::kActive);  // update_delay 0

  auto shards = Shards("s");
  ASSERT_EQ(shards.size(), 3u);
  EXPECT_FALSE(shards[0].open());
  ASSERT_TRUE(shards[0].closed_at_seq.has_value());
  EXPECT_EQ(*shards[0].closed_at_seq, 2u);
  ASSERT_TRUE(shards[0].EndingSequenceNumber().has_value());
  EXPECT_EQ(shards[1].parent, ShardIndex{0});
  EXPECT_EQ(shards[2].parent, ShardIndex{0});
  EXPECT_FALSE(shards[1].adjacent_parent.has_value());
  EXPECT_EQ(HashKeyToDecimal(shards[1].range.start), "0");
  EXPECT_EQ(HashKeyToDecimal(shards[1].range.end), "170141183460469231731687303715884105727");
  EXPECT_EQ(HashKeyToDecimal(shards[2].range.start), kHalf);
  EXPECT_EQ(shards[2].range.end, kMaxHashKey);
  EXPECT_TRUE(shards[1].open() && shards[2].open());

  // New records go to the children by hash key.
  EXPECT_EQ(PutAt("s", "low", "5").shard_index, ShardIndex{1});
  EXPECT_EQ(PutAt("s", "high", kHalf).shard_index, ShardIndex{2});

  // The parent reads to its end, then gives no iterator and its children.
  auto read = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), 2);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->records.size(), 2u);
  ASSERT_TRUE(read->next_iterator.has_value());
  EXPECT_TRUE(read->child_shards.empty());
  read = GetRecords(*read->next_iterator, std::nullopt);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].data, "a2");
  EXPECT_FALSE(read->next_iterator.has_value());
  ASSERT_EQ(read->child_shards.size(), 2u);
  EXPECT_EQ(read->child_shards[0].shard_index, ShardIndex{1});
  EXPECT_EQ(read->child_shards[0].parent_shards, std::vector<ShardIndex>{ShardIndex{0}});
  EXPECT_EQ(read->child_shards[1].range.start, shards[2].range.start);
  // LATEST on the closed parent is its end: its children at once.
  read = GetRecords(Iterator("s", "shardId-000000000000", "LATEST"), std::nullopt);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->records.empty());
  EXPECT_FALSE(read->next_iterator.has_value());
  EXPECT_EQ(read->child_shards.size(), 2u);
}

TEST_F(ReshardTest, MergeJoinsAdjacentShardsInEitherOrder) {
  ASSERT_TRUE(Create("s", 3).ok());
  ASSERT_TRUE(PutAt("s", "x", "5").ok());  // shard 0: merged with an empty one
  ASSERT_TRUE(Merge("s", "shardId-000000000001", "shardId-000000000000").ok());
  auto shards = Shards("s");
  ASSERT_EQ(shards.size(), 4u);
  EXPECT_FALSE(shards[0].open());
  EXPECT_FALSE(shards[1].open());
  EXPECT_EQ(shards[0].closed_at_seq, std::optional<uint64_t>(0));
  EXPECT_FALSE(shards[1].closed_at_seq.has_value());  // closed empty
  EXPECT_EQ(shards[3].parent, ShardIndex{1});
  EXPECT_EQ(shards[3].adjacent_parent, ShardIndex{0});
  EXPECT_EQ(shards[3].range.start, shards[0].range.start);
  EXPECT_EQ(shards[3].range.end, shards[1].range.end);
  EXPECT_EQ(PutAt("s", "y", "5").shard_index, ShardIndex{3});

  auto read = GetRecords(Iterator("s", "shardId-000000000001", "TRIM_HORIZON"), {});
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->next_iterator.has_value());
  ASSERT_EQ(read->child_shards.size(), 1u);
  EXPECT_EQ(read->child_shards[0].parent_shards,
            (std::vector<ShardIndex>{ShardIndex{1}, ShardIndex{0}}));
  auto all = ReadEverything("s");
  EXPECT_EQ(all[0], std::vector<std::string>{"x"});
  EXPECT_EQ(all[3], std::vector<std::string>{"y"});
}

TEST_F(ReshardTest, EveryErrorRuleWithAwsTexts) {
  ASSERT_TRUE(Create("s", 3).ok());
  const std::string in = " in stream s under account " + std::string(kAccount);
  auto check = [](Status status, ErrorCode code, const std::string& message) {
    EXPECT_EQ(status.code(), code) << status.message();
    EXPECT_EQ(status.message(), message);
  };
  check(Split("nope", "shardId-000000000000", "5"), ErrorCode::kResourceNotFound,
        "Stream nope under account " + std::string(kAccount) + " not found.");
  check(Split("s", "shardId-000000000009", "5"), ErrorCode::kResourceNotFound,
        "Could not find shard shardId-000000000009" + in + ".");
  check(Merge("s", "shardId-000000000000", "shardId-000000000007"), ErrorCode::kResourceNotFound,
        "Could not find shard shardId-000000000007" + in + ".");
  auto shards = Shards("s");
  const std::string start = HashKeyToDecimal(shards[1].range.start);
  const std::string end = HashKeyToDecimal(shards[1].range.end);
  auto outside = [&](const std::string& key) {
    return "NewStartingHashKey " + key + " used in SplitShard() on shard shardId-000000000001" +
           in + " is not both greater than one plus the shard's StartingHashKey " + start +
           " and less than the shard's EndingHashKey " + end + ".";
  };
  const std::string start_plus_one = HashKeyToDecimal(HashKey{shards[1].range.start.value() + 1});
  for (const std::string& key : {start, start_plus_one, end, std::string("0"),
                                 std::string("340282366920938463463374607431768211456")}) {
    check(Split("s", "shardId-000000000001", key), ErrorCode::kInvalidArgument, outside(key));
  }
  check(Merge("s", "shardId-000000000000", "shardId-000000000002"), ErrorCode::kInvalidArgument,
        "Shards shardId-000000000000 and shardId-000000000002" + in +
            " are not an adjacent pair of shards eligible for merging");
  check(Merge("s", "shardId-000000000001", "shardId-000000000001"), ErrorCode::kInvalidArgument,
        "Shards shardId-000000000001 and shardId-000000000001" + in +
            " are not an adjacent pair of shards eligible for merging");

  // A closed shard can be neither split nor merged again.
  const std::string middle = HashKeyToDecimal(HashKey{shards[1].range.start.value() + 1000});
  ASSERT_TRUE(Split("s", "shardId-000000000001", middle).ok());
  const std::string closed = "Shard shardId-000000000001" + in +
                             " has already been merged or split, and thus is not eligible for "
                             "merging or splitting.";
  check(Split("s", "shardId-000000000001", middle), ErrorCode::kInvalidArgument, closed);
  check(Merge("s", "shardId-000000000000", "shardId-000000000001"), ErrorCode::kInvalidArgument,
        closed);
  check(Merge("s", "shardId-000000000001", "shardId-000000000002"), ErrorCode::kInvalidArgument,
        closed);

  // UpdateShardCount: at most double, at least half, at most 10000 (4 open shards now).
  auto scale = [&](uint32_t target) { return Scale("s", target).status(); };
  check(scale(9), ErrorCode::kLimitExceeded,
        "UpdateShardCount cannot scale up over double your current open shard count. Current "
        "open shard count: 4, Target shard count: 9");
  check(scale(1), ErrorCode::kLimitExceeded,
        "UpdateShardCount cannot scale down below half your current open shard count. Current "
        "open shard count: 4, Target shard count: 1");
  check(scale(10001), ErrorCode::kLimitExceeded,
        "Target shard count or number of open shards cannot be greater than 10000. Current open "
        "shard count: 4, Target shard count: 10001");
  EXPECT_EQ(Shards("s").size(), 5u) << "no failed call changed anything";

  // ON_DEMAND streams are not scaled by count.
  std::promise<Status> created;
  CreateStreamRequest on_demand;
  on_demand.name = "od";  // no ShardCount: AWS refuses one with ON_DEMAND
  on_demand.stream_mode = StreamMode::kOnDemand;
  broker_->CreateStream(caller_, on_demand, [&](Result<Done> r) { created.set_value(r.status()); });
  ASSERT_TRUE(created.get_future().get().ok());
  check(Scale("od", 4).status(), ErrorCode::kValidation,
        "Request is invalid. Stream od under account " + std::string(kAccount) +
            " is in On-Demand mode.");
}

TEST_F(ReshardTest, ShardLimitCountsOpenShards) {
  ASSERT_TRUE(Create("big", 497).ok());  // the limit is 500
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(Split("s", "shardId-000000000000", "12345").ok());  // 500 open
  const std::string limit_text =
      "This request would exceed the shard limit for the account " + std::string(kAccount) +
      " in us-east-1. Current shard count for the account: 500. Limit: 500. Number of additional "
      "shards that would have resulted from this request: ";
  const std::string in_shard_one = "200000000000000000000000000000000000000";
  Status over = Split("s", "shardId-000000000001", in_shard_one);
  ASSERT_EQ(over.code(), ErrorCode::kLimitExceeded) << over.message();
  EXPECT_EQ(over.message(),
            limit_text +
                "1. Refer to the AWS Service Limits page "
                "(https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) "
                "for current limits and how to request higher limits.");
  Status scaled = Scale("s", 4).status();
  ASSERT_EQ(scaled.code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(scaled.message().find(limit_text + "1."), std::string::npos) << scaled.message();
  // A merge frees one (closed shards do not count), and then a split fits again.
  ASSERT_TRUE(Merge("s", "shardId-000000000002", "shardId-000000000003").ok());
  EXPECT_TRUE(Split("s", "shardId-000000000001", in_shard_one).ok());
}

TEST_F(ReshardTest, UpdateShardCountDoublesAndHalvesUniformly) {
  ASSERT_TRUE(Create("s", 4).ok());
  auto scaled = Scale("s", 8);
  ASSERT_TRUE(scaled.ok()) << scaled.status().message();
  EXPECT_EQ(scaled->stream_name, "s");
  EXPECT_EQ(scaled->stream_arn, "arn:aws:kinesis:us-east-1:" + std::string(kAccount) + ":stream/s");
  EXPECT_EQ(scaled->current_shard_count, 4u);
  EXPECT_EQ(scaled->target_shard_count, 8u);
  auto shards = Shards("s");
  ASSERT_EQ(shards.size(), 12u);  // one split per shard
  auto eight = InitialHashKeyRanges(8);
  for (uint32_t i = 4; i < 12; ++i) {
    EXPECT_TRUE(shards[i].open());
    EXPECT_EQ(shards[i].parent, ShardIndex{(i - 4) / 2});
    EXPECT_EQ(shards[i].range.start, eight[i - 4].start);
    EXPECT_EQ(shards[i].range.end, eight[i - 4].end);
  }
  scaled = Scale("s", 4);
  ASSERT_TRUE(scaled.ok()) << scaled.status().message();
  EXPECT_EQ(scaled->current_shard_count, 8u);
  shards = Shards("s");
  ASSERT_EQ(shards.size(), 16u);  // one merge per pair
  auto four = InitialHashKeyRanges(4);
  for (uint32_t i = 12; i < 16; ++i) {
    EXPECT_EQ(shards[i].parent, ShardIndex{4 + 2 * (i - 12)});
    EXPECT_EQ(shards[i].adjacent_parent, ShardIndex{5 + 2 * (i - 12)});
    EXPECT_EQ(shards[i].range.start, four[i - 12].start);
    EXPECT_EQ(shards[i].range.end, four[i - 12].end);
  }
  // Uneven targets: every record put before, between and after is read exactly once.
  std::vector<std::string> want;
  auto put_round = [&](int round) {
    for (int i = 0; i < 20; ++i) {
      want.push_back("r" + std::to_string(round) + "-" + std::to_string(i));
      auto put = Put("s", {{want.back(), "key" + std::to_string(i), std::nullopt}});
      ASSERT_TRUE(put.ok() && put->failed == 0);
    }
  };
  put_round(0);
  ASSERT_TRUE(Scale("s", 7).ok());
  put_round(1);
  ASSERT_TRUE(Scale("s", 5).ok());
  put_round(2);
  size_t open = 0;
  for (const auto& shard : Shards("s")) open += shard.open() ? 1 : 0;
  EXPECT_EQ(open, 5u);
  std::multiset<std::string> got;
  for (const auto& [shard, records] : ReadEverything("s"))
    got.insert(records.begin(), records.end());
  EXPECT_EQ(got, std::multiset<std::string>(want.begin(), want.end()));
}

// Several threads put continuously while the stream is split, merged and rescaled. Every
// acknowledged record is read back exactly once, each partition key's records in the order they
// were acknowledged, parents before children; no record sits in a parent past its end.
TEST_F(ReshardTest, ConcurrentPutsDuringReshardsAreReadOnceInOrder) {
  ASSERT_TRUE(Create("s", 2).ok());
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::string>> acked(kThreads);
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load() && i < 100000; ++i) {
        std::vector<PutEntry> entries;
        std::vector<std::string> data;
        // Two keys per thread in one call, so a put can span a sealed and an open shard.
        for (int k = 0; k < 2; ++k) {
          data.push_back("t" + std::to_string(t) + "k" + std::to_string(k) + "-" +
                         std::to_string(i));
          entries.push_back(
              {data.back(), "t" + std::to_string(t) + "k" + std::to_string(k), std::nullopt});
        }
        auto put = Put("s", std::move(entries));
        ASSERT_TRUE(put.ok()) << put.status().message();
        ASSERT_EQ(put->failed, 0u);
        for (auto& d : data) acked[t].push_back(d);
      }
    });
  }
  auto pause = [] { std::this_thread::sleep_for(30ms); };
  pause();
  ASSERT_TRUE(Split("s", "shardId-000000000000", "12345678901234567890").ok());
  pause();
  ASSERT_TRUE(Split("s", "shardId-000000000001", "200000000000000000000000000000000000000").ok());
  pause();
  ASSERT_TRUE(Merge("s", "shardId-000000000002", "shardId-000000000003").ok());
  pause();
  ASSERT_TRUE(Scale("s", 6).ok());
  pause();
  ASSERT_TRUE(Scale("s", 3).ok());
  pause();
  stop = true;
  for (auto& thread : writers) thread.join();
  while (broker_->PendingWrites() > 0) std::this_thread::sleep_for(1ms);

  // Nothing past a closed shard's end: the store holds no record beyond it.
  auto view = store_->OpenReadView();
  ASSERT_TRUE(view.ok());
  auto described = broker_->DescribeStream(caller_, {"s", ""}, 10000, "");
  ASSERT_TRUE(described.ok());
  for (const auto& shard : described->stream.shards) {
    if (shard.open()) continue;
    auto last = (*view)->LastSeq(described->stream.uid, shard.index.value());
    ASSERT_TRUE(last.ok());
    if (last->has_value()) {
      ASSERT_TRUE(shard.closed_at_seq.has_value()) << shard.Id();
      EXPECT_EQ(**last, *shard.closed_at_seq) << shard.Id();
    }
  }

  // Per key, the order read must be the acknowledged order. A key's records move from a parent
  // to a child, whose index is higher, so reading shard by shard in index order (as ReadEverything
  // returns them) is parents before children.
  std::map<std::string, std::vector<std::string>> by_key;
  size_t total = 0;
  for (const auto& [shard, records] : ReadEverything("s")) {
    total += records.size();
    for (const auto& data : records) by_key[data.substr(0, data.find('-'))].push_back(data);
  }
  size_t want_total = 0;
  for (int t = 0; t < kThreads; ++t) {
    want_total += acked[t].size();
    for (int k = 0; k < 2; ++k) {
      const std::string key = "t" + std::to_string(t) + "k" + std::to_string(k);
      std::vector<std::string> want;
      for (const auto& d : acked[t]) {
        if (d.compare(0, key.size() + 1, key + "-") == 0) want.push_back(d);
      }
      EXPECT_EQ(by_key[key], want) << key;
    }
  }
  EXPECT_EQ(total, want_total);
  EXPECT_GT(want_total, 100u) << "the puts ran alongside the reshards";
}

// A put that finds its shard sealed waits for the reshard and then lands in a child.
TEST_F(ReshardTest, APutWaitingOnTheSealGoesToAChild) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(PutAt("s", "before", "5").ok());
  controls_["az-a"]->Hang();
  controls_["az-b"]->Hang();
  std::promise<Status> split;
  broker_->SplitShard(caller_, {"s", ""}, "shardId-000000000000", kHalf,
                      [&](Result<Done> r) { split.set_value(r.status()); });
  ASSERT_TRUE(controls_["az-a"]->WaitUntilHung(5s));
  std::promise<Result<PutRecordsResult>> put;
  broker_->PutRecords(caller_, {"s", ""}, {{"during", "pk", std::string("5")}},
                      [&](Result<PutRecordsResult> r) { put.set_value(std::move(r)); });
  auto put_future = put.get_future();
  EXPECT_EQ(put_future.wait_for(200ms), std::future_status::timeout) << "waits on the seal";
  controls_["az-a"]->Release();
  controls_["az-b"]->Release();
  ASSERT_TRUE(split.get_future().get().ok());
  auto outcome = put_future.get();
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->failed, 0u);
  EXPECT_EQ(outcome->records[0].shard_index, ShardIndex{1});
  EXPECT_EQ(Shards("s")[0].closed_at_seq, std::optional<uint64_t>(0));
  auto all = ReadEverything("s");
  EXPECT_EQ(all[0], std::vector<std::string>{"before"});
  EXPECT_EQ(all[1], std::vector<std::string>{"during"});
}

// The reshard's metadata write fails its quorum: nothing changes, in memory, on disk or after a
// restart; the seal is undone, so the parent takes records again (a put that waited retries).
TEST_F(ReshardTest, AReshardTheQuorumRefusesChangesNothing) {
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(PutAt("s", "a", "5").ok());
  const auto before = Shards("s");
  controls_["az-a"]->Hang();
  controls_["az-b"]->Hang();
  std::promise<Status> split;
  broker_->SplitShard(caller_, {"s", ""}, "shardId-000000000000", "1000",
                      [&](Result<Done> r) { split.set_value(r.status()); });
  ASSERT_TRUE(controls_["az-a"]->WaitUntilHung(5s));
  std::promise<Result<PutRecordsResult>> waiting;
  broker_->PutRecords(caller_, {"s", ""}, {{"w", "pk", std::string("5")}},
                      [&](Result<PutRecordsResult> r) { waiting.set_value(std::move(r)); });
  controls_["az-a"]->FailApplies(true);
  controls_["az-b"]->FailApplies(true);
  controls_["az-a"]->Release();
  controls_["az-b"]->Release();
  EXPECT_EQ(split.get_future().get().code(), ErrorCode::kUnavailable);
  auto waited = waiting.get_future().get();  // answered, not left waiting on the seal
  EXPECT_TRUE(!waited.ok() || waited->failed == 1u);
  controls_["az-a"]->FailApplies(false);
  controls_["az-b"]->FailApplies(false);
  ASSERT_TRUE(store_->RecoverNode("az-a").ok());
  ASSERT_TRUE(store_->RecoverNode("az-b").ok());
  ASSERT_TRUE([&] {
    for (int i = 0; i < 5000; ++i) {
      bool healthy = true;
      for (const auto& node : store_->Nodes())
        healthy &= node.state == replication::NodeState::kHealthy;
      if (healthy) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }());

  auto unchanged = [&] {
    auto shards = Shards("s");
    ASSERT_EQ(shards.size(), before.size());
    for (const auto& shard : shards) EXPECT_TRUE(shard.open());
    EXPECT_EQ(StatusOf("s"), StreamStatus::kActive);
  };
  unchanged();
  // The parent takes records again, after the one it had.
  auto again = PutAt("s", "b", "5");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.shard_index, ShardIndex{0});
  Close();
  Open();
  unchanged();
  auto read = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), {});
  ASSERT_TRUE(read.ok());
  ASSERT_GE(read->records.size(), 2u);
  EXPECT_EQ(read->records.front().data, "a");
  EXPECT_EQ(read->records.back().data, "b");
  EXPECT_TRUE(read->next_iterator.has_value());
}

// A restart while the stream is UPDATING finishes the update; the resharded layout, the parent's
// end and its records survive; after the restart the parent still takes nothing.
TEST_F(ReshardTest, RestartInTheMiddleOfUpdatingAndAfter) {
  Close();
  update_delay_ = std::chrono::hours(1);
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(PutAt("s", "p", "5").ok());
  ASSERT_TRUE(Split("s", "shardId-000000000000", kHalf).ok());
  EXPECT_EQ(StatusOf("s"), StreamStatus::kUpdating);
  std::string not_active =
      "Stream s under account " + std::string(kAccount) + " not ACTIVE, instead in state UPDATING";
  Status busy = Split("s", "shardId-000000000001", "1000");
  EXPECT_EQ(busy.code(), ErrorCode::kResourceInUse);
  EXPECT_EQ(busy.message(), not_active);
  EXPECT_EQ(Scale("s", 3).status().message(), not_active);
  EXPECT_EQ(PutAt("s", "u", kHalf).shard_index, ShardIndex{2});  // writes go on while UPDATING

  Close();
  update_delay_ = 0ms;
  Open();  // Recover finishes the interrupted update
  for (int i = 0; i < 500 && StatusOf("s") != StreamStatus::kActive; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(StatusOf("s"), StreamStatus::kActive);
  auto shards = Shards("s");
  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards[0].closed_at_seq, std::optional<uint64_t>(0));
  EXPECT_EQ(PutAt("s", "after", "5").shard_index, ShardIndex{1});

  Close();
  Open();  // and after: the closed parent stays closed and readable to its end
  EXPECT_EQ(PutAt("s", "again", "5").shard_index, ShardIndex{1});
  auto all = ReadEverything("s");
  EXPECT_EQ(all[0], std::vector<std::string>{"p"});
  EXPECT_EQ(all[1], (std::vector<std::string>{"after", "again"}));
  EXPECT_EQ(all[2], std::vector<std::string>{"u"});
  ASSERT_TRUE(Merge("s", "shardId-000000000001", "shardId-000000000002").ok());
}

TEST_F(ReshardTest, ListShardsFiltersAcrossAReshardAndExpiry) {
  ASSERT_TRUE(Create("s", 2).ok());
  const int64_t created = NowMs() + time_travel_.load().count();
  time_travel_ = 1h;
  ASSERT_TRUE(Split("s", "shardId-000000000000", "1000").ok());
  const int64_t split_at = NowMs() + time_travel_.load().count();
  time_travel_ = 2h;
  auto ids = [&](std::optional<ShardFilter> filter) {
    ListShardsRequest request;
    request.stream = {"s", ""};
    request.filter = filter;
    auto listed = broker_->ListShards(caller_, request);
    EXPECT_TRUE(listed.ok()) << listed.status().message();
    std::vector<uint32_t> out;
    if (listed.ok()) {
      for (const auto& shard : listed->shards) out.push_back(shard.index.value());
    }
    return out;
  };
  using V = std::vector<uint32_t>;
  EXPECT_EQ(ids(std::nullopt), (V{0, 1, 2, 3}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kAtLatest, "", {}}), (V{1, 2, 3}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kAtTrimHorizon, "", {}}), (V{0, 1}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kFromTrimHorizon, "", {}}), (V{0, 1, 2, 3}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kAtTimestamp, "", created + 60000}), (V{0, 1}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kAtTimestamp, "", split_at + 60000}), (V{1, 2, 3}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kFromTimestamp, "", created + 60000}),
            (V{0, 1, 2, 3}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kFromTimestamp, "", split_at + 60000}), (V{1, 2, 3}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kAfterShardId, "shardId-000000000001", {}}),
            (V{2, 3}));

  // A day after the split every record of the parent has expired: it is listed no more.
  time_travel_ = 26h;
  EXPECT_EQ(ids(std::nullopt), (V{1, 2, 3}));
  EXPECT_EQ(ids(ShardFilter{ShardFilterType::kAtTrimHorizon, "", {}}), (V{1, 2, 3}));
  auto shards = Shards("s");
  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards[0].index, ShardIndex{1});
  // Still readable to its (empty) end, so a reader that had it finds the children.
  auto read = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), {});
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->next_iterator.has_value());
  EXPECT_EQ(read->child_shards.size(), 2u);
}

}  // namespace
}  // namespace sluice::broker
