#include "net/http1_wire.h"

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace sluice::net {
namespace {

namespace http = boost::beast::http;

TEST(ResponseHeadTest, KnownLengthSetsContentLengthAndDropsFramingHeaders) {
  auto head = MakeResponseHead(
      200,
      {{"Content-Length", "999"}, {"Transfer-Encoding", "chunked"}, {"x-amzn-RequestId", "abc"}}, 5,
      11, false);
  EXPECT_EQ(head.header.result_int(), 200);
  EXPECT_EQ(head.header[http::field::content_length], "5");
  EXPECT_EQ(head.header.count(http::field::transfer_encoding), 0u);
  EXPECT_EQ(head.header["x-amzn-RequestId"], "abc");
  EXPECT_EQ(head.framing, BodyFraming::kContentLength);
  EXPECT_FALSE(head.wants_close);
}

TEST(ResponseHeadTest, ConnectionCloseFromTheHandlerIsReported) {
  auto head = MakeResponseHead(200, {{"Connection", "Close"}}, 0, 11, false);
  EXPECT_TRUE(head.wants_close);
  EXPECT_EQ(head.header.count(http::field::connection), 0u);
  EXPECT_EQ(head.header[http::field::content_length], "0");
}

TEST(ResponseHeadTest, UnknownLengthIsChunkedForHttp11AndUntilCloseForHttp10) {
  auto chunked = MakeResponseHead(200, {{"Content-Length", "3"}}, std::nullopt, 11, false);
  EXPECT_EQ(chunked.framing, BodyFraming::kChunked);
  EXPECT_EQ(chunked.header[http::field::transfer_encoding], "chunked");
  EXPECT_EQ(chunked.header.count(http::field::content_length), 0u);
  auto old = MakeResponseHead(200, {}, std::nullopt, 10, false);
  EXPECT_EQ(old.framing, BodyFraming::kUntilClose);
  EXPECT_EQ(old.header.count(http::field::transfer_encoding), 0u);
}

TEST(ResponseHeadTest, HeadKeepsTheLengthButHasNoBody) {
  auto head = MakeResponseHead(200, {}, 5, 11, true);
  EXPECT_EQ(head.header[http::field::content_length], "5");
  EXPECT_EQ(head.framing, BodyFraming::kNone);
  auto streamed = MakeResponseHead(200, {}, std::nullopt, 11, true);
  EXPECT_EQ(streamed.framing, BodyFraming::kNone);
  EXPECT_EQ(streamed.header.count(http::field::transfer_encoding), 0u);
}

TEST(ResponseHeadTest, NoContentHasNoBodyAndOddStatusesBecome500) {
  auto no_content = MakeResponseHead(204, {}, 1, 11, false);
  EXPECT_EQ(no_content.header.count(http::field::content_length), 0u);
  EXPECT_EQ(no_content.framing, BodyFraming::kNone);
  for (int status : {0, 101, 1000, -1}) {
    auto head = MakeResponseHead(status, {}, 0, 10, false);
    EXPECT_EQ(head.header.result_int(), 500) << status;
    EXPECT_EQ(head.header.version(), 10);
  }
}

TEST(ResponseHeadTest, SerializesStatusLineFieldsAndTheEmptyLine) {
  auto head = MakeResponseHead(404, {{"X-A", "1"}}, 2, 11, false);
  head.header.keep_alive(false);
  EXPECT_EQ(SerializeHead(head.header),
            "HTTP/1.1 404 Not Found\r\nX-A: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
}

TEST(ChunkTest, PrefixIsTheHexSize) {
  EXPECT_EQ(ChunkPrefix(1), "1\r\n");
  EXPECT_EQ(ChunkPrefix(255), "ff\r\n");
  EXPECT_EQ(ChunkPrefix(65536), "10000\r\n");
}

TEST(ClassifyReadErrorTest, MapsBeastErrors) {
  EXPECT_EQ(ClassifyReadError(http::error::body_limit), ReadFailure::kBodyTooLarge);
  EXPECT_EQ(ClassifyReadError(http::error::header_limit), ReadFailure::kHeaderTooLarge);
  EXPECT_EQ(ClassifyReadError(http::error::bad_method), ReadFailure::kMalformed);
  EXPECT_EQ(ClassifyReadError(http::error::bad_chunk), ReadFailure::kMalformed);
  EXPECT_EQ(ClassifyReadError(http::error::partial_message), ReadFailure::kDisconnected);
  EXPECT_EQ(ClassifyReadError(boost::beast::error::timeout), ReadFailure::kTimeout);
  EXPECT_EQ(ClassifyReadError(boost::asio::error::connection_reset), ReadFailure::kDisconnected);
}

TEST(DefaultRejectionTest, UsesTheUsualStatuses) {
  EXPECT_EQ(DefaultRejection(RejectReason::kBodyTooLarge).status, 413);
  EXPECT_EQ(DefaultRejection(RejectReason::kHeaderTooLarge).status, 431);
  EXPECT_EQ(DefaultRejection(RejectReason::kMalformed).status, 400);
}

// Parses `wire` as the session does (limits applied), for ToHttpRequest.
http::request<http::string_body> Parse(std::string_view wire, boost::beast::error_code& ec) {
  RequestParser parser;
  ServerOptions options;
  options.max_body_bytes = 8;
  ApplyLimits(parser, options);
  parser.eager(true);
  parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  return parser.release();
}

TEST(ToHttpRequestTest, LowerCasesNamesKeepsRepeatsAndVersion) {
  boost::beast::error_code ec;
  HttpRequest request =
      ToHttpRequest(Parse("POST /p?q=1 HTTP/1.0\r\nX-Amz-Target: A.B\r\nX-Rep: 1\r\nx-rep: 2\r\n"
                          "Content-Length: 3\r\n\r\nabc",
                          ec));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/p?q=1");
  EXPECT_EQ(request.http_version, 10);
  EXPECT_EQ(request.body, "abc");
  EXPECT_EQ(request.Header("x-amz-target"), "A.B");
  std::vector<std::string> repeats;
  for (const auto& [name, value] : request.headers) {
    if (name == "x-rep") repeats.push_back(value);
  }
  EXPECT_EQ(repeats, (std::vector<std::string>{"1", "2"}));
}

TEST(ToHttpRequestTest, TheBodyLimitApplies) {
  boost::beast::error_code ec;
  Parse("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n123456789", ec);
  EXPECT_EQ(ClassifyReadError(ec), ReadFailure::kBodyTooLarge);
}

}  // namespace
}  // namespace sluice::net
