// The settings, limits and account-settings handlers: what they read from the request and the
// replies they shape, member for member in the model's order.
#include <future>

#include <gtest/gtest.h>

#include "sluice/api/api.h"
#include "support/api_fixture.h"

namespace sluice::api {
namespace {

class SettingsHandlersTest : public testing::ApiFixture {
 protected:
  Value Summary(const std::string& name) {
    return Succeed("DescribeStreamSummary", {{"StreamName", name}})["StreamDescriptionSummary"];
  }

  const std::string arn_ = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
};

TEST_F(SettingsHandlersTest, EnhancedMonitoringRepliesAndDescribes) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  Value out = Succeed("EnableEnhancedMonitoring",
                      {{"StreamARN", arn_}, {"ShardLevelMetrics", {"IncomingRecords"}}});
  EXPECT_EQ(out, (Value{{"StreamName", "s"},
                        {"CurrentShardLevelMetrics", Value::array()},
                        {"DesiredShardLevelMetrics", {"IncomingRecords"}},
                        {"StreamARN", arn_}}));
  EXPECT_EQ(Summary("s")["EnhancedMonitoring"],
            Value::array({Value{{"ShardLevelMetrics", {"IncomingRecords"}}}}));
  Value described = Succeed("DescribeStream", {{"StreamName", "s"}})["StreamDescription"];
  EXPECT_EQ(described["EnhancedMonitoring"], Summary("s")["EnhancedMonitoring"]);
  out = Succeed("DisableEnhancedMonitoring", {{"StreamName", "s"}, {"ShardLevelMetrics", {"ALL"}}});
  EXPECT_EQ(out["CurrentShardLevelMetrics"], Value({"IncomingRecords"}));
  EXPECT_EQ(out["DesiredShardLevelMetrics"], Value::array());
}

TEST_F(SettingsHandlersTest, EncryptionShowsInDescribeAndOnRecords) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  EXPECT_EQ(
      Succeed("StartStreamEncryption",
              {{"StreamName", "s"}, {"EncryptionType", "KMS"}, {"KeyId", "alias/aws/kinesis"}}),
      Value::object());
  EXPECT_EQ(Summary("s")["EncryptionType"], "KMS");
  EXPECT_EQ(Summary("s")["KeyId"], "alias/aws/kinesis");
  Value put = Succeed("PutRecord", {{"StreamName", "s"},
                                    {"Data", Value::binary(std::vector<uint8_t>{1, 2})},
                                    {"PartitionKey", "k"}});
  EXPECT_EQ(put["EncryptionType"], "KMS");
  Value iterator = Succeed("GetShardIterator", {{"StreamName", "s"},
                                                {"ShardId", "shardId-000000000000"},
                                                {"ShardIteratorType", "TRIM_HORIZON"}});
  Value got = Succeed("GetRecords", {{"ShardIterator", iterator["ShardIterator"]}});
  ASSERT_EQ(got["Records"].size(), 1u);
  EXPECT_EQ(got["Records"][0]["EncryptionType"], "KMS");
  auto refused = Invoke("StopStreamEncryption",
                        {{"StreamName", "s"}, {"EncryptionType", "KMS"}, {"KeyId", "x y"}});
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(SettingsHandlersTest, ModeRecordSizeWarmThroughputAndLimits) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  Succeed("UpdateMaxRecordSize", {{"StreamARN", arn_}, {"MaxRecordSizeInKiB", 5120}});
  EXPECT_EQ(Summary("s")["MaxRecordSizeInKiB"], 5120);
  EXPECT_EQ(Invoke("UpdateMaxRecordSize", {{"StreamARN", arn_}, {"MaxRecordSizeInKiB", 512}})
                .status()
                .code(),
            ErrorCode::kValidation);  // the model's range

  Succeed("UpdateAccountSettings",
          {{"MinimumThroughputBillingCommitment", {{"Status", "ENABLED"}}}});
  Succeed("UpdateStreamMode", {{"StreamARN", arn_},
                               {"StreamModeDetails", {{"StreamMode", "ON_DEMAND"}}},
                               {"WarmThroughputMiBps", 40}});
  Value summary = Summary("s");
  EXPECT_EQ(summary["StreamModeDetails"], (Value{{"StreamMode", "ON_DEMAND"}}));
  EXPECT_EQ(summary["WarmThroughput"], (Value{{"TargetMiBps", 40}, {"CurrentMiBps", 40}}));
  Value warm =
      Succeed("UpdateStreamWarmThroughput", {{"StreamName", "s"}, {"WarmThroughputMiBps", 80}});
  // With no update delay (the fixture's) the stream has scaled by the time the write is done.
  EXPECT_EQ(warm, (Value{{"StreamARN", arn_},
                         {"StreamName", "s"},
                         {"WarmThroughput", {{"TargetMiBps", 80}, {"CurrentMiBps", 80}}}}));

  EXPECT_EQ(Succeed("DescribeLimits", Value::object()), (Value{{"ShardLimit", 500},
                                                               {"OpenShardCount", 1},
                                                               {"OnDemandStreamCount", 1},
                                                               {"OnDemandStreamCountLimit", 50}}));
  Value settings = Succeed("DescribeAccountSettings", Value::object());
  EXPECT_EQ(settings["MinimumThroughputBillingCommitment"],
            (Value{{"Status", "ENABLED"},
                   {"StartedAt", kNowMs},
                   {"EarliestAllowedEndAt", kNowMs + 24 * 3600 * 1000}}));
}

TEST_F(SettingsHandlersTest, OnDemandCreateRefusesAShardCount) {
  auto refused = Invoke("CreateStream", {{"StreamName", "o"},
                                         {"ShardCount", 3},
                                         {"StreamModeDetails", {{"StreamMode", "ON_DEMAND"}}}});
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), "ShardCount is not expected when StreamMode=ON_DEMAND");
  Succeed("CreateStream",
          {{"StreamName", "o"}, {"StreamModeDetails", {{"StreamMode", "ON_DEMAND"}}}});
  EXPECT_EQ(Summary("o")["OpenShardCount"], 4);
  EXPECT_FALSE(Summary("o").contains("WarmThroughput"));
}

}  // namespace
}  // namespace sluice::api
