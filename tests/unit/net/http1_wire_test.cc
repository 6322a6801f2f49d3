#include "net/http1_wire.h"

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace sluice::net {
namespace {

namespace http = boost::beast::http;

TEST(ToWireTest, SetsContentLengthAndDropsFramingHeaders) {
  HttpResponse response{.status = 200,
                        .headers = {{"Content-Length", "999"},
                                    {"Transfer-Encoding", "chunked"},
                                    {"x-amzn-RequestId", "abc"}},
                        .body = "hello"};
  bool wants_close = false;
  auto wire = ToWire(response, 11, false, &wants_close);
  EXPECT_EQ(wire.result_int(), 200);
  EXPECT_EQ(wire[http::field::content_length], "5");
  EXPECT_EQ(wire.count(http::field::transfer_encoding), 0u);
  EXPECT_EQ(wire["x-amzn-RequestId"], "abc");
  EXPECT_EQ(wire.body(), "hello");
  EXPECT_FALSE(wants_close);
}

TEST(ToWireTest, ConnectionCloseFromTheHandlerIsReported) {
  HttpResponse response{.status = 200, .headers = {{"Connection", "Close"}}, .body = ""};
  bool wants_close = false;
  auto wire = ToWire(response, 11, false, &wants_close);
  EXPECT_TRUE(wants_close);
  EXPECT_EQ(wire.count(http::field::connection), 0u);
  EXPECT_EQ(wire[http::field::content_length], "0");
}

TEST(ToWireTest, HeadKeepsTheLengthButNotTheBody) {
  bool wants_close = false;
  auto wire =
      ToWire(HttpResponse{.status = 200, .headers = {}, .body = "12345"}, 11, true, &wants_close);
  EXPECT_EQ(wire[http::field::content_length], "5");
  EXPECT_TRUE(wire.body().empty());
}

TEST(ToWireTest, NoContentHasNoBodyAndOddStatusesBecome500) {
  bool wants_close = false;
  auto no_content =
      ToWire(HttpResponse{.status = 204, .headers = {}, .body = "x"}, 11, false, &wants_close);
  EXPECT_EQ(no_content.count(http::field::content_length), 0u);
  EXPECT_TRUE(no_content.body().empty());
  for (int status : {0, 101, 1000, -1}) {
    auto wire =
        ToWire(HttpResponse{.status = status, .headers = {}, .body = ""}, 10, false, &wants_close);
    EXPECT_EQ(wire.result_int(), 500) << status;
    EXPECT_EQ(wire.version(), 10);
  }
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

}  // namespace
}  // namespace sluice::net
