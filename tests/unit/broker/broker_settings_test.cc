// Stream settings (encryption, enhanced monitoring, capacity mode, maximum record size, warm
// throughput), limits and account settings: AWS's rules, durability across restarts, and nothing
// changed by a write the quorum refuses.
#include <future>
#include <thread>

#include "broker/stream_settings.h"
#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

constexpr const char* kKeyUuid = "12345678-1234-1234-1234-123456789012";
constexpr const char* kKeyArn =
    "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012";

class BrokerSettingsTest : public BrokerTest {
 protected:
  template <typename T, typename Start>
  Result<T> Wait(Start start) {
    std::promise<Result<T>> done;
    start([&](Result<T> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  Status StartEncryption(const std::string& name, const std::string& key,
                         const std::string& type = "KMS") {
    return Wait<Done>([&](Callback<Done> cb) {
             broker_->StartStreamEncryption(caller_, {name, ""}, type, key, std::move(cb));
           })
        .status();
  }
  Status StopEncryption(const std::string& name, const std::string& key) {
    return Wait<Done>([&](Callback<Done> cb) {
             broker_->StopStreamEncryption(caller_, {name, ""}, "KMS", key, std::move(cb));
           })
        .status();
  }
  Result<EnhancedMonitoringResult> Monitoring(const std::string& name,
                                              std::vector<std::string> metrics, bool enable) {
    return Wait<EnhancedMonitoringResult>([&](Callback<EnhancedMonitoringResult> cb) {
      broker_->ChangeEnhancedMonitoring(caller_, {name, ""}, metrics, enable, std::move(cb));
    });
  }
  Status Mode(const std::string& name, StreamMode mode, std::optional<int> warm = std::nullopt) {
    // UpdateStreamMode names the stream by ARN only.
    const std::string arn = StreamArn(caller_.region, caller_.account, name);
    return Wait<Done>([&](Callback<Done> cb) {
             broker_->UpdateStreamMode(caller_, {"", arn}, mode, warm, std::move(cb));
           })
        .status();
  }
  Status MaxRecordSize(const std::string& name, int kib) {
    return Wait<Done>([&](Callback<Done> cb) {
             broker_->UpdateMaxRecordSize(caller_, {name, ""}, kib, std::move(cb));
           })
        .status();
  }
  Result<WarmThroughputResult> Warm(const std::string& name, int mibps) {
    return Wait<WarmThroughputResult>([&](Callback<WarmThroughputResult> cb) {
      broker_->UpdateStreamWarmThroughput(caller_, {name, ""}, mibps, std::move(cb));
    });
  }
  Result<AccountSettings> Commitment(bool enable) {
    return Wait<AccountSettings>([&](Callback<AccountSettings> cb) {
      broker_->UpdateAccountSettings(caller_, enable, std::move(cb));
    });
  }
  Status CreateOnDemand(const std::string& name, std::optional<int> warm = std::nullopt) {
    CreateStreamRequest request;
    request.name = name;
    request.stream_mode = StreamMode::kOnDemand;
    request.warm_throughput_mibps = warm;
    return Wait<Done>(
               [&](Callback<Done> cb) { broker_->CreateStream(caller_, request, std::move(cb)); })
        .status();
  }
  StreamInfo Summary(const std::string& name) {
    auto summary = broker_->DescribeStreamSummary(caller_, {name, ""});
    EXPECT_TRUE(summary.ok()) << summary.status().message();
    return summary.ok() ? *summary : StreamInfo{};
  }
  // Waits (up to 5 s) until the stream is ACTIVE again after an asynchronous update.
  bool WaitActive(const std::string& name) {
    for (int i = 0; i < 500; ++i) {
      if (Summary(name).status == StreamStatus::kActive) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void LoseQuorum() {
    ASSERT_TRUE(store_->FailNode("az-a").ok());
    ASSERT_TRUE(store_->FailNode("az-b").ok());
  }
};

TEST(StreamSettingsRules, KmsKeyIdShapes) {
  for (const char* good : {kKeyUuid, kKeyArn, "alias/aws/kinesis", "alias/MyAliasName",
                           "arn:aws:kms:us-east-1:123456789012:alias/MyAliasName",
                           "mrk-1234abcd12ab34cd56ef1234567890ab",
                           "arn:aws-cn:kms:cn-north-1:123456789012:key/"
                           "mrk-1234abcd12ab34cd56ef1234567890ab"}) {
    EXPECT_TRUE(IsWellFormedKmsKeyId(good)) << good;
  }
  for (const char* bad :
       {"", "not-a-key", "12345678-1234-1234-1234-12345678901", "alias/", "alias/bad name",
        "arn:aws:kms:us-east-1:123456789012:key/not-a-uuid",
        "arn:aws:kms:us-east-1:1234:key/12345678-1234-1234-1234-123456789012",
        "arn:aws:kinesis:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012",
        "arn:aws:kms:us-east-1:123456789012:stream/x"}) {
    EXPECT_FALSE(IsWellFormedKmsKeyId(bad)) << bad;
  }
}

TEST(StreamSettingsRules, ShardLevelMetricsAddAndRemoveInModelOrder) {
  EXPECT_EQ(ChangedShardLevelMetrics({}, {"OutgoingBytes", "IncomingBytes"}, true),
            (std::vector<std::string>{"IncomingBytes", "OutgoingBytes"}));
  EXPECT_EQ(ChangedShardLevelMetrics({"IncomingBytes"}, {"ALL"}, true), AllShardLevelMetrics());
  EXPECT_EQ(ChangedShardLevelMetrics(AllShardLevelMetrics(), {"ALL"}, false),
            std::vector<std::string>{});
  EXPECT_EQ(ChangedShardLevelMetrics({"IncomingBytes", "IteratorAgeMilliseconds"},
                                     {"IteratorAgeMilliseconds", "OutgoingBytes"}, false),
            std::vector<std::string>{"IncomingBytes"});
}

TEST(StreamSettingsRules, NewFieldsRoundTripAndOldDataReadsAsDefaults) {
  StreamInfo info;
  info.account = "000000000000";
  info.region = "us-east-1";
  info.name = "s";
  info.uid = 9;
  info.encryption_type = "KMS";
  info.key_id = "alias/aws/kinesis";
  info.max_record_size_kib = 4096;
  info.stream_mode = StreamMode::kOnDemand;
  info.shard_level_metrics = {"IncomingBytes", "OutgoingRecords"};
  info.warm_throughput = WarmThroughput{200, 100};
  info.mode_switches_ms = {1, 2};
  info.encryption_starts_ms = {3};
  info.encryption_stops_ms = {4, 5};
  auto back = DecodeStreamInfo(EncodeStreamInfo(info));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->shard_level_metrics, info.shard_level_metrics);
  ASSERT_TRUE(back->warm_throughput.has_value());
  EXPECT_EQ(back->warm_throughput->target_mibps, 200);
  EXPECT_EQ(back->warm_throughput->current_mibps, 100);
  EXPECT_EQ(back->mode_switches_ms, info.mode_switches_ms);
  EXPECT_EQ(back->encryption_starts_ms, info.encryption_starts_ms);
  EXPECT_EQ(back->encryption_stops_ms, info.encryption_stops_ms);
  EXPECT_EQ(back->max_record_size_kib, 4096);
  EXPECT_EQ(back->key_id, "alias/aws/kinesis");

  // Metadata written before these settings existed has none of their keys.
  const std::string old = R"({"v":1,"account":"a","region":"r","name":"n","uid":1,"created_ms":5,)"
                          R"("status":"ACTIVE","retention_hours":24,"shards":[],"tags":{}})";
  auto decoded = DecodeStreamInfo(old);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->shard_level_metrics.empty());
  EXPECT_FALSE(decoded->warm_throughput.has_value());
  EXPECT_TRUE(decoded->mode_switches_ms.empty());
  EXPECT_EQ(decoded->encryption_type, "NONE");
  EXPECT_EQ(decoded->max_record_size_kib, 1024);
}

TEST(StreamSettingsRules, AccountSettingsRoundTripAndScheduledEnd) {
  AccountSettings settings;
  settings.status = CommitmentStatus::kEnabledUntilEarliestAllowedEnd;
  settings.started_ms = 100;
  settings.earliest_end_ms = 200;
  settings.ended_ms = 200;
  auto back = DecodeAccountSettings(EncodeAccountSettings(settings));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->status, settings.status);
  EXPECT_EQ(back->started_ms, settings.started_ms);
  EXPECT_EQ(back->earliest_end_ms, settings.earliest_end_ms);
  EXPECT_EQ(back->ended_ms, settings.ended_ms);
  EXPECT_EQ(settings.At(199).status, CommitmentStatus::kEnabledUntilEarliestAllowedEnd);
  EXPECT_EQ(settings.At(200).status, CommitmentStatus::kDisabled);
  EXPECT_FALSE(DecodeAccountSettings(R"({"v":1,"commitment_status":"MAYBE"})").has_value());
  EXPECT_EQ(AccountSettingsKey("000000000000", "us-east-1").rfind(kStreamMetaRoot, 0),
            std::string::npos);
}

TEST_F(BrokerSettingsTest, EncryptionStartsAndStopsAndShowsOnPuts) {
  ASSERT_TRUE(Create("s", 1).ok());
  for (const char* key : {kKeyUuid, kKeyArn, "alias/aws/kinesis",
                          "arn:aws:kms:us-east-1:123456789012:alias/MyAliasName"}) {
    ASSERT_TRUE(StartEncryption("s", key).ok()) << key;
    StreamInfo info = Summary("s");
    EXPECT_EQ(info.encryption_type, "KMS");
    EXPECT_EQ(info.key_id, key);
  }
  auto put = Put("s", {{"a", "k", std::nullopt}});
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->encryption_type, "KMS");

  ASSERT_TRUE(StopEncryption("s", "alias/aws/kinesis").ok());
  EXPECT_EQ(Summary("s").encryption_type, "NONE");
  EXPECT_EQ(Summary("s").key_id, "");
  put = Put("s", {{"b", "k", std::nullopt}});
  EXPECT_EQ(put->encryption_type, "NONE");
  // Each record keeps how it was written.
  auto read = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), std::nullopt);
  ASSERT_EQ(read->records.size(), 2u);
  EXPECT_TRUE(read->records[0].encrypted);
  EXPECT_FALSE(read->records[1].encrypted);
}

TEST_F(BrokerSettingsTest, EncryptionRefusesBadKeysTypesAndMissingStreams) {
  ASSERT_TRUE(Create("s", 1).ok());
  EXPECT_EQ(StartEncryption("s", "no-such-key-format").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(StartEncryption("s", kKeyUuid, "NONE").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(StopEncryption("s", "alias/").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(StartEncryption("missing", kKeyUuid).code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(Summary("s").encryption_type, "NONE");
}

TEST_F(BrokerSettingsTest, EncryptionChangesAreLimitedPerRollingDay) {
  ASSERT_TRUE(Create("s", 1).ok());
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(StartEncryption("s", kKeyUuid).ok()) << i;
  EXPECT_EQ(StartEncryption("s", kKeyUuid).code(), ErrorCode::kLimitExceeded);
  ASSERT_TRUE(StopEncryption("s", kKeyUuid).ok());  // stopping is counted on its own
  time_travel_ = std::chrono::hours(24) + std::chrono::minutes(1);
  EXPECT_TRUE(StartEncryption("s", kKeyUuid).ok());
}

TEST_F(BrokerSettingsTest, AsynchronousChangesGoThroughUpdating) {
  update_delay_ = std::chrono::milliseconds(300);
  Close();
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(StartEncryption("s", kKeyUuid).ok());
  EXPECT_EQ(Summary("s").status, StreamStatus::kUpdating);
  // Another change waits for ACTIVE, as on AWS; records still go in.
  EXPECT_EQ(MaxRecordSize("s", 2048).code(), ErrorCode::kResourceInUse);
  EXPECT_TRUE(Put("s", {{"a", "k", std::nullopt}}).ok());
  EXPECT_TRUE(WaitActive("s"));
  EXPECT_EQ(Summary("s").encryption_type, "KMS");
}

TEST_F(BrokerSettingsTest, AnUpdateInterruptedByARestartFinishesAtRecover) {
  update_delay_ = std::chrono::hours(1);
  Close();
  Open();
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(Commitment(true).ok());
  ASSERT_TRUE(CreateOnDemand("o").ok());
  ASSERT_TRUE(Warm("o", 300).ok());
  ASSERT_TRUE(StartEncryption("s", kKeyUuid).ok());
  EXPECT_EQ(Summary("s").status, StreamStatus::kUpdating);
  EXPECT_EQ(Summary("o").warm_throughput->current_mibps, 0);
  Close();
  Open();
  EXPECT_TRUE(WaitActive("s"));
  EXPECT_TRUE(WaitActive("o"));
  EXPECT_EQ(Summary("s").key_id, kKeyUuid);
  EXPECT_EQ(Summary("o").warm_throughput->current_mibps, 300);
}

TEST_F(BrokerSettingsTest, EnhancedMonitoringReportsBeforeAndAfter) {
  ASSERT_TRUE(Create("s", 1).ok());
  auto enabled = Monitoring("s", {"IncomingBytes"}, true);
  ASSERT_TRUE(enabled.ok());
  EXPECT_EQ(enabled->stream_name, "s");
  EXPECT_EQ(enabled->stream_arn, StreamArn(caller_.region, caller_.account, "s"));
  EXPECT_TRUE(enabled->current.empty());
  EXPECT_EQ(enabled->desired, std::vector<std::string>{"IncomingBytes"});
  auto all = Monitoring("s", {"ALL"}, true);
  EXPECT_EQ(all->current, std::vector<std::string>{"IncomingBytes"});
  EXPECT_EQ(all->desired, AllShardLevelMetrics());
  auto fewer = Monitoring("s", {"IncomingBytes", "OutgoingBytes"}, false);
  EXPECT_EQ(fewer->desired.size(), 5u);
  EXPECT_EQ(Summary("s").shard_level_metrics, fewer->desired);
  Close();
  Open();
  EXPECT_EQ(Summary("s").shard_level_metrics, fewer->desired);
  EXPECT_TRUE(Monitoring("s", {"ALL"}, false)->desired.empty());
  EXPECT_EQ(Monitoring("missing", {"ALL"}, true).status().code(), ErrorCode::kResourceNotFound);
}

TEST_F(BrokerSettingsTest, OnDemandCreateHasFourShardsAndNoShardCount) {
  ASSERT_TRUE(CreateOnDemand("o").ok());
  StreamInfo info = Summary("o");
  EXPECT_EQ(info.stream_mode, StreamMode::kOnDemand);
  EXPECT_EQ(info.OpenShardCount(), 4u);
  CreateStreamRequest request;
  request.name = "p";
  request.stream_mode = StreamMode::kOnDemand;
  request.shard_count = 2;
  auto refused = Wait<Done>(
      [&](Callback<Done> cb) { broker_->CreateStream(caller_, request, std::move(cb)); });
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(BrokerSettingsTest, OnDemandStreamLimitHoldsForCreateAndModeSwitch) {
  on_demand_stream_limit_ = 2;
  Close();
  Open();
  ASSERT_TRUE(CreateOnDemand("o1").ok());
  ASSERT_TRUE(CreateOnDemand("o2").ok());
  Status third = CreateOnDemand("o3");
  EXPECT_EQ(third.code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(third.message().find("Limit: 2"), std::string::npos) << third.message();
  ASSERT_TRUE(Create("p", 1).ok());
  EXPECT_EQ(Mode("p", StreamMode::kOnDemand).code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(Summary("p").stream_mode, StreamMode::kProvisioned);
  StreamLimits limits = broker_->DescribeLimits(caller_);
  EXPECT_EQ(limits.on_demand_stream_count, 2u);
  EXPECT_EQ(limits.on_demand_stream_limit, 2u);
  EXPECT_EQ(limits.open_shard_count, 9u);
  EXPECT_EQ(limits.shard_limit, 500u);
  // Another account's namespace counts on its own.
  EXPECT_EQ(broker_->DescribeLimits({"111111111111", "us-east-1"}).on_demand_stream_count, 0u);
}

TEST_F(BrokerSettingsTest, StreamModeSwitchesTwicePerRollingDay) {
  ASSERT_TRUE(Create("s", 2).ok());
  EXPECT_EQ(Mode("s", StreamMode::kProvisioned).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(Mode("s", StreamMode::kOnDemand).ok());
  EXPECT_EQ(Summary("s").stream_mode, StreamMode::kOnDemand);
  EXPECT_EQ(Summary("s").OpenShardCount(), 2u);  // the shards stay as they are
  ASSERT_TRUE(Mode("s", StreamMode::kProvisioned).ok());
  EXPECT_EQ(Mode("s", StreamMode::kOnDemand).code(), ErrorCode::kLimitExceeded);
  time_travel_ = std::chrono::hours(24) + std::chrono::minutes(1);
  EXPECT_TRUE(Mode("s", StreamMode::kOnDemand).ok());
  EXPECT_EQ(Mode("missing", StreamMode::kOnDemand).code(), ErrorCode::kResourceNotFound);
}

TEST_F(BrokerSettingsTest, MaxRecordSizeIsEnforcedOnPuts) {
  ASSERT_TRUE(Create("s", 1).ok());
  const std::string big(1024 * 1024, 'x');  // with its key, one byte too many for 1 MiB
  auto refused = Put("s", {{"small", "k", std::nullopt}, {big, "k", std::nullopt}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kValidation);
  EXPECT_EQ(refused.status().message(),
            "1 validation error detected: Value at 'records.2.member.data' failed to satisfy "
            "constraint: Member must have length less than or equal to 1048576");
  std::promise<Result<PutRecordsResult>> single;
  broker_->PutRecords(
      caller_, {"s", ""}, {{big, "k", std::nullopt}},
      [&](Result<PutRecordsResult> r) { single.set_value(std::move(r)); }, PutCall::kPutRecord);
  EXPECT_NE(single.get_future().get().status().message().find("Value at 'data'"),
            std::string::npos);

  ASSERT_TRUE(MaxRecordSize("s", 2048).ok());
  EXPECT_EQ(Summary("s").max_record_size_kib, 2048);
  auto stored = Put("s", {{big, "k", std::nullopt}});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->failed, 0u);
  auto read = GetRecords(Iterator("s", "shardId-000000000000", "TRIM_HORIZON"), std::nullopt);
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].data.size(), big.size());
  const std::string too_big(2048 * 1024, 'y');
  EXPECT_EQ(Put("s", {{too_big, "k", std::nullopt}}).status().code(), ErrorCode::kValidation);
  Close();
  Open();
  EXPECT_EQ(Summary("s").max_record_size_kib, 2048);
}

TEST_F(BrokerSettingsTest, WarmThroughputNeedsOnDemandAndACommitment) {
  ASSERT_TRUE(Create("p", 1).ok());
  ASSERT_TRUE(CreateOnDemand("o").ok());
  EXPECT_EQ(Warm("o", 100).status().code(), ErrorCode::kValidation);  // no commitment yet
  EXPECT_EQ(CreateOnDemand("w", 100).code(), ErrorCode::kValidation);
  ASSERT_TRUE(Commitment(true).ok());
  EXPECT_EQ(Warm("p", 100).status().code(), ErrorCode::kValidation);  // provisioned
  EXPECT_EQ(Warm("o", 10241).status().code(), ErrorCode::kLimitExceeded);
  auto warm = Warm("o", 100);
  ASSERT_TRUE(warm.ok()) << warm.status().message();
  EXPECT_EQ(warm->stream_name, "o");
  EXPECT_EQ(warm->warm_throughput.target_mibps, 100);
  EXPECT_EQ(Summary("o").warm_throughput->current_mibps, 100);  // update_delay 0: done at once
  ASSERT_TRUE(CreateOnDemand("w", 50).ok());
  EXPECT_EQ(Summary("w").warm_throughput->target_mibps, 50);
  // Warm throughput only with a switch to on-demand; switching back drops it.
  EXPECT_EQ(Mode("p", StreamMode::kProvisioned, 10).code(), ErrorCode::kValidation);
  ASSERT_TRUE(Mode("p", StreamMode::kOnDemand, 20).ok());
  EXPECT_EQ(Summary("p").warm_throughput->target_mibps, 20);
  ASSERT_TRUE(Mode("o", StreamMode::kProvisioned).ok());
  EXPECT_FALSE(Summary("o").warm_throughput.has_value());
}

TEST_F(BrokerSettingsTest, CommitmentLastsAtLeastADay) {
  AccountSettings initial = broker_->DescribeAccountSettings(caller_);
  EXPECT_EQ(initial.status, CommitmentStatus::kDisabled);
  EXPECT_FALSE(initial.started_ms.has_value());

  auto enabled = Commitment(true);
  ASSERT_TRUE(enabled.ok());
  EXPECT_EQ(enabled->status, CommitmentStatus::kEnabled);
  ASSERT_TRUE(enabled->started_ms && enabled->earliest_end_ms);
  EXPECT_EQ(*enabled->earliest_end_ms - *enabled->started_ms, kMinimumCommitmentMs);
  EXPECT_FALSE(enabled->ended_ms.has_value());

  // Too early to end: it stays on until the earliest allowed end...
  auto early = Commitment(false);
  EXPECT_EQ(early->status, CommitmentStatus::kEnabledUntilEarliestAllowedEnd);
  EXPECT_EQ(early->ended_ms, enabled->earliest_end_ms);
  // ...unless enabled again, which cancels the end.
  auto again = Commitment(true);
  EXPECT_EQ(again->status, CommitmentStatus::kEnabled);
  EXPECT_EQ(again->started_ms, enabled->started_ms);
  EXPECT_FALSE(again->ended_ms.has_value());
  ASSERT_TRUE(Commitment(false).ok());

  Close();
  Open();
  EXPECT_EQ(broker_->DescribeAccountSettings(caller_).status,
            CommitmentStatus::kEnabledUntilEarliestAllowedEnd);
  EXPECT_EQ(broker_->DescribeAccountSettings({"000000000000", "eu-west-1"}).status,
            CommitmentStatus::kDisabled);  // per region
  time_travel_ = std::chrono::hours(25);
  AccountSettings ended = broker_->DescribeAccountSettings(caller_);
  EXPECT_EQ(ended.status, CommitmentStatus::kDisabled);
  EXPECT_EQ(ended.ended_ms, enabled->earliest_end_ms);
  // Listing streams never meets the account's own key.
  auto listed = broker_->ListStreams(caller_, {});
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->streams.empty());
}

TEST_F(BrokerSettingsTest, ConcurrentAccountUpdatesAllAnswer) {
  std::vector<std::future<Result<AccountSettings>>> answers;
  std::vector<std::shared_ptr<std::promise<Result<AccountSettings>>>> promises;
  for (int i = 0; i < 20; ++i) {
    auto promise = std::make_shared<std::promise<Result<AccountSettings>>>();
    answers.push_back(promise->get_future());
    broker_->UpdateAccountSettings(caller_, i % 2 == 0, [promise](Result<AccountSettings> r) {
      promise->set_value(std::move(r));
    });
  }
  for (auto& answer : answers) EXPECT_TRUE(answer.get().ok());
  // The last asked for "disabled" within the day.
  EXPECT_EQ(broker_->DescribeAccountSettings(caller_).status,
            CommitmentStatus::kEnabledUntilEarliestAllowedEnd);
}

TEST_F(BrokerSettingsTest, WithoutAQuorumNoSettingChanges) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(CreateOnDemand("o").ok());
  LoseQuorum();
  EXPECT_EQ(StartEncryption("s", kKeyUuid).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Monitoring("s", {"ALL"}, true).status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Mode("s", StreamMode::kOnDemand).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(MaxRecordSize("s", 4096).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Commitment(true).status().code(), ErrorCode::kUnavailable);
  StreamInfo info = Summary("s");
  EXPECT_EQ(info.status, StreamStatus::kActive);
  EXPECT_EQ(info.encryption_type, "NONE");
  EXPECT_TRUE(info.shard_level_metrics.empty());
  EXPECT_EQ(info.stream_mode, StreamMode::kProvisioned);
  EXPECT_TRUE(info.mode_switches_ms.empty());
  EXPECT_EQ(info.max_record_size_kib, 1024);
  EXPECT_EQ(broker_->DescribeAccountSettings(caller_).status, CommitmentStatus::kDisabled);
  EXPECT_EQ(broker_->DescribeLimits(caller_).on_demand_stream_count, 1u);

  // Back to a quorum: nothing of the failed writes shows up, even after a restart.
  ASSERT_TRUE(store_->RecoverNode("az-a").ok());
  ASSERT_TRUE(store_->RecoverNode("az-b").ok());
  Close();
  Open();
  info = Summary("s");
  EXPECT_EQ(info.encryption_type, "NONE");
  EXPECT_EQ(info.max_record_size_kib, 1024);
  EXPECT_EQ(broker_->DescribeAccountSettings(caller_).status, CommitmentStatus::kDisabled);
}

}  // namespace
}  // namespace sluice::broker
