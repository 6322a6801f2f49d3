// The api handlers on their own, over a real broker: neutral values in (blobs as bytes,
// timestamps as epoch milliseconds) and neutral values out, shaped by the model's output shapes.
#include <algorithm>
#include <future>

#include <gtest/gtest.h>

#include "sluice/api/api.h"
#include "sluice/api/model.h"
#include "support/api_fixture.h"

namespace sluice::api {
namespace {

Value Blob(std::string_view bytes) {
  return Value::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

// Checks that `value` is what the model's `shape` says a reply holds, in the neutral
// representation: only model members, in model order; timestamps integers; blobs bytes.
void ExpectShaped(const Shape& shape, const Value& value, const std::string& path) {
  SCOPED_TRACE(path);
  switch (shape.type) {
    case Shape::Type::kStructure: {
      ASSERT_TRUE(value.is_object()) << value.dump();
      size_t next = 0;  // members must appear in model order
      for (const auto& [name, item] : value.items()) {
        size_t index = next;
        while (index < shape.members.size() && shape.members[index].name != name) ++index;
        ASSERT_LT(index, shape.members.size())
            << name << " is not a member of " << shape.name << " after " << next << " members";
        next = index + 1;
        ExpectShaped(*shape.members[index].shape, item, path + "." + name);
      }
      return;
    }
    case Shape::Type::kList:
      ASSERT_TRUE(value.is_array());
      for (const auto& item : value) ExpectShaped(*shape.member, item, path + "[]");
      return;
    case Shape::Type::kMap:
      ASSERT_TRUE(value.is_object());
      for (const auto& [key, item] : value.items()) ExpectShaped(*shape.value, item, path + key);
      return;
    case Shape::Type::kString:
      EXPECT_TRUE(value.is_string()) << value.dump();
      return;
    case Shape::Type::kInteger:
    case Shape::Type::kLong:
    case Shape::Type::kTimestamp:
      EXPECT_TRUE(value.is_number_integer()) << value.dump();
      return;
    case Shape::Type::kBoolean:
      EXPECT_TRUE(value.is_boolean()) << value.dump();
      return;
    case Shape::Type::kBlob:
      EXPECT_TRUE(value.is_binary()) << value.dump();
      return;
  }
}

class HandlersTest : public testing::ApiFixture {
 protected:
  // Every successful reply is checked against the model's output shape.
  Result<Value> Invoke(std::string_view operation, Value input) override {
    Result<Value> result = ApiFixture::Invoke(operation, std::move(input));
    if (result.ok()) {
      const Shape* output = ApiModel::Get().Output(operation);
      if (output == nullptr) {
        EXPECT_EQ(*result, Value::object()) << operation;
      } else {
        ExpectShaped(*output, *result, std::string(operation));
      }
    }
    return result;
  }

  std::string Iterator(Value input) {
    return Succeed("GetShardIterator", std::move(input))["ShardIterator"].get<std::string>();
  }
};

TEST_F(HandlersTest, CreateStreamAnswersWithNoMembers) {
  EXPECT_EQ(Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 2}}), Value::object());
}

TEST_F(HandlersTest, RecordsCarryBytesAndArrivalMilliseconds) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  const std::string bytes("\x00\xff\x10not utf-8 \xc3", 14);
  Value put =
      Succeed("PutRecord", {{"StreamName", "s"}, {"Data", Blob(bytes)}, {"PartitionKey", "k"}});
  EXPECT_EQ(put["ShardId"], "shardId-000000000000");
  EXPECT_EQ(put["EncryptionType"], "NONE");
  const std::string seq = put["SequenceNumber"].get<std::string>();
  EXPECT_EQ(seq.size(), 56u);

  Value got =
      Succeed("GetRecords", {{"ShardIterator", Iterator({{"StreamName", "s"},
                                                         {"ShardId", "shardId-000000000000"},
                                                         {"ShardIteratorType", "TRIM_HORIZON"}})}});
  ASSERT_EQ(got["Records"].size(), 1u);
  const Value& record = got["Records"][0];
  EXPECT_EQ(record, (Value{{"SequenceNumber", seq},
                           {"ApproximateArrivalTimestamp", kNowMs},
                           {"Data", Blob(bytes)},
                           {"PartitionKey", "k"}}));
  EXPECT_TRUE(got.contains("NextShardIterator"));
  EXPECT_EQ(got["MillisBehindLatest"], 0);
}

TEST_F(HandlersTest, PutRecordsAnswersInRequestOrder) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 2}});
  Value records = Value::array();
  for (const char* key : {"0", "340282366920938463463374607431768211455", "1"}) {
    records.push_back({{"Data", Blob(key)}, {"PartitionKey", "k"}, {"ExplicitHashKey", key}});
  }
  Value out = Succeed("PutRecords", {{"Records", records}, {"StreamName", "s"}});
  EXPECT_EQ(out["FailedRecordCount"], 0);
  ASSERT_EQ(out["Records"].size(), 3u);
  EXPECT_EQ(out["Records"][0]["ShardId"], "shardId-000000000000");
  EXPECT_EQ(out["Records"][1]["ShardId"], "shardId-000000000001");
  EXPECT_EQ(out["Records"][2]["ShardId"], "shardId-000000000000");
  EXPECT_LT(out["Records"][0]["SequenceNumber"].get<std::string>(),
            out["Records"][2]["SequenceNumber"].get<std::string>());
}

TEST_F(HandlersTest, AtTimestampIteratorsTakeMilliseconds) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  Succeed("PutRecord", {{"StreamName", "s"}, {"Data", Blob("first")}, {"PartitionKey", "k"}});
  now_ms_ += 10;
  Succeed("PutRecord", {{"StreamName", "s"}, {"Data", Blob("second")}, {"PartitionKey", "k"}});
  now_ms_ += 1000;  // positions in the future are refused
  auto read_at = [&](int64_t ms) {
    Value got =
        Succeed("GetRecords", {{"ShardIterator", Iterator({{"StreamName", "s"},
                                                           {"ShardId", "shardId-000000000000"},
                                                           {"ShardIteratorType", "AT_TIMESTAMP"},
                                                           {"Timestamp", ms}})}});
    std::vector<Value> data;
    for (const auto& record : got["Records"]) data.push_back(record["Data"]);
    return data;
  };
  EXPECT_EQ(read_at(kNowMs), (std::vector<Value>{Blob("first"), Blob("second")}));
  EXPECT_EQ(read_at(kNowMs + 1), (std::vector<Value>{Blob("second")}));
  EXPECT_EQ(read_at(kNowMs + 10), (std::vector<Value>{Blob("second")}));
  EXPECT_EQ(read_at(kNowMs + 11), std::vector<Value>{});
}

TEST_F(HandlersTest, DescribeStreamSummaryGivesCreationMilliseconds) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 2}});
  Value out = Succeed("DescribeStreamSummary", {{"StreamName", "s"}});
  EXPECT_EQ(out, (Value{{"StreamDescriptionSummary",
                         {{"StreamName", "s"},
                          {"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/s"},
                          {"StreamStatus", "ACTIVE"},
                          {"StreamModeDetails", {{"StreamMode", "PROVISIONED"}}},
                          {"RetentionPeriodHours", 24},
                          {"StreamCreationTimestamp", kNowMs},
                          {"EnhancedMonitoring", {{{"ShardLevelMetrics", Value::array()}}}},
                          {"EncryptionType", "NONE"},
                          {"OpenShardCount", 2},
                          {"ConsumerCount", 0},
                          {"MaxRecordSizeInKiB", 1024}}}}));
}

TEST_F(HandlersTest, ListShardsTakesTimestampsInMilliseconds) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 2}});
  Value all = Succeed("ListShards", {{"StreamName", "s"}});
  ASSERT_EQ(all["Shards"].size(), 2u);
  EXPECT_EQ(all["Shards"][1]["ShardId"], "shardId-000000000001");
  EXPECT_EQ(all["Shards"][1]["HashKeyRange"],
            (Value{{"StartingHashKey", "170141183460469231731687303715884105728"},
                   {"EndingHashKey", "340282366920938463463374607431768211455"}}));

  // The broker compares the creation time to the second: the same instant is this stream...
  Value same = Succeed("ListShards", {{"StreamName", "s"}, {"StreamCreationTimestamp", kNowMs}});
  EXPECT_EQ(same["Shards"], all["Shards"]);
  // ...and one a second earlier is not.
  auto earlier =
      Invoke("ListShards", {{"StreamName", "s"}, {"StreamCreationTimestamp", kNowMs - 1000}});
  ASSERT_FALSE(earlier.ok());
  EXPECT_EQ(earlier.status().code(), ErrorCode::kResourceNotFound);

  Value filtered = Succeed(
      "ListShards",
      {{"StreamName", "s"}, {"ShardFilter", {{"Type", "AT_TIMESTAMP"}, {"Timestamp", kNowMs}}}});
  EXPECT_EQ(filtered["Shards"], all["Shards"]);
}

TEST_F(HandlersTest, ValuesNoCodecWouldProduceAreRefused) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  // A base64 string where the model wants bytes.
  auto text_blob =
      Invoke("PutRecord", {{"StreamName", "s"}, {"Data", "aGk="}, {"PartitionKey", "k"}});
  ASSERT_FALSE(text_blob.ok());
  EXPECT_EQ(text_blob.status().code(), ErrorCode::kSerialization);
  EXPECT_EQ(text_blob.status().message(), "Value at 'data' is not the Data the model requires.");
  // Seconds where the model wants milliseconds.
  auto seconds = Invoke("GetShardIterator", {{"StreamName", "s"},
                                             {"ShardId", "shardId-000000000000"},
                                             {"ShardIteratorType", "AT_TIMESTAMP"},
                                             {"Timestamp", 1701760153.593}});
  ASSERT_FALSE(seconds.ok());
  EXPECT_EQ(seconds.status().message(),
            "Value at 'timestamp' is not the Timestamp the model requires.");
  // Inside a list of structures.
  auto nested = Invoke("PutRecords",
                       {{"StreamName", "s"}, {"Records", {{{"Data", 7}, {"PartitionKey", "k"}}}}});
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().message(),
            "Value at 'records.1.member.data' is not the Data the model requires.");
}

TEST_F(HandlersTest, ReshardingAnswersInTheModelsShapes) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 2}});
  Succeed(
      "PutRecord",
      {{"StreamName", "s"}, {"Data", Blob("a")}, {"PartitionKey", "k"}, {"ExplicitHashKey", "7"}});
  EXPECT_EQ(Succeed("SplitShard", {{"StreamName", "s"},
                                   {"ShardToSplit", "shardId-000000000000"},
                                   {"NewStartingHashKey", "1000"}}),
            Value::object());
  EXPECT_EQ(Succeed("MergeShards", {{"StreamName", "s"},
                                    {"ShardToMerge", "shardId-000000000002"},
                                    {"AdjacentShardToMerge", "shardId-000000000003"}}),
            Value::object());
  Value scaled =
      Succeed("UpdateShardCount",
              {{"StreamName", "s"}, {"TargetShardCount", 4}, {"ScalingType", "UNIFORM_SCALING"}});
  EXPECT_EQ(scaled, (Value{{"StreamName", "s"},
                           {"CurrentShardCount", 2},
                           {"TargetShardCount", 4},
                           {"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/s"}}));
  auto too_many = Invoke("UpdateShardCount", {{"StreamName", "s"},
                                              {"TargetShardCount", int64_t{1} << 30},
                                              {"ScalingType", "UNIFORM_SCALING"}});
  EXPECT_EQ(too_many.status().code(), ErrorCode::kLimitExceeded);

  Value got =
      Succeed("GetRecords", {{"ShardIterator", Iterator({{"StreamName", "s"},
                                                         {"ShardId", "shardId-000000000000"},
                                                         {"ShardIteratorType", "TRIM_HORIZON"}})}});
  ASSERT_EQ(got["Records"].size(), 1u);
  EXPECT_FALSE(got.contains("NextShardIterator"));
  ASSERT_EQ(got["ChildShards"].size(), 2u);
  EXPECT_EQ(got["ChildShards"][0],
            (Value{{"ShardId", "shardId-000000000002"},
                   {"ParentShards", Value::array({"shardId-000000000000"})},
                   {"HashKeyRange", {{"StartingHashKey", "0"}, {"EndingHashKey", "999"}}}}));
  Value shards = Succeed("ListShards", {{"StreamName", "s"}})["Shards"];
  ASSERT_EQ(shards.size(), 9u);
  EXPECT_TRUE(shards[0]["SequenceNumberRange"].contains("EndingSequenceNumber"));
  EXPECT_EQ(shards[4]["ParentShardId"], "shardId-000000000002");
  EXPECT_EQ(shards[4]["AdjacentParentShardId"], "shardId-000000000003");
}

TEST_F(HandlersTest, EveryOperationIsValidatedBeforeItsHandlerIsLookedUp) {
  // An input missing a required member is a ValidationException for every operation of the
  // model, whether Sluice serves it or not.
  size_t checked = 0;
  for (const std::string& operation : ApiModel::Get().operations()) {
    const Shape& input = *ApiModel::Get().Input(operation);
    if (std::none_of(input.members.begin(), input.members.end(),
                     [](const Shape::Member& member) { return member.required; })) {
      continue;
    }
    auto result = Invoke(operation, Value::object());
    ASSERT_FALSE(result.ok()) << operation;
    EXPECT_EQ(result.status().code(), ErrorCode::kValidation) << operation;
    ++checked;
  }
  EXPECT_GT(checked, 25u);
}

}  // namespace
}  // namespace sluice::api
