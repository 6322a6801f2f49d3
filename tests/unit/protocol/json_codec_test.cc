// The JSON 1.1 codec on its own: request bodies to neutral values along the model's input
// shapes, neutral replies to bodies along its output shapes.
#include "protocol/json_codec.h"

#include <gtest/gtest.h>

#include "protocol/wire_codec.h"
#include "sluice/api/model.h"

namespace sluice::protocol {
namespace {

using api::ApiModel;
using api::Value;

const JsonCodec kCodec("application/x-amz-json-1.1", JsonCodec::Errors::kPlain);

Result<Value> Decode(std::string_view operation, std::string_view body) {
  return kCodec.DecodeRequest(ApiModel::Get().Input(operation), body);
}

std::string Encode(std::string_view operation, Value reply) {
  return kCodec.EncodeResponse(ApiModel::Get().Output(operation), std::move(reply));
}

// The message of a failed decode, or a note that it did not fail.
std::string DecodeError(std::string_view operation, std::string_view body) {
  auto decoded = Decode(operation, body);
  if (decoded.ok()) return "(decoded: " + decoded->dump() + ")";
  EXPECT_EQ(decoded.status().code(), ErrorCode::kSerialization);
  return decoded.status().message();
}

Value Blob(std::string_view bytes) {
  return Value::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

TEST(JsonCodecTest, TimestampsDecodeFromSecondsToMilliseconds) {
  auto fractional = Decode("GetShardIterator",
                           R"({"StreamName":"s","ShardId":"0","ShardIteratorType":"AT_TIMESTAMP",
                               "Timestamp":1701760153.593})");
  ASSERT_TRUE(fractional.ok()) << fractional.status().message();
  EXPECT_EQ((*fractional)["Timestamp"], Value(int64_t{1701760153593}));
  EXPECT_TRUE((*fractional)["Timestamp"].is_number_integer());

  auto whole = Decode("GetShardIterator",
                      R"({"StreamName":"s","ShardId":"0","ShardIteratorType":"AT_TIMESTAMP",
                          "Timestamp":1701760153})");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ((*whole)["Timestamp"], Value(int64_t{1701760153000}));

  // Nested in a structure, and beside a Long that must stay as it is.
  auto nested = Decode("ListShards", R"({"StreamName":"s","MaxResults":5,
      "ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":0.0015}})");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(
      nested->dump(),
      R"({"StreamName":"s","MaxResults":5,"ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":2}})");
}

TEST(JsonCodecTest, TimestampsOfTheWrongTypeAreRefused) {
  const std::string prefix =
      R"({"StreamName":"s","ShardId":"0","ShardIteratorType":"AT_TIMESTAMP","Timestamp":)";
  EXPECT_EQ(DecodeError("GetShardIterator", prefix + R"("2023-12-05T07:09:13Z"})"),
            "class java.lang.String can not be converted to milliseconds since epoch");
  EXPECT_EQ(DecodeError("GetShardIterator", prefix + "true}"),
            "class java.lang.Boolean can not be converted to milliseconds since epoch");
  EXPECT_EQ(DecodeError("GetShardIterator", prefix + "1e300}"),
            "'1e+300' can not be converted to milliseconds since epoch");
}

TEST(JsonCodecTest, TimestampsEncodeAsSecondsWithAFraction) {
  Value summary = {{"StreamDescriptionSummary",
                    {{"StreamName", "s"}, {"StreamCreationTimestamp", int64_t{1701760153593}}}}};
  EXPECT_EQ(
      Encode("DescribeStreamSummary", summary),
      R"({"StreamDescriptionSummary":{"StreamName":"s","StreamCreationTimestamp":1701760153.593}})");
  // In a list of structures; a whole second still shows as a fraction.
  Value streams = {{"StreamNames", {"a"}},
                   {"HasMoreStreams", false},
                   {"StreamSummaries",
                    {{{"StreamName", "a"}, {"StreamCreationTimestamp", int64_t{1701760153000}}}}}};
  EXPECT_EQ(Encode("ListStreams", streams),
            R"({"StreamNames":["a"],"HasMoreStreams":false,)"
            R"("StreamSummaries":[{"StreamName":"a","StreamCreationTimestamp":1701760153.0}]})");
}

TEST(JsonCodecTest, IntegersThatAreNotTimestampsStayIntegers) {
  Value reply = {{"Records", Value::array()},
                 {"NextShardIterator", "it"},
                 {"MillisBehindLatest", int64_t{1701760153593}}};
  EXPECT_EQ(Encode("GetRecords", reply),
            R"({"Records":[],"NextShardIterator":"it","MillisBehindLatest":1701760153593})");
}

TEST(JsonCodecTest, BlobsDecodeFromBase64ToBytes) {
  auto decoded = Decode("PutRecord", R"({"StreamName":"s","Data":"AP8QaGk=","PartitionKey":"k"})");
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ((*decoded)["Data"], Blob(std::string("\x00\xff\x10hi", 5)));

  auto empty = Decode("PutRecord", R"({"StreamName":"s","Data":"","PartitionKey":"k"})");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)["Data"], Blob(""));

  // Blobs inside the structures of a list.
  auto batch = Decode("PutRecords", R"({"StreamName":"s","Records":[
      {"Data":"aGk=","PartitionKey":"a"},{"PartitionKey":"b","Data":"eA=="}]})");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ((*batch)["Records"][0]["Data"], Blob("hi"));
  EXPECT_EQ((*batch)["Records"][1]["Data"], Blob("x"));
  // Members come out in model order.
  EXPECT_EQ((*batch)["Records"][1].begin().key(), "Data");
}

TEST(JsonCodecTest, BadBase64UsesAwsTexts) {
  auto put = [](std::string data) {
    return DecodeError("PutRecord",
                       R"({"StreamName":"s","Data":")" + data + R"(","PartitionKey":"k"})");
  };
  EXPECT_EQ(put("abc"),
            "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple "
            "of 4 bytes but found: 3");
  EXPECT_EQ(put("ab!d"), "'ab!d' can not be converted to a Blob: Invalid Base64 character: '!'");
  EXPECT_EQ(put("a==="), "'a===' can not be converted to a Blob: Invalid Base64 character: '='");
  EXPECT_EQ(put("aGk=aGk="),
            "'aGk=aGk=' can not be converted to a Blob: Invalid Base64 character: '='");
  EXPECT_EQ(put("aGl="),
            "'aGl=' can not be converted to a Blob: Invalid last non-pad Base64 character "
            "dectected");
  EXPECT_EQ(put("aGk=").rfind("(decoded", 0), 0u);
  EXPECT_EQ(DecodeError("PutRecord", R"({"StreamName":"s","Data":42,"PartitionKey":"k"})"),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
            "a Blob");
  EXPECT_EQ(DecodeError("PutRecords", R"({"StreamName":"s","Records":[{"Data":"abd="}]})"),
            "'abd=' can not be converted to a Blob: Invalid last non-pad Base64 character "
            "dectected");
}

TEST(JsonCodecTest, BlobsEncodeAsBase64WhereverTheyAre) {
  Value reply = {{"Records",
                  {{{"SequenceNumber", "1"},
                    {"ApproximateArrivalTimestamp", int64_t{1701760153593}},
                    {"Data", Blob(std::string("\x00\xff\x10hi", 5))},
                    {"PartitionKey", "k"}},
                   {{"SequenceNumber", "2"},
                    {"ApproximateArrivalTimestamp", int64_t{1701760153594}},
                    {"Data", Blob("")},
                    {"PartitionKey", "k"}}}},
                 {"MillisBehindLatest", 0}};
  EXPECT_EQ(Encode("GetRecords", reply),
            R"({"Records":[{"SequenceNumber":"1","ApproximateArrivalTimestamp":1701760153.593,)"
            R"("Data":"AP8QaGk=","PartitionKey":"k"},{"SequenceNumber":"2",)"
            R"("ApproximateArrivalTimestamp":1701760153.594,"Data":"","PartitionKey":"k"}],)"
            R"("MillisBehindLatest":0})");
}

TEST(JsonCodecTest, TheFirstWrongMemberInModelOrderIsReported) {
  // StreamName comes before Data in PutRecordInput, whatever the body's order.
  EXPECT_EQ(DecodeError("PutRecord", R"({"Data":"abc","StreamName":12,"PartitionKey":"k"})"),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
            "an String");
  EXPECT_EQ(DecodeError("PutRecord", R"({"Data":"abc","StreamName":"s","PartitionKey":true})"),
            "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple "
            "of 4 bytes but found: 3");
}

TEST(JsonCodecTest, UnknownAndNullMembersAreDroppedAndNumbersTruncated) {
  auto decoded =
      Decode("CreateStream",
             R"({"Bogus":[1],"ShardCount":2.7,"StreamName":"s","StreamModeDetails":null})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->dump(), R"({"StreamName":"s","ShardCount":2})");
  auto huge = Decode("CreateStream", R"({"StreamName":"s","ShardCount":1e30})");
  ASSERT_TRUE(huge.ok());
  EXPECT_GT((*huge)["ShardCount"].get<int64_t>(), int64_t{1} << 62);
  // Past int64, a whole number is clamped too rather than wrapping to a negative one.
  auto unsigned_huge =
      Decode("CreateStream", R"({"StreamName":"s","ShardCount":18446744073709551615})");
  ASSERT_TRUE(unsigned_huge.ok());
  EXPECT_GT((*unsigned_huge)["ShardCount"].get<int64_t>(), int64_t{1} << 62);
}

TEST(JsonCodecTest, NumbersOfTheWrongTypeAreCoralTruncatingBigNumbers) {
  for (std::string_view number : {"23", "-2147483648", "2147483648", "34.56"}) {
    EXPECT_EQ(DecodeError("CreateStream", R"({"StreamName":)" + std::string(number) + "}"),
              "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted "
              "to an String")
        << number;
  }
  EXPECT_EQ(DecodeError("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":23})"),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
            "an Boolean");
  EXPECT_EQ(DecodeError("CreateStream", R"({"StreamName":true})"),
            "class java.lang.Boolean can not be converted to an String");
  EXPECT_EQ(DecodeError("CreateStream", R"({"StreamName":[]})"),
            "Start of list found where not expected");
}

TEST(JsonCodecTest, StringsCoralReadsAsBooleans) {
  for (auto [text, expected] : {std::pair{"true", true},
                                {"TRUE", true},
                                {"yes", true},
                                {"1", true},
                                {"false", false},
                                {"No", false},
                                {"0", false}}) {
    auto decoded = Decode("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":")" +
                                              std::string(text) + "\"}");
    ASSERT_TRUE(decoded.ok()) << text;
    EXPECT_EQ((*decoded)["EnforceConsumerDeletion"], expected) << text;
  }
  EXPECT_EQ(DecodeError("DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":"maybe"})"),
            "'MAYBE' can not be converted to an Boolean");
}

TEST(JsonCodecTest, BodiesThatAreNotAJsonObjectAreBareSerializationErrors) {
  for (std::string_view body : {"", "{not json", "[1, 2]", "\"s\"", "\xff\xfe"}) {
    auto decoded = Decode("ListStreams", body);
    ASSERT_FALSE(decoded.ok()) << body;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kSerialization);
    EXPECT_EQ(decoded.status().message(), "");
  }
  EXPECT_EQ(DecodeError("PutRecords", R"({"StreamName":"s","Records":{}})"),
            "Start of structure or map found where not expected.");
}

TEST(JsonCodecTest, OperationsWithoutOutputAnswerAnEmptyBody) {
  EXPECT_EQ(ApiModel::Get().Output("CreateStream"), nullptr);
  EXPECT_EQ(kCodec.EncodeNoOutput(), "");
  // An event stream's initial-response is still an object.
  EXPECT_EQ(kCodec.EncodeResponse(nullptr, Value::object()), "{}");
}

TEST(JsonCodecTest, ErrorsSpellTheMessageMemberAsAwsDoes) {
  EXPECT_EQ(kCodec.EncodeError(Status(ErrorCode::kResourceNotFound, "Stream s not found.")),
            R"({"__type":"ResourceNotFoundException","message":"Stream s not found."})");
  EXPECT_EQ(kCodec.EncodeError(Status(ErrorCode::kSerialization, "bad")),
            R"({"__type":"SerializationException","Message":"bad"})");
  EXPECT_EQ(kCodec.EncodeError(Status(ErrorCode::kUnknownOperation, "")),
            R"({"__type":"UnknownOperationException"})");
}

TEST(JsonCodecTest, LegacyJsonWrapsErrorsInAwsOldEnvelopeWithStatus200) {
  const JsonCodec legacy("application/json", JsonCodec::Errors::kLegacyEnvelope);
  Status missing(ErrorCode::kResourceNotFound, "Stream s not found.");
  EXPECT_EQ(legacy.EncodeError(missing),
            R"({"Output":{"__type":"com.amazon.coral.service#ResourceNotFoundException",)"
            R"("message":"Stream s not found."},"Version":"1.0"})");
  EXPECT_EQ(legacy.EncodeError(Status(ErrorCode::kSerialization, "")),
            R"({"Output":{"__type":"com.amazon.coral.service#SerializationException",)"
            R"("Message":null},"Version":"1.0"})");
  EXPECT_EQ(legacy.ErrorStatus(missing), 200);
  EXPECT_EQ(kCodec.ErrorStatus(missing), 400);
  EXPECT_EQ(kCodec.ErrorStatus(Status(ErrorCode::kInternal, "")), 500);
}

TEST(JsonCodecTest, ContentTypesPickTheirCodec) {
  ASSERT_NE(CodecFor("application/x-amz-json-1.1"), nullptr);
  EXPECT_EQ(CodecFor("application/x-amz-json-1.1")->content_type(), "application/x-amz-json-1.1");
  ASSERT_NE(CodecFor("application/json"), nullptr);
  EXPECT_EQ(CodecFor("application/json")->content_type(), "application/json");
  ASSERT_NE(CodecFor("application/x-amz-cbor-1.1"), nullptr);
  EXPECT_EQ(CodecFor("application/x-amz-cbor-1.1")->content_type(), "application/x-amz-cbor-1.1");
  EXPECT_EQ(CodecFor("application/x-amz-json-1.0"), nullptr);
  EXPECT_EQ(CodecFor(""), nullptr);
  EXPECT_EQ(FallbackCodec().content_type(), "application/x-amz-json-1.1");
}

// A deeply nested body is refused in one pass before a tree is built: 16 MiB of '[' would
// otherwise cost a gigabyte. Brackets inside strings (escaped quotes included) do not count.
TEST(JsonCodecTest, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep(16 << 20, '[');
  EXPECT_EQ(DecodeError("ListStreams", deep), "JSON nesting deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < 65; ++i) objects += R"({"a":)";
  objects += "1" + std::string(65, '}');
  EXPECT_EQ(DecodeError("ListStreams", objects), "JSON nesting deeper than 64 levels");
  std::string nested_64;
  for (int i = 0; i < 63; ++i) nested_64 += R"({"a":)";
  nested_64 += "[]" + std::string(63, '}');
  EXPECT_TRUE(Decode("ListStreams", nested_64).ok());
  const std::string brackets_in_strings =
      R"({"StreamName":"s","Records":[{"PartitionKey":"[[[\"[[[)" + std::string(100, '[') +
      R"(","Data":"AA=="}]})";
  EXPECT_TRUE(Decode("PutRecords", brackets_in_strings).ok());
}

}  // namespace
}  // namespace sluice::protocol
