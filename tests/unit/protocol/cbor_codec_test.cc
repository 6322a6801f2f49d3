// The CBOR 1.1 codec on its own: request bodies to neutral values along the model's input
// shapes (the same values the JSON codec makes of the same requests), neutral replies to bodies
// along its output shapes, and every malformed body a SerializationException. Inputs are built
// with nlohmann's CBOR writer where it can express them (an implementation independent of ours)
// and by hand where it cannot (tags, indefinite lengths, floats of a chosen size).
#include "protocol/cbor_codec.h"

#include <gtest/gtest.h>

#include <limits>

#include "protocol/cbor_writer.h"
#include "protocol/json_codec.h"
#include "sluice/api/model.h"
#include "support/hex.h"

namespace sluice::protocol {
namespace {

using api::ApiModel;
using api::Value;

using testing::FromHex;
using testing::ToHex;

const CborCodec kCodec;
const JsonCodec kJson("application/x-amz-json-1.1", JsonCodec::Errors::kPlain);

// `value` as CBOR by nlohmann's writer: maps and arrays of definite length, binary values as
// byte strings, integers in their shortest form.
std::string ToCbor(const Value& value) {
  std::vector<uint8_t> bytes = Value::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

// A CBOR body parsed by nlohmann's reader: what an independent client sees. (It cannot read
// tags 0-5, so tag 1 timestamps are checked byte by byte instead.)
Value FromCbor(std::string_view body) {
  return Value::from_cbor(body.begin(), body.end(), /*strict=*/true, /*allow_exceptions=*/true,
                          Value::cbor_tag_handler_t::error);
}

Value Blob(std::string_view bytes) {
  return Value::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

Result<Value> Decode(std::string_view operation, std::string_view body) {
  return kCodec.DecodeRequest(ApiModel::Get().Input(operation), body);
}

Value Decoded(std::string_view operation, std::string_view body) {
  auto decoded = Decode(operation, body);
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return decoded.ok() ? *decoded : Value();
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

// A request body written by hand through `write`.
template <typename Write>
std::string Written(Write write) {
  CborWriter writer;
  write(writer);
  return writer.Take();
}

TEST(CborCodecTest, RequestsDecodeToWhatTheJsonCodecMakesOfThem) {
  struct Case {
    const char* operation;
    const char* json;
    Value cbor;  // the same request, with blobs as bytes
  };
  const std::vector<Case> cases = {
      {"CreateStream",
       R"({"StreamName":"s","ShardCount":2,"StreamModeDetails":{"StreamMode":"ON_DEMAND"}})",
       {{"ShardCount", 2},
        {"StreamName", "s"},
        {"StreamModeDetails", {{"StreamMode", "ON_DEMAND"}}}}},
      {"DeleteStream",
       R"({"StreamName":"s","EnforceConsumerDeletion":true})",
       {{"EnforceConsumerDeletion", true}, {"StreamName", "s"}}},
      {"ListStreams",
       R"({"Limit":5,"ExclusiveStartStreamName":"a"})",
       {{"Limit", 5}, {"ExclusiveStartStreamName", "a"}}},
      {"PutRecord",
       R"({"StreamName":"s","Data":"AP8QaGk=","PartitionKey":"k","ExplicitHashKey":"7"})",
       {{"PartitionKey", "k"},
        {"Data", Blob(std::string("\x00\xff\x10hi", 5))},
        {"ExplicitHashKey", "7"},
        {"StreamName", "s"}}},
      {"PutRecords",
       R"({"StreamName":"s","Records":[{"Data":"aGk=","PartitionKey":"a"},{"Data":"","PartitionKey":"b"}]})",
       {{"Records",
         {{{"PartitionKey", "a"}, {"Data", Blob("hi")}},
          {{"Data", Blob("")}, {"PartitionKey", "b"}}}},
        {"StreamName", "s"}}},
      {"AddTagsToStream",
       R"({"StreamName":"s","Tags":{"team":"data","env":""}})",
       {{"StreamName", "s"}, {"Tags", {{"team", "data"}, {"env", ""}}}}},
      {"RemoveTagsFromStream",
       R"({"StreamName":"s","TagKeys":["a","b"]})",
       {{"TagKeys", {"a", "b"}}, {"StreamName", "s"}}},
      {"EnableEnhancedMonitoring",
       R"({"StreamName":"s","ShardLevelMetrics":["ALL"]})",
       {{"StreamName", "s"}, {"ShardLevelMetrics", {"ALL"}}}},
      {"GetRecords",
       R"({"ShardIterator":"AAAA","Limit":10000})",
       {{"Limit", 10000}, {"ShardIterator", "AAAA"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.operation);
    auto json = kJson.DecodeRequest(ApiModel::Get().Input(c.operation), c.json);
    ASSERT_TRUE(json.ok()) << json.status().message();
    Value cbor = Decoded(c.operation, ToCbor(c.cbor));
    EXPECT_EQ(cbor, *json) << cbor.dump() << "\n" << json->dump();
    // Members in model order, as the JSON codec gives them.
    EXPECT_EQ(cbor.dump(), json->dump());
  }
}

TEST(CborCodecTest, TimestampsAreTagOneMilliseconds) {
  auto get_shard_iterator = [](auto write_timestamp) {
    return Written([&](CborWriter& w) {
      w.StartMap(4);
      w.Text("StreamName");
      w.Text("s");
      w.Text("ShardId");
      w.Text("0");
      w.Text("ShardIteratorType");
      w.Text("AT_TIMESTAMP");
      w.Text("Timestamp");
      write_timestamp(w);
    });
  };
  // As the Java SDKs send them: tag 1, integer milliseconds.
  Value tagged = Decoded("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                           w.Tag(1);
                           w.Integer(1701760153593);
                         }));
  EXPECT_EQ(tagged["Timestamp"], Value(int64_t{1701760153593}));
  EXPECT_TRUE(tagged["Timestamp"].is_number_integer());
  // The same number without the tag, or as a float (rounded to the millisecond), is read alike.
  EXPECT_EQ(Decoded("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                      w.Integer(1701760153593);
                    }))["Timestamp"],
            Value(int64_t{1701760153593}));
  EXPECT_EQ(Decoded("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                      w.Tag(1);
                      w.Float(1701760153592.6);
                    }))["Timestamp"],
            Value(int64_t{1701760153593}));
  // Before the epoch.
  EXPECT_EQ(Decoded("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                      w.Tag(1);
                      w.Integer(-1000);
                    }))["Timestamp"],
            Value(int64_t{-1000}));
  // Nested in a structure.
  Value filter = Decoded(
      "ListShards",
      ToCbor({{"StreamName", "s"}, {"ShardFilter", {{"Type", "AT_TIMESTAMP"}, {"Timestamp", 2}}}}));
  EXPECT_EQ(filter.dump(),
            R"({"StreamName":"s","ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":2}})");

  EXPECT_EQ(DecodeError("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                          w.Tag(1);
                          w.Text("2023-12-05T07:09:13Z");
                        })),
            "class java.lang.String can not be converted to milliseconds since epoch");
  EXPECT_EQ(
      DecodeError("GetShardIterator", get_shard_iterator([](CborWriter& w) { w.Boolean(true); })),
      "class java.lang.Boolean can not be converted to milliseconds since epoch");
  EXPECT_EQ(DecodeError("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                          w.Tag(1);
                          w.Float(1e300);
                        })),
            "'1e+300' can not be converted to milliseconds since epoch");
  EXPECT_EQ(DecodeError("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                          w.Float(std::numeric_limits<double>::quiet_NaN());
                        })),
            "'NaN' can not be converted to milliseconds since epoch");
  EXPECT_EQ(DecodeError("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                          w.Unsigned(std::numeric_limits<uint64_t>::max());
                        })),
            "'18446744073709551615' can not be converted to milliseconds since epoch");
  EXPECT_EQ(DecodeError("GetShardIterator", get_shard_iterator([](CborWriter& w) {
                          w.Head(CborMajor::kNegative, std::numeric_limits<uint64_t>::max());
                        })),
            "'-18446744073709551616' can not be converted to milliseconds since epoch");
}

TEST(CborCodecTest, TimestampsEncodeAsTagOneIntegerMilliseconds) {
  // Bytes as python3-cbor2 writes {"StreamDescriptionSummary": {"StreamName": "s",
  // "StreamCreationTimestamp": CBORTag(1, 1701760153593)}}.
  EXPECT_EQ(
      ToHex(Encode("DescribeStreamSummary",
                   {{"StreamDescriptionSummary",
                     {{"StreamName", "s"}, {"StreamCreationTimestamp", int64_t{1701760153593}}}}})),
      "a1781853747265616d4465736372697074696f6e53756d6d617279a26a53747265616d4e616d65617377"
      "53747265616d4372656174696f6e54696d657374616d70c11b0000018c38cf37f9");
}

TEST(CborCodecTest, RepliesCarryBytesAndTimestampsWhereTheModelSaysSo) {
  Value reply = {{"Records",
                  {{{"SequenceNumber", "1"},
                    {"ApproximateArrivalTimestamp", int64_t{1701760153593}},
                    {"Data", Blob(std::string("\x00\xff\x10hi", 5))},
                    {"PartitionKey", "k"}},
                   {{"SequenceNumber", "2"},
                    {"ApproximateArrivalTimestamp", int64_t{1701760153594}},
                    {"Data", Blob("")},
                    {"PartitionKey", "k"}}}},
                 {"NextShardIterator", "it"},
                 {"MillisBehindLatest", int64_t{1701760153593}}};
  std::string body = Encode("GetRecords", reply);
  // The blobs as byte strings: five bytes (45 ...), then none (40).
  EXPECT_NE(body.find(FromHex("64 44 61 74 61 45 00 ff 10 68 69")), std::string::npos);
  EXPECT_NE(body.find(FromHex("64 44 61 74 61 40")), std::string::npos);
  // Read back along the same shape: the reply itself.
  auto decoded = kCodec.DecodeRequest(ApiModel::Get().Output("GetRecords"), body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(*decoded, reply);
  // Tag 1 before the arrival times only; MillisBehindLatest is a plain Long.
  const std::string tagged_time = FromHex("c1 1b 00 00 01 8c 38 cf 37 f9");
  EXPECT_NE(body.find(tagged_time), std::string::npos);
  EXPECT_EQ(body.find(tagged_time, body.find(tagged_time) + 1), std::string::npos);
  EXPECT_EQ(ToHex(body.substr(body.size() - 9)), "1b0000018c38cf37f9");
  EXPECT_NE(body[body.size() - 10], '\xc1');
}

// Encoding a reply along its output shape and decoding it along the same shape gives the reply
// back: the two directions agree for every family of shapes the API has.
TEST(CborCodecTest, RepliesRoundTripThroughTheirOutputShapes) {
  const std::vector<std::pair<std::string, Value>> replies = {
      {"DescribeStream",
       {{"StreamDescription",
         {{"StreamName", "s"},
          {"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/s"},
          {"StreamStatus", "ACTIVE"},
          {"StreamModeDetails", {{"StreamMode", "PROVISIONED"}}},
          {"Shards",
           {{{"ShardId", "shardId-000000000000"},
             {"HashKeyRange",
              {{"StartingHashKey", "0"},
               {"EndingHashKey", "340282366920938463463374607431768211455"}}},
             {"SequenceNumberRange",
              {{"StartingSequenceNumber", "4964706081228801455888866824"}}}}}},
          {"HasMoreShards", false},
          {"RetentionPeriodHours", 24},
          {"StreamCreationTimestamp", int64_t{1701760153593}},
          {"EnhancedMonitoring", {{{"ShardLevelMetrics", Value::array()}}}},
          {"EncryptionType", "NONE"}}}}},
      {"PutRecords",
       {{"FailedRecordCount", 1},
        {"Records",
         {{{"SequenceNumber", "1"}, {"ShardId", "shardId-000000000000"}},
          {{"ErrorCode", "InternalFailure"}, {"ErrorMessage", "Internal service failure."}}}},
        {"EncryptionType", "NONE"}}},
      {"GetRecords",
       {{"Records",
         {{{"SequenceNumber", "1"},
           {"ApproximateArrivalTimestamp", int64_t{0}},
           {"Data", Blob(std::string("\x00\x01\x80\xfe\xff", 5))},
           {"PartitionKey", "k"}}}},
        {"NextShardIterator", "it"},
        {"MillisBehindLatest", 0}}},
      {"ListStreams",
       {{"StreamNames", {"a", "b"}},
        {"HasMoreStreams", true},
        {"NextToken", "t"},
        {"StreamSummaries",
         {{{"StreamName", "a"},
           {"StreamARN", "arn"},
           {"StreamStatus", "ACTIVE"},
           {"StreamCreationTimestamp", int64_t{1}}}}}}},
      {"ListTagsForStream",
       {{"Tags", {{{"Key", "team"}, {"Value", "data"}}}}, {"HasMoreTags", false}}},
      {"DescribeLimits",
       {{"ShardLimit", 500},
        {"OpenShardCount", 0},
        {"OnDemandStreamCount", 0},
        {"OnDemandStreamCountLimit", 50}}},
  };
  for (const auto& [operation, reply] : replies) {
    SCOPED_TRACE(operation);
    const api::Shape* output = ApiModel::Get().Output(operation);
    ASSERT_NE(output, nullptr);
    std::string body = kCodec.EncodeResponse(output, reply);
    auto decoded = kCodec.DecodeRequest(output, body);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(*decoded, reply) << decoded->dump() << "\n" << reply.dump();
  }
}

TEST(CborCodecTest, IntegersOfEveryWidth) {
  auto shard_count = [](auto write) {
    return Decoded("CreateStream", Written([&](CborWriter& w) {
                     w.StartMap(2);
                     w.Text("StreamName");
                     w.Text("s");
                     w.Text("ShardCount");
                     write(w);
                   }))["ShardCount"];
  };
  for (int64_t value : {int64_t{0}, int64_t{23}, int64_t{24}, int64_t{255}, int64_t{256},
                        int64_t{65535}, int64_t{65536}, int64_t{4294967295}, int64_t{4294967296},
                        std::numeric_limits<int64_t>::max(), int64_t{-1}, int64_t{-24},
                        int64_t{-25}, int64_t{-256}, int64_t{-257}, int64_t{-65537},
                        int64_t{-4294967297}, std::numeric_limits<int64_t>::min()}) {
    EXPECT_EQ(shard_count([&](CborWriter& w) { w.Integer(value); }), Value(value)) << value;
  }
  // Past int64 the value is clamped, and then fails its range constraint like any large number.
  EXPECT_EQ(shard_count([](CborWriter& w) { w.Unsigned(std::numeric_limits<uint64_t>::max()); }),
            Value(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(shard_count([](CborWriter& w) {
              w.Head(CborMajor::kNegative, std::numeric_limits<uint64_t>::max());
            }),
            Value(std::numeric_limits<int64_t>::min()));
  // Non-minimal encodings are well-formed CBOR and read the same.
  EXPECT_EQ(Decoded("CreateStream",
                    FromHex("a2 6a 53 74 72 65 61 6d 4e 61 6d 65 61 73 6a 53 68 61 "
                            "72 64 43 6f 75 6e 74 1b 00 00 00 00 00 00 00 02"))["ShardCount"],
            Value(2));
  // Floats of each size are truncated, as JSON numbers are.
  EXPECT_EQ(shard_count([](CborWriter& w) { w.Float(2.5); }), Value(2));  // single
  EXPECT_EQ(shard_count([](CborWriter& w) { w.Float(2.7); }), Value(2));  // double
  EXPECT_EQ(Decoded("CreateStream", FromHex("a2 6a 53 74 72 65 61 6d 4e 61 6d 65 61 73 6a 53 68 61 "
                                            "72 64 43 6f 75 6e 74 f9 41 00"))["ShardCount"],
            Value(2));  // half-precision 2.5
  EXPECT_EQ(shard_count([](CborWriter& w) { w.Float(-0.5); }), Value(-1));
  EXPECT_EQ(shard_count([](CborWriter& w) { w.Float(1e30); }).get<int64_t>() > (int64_t{1} << 62),
            true);
  EXPECT_EQ(DecodeError("CreateStream", Written([](CborWriter& w) {
                          w.StartMap(1);
                          w.Text("ShardCount");
                          w.Float(std::numeric_limits<double>::quiet_NaN());
                        })),
            "'NaN' can not be converted to an Integer");
}

TEST(CborCodecTest, IndefiniteLengthItemsReadAsDefiniteOnes) {
  // {_ "StreamName": (_ "my-", "stream"), "Records": [_ {_ "Data": (_ h'00', h'ff'),
  //  "PartitionKey": "k"}]}
  std::string body = Written([](CborWriter& w) {
    w.StartIndefiniteMap();
    w.Text("StreamName");
    w.Head(CborMajor::kText, 0);  // placeholder, replaced below
    w.Text("Records");
    w.StartIndefiniteArray();
    w.StartIndefiniteMap();
    w.Text("Data");
    w.Head(CborMajor::kBytes, 0);  // placeholder
    w.Text("PartitionKey");
    w.Text("k");
    w.Break();
    w.Break();
    w.Break();
  });
  // Swap the placeholders for chunked strings.
  const std::string chunked_text = FromHex("7f 63 6d 79 2d 66 73 74 72 65 61 6d ff");
  const std::string chunked_bytes = FromHex("5f 41 00 40 41 ff ff");
  body.replace(body.find('\x60'), 1, chunked_text);
  body.replace(body.find('\x40'), 1, chunked_bytes);
  Value decoded = Decoded("PutRecords", body);
  EXPECT_EQ(
      decoded,
      Value({{"Records", {{{"Data", Blob(std::string("\x00\xff", 2))}, {"PartitionKey", "k"}}}},
             {"StreamName", "my-stream"}}));
  EXPECT_EQ(decoded.begin().key(), "Records");  // model order, not the body's
}

TEST(CborCodecTest, BlobsAreByteStringsOnly) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  Value decoded = Decoded(
      "PutRecord", ToCbor({{"StreamName", "s"}, {"Data", Blob(all_bytes)}, {"PartitionKey", "k"}}));
  EXPECT_EQ(decoded["Data"], Blob(all_bytes));
  // Base64 in a text string is what JSON sends; the Java SDKs never do in CBOR.
  EXPECT_EQ(DecodeError("PutRecord",
                        ToCbor({{"StreamName", "s"}, {"Data", "aGk="}, {"PartitionKey", "k"}})),
            "class java.lang.String can not be converted to a Blob");
  EXPECT_EQ(
      DecodeError("PutRecord", ToCbor({{"StreamName", "s"}, {"Data", 42}, {"PartitionKey", "k"}})),
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a "
      "Blob");
}

TEST(CborCodecTest, UnknownMembersNullsAndTagsArePassedOver) {
  std::string body = Written([](CborWriter& w) {
    w.StartMap(6);
    w.Text("Bogus");  // an unknown member holding a bit of everything
    w.StartIndefiniteMap();
    w.Text("nested");
    w.StartArray(3);
    w.Tag(2);
    w.Bytes(std::vector<uint8_t>{1, 0, 0});
    w.Float(1.5);
    w.StartMap(1);
    w.Integer(7);  // keys of unknown members are not looked at
    w.Null();
    w.Break();
    w.Text("StreamName");
    w.Tag(55799);  // unknown tags around a known member are ignored
    w.Text("s");
    w.Text("ShardCount");
    w.Tag(1234);
    w.Tag(5);
    w.Integer(3);
    w.Text("StreamModeDetails");
    w.Null();
    w.Text("Tags");
    w.Head(CborMajor::kSimple, kCborUndefined);
    w.Text("Zzz");
    w.Boolean(true);
  });
  EXPECT_EQ(Decoded("CreateStream", body).dump(), R"({"StreamName":"s","ShardCount":3})");
  // A repeated member: the last one counts, as in JSON.
  EXPECT_EQ(Decoded("ListStreams", FromHex("a2 65 4c 69 6d 69 74 01 65 4c 69 6d 69 74 02")).dump(),
            R"({"Limit":2})");
  // An operation without input members accepts any map.
  auto empty = kCodec.DecodeRequest(nullptr, ToCbor({{"x", 1}}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->dump(), "{}");
  // The self-described CBOR tag on the whole body.
  EXPECT_EQ(Decoded("ListStreams", FromHex("d9 d9 f7 a1 65 4c 69 6d 69 74 01")).dump(),
            R"({"Limit":1})");
}

TEST(CborCodecTest, WrongTypesUseCoralTextsInModelOrder) {
  EXPECT_EQ(DecodeError("CreateStream", ToCbor({{"StreamName", 12}})),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
            "an String");
  EXPECT_EQ(DecodeError("CreateStream", ToCbor({{"StreamName", Blob("s")}})),
            "class [B can not be converted to an String");
  EXPECT_EQ(DecodeError("CreateStream", ToCbor({{"StreamName", "s"}, {"ShardCount", "1"}})),
            "class java.lang.String can not be converted to an Integer");
  EXPECT_EQ(DecodeError("CreateStream", ToCbor({{"StreamName", "s"}, {"ShardCount", true}})),
            "class java.lang.Boolean can not be converted to an Integer");
  EXPECT_EQ(DecodeError("DeleteStream", ToCbor({{"EnforceConsumerDeletion", "maybe"}})),
            "'MAYBE' can not be converted to an Boolean");
  // Coral reads "yes", "0" and the like as booleans.
  EXPECT_EQ(Decoded("DeleteStream", ToCbor({{"EnforceConsumerDeletion", "yes"}})).dump(),
            R"({"EnforceConsumerDeletion":true})");
  EXPECT_EQ(Decoded("DeleteStream", ToCbor({{"EnforceConsumerDeletion", "0"}})).dump(),
            R"({"EnforceConsumerDeletion":false})");
  EXPECT_EQ(DecodeError("DeleteStream", ToCbor({{"EnforceConsumerDeletion", 1}})),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
            "an Boolean");
  EXPECT_EQ(DecodeError("PutRecords", ToCbor({{"Records", Value::object()}})),
            "Start of structure or map found where not expected.");
  EXPECT_EQ(DecodeError("PutRecords", ToCbor({{"Records", "x"}})), "Expected list or null");
  EXPECT_EQ(DecodeError("PutRecords", ToCbor({{"Records", {1}}})), "Expected null");
  EXPECT_EQ(DecodeError("PutRecords", ToCbor({{"Records", {{1}}}})),
            "Start of list found where not expected");
  EXPECT_EQ(DecodeError("AddTagsToStream", ToCbor({{"Tags", {1}}})),
            "Start of list found where not expected");
  EXPECT_EQ(DecodeError("AddTagsToStream", ToCbor({{"Tags", 1}})), "Expected map or null");
  EXPECT_EQ(DecodeError("AddTagsToStream", ToCbor({{"Tags", {{"k", 1}}}})),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
            "an String");
  EXPECT_EQ(DecodeError("CreateStream", Written([](CborWriter& w) {
                          w.StartMap(1);
                          w.Text("StreamName");
                          w.Head(CborMajor::kSimple, 0);
                        })),
            "Unexpected CBOR simple value 0");
  // StreamName comes before Data in PutRecordInput, whatever the body's order.
  EXPECT_EQ(DecodeError("PutRecord", ToCbor({{"Data", "abc"}, {"StreamName", 12}})),
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
            "an String");
  // A text string must be UTF-8, in a member or a map key.
  EXPECT_EQ(DecodeError("CreateStream", FromHex("a1 6a 53 74 72 65 61 6d 4e 61 6d 65 62 c3 28")),
            "Invalid UTF-8 in a CBOR text string");
  EXPECT_EQ(DecodeError("AddTagsToStream", FromHex("a1 64 54 61 67 73 a1 61 ff 61 76")),
            "Invalid UTF-8 in a CBOR map key");
}

TEST(CborCodecTest, MalformedBodiesAreSerializationErrors) {
  // Not a map at all: a bare SerializationException, as for JSON.
  for (std::string body :
       {std::string(), FromHex("80"), FromHex("61 73"), FromHex("f6"), FromHex("01")}) {
    EXPECT_EQ(DecodeError("ListStreams", body), "") << ToHex(body);
  }
  EXPECT_EQ(DecodeError("ListStreams", FromHex("a0 00")),
            "Trailing bytes after the CBOR body at byte 1");
  EXPECT_EQ(DecodeError("ListStreams", FromHex("a1 01 02")),
            "CBOR map key is not a text string at byte 1");
  EXPECT_EQ(DecodeError("ListStreams", FromHex("a1 41 61 02")),
            "CBOR map key is not a text string at byte 1");
  EXPECT_EQ(DecodeError("ListStreams", FromHex("ff")),
            "CBOR break code outside an indefinite-length item at byte 0");
  EXPECT_EQ(DecodeError("ListStreams", FromHex("a1 65 4c 69 6d 69 74 ff")),
            "CBOR break code outside an indefinite-length item at byte 7");
  EXPECT_EQ(DecodeError("ListStreams", FromHex("a1 65 4c 69 6d 69 74 1c")),
            "Reserved CBOR additional information 28 at byte 7");
  EXPECT_EQ(DecodeError("ListStreams", FromHex("a1 65 4c 69 6d 69 74 5b 00 00 01 00 00 00 00 00")),
            "CBOR length 1099511627776 exceeds the 0 bytes left at byte 16");
  EXPECT_EQ(DecodeError("ListStreams", FromHex("bf 65 4c 69 6d 69 74")),
            "Unexpected end of CBOR input at byte 7");
  // Malformed CBOR anywhere is reported ahead of a member of the wrong type.
  EXPECT_EQ(DecodeError("CreateStream", FromHex("a2 6a 53 74 72 65 61 6d 4e 61 6d 65 01 61 78 1e")),
            "Reserved CBOR additional information 30 at byte 15");
  // Deep nesting, in an unknown member.
  std::string deep = FromHex("a1 61 78");
  for (int i = 0; i < 100; ++i) deep.push_back('\x81');
  deep.push_back('\x00');
  EXPECT_EQ(DecodeError("ListStreams", deep), "CBOR nesting deeper than 64 levels at byte 67");

  // Every proper prefix of a valid body is refused.
  std::string valid =
      ToCbor({{"StreamName", "s"}, {"Records", {{{"Data", Blob("hi")}, {"PartitionKey", "k"}}}}});
  ASSERT_TRUE(Decode("PutRecords", valid).ok());
  for (size_t length = 0; length < valid.size(); ++length) {
    auto decoded = Decode("PutRecords", valid.substr(0, length));
    EXPECT_FALSE(decoded.ok()) << length;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kSerialization);
  }
}

TEST(CborCodecTest, OperationsWithoutOutputAnswerAnEmptyMap) {
  EXPECT_EQ(ToHex(kCodec.EncodeResponse(nullptr, Value::object())), "a0");
}

TEST(CborCodecTest, ErrorsAreMapsWithTheTypeAndMessage) {
  // Bytes as python3-cbor2 writes {"__type": "ResourceNotFoundException", "message": ...}.
  EXPECT_EQ(ToHex(kCodec.EncodeError(Status(ErrorCode::kResourceNotFound, "Stream s not found."))),
            "a2665f5f7479706578195265736f757263654e6f74466f756e64457863657074696f6e676d6573736167"
            "657353747265616d2073206e6f7420666f756e642e");
  EXPECT_EQ(FromCbor(kCodec.EncodeError(Status(ErrorCode::kSerialization, "bad"))),
            Value({{"__type", "SerializationException"}, {"Message", "bad"}}));
  EXPECT_EQ(FromCbor(kCodec.EncodeError(Status(ErrorCode::kUnknownOperation, ""))),
            Value({{"__type", "UnknownOperationException"}}));
}

TEST(CborCodecTest, TheCborContentTypePicksThisCodec) {
  const WireCodec* codec = CodecFor("application/x-amz-cbor-1.1");
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->content_type(), "application/x-amz-cbor-1.1");
  EXPECT_NE(dynamic_cast<const CborCodec*>(codec), nullptr);
}

}  // namespace
}  // namespace sluice::protocol
