#include "api/validator.h"

#include <gtest/gtest.h>

#include "protocol/json_codec.h"
#include "sluice/api/model.h"

namespace sluice::api {
namespace {

// A request reaches the validator as a wire codec decoded it. These tests go through the JSON 1.1
// codec, which answers wrong JSON types and bad base64 and drops unknown members, so each text
// below is the one a JSON client gets, in the order it gets them.
Result<Value> Decode(const std::string& operation, const std::string& json) {
  const protocol::JsonCodec codec("application/x-amz-json-1.1",
                                  protocol::JsonCodec::Errors::kPlain);
  return codec.DecodeRequest(ApiModel::Get().Input(operation), json);
}

Status Validate(const std::string& operation, const std::string& json) {
  const Shape* shape = ApiModel::Get().Input(operation);
  EXPECT_NE(shape, nullptr) << operation;
  auto input = Decode(operation, json);
  if (!input.ok()) return input.status();
  return ValidateInput(*shape, *input);
}

TEST(ValidatorTest, KnowsEveryOperationOfTheModel) {
  EXPECT_EQ(ApiModel::Get().operations().size(), 39u);
}

TEST(ValidatorTest, AcceptsAValidRequest) {
  EXPECT_TRUE(Validate("CreateStream", R"({"StreamName":"ok-name_1.x","ShardCount":2})").ok());
}

TEST(ValidatorTest, PatternViolationUsesCoralText) {
  Status status = Validate("CreateStream", R"({"StreamName":"x!","ShardCount":1})");
  EXPECT_EQ(status.code(), ErrorCode::kValidation);
  EXPECT_EQ(status.message(),
            "1 validation error detected: Value 'x!' at 'streamName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
}

TEST(ValidatorTest, NullRequiredMember) {
  Status status =
      Validate("GetShardIterator", R"({"StreamName":"s","ShardIteratorType":"LATEST"})");
  EXPECT_EQ(status.message(),
            "1 validation error detected: Value null at 'shardId' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(ValidatorTest, SeveralErrorsAreCountedAndJoined) {
  Status status = Validate("CreateStream", R"({"StreamName":"","ShardCount":0})");
  EXPECT_EQ(status.message(),
            "3 validation errors detected: "
            "Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [a-zA-Z0-9_.-]+; "
            "Value '' at 'streamName' failed to satisfy constraint: Member must have length "
            "greater than or equal to 1; "
            "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1");
}

TEST(ValidatorTest, NestedListPathsAndBlobs) {
  std::string key(257, 'k');
  Status status =
      Validate("PutRecords",
               R"({"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":")" + key + R"("}]})");
  EXPECT_EQ(status.message(),
            "1 validation error detected: Value '" + key +
                "' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must "
                "have length less than or equal to 256");
  Status missing = Validate("PutRecords", R"({"StreamName":"s","Records":[{"PartitionKey":"k"}]})");
  EXPECT_EQ(missing.message(),
            "1 validation error detected: Value null at 'records.1.member.data' failed to satisfy "
            "constraint: Member must not be null");
}

TEST(ValidatorTest, EnumViolation) {
  Status status = Validate("GetShardIterator",
                           R"({"StreamName":"s","ShardId":"0","ShardIteratorType":"NOPE"})");
  EXPECT_EQ(status.message(),
            "1 validation error detected: Value 'NOPE' at 'shardIteratorType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, "
            "AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]");
}

TEST(ValidatorTest, AtMostTenErrorsAreReported) {
  std::string records = "[";
  for (int i = 0; i < 12; ++i) records += std::string(i ? "," : "") + R"({"Data":"AAAA"})";
  records += "]";
  Status status = Validate("PutRecords", R"({"StreamName":"s","Records":)" + records + "}");
  EXPECT_EQ(status.message().rfind("10 validation errors detected: ", 0), 0u);
}

TEST(ValidatorTest, ListsOfStructuresPrintLikeJavaModelObjects) {
  std::string records = "[";
  for (int i = 0; i < 501; ++i)
    records += std::string(i ? "," : "") + R"({"Data":"eA==","PartitionKey":"k"})";
  records += "]";
  Status status = Validate("PutRecords", R"({"StreamName":"s","Records":)" + records + "}");
  std::string entry = "{Data: java.nio.HeapByteBuffer[pos=0 lim=1 cap=1],PartitionKey: k}";
  std::string printed = "[" + entry;
  for (int i = 1; i < 501; ++i) printed += ", " + entry;
  printed += "]";
  EXPECT_EQ(status.message(), "1 validation error detected: Value '" + printed +
                                  "' at 'records' failed to satisfy constraint: Member must have "
                                  "length less than or equal to 500");
}

TEST(ValidatorTest, WrongTypesAreSerializationErrors) {
  EXPECT_EQ(Validate("CreateStream", R"({"StreamName":12})").message(),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
            "an String");
  EXPECT_EQ(Validate("CreateStream", R"({"StreamName":"s","ShardCount":"2"})").message(),
            "class java.lang.String can not be converted to an Integer");
  EXPECT_EQ(Validate("CreateStream", R"({"StreamName":"s","ShardCount":true})").code(),
            ErrorCode::kSerialization);
  EXPECT_EQ(Validate("PutRecords", R"({"StreamName":"s","Records":{}})").message(),
            "Start of structure or map found where not expected.");
  EXPECT_EQ(
      Validate("PutRecord", R"({"StreamName":"s","Data":"abc","PartitionKey":"k"})").message(),
      "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of "
      "4 bytes but found: 3");
  EXPECT_EQ(
      Validate("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":"maybe"})").message(),
      "'MAYBE' can not be converted to an Boolean");
}

TEST(ValidatorTest, BlobsAreDecodedAndUnknownMembersDropped) {
  auto decoded =
      Decode("PutRecord", R"({"StreamName":"s","Data":"aGk=","PartitionKey":"k","Bogus":1})");
  ASSERT_TRUE(decoded.ok());
  Value& input = *decoded;
  ASSERT_TRUE(ValidateInput(*ApiModel::Get().Input("PutRecord"), input).ok());
  ASSERT_TRUE(input["Data"].is_binary());
  EXPECT_EQ(std::string(input["Data"].get_binary().begin(), input["Data"].get_binary().end()),
            "hi");
  EXPECT_FALSE(input.contains("Bogus"));
}

TEST(ValidatorTest, StringLengthsCountUtf16UnitsAsJavaDoes) {
  // 256 'é' are 512 UTF-8 bytes but 256 UTF-16 units: a valid partition key.
  std::string wide;
  for (int i = 0; i < 256; ++i) wide += "\u00e9";
  EXPECT_TRUE(
      Validate("PutRecord", R"({"StreamName":"s","Data":"","PartitionKey":")" + wide + "\"}").ok());
  // A character beyond U+FFFF is two units: 129 of them are 258, too many for 256...
  std::string emoji;
  for (int i = 0; i < 129; ++i) emoji += "\xF0\x9F\x98\x80";
  EXPECT_EQ(Validate("PutRecord", R"({"StreamName":"s","Data":"","PartitionKey":")" + emoji + "\"}")
                .message(),
            "1 validation error detected: Value '" + emoji +
                "' at 'partitionKey' failed to satisfy constraint: Member must have length less "
                "than or equal to 256");
  // ...and tag keys (map keys) are counted the same way: 128 'é' fit.
  std::string key = wide.substr(0, 256);
  EXPECT_TRUE(
      Validate("AddTagsToStream", R"({"StreamName":"s","Tags":{")" + key + R"(":"v"}})").ok());
}

TEST(ValidatorTest, ElementsOfListsOfStringsAreReportedOnTheList) {
  // As AWS answers RemoveTagsFromStream with one tag key too long: every constraint of the
  // element, maximum first, once for the whole list.
  std::string long_key(129, 'k');
  EXPECT_EQ(Validate("RemoveTagsFromStream",
                     R"({"StreamName":"s","TagKeys":["a",")" + long_key + R"(","", "b"]})")
                .message(),
            "1 validation error detected: Value '[a, " + long_key +
                ", , b]' at 'tagKeys' failed to satisfy constraint: Member must satisfy "
                "constraint: [Member must have length less than or equal to 128, Member must "
                "have length greater than or equal to 1]");
  EXPECT_EQ(Validate("EnableEnhancedMonitoring",
                     R"({"StreamName":"s","ShardLevelMetrics":["ALL","Nope"]})")
                .message(),
            "1 validation error detected: Value '[ALL, Nope]' at 'shardLevelMetrics' failed to "
            "satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value "
            "set: [IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, "
            "WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, "
            "IteratorAgeMilliseconds, ALL]]");
  // The list's own length comes first.
  std::string keys = "[";
  for (int i = 0; i < 51; ++i) keys += std::string(i ? "," : "") + "\"\"";
  EXPECT_EQ(Validate("RemoveTagsFromStream", R"({"StreamName":"s","TagKeys":)" + keys + "]}")
                .message()
                .rfind("2 validation errors detected: Value '[, , ", 0),
            0u);
}

TEST(ValidatorTest, MapKeysAndValuesAreReportedOnTheMap) {
  std::string long_value(257, 'v');
  EXPECT_EQ(Validate("AddTagsToStream", R"({"StreamName":"s","Tags":{"":")" + long_value + "\"}}")
                .message(),
            "2 validation errors detected: Value '{=" + long_value +
                "}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: "
                "[Member must have length less than or equal to 128, Member must have length "
                "greater than or equal to 1]; Value '{=" +
                long_value +
                "}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: "
                "[Member must have length less than or equal to 256, Member must have length "
                "greater than or equal to 0]");
}

TEST(ValidatorTest, HugeStringsDoNotReachTheRegexEngine) {
  std::string name(1 << 20, 'a');
  Status status = Validate("DescribeStream", R"({"StreamName":")" + name + "\"}");
  EXPECT_EQ(status.code(), ErrorCode::kValidation);
  EXPECT_NE(status.message().find("Member must have length less than or equal to 128"),
            std::string::npos);
}

// Lists and maps are not sparse: a null element or value is a missing required member, reported
// where it is, rather than a record or tag without members reaching a handler.
TEST(ValidatorTest, NullElementsOfListsAndValuesOfMapsAreRefused) {
  EXPECT_EQ(Validate("PutRecords", R"({"StreamName":"s","Records":[null]})").message(),
            "1 validation error detected: Value null at 'records.1.member' failed to satisfy "
            "constraint: Member must not be null");
  EXPECT_EQ(
      Validate("CreateStream", R"({"StreamName":"s","ShardCount":1,"Tags":{"k":null}})").message(),
      "1 validation error detected: Value null at 'tags.k' failed to satisfy constraint: "
      "Member must not be null");
  EXPECT_EQ(
      Validate("RemoveTagsFromStream", R"({"StreamName":"s","TagKeys":["a",null]})").message(),
      "1 validation error detected: Value null at 'tagKeys.2.member' failed to satisfy "
      "constraint: Member must not be null");
}

// An Integer member is an int32 in every handler: a number past that range is refused before a
// handler could wrap it (a ShardCount of 2^32 once created a stream with no shards).
TEST(ValidatorTest, IntegersPastInt32AreRefused) {
  for (const char* number : {"4294967296", "2147483648", "-2147483649", "9223372036854775808",
                             "18446744073709551616", "4294967296.5"}) {
    Status status =
        Validate("CreateStream", std::string(R"({"StreamName":"s","ShardCount":)") + number + "}");
    EXPECT_EQ(status.code(), ErrorCode::kSerialization) << number;
    EXPECT_NE(status.message().find("out of range of int"), std::string::npos) << number;
  }
  EXPECT_EQ(Validate("CreateStream", R"({"StreamName":"s","ShardCount":1e400})").code(),
            ErrorCode::kSerialization);
  EXPECT_TRUE(Validate("CreateStream", R"({"StreamName":"s","ShardCount":2147483647})").ok());
}

}  // namespace
}  // namespace sluice::api
