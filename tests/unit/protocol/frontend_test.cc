// The protocol front end on its own, without the network: HttpRequests in, HttpResponses out,
// over a real broker whose clock the test holds, so that every body is known to the byte.
#include "sluice/protocol/frontend.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/event_stream.h"
#include "protocol/wire_codec.h"
#include "sluice/api/model.h"
#include "sluice/common/base64.h"
#include "support/broker_fixture.h"
#include "support/captured_response.h"

namespace sluice::protocol {
namespace {

constexpr std::string_view kJson11 = "application/x-amz-json-1.1";
constexpr std::string_view kCbor11 = "application/x-amz-cbor-1.1";

std::string ToCbor(const api::Value& value) {
  std::vector<uint8_t> bytes = api::Value::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

// A CBOR reply without tags (errors, iterators) as an independent reader sees it.
api::Value FromCbor(std::string_view body) {
  return api::Value::from_cbor(body.begin(), body.end(), /*strict=*/true,
                               /*allow_exceptions=*/true);
}

// A CBOR reply of `operation` read along its output shape, tag 1 timestamps included (nlohmann's
// reader cannot read tags 0-5); the codec's own tests check those bytes independently.
api::Value ReadReply(std::string_view operation, std::string_view body) {
  auto reply = CodecFor(kCbor11)->DecodeRequest(api::ApiModel::Get().Output(operation), body);
  EXPECT_TRUE(reply.ok()) << reply.status().message();
  return reply.ok() ? *reply : api::Value();
}

std::vector<uint8_t> BytesOf(const api::Value& blob) {
  const auto& binary = blob.get_binary();
  return std::vector<uint8_t>(binary.begin(), binary.end());
}

class FrontendTest : public testing::BrokerFixture {
 protected:
  void SetUp() override {
    BrokerFixture::SetUp();
    api_ = std::make_unique<api::Api>(*broker_);
    frontend_ = std::make_unique<Frontend>(*api_, FrontendOptions{});
  }
  void TearDown() override {
    frontend_.reset();
    api_.reset();
    BrokerFixture::TearDown();
  }

  net::HttpResponse Handle(net::HttpRequest request) {
    sluice::testing::CapturedResponse captured;
    frontend_->Handle(std::move(request), captured.Writer());
    return captured.Get();
  }

  // A signed-looking POST, as the CLI sends it (local mode checks the credentials' shape only).
  static net::HttpRequest Request(std::string_view target, std::string body,
                                  std::string_view content_type = kJson11) {
    net::HttpRequest request;
    request.method = "POST";
    request.target = "/";
    request.headers = {
        {"content-type", std::string(content_type)},
        {"x-amz-date", "20231205T070913Z"},
        {"authorization",
         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231205/us-east-1/kinesis/aws4_request, "
         "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123abcd"}};
    if (!target.empty()) request.headers.emplace_back("x-amz-target", std::string(target));
    request.body = std::move(body);
    return request;
  }

  net::HttpResponse Call(std::string_view operation, std::string body,
                         std::string_view content_type = kJson11) {
    return Handle(
        Request("Kinesis_20131202." + std::string(operation), std::move(body), content_type));
  }

  // Status, headers and body exactly; the request id and x-amz-id-2 are random, so only their
  // form is known. An empty `content_type`: the answer has none (AWS's XML errors).
  static void ExpectResponse(const net::HttpResponse& response, int status,
                             std::string_view content_type, std::string_view body) {
    EXPECT_EQ(response.status, status);
    size_t first = content_type.empty() ? 0 : 1;
    ASSERT_EQ(response.headers.size(), first + 2);
    if (!content_type.empty()) {
      EXPECT_EQ(response.headers[0].first, "Content-Type");
      EXPECT_EQ(response.headers[0].second, content_type);
    }
    EXPECT_EQ(response.headers[first].first, "x-amzn-RequestId");
    static const std::regex kUuid(
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    EXPECT_TRUE(std::regex_match(response.headers[first].second, kUuid))
        << response.headers[first].second;
    EXPECT_EQ(response.headers[first + 1].first, "x-amz-id-2");
    auto id2 = Base64Decode(response.headers[first + 1].second);
    ASSERT_TRUE(id2.has_value());
    EXPECT_EQ(id2->size(), 72u);
    EXPECT_EQ(response.body, body);
  }

  // The value of header `name` (as the frontend spells it), or "" when absent.
  static std::string HeaderOf(const net::HttpResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  // The value of string member `name` of a JSON reply.
  static std::string Member(const net::HttpResponse& response, const std::string& name) {
    return api::Value::parse(response.body).at(name).get<std::string>();
  }

  std::unique_ptr<api::Api> api_;
  std::unique_ptr<Frontend> frontend_;
};

TEST_F(FrontendTest, AnswersARightRequest) {
  // No output members: an empty body, as AWS sends.
  ExpectResponse(Call("CreateStream", R"({"StreamName":"s","ShardCount":2})"), 200, kJson11, "");
  ExpectResponse(
      Call("DescribeStreamSummary", R"({"StreamName":"s"})"), 200, kJson11,
      R"({"StreamDescriptionSummary":{"StreamName":"s",)"
      R"("StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","StreamStatus":"ACTIVE",)"
      R"("StreamModeDetails":{"StreamMode":"PROVISIONED"},"RetentionPeriodHours":24,)"
      R"("StreamCreationTimestamp":1701760153.593,"EnhancedMonitoring":[{"ShardLevelMetrics":[]}],)"
      R"("EncryptionType":"NONE","OpenShardCount":2,"ConsumerCount":0,"MaxRecordSizeInKiB":1024}})");
}

TEST_F(FrontendTest, MalformedBodiesAreSerializationErrors) {
  for (std::string body : {"{not json", "", "[1, 2]", "\xff\xfe"}) {
    SCOPED_TRACE(body);
    ExpectResponse(Call("ListStreams", body), 400, kJson11,
                   R"({"__type":"SerializationException"})");
  }
  ExpectResponse(Call("CreateStream", R"({"StreamName":"x","ShardCount":"1"})"), 400, kJson11,
                 R"({"__type":"SerializationException",)"
                 R"("Message":"class java.lang.String can not be converted to an Integer"})");
  ExpectResponse(
      Call("PutRecord", R"({"StreamName":"s","Data":"abc","PartitionKey":"k"})"), 400, kJson11,
      R"({"__type":"SerializationException","Message":"'abc' can not be converted to )"
      R"(a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"})");
}

TEST_F(FrontendTest, ValidationFollowsDecoding) {
  ExpectResponse(Call("CreateStream", R"({"StreamName":"x!","ShardCount":1})"), 400, kJson11,
                 R"({"__type":"ValidationException","message":"1 validation error detected: )"
                 R"(Value 'x!' at 'streamName' failed to satisfy constraint: Member must satisfy )"
                 R"(regular expression pattern: [a-zA-Z0-9_.-]+"})");
}

TEST_F(FrontendTest, UnknownOrMissingTargetIsAnUnknownOperation) {
  ExpectResponse(Call("NoSuchOperation", "{}"), 400, kJson11,
                 R"({"__type":"UnknownOperationException"})");
  ExpectResponse(Handle(Request("DynamoDB_20120810.ListTables", "{}")), 400, kJson11,
                 R"({"__type":"UnknownOperationException"})");
  ExpectResponse(Handle(Request("", "{}")), 400, kJson11,
                 R"({"__type":"UnknownOperationException"})");
}

// An encoding Sluice does not speak: the service's default, CBOR, or AWS's XML (AWS-COMPAT.md).
TEST_F(FrontendTest, ContentTypesWithoutACodecAreAnsweredAsAwsDoes) {
  const std::string cbor_unknown = ToCbor({{"__type", "UnknownOperationException"}});
  const std::string cbor_serialization = ToCbor({{"__type", "SerializationException"}});
  const std::string access_denied =
      "<AccessDeniedException>\n"
      "  <Message>Unable to determine service/operation name to be authorized</Message>\n"
      "</AccessDeniedException>\n";
  for (std::string_view type :
       {"text/plain", "application/x-amz-json-1.0", "application/x-amz-json-1.1asdf"}) {
    SCOPED_TRACE(type);
    ExpectResponse(Call("ListStreams", "{}", type), 400, kCbor11, cbor_unknown);
    ExpectResponse(Call("ListStreams", "", type), 400, kCbor11, cbor_serialization);
    ExpectResponse(Call("NoSuchOperation", "", type), 400, kCbor11, cbor_unknown);
    ExpectResponse(Handle(Request("", "{}", type)), 403, "", access_denied);
  }
  net::HttpRequest untyped = Request("Kinesis_20131202.ListStreams", "{}");
  std::erase_if(untyped.headers, [](const auto& header) { return header.first == "content-type"; });
  ExpectResponse(Handle(untyped), 403, "", access_denied);
  untyped.body.clear();
  ExpectResponse(Handle(untyped), 400, kCbor11, cbor_serialization);
}

TEST_F(FrontendTest, LegacyJsonIsJsonWithAwsOldErrorEnvelope) {
  const std::string_view legacy = "application/json";
  ExpectResponse(Call("ListStreams", "{}", "Application/JSON; charset=utf-8"), 200, legacy,
                 R"({"StreamNames":[],"HasMoreStreams":false,"StreamSummaries":[]})");
  ExpectResponse(Call("DescribeStream", R"({"StreamName":"missing"})", legacy), 200, legacy,
                 R"({"Output":{"__type":"com.amazon.coral.service#ResourceNotFoundException",)"
                 R"("message":"Stream missing under account 000000000000 not found."},)"
                 R"("Version":"1.0"})");
  ExpectResponse(Call("ListStreams", "{", legacy), 200, legacy,
                 R"({"Output":{"__type":"com.amazon.coral.service#SerializationException",)"
                 R"("Message":null},"Version":"1.0"})");
  ExpectResponse(Call("NoSuchOperation", "{}", legacy), 200, legacy,
                 R"({"Output":{"__type":"com.amazon.coral.service#UnknownOperationException",)"
                 R"("message":null},"Version":"1.0"})");
}

TEST_F(FrontendTest, BrowserRequestsGetCorsHeaders) {
  net::HttpRequest request = Request("Kinesis_20131202.ListStreams", "{}");
  request.headers.emplace_back("origin", "http://localhost:3000");
  net::HttpResponse response = Handle(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Expose-Headers"),
            "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,"
            "Date");
  // Without an Origin there is no CORS.
  EXPECT_EQ(HeaderOf(Call("ListStreams", "{}"), "Access-Control-Allow-Origin"), "");
}

TEST_F(FrontendTest, PreflightIsAnsweredWithoutCredentials) {
  net::HttpRequest preflight;
  preflight.method = "OPTIONS";
  preflight.target = "/";
  preflight.headers = {{"origin", "http://localhost:3000"},
                       {"access-control-request-headers", "content-type, x-amz-target"},
                       {"access-control-request-method", "POST"}};
  net::HttpResponse response = Handle(preflight);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
  EXPECT_EQ(HeaderOf(response, "Content-Type"), "");
  EXPECT_EQ(HeaderOf(response, "x-amz-id-2"), "");
  EXPECT_NE(HeaderOf(response, "x-amzn-RequestId"), "");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Headers"), "content-type, x-amz-target");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Max-Age"), "172800");
}

TEST_F(FrontendTest, MissingCredentialsAreRefusedAfterDecoding) {
  net::HttpRequest request = Request("Kinesis_20131202.ListStreams", "{}");
  std::erase_if(request.headers,
                [](const auto& header) { return header.first == "authorization"; });
  ExpectResponse(Handle(request), 400, kJson11,
                 R"({"__type":"MissingAuthenticationTokenException",)"
                 R"("message":"Missing Authentication Token"})");
}

TEST_F(FrontendTest, BlobsAndTimestampsRoundTrip) {
  ExpectResponse(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"), 200, kJson11, "");
  // Bytes that are not UTF-8 travel as base64 both ways.
  net::HttpResponse put =
      Call("PutRecord", R"({"StreamName":"s","Data":"AP8QaGk=","PartitionKey":"k"})");
  const std::string seq = Member(put, "SequenceNumber");
  ExpectResponse(put, 200, kJson11,
                 R"({"ShardId":"shardId-000000000000","SequenceNumber":")" + seq +
                     R"(","EncryptionType":"NONE"})");

  // The arrival time the reply gives, sent back as an AT_TIMESTAMP position, finds the record;
  // a millisecond later does not. (A position in the future is refused, so time moves on first.)
  now_ms_ += 1000;
  auto read_at = [&](std::string_view timestamp) {
    net::HttpResponse iterator = Call(
        "GetShardIterator",
        R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP",)"
        R"("Timestamp":)" +
            std::string(timestamp) + "}");
    EXPECT_EQ(iterator.status, 200) << iterator.body;
    return Call("GetRecords",
                R"({"ShardIterator":")" + Member(iterator, "ShardIterator") + R"("})");
  };
  net::HttpResponse got = read_at("1701760153.593");
  ExpectResponse(got, 200, kJson11,
                 R"({"Records":[{"SequenceNumber":")" + seq +
                     R"(","ApproximateArrivalTimestamp":1701760153.593,"Data":"AP8QaGk=",)"
                     R"("PartitionKey":"k"}],"NextShardIterator":")" +
                     Member(got, "NextShardIterator") + R"(","MillisBehindLatest":0})");
  net::HttpResponse later = read_at("1701760153.594");
  ExpectResponse(later, 200, kJson11,
                 R"({"Records":[],"NextShardIterator":")" + Member(later, "NextShardIterator") +
                     R"(","MillisBehindLatest":0})");
}

TEST_F(FrontendTest, CborRequestsAreAnsweredInCbor) {
  net::HttpResponse created =
      Call("CreateStream", ToCbor({{"StreamName", "s"}, {"ShardCount", 2}}), kCbor11);
  ExpectResponse(created, 200, kCbor11, "\xa0");
  net::HttpResponse summary = Call("DescribeStreamSummary", ToCbor({{"StreamName", "s"}}), kCbor11);
  EXPECT_EQ(summary.status, 200);
  EXPECT_EQ(summary.headers[0].second, kCbor11);
  api::Value description =
      ReadReply("DescribeStreamSummary", summary.body)["StreamDescriptionSummary"];
  EXPECT_EQ(description["StreamName"], "s");
  EXPECT_EQ(description["OpenShardCount"], 2);
  EXPECT_EQ(description["StreamCreationTimestamp"], int64_t{1701760153593});
  // Tag 1 and the milliseconds as a 64-bit integer.
  EXPECT_NE(summary.body.find(std::string("\xc1\x1b\x00\x00\x01\x8c\x38\xcf\x37\xf9", 10)),
            std::string::npos);
}

TEST_F(FrontendTest, CborErrorsAreCborBodies) {
  net::HttpResponse missing = Call("DescribeStream", ToCbor({{"StreamName", "missing"}}), kCbor11);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.headers[0].second, kCbor11);
  EXPECT_EQ(FromCbor(missing.body),
            api::Value({{"__type", "ResourceNotFoundException"},
                        {"message", "Stream missing under account 000000000000 not found."}}));

  net::HttpResponse invalid =
      Call("CreateStream", ToCbor({{"StreamName", "x!"}, {"ShardCount", 1}}), kCbor11);
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(FromCbor(invalid.body)["__type"], "ValidationException");

  for (std::string body : {std::string(), std::string("\xa1"), std::string("\x80"),
                           std::string("\xa0\x00", 2), std::string("\xff")}) {
    net::HttpResponse malformed = Call("ListStreams", body, kCbor11);
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.headers[0].second, kCbor11);
    EXPECT_EQ(FromCbor(malformed.body)["__type"], "SerializationException");
  }
  net::HttpResponse wrong_type =
      Call("CreateStream", ToCbor({{"StreamName", "x"}, {"ShardCount", "1"}}), kCbor11);
  EXPECT_EQ(FromCbor(wrong_type.body),
            api::Value({{"__type", "SerializationException"},
                        {"Message", "class java.lang.String can not be converted to an Integer"}}));
}

// A record written in one encoding reads back byte for byte in the other: handlers never see
// which encoding arrived.
TEST_F(FrontendTest, RecordsCrossBetweenJsonAndCbor) {
  ExpectResponse(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})"), 200, kJson11, "");
  const std::vector<uint8_t> bytes = {0x00, 0xff, 0x10, 'h', 'i', 0x80};
  EXPECT_EQ(Call("PutRecord", R"({"StreamName":"s","Data":"AP8QaGmA","PartitionKey":"j"})").status,
            200);
  EXPECT_EQ(
      Call(
          "PutRecord",
          ToCbor({{"StreamName", "s"}, {"Data", api::Value::binary(bytes)}, {"PartitionKey", "c"}}),
          kCbor11)
          .status,
      200);
  const std::string shard = R"("StreamName":"s","ShardId":"shardId-000000000000")";
  net::HttpResponse json_iterator =
      Call("GetShardIterator", "{" + shard + R"(,"ShardIteratorType":"TRIM_HORIZON"})");
  net::HttpResponse cbor_iterator = Call("GetShardIterator",
                                         ToCbor({{"StreamName", "s"},
                                                 {"ShardId", "shardId-000000000000"},
                                                 {"ShardIteratorType", "TRIM_HORIZON"}}),
                                         kCbor11);
  ASSERT_EQ(cbor_iterator.status, 200);

  api::Value from_cbor = ReadReply(
      "GetRecords",
      Call("GetRecords", ToCbor({{"ShardIterator", FromCbor(cbor_iterator.body)["ShardIterator"]}}),
           kCbor11)
          .body);
  ASSERT_EQ(from_cbor["Records"].size(), 2u);
  EXPECT_EQ(from_cbor["Records"][0]["PartitionKey"], "j");
  EXPECT_EQ(BytesOf(from_cbor["Records"][0]["Data"]), bytes);
  EXPECT_EQ(BytesOf(from_cbor["Records"][1]["Data"]), bytes);

  api::Value from_json = api::Value::parse(
      Call("GetRecords", R"({"ShardIterator":")" + Member(json_iterator, "ShardIterator") + R"("})")
          .body);
  ASSERT_EQ(from_json["Records"].size(), 2u);
  EXPECT_EQ(from_json["Records"][0]["Data"], "AP8QaGmA");
  EXPECT_EQ(from_json["Records"][1]["Data"], "AP8QaGmA");
  EXPECT_EQ(from_json["Records"][1]["PartitionKey"], "c");
  // The same arrival times: seconds with a fraction in JSON, milliseconds in CBOR.
  EXPECT_EQ(
      std::llround(from_json["Records"][1]["ApproximateArrivalTimestamp"].get<double>() * 1000),
      from_cbor["Records"][1]["ApproximateArrivalTimestamp"].get<int64_t>());
}

TEST_F(FrontendTest, OnlyPostReachesTheApi) {
  for (std::string_view method : {"GET", "PUT", "DELETE", "OPTIONS"}) {
    SCOPED_TRACE(method);
    net::HttpRequest request = Request("Kinesis_20131202.ListStreams", "");
    request.method = std::string(method);
    ExpectResponse(Handle(request), 403, "",
                   "<AccessDeniedException>\n"
                   "  <Message>Unable to determine service/operation name to be authorized"
                   "</Message>\n</AccessDeniedException>\n");
    std::erase_if(request.headers,
                  [](const auto& header) { return header.first == "authorization"; });
    ExpectResponse(Handle(request), 403, "",
                   "<MissingAuthenticationTokenException>\n"
                   "  <Message>Missing Authentication Token</Message>\n"
                   "</MissingAuthenticationTokenException>\n");
  }
}

TEST_F(FrontendTest, OperationCountsListEveryOperationWithItsRequestsAndErrors) {
  EXPECT_EQ(Call("ListStreams", "{}").status, 200);
  EXPECT_EQ(Call("ListStreams", "{}").status, 200);
  EXPECT_EQ(Call("DescribeStream", R"({"StreamName":"missing"})").status, 400);
  std::vector<OperationCount> counts = frontend_->OperationCounts();
  EXPECT_EQ(counts.size(), api_->Operations().size());
  EXPECT_TRUE(std::is_sorted(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
    return a.operation < b.operation;
  }));
  auto find = [&](std::string_view name) {
    for (const auto& count : counts) {
      if (count.operation == name) return count;
    }
    return OperationCount{};
  };
  EXPECT_EQ(find("ListStreams").requests, 2u);
  EXPECT_EQ(find("ListStreams").errors, 0u);
  EXPECT_EQ(find("DescribeStream").requests, 1u);
  EXPECT_EQ(find("DescribeStream").errors, 1u);
  EXPECT_EQ(find("PutRecord").requests, 0u);
}

// SubscribeToShard answers with an event stream: an initial response, then the records as
// SubscribeToShardEvent messages in the request's encoding, until the subscription ends.
TEST_F(FrontendTest, SubscribeToShardStreamsEventMessages) {
  ASSERT_EQ(Call("CreateStream", R"({"StreamName":"s","ShardCount":1})").status, 200);
  const std::string stream_arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
  auto registered =
      Call("RegisterStreamConsumer", R"({"StreamARN":")" + stream_arn + R"(","ConsumerName":"r"})");
  ASSERT_EQ(registered.status, 200) << registered.body;
  const std::string consumer = stream_arn + "/consumer/r:1701760153";
  ASSERT_EQ(Call("PutRecord", R"({"StreamName":"s","Data":"AAEC","PartitionKey":"k"})").status,
            200);

  auto response = Call("SubscribeToShard", R"({"ConsumerARN":")" + consumer +
                                               R"(","ShardId":"shardId-000000000000",)"
                                               R"("StartingPosition":{"Type":"TRIM_HORIZON"}})");
  ASSERT_EQ(response.status, 200);
  ASSERT_FALSE(response.headers.empty());
  EXPECT_EQ(response.headers[0].first, "Content-Type");
  EXPECT_EQ(response.headers[0].second, "application/vnd.amazon.eventstream");
  std::vector<EventStreamMessage> messages;
  std::string_view rest = response.body;
  while (!rest.empty()) {
    const uint32_t length = EventStreamMessageLength(rest);
    ASSERT_TRUE(length > 0 && length <= rest.size());
    auto message = DecodeEventStreamMessage(rest.substr(0, length));
    ASSERT_TRUE(message.ok()) << message.status().message();
    messages.push_back(*message);
    rest.remove_prefix(length);
  }
  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(*messages[0].Header(":event-type"), "initial-response");
  EXPECT_EQ(messages[0].payload, "{}");
  const EventStreamMessage& event = messages[1];
  EXPECT_EQ(*event.Header(":message-type"), "event");
  EXPECT_EQ(*event.Header(":event-type"), "SubscribeToShardEvent");
  EXPECT_EQ(*event.Header(":content-type"), kJson11);
  EXPECT_NE(event.payload.find(R"("Data":"AAEC","PartitionKey":"k")"), std::string::npos)
      << event.payload;
  EXPECT_NE(event.payload.find(R"("ApproximateArrivalTimestamp":1701760153.593)"),
            std::string::npos)
      << event.payload;
  EXPECT_NE(event.payload.find(R"("MillisBehindLatest":0)"), std::string::npos) << event.payload;

  // Refused before the stream starts: an ordinary error answer.
  ExpectResponse(Call("SubscribeToShard", R"({"ConsumerARN":")" + stream_arn +
                                              R"(/consumer/nobody:1","ShardId":"shardId-0",)"
                                              R"("StartingPosition":{"Type":"LATEST"}})"),
                 400, kJson11,
                 R"({"__type":"ResourceNotFoundException","message":"Consumer )" + stream_arn +
                     R"(/consumer/nobody:1 under stream s and account 000000000000 not found."})");
}

}  // namespace
}  // namespace sluice::protocol
