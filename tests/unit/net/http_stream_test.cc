// HttpServer's response writer: streamed (chunked) and one-shot responses, writers used from
// other threads, dropped or misused writers, backpressure, and the in-flight count.

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/beast/core/buffers_to_string.hpp>

#include "server_fixture.h"
#include "sluice/net/http_server.h"
#include "test_client.h"

namespace sluice::net::testing {
namespace {

using namespace std::chrono_literals;

using HttpStreamTest = ServerFixture;

TEST_F(HttpStreamTest, StreamedResponseIsChunkedAndKeepsTheConnection) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  for (bool tls : {false, true}) {
    TestClient client(tls);
    ASSERT_FALSE(client.Connect(server->port()));
    auto response = client.Roundtrip(MakeRequest(http::verb::get, "/stream"));
    ASSERT_TRUE(response) << "tls " << tls;
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ((*response)[http::field::transfer_encoding], "chunked");
    EXPECT_EQ(response->count(http::field::content_length), 0u);
    EXPECT_EQ((*response)[http::field::content_type], "text/plain");
    EXPECT_EQ(response->body(), "onetwothree");
    EXPECT_TRUE(response->keep_alive());
    response = client.Roundtrip(MakeRequest(http::verb::get, "/after"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body(), "GET /after\n");
  }
}

TEST_F(HttpStreamTest, ChunksAreFramedOnTheWire) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.WriteRaw("GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(client.WaitForClose());
  std::string wire = beast::buffers_to_string(client.buffer().data());
  const size_t body = wire.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos) << wire;
  EXPECT_EQ(wire.substr(body + 4), "3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n");
}

TEST_F(HttpStreamTest, Http10GetsAStreamedBodyUntilClose) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto request = MakeRequest(http::verb::get, "/stream", "", 10);
  request.keep_alive(true);  // asked for, but a body without a length needs the close
  auto response = client.Roundtrip(request);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->version(), 10);
  EXPECT_EQ(response->count(http::field::transfer_encoding), 0u);
  EXPECT_EQ(response->count(http::field::content_length), 0u);
  EXPECT_EQ(response->body(), "onetwothree");
  EXPECT_FALSE(response->keep_alive());  // and the body was read to the close
}

TEST_F(HttpStreamTest, OneShotResponseCarriesContentLength) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto response = client.Roundtrip(MakeRequest(http::verb::post, "/one", "shot"));
  ASSERT_TRUE(response);
  EXPECT_EQ((*response)[http::field::content_length], "14");  // "POST /one\nshot"
  EXPECT_EQ(response->count(http::field::transfer_encoding), 0u);
  EXPECT_EQ(response->body(), "POST /one\nshot");
}

TEST_F(HttpStreamTest, WriterUsedFromAnotherThreadWaitingForEachDelivery) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  std::string expected;
  for (int i = 0; i < kThreadChunks; ++i) expected += std::to_string(i) + ";";
  for (bool tls : {false, true}) {
    TestClient client(tls);
    ASSERT_FALSE(client.Connect(server->port()));
    auto response = client.Roundtrip(MakeRequest(http::verb::get, "/stream-thread"));
    ASSERT_TRUE(response) << "tls " << tls;
    EXPECT_EQ((*response)[http::field::transfer_encoding], "chunked");
    EXPECT_EQ(response->body(), expected);
  }
}

TEST_F(HttpStreamTest, WriterDroppedMidStreamClosesWithoutTheLastChunk) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.Send(MakeRequest(http::verb::get, "/drop-mid")));
  EXPECT_TRUE(client.WaitForClose());
  // The body never ends properly (whatever part of it got out), so the client cannot take the
  // part for the whole.
  std::string wire = beast::buffers_to_string(client.buffer().data());
  EXPECT_EQ(wire.find("0\r\n\r\n"), std::string::npos) << wire;
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
}

TEST_F(HttpStreamTest, BodyShorterThanDeclaredClosesTheConnection) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.Send(MakeRequest(http::verb::get, "/short")));
  Response response;
  // The peer must not get 3 bytes that look like a whole body: the connection closes instead
  // (Read fails at the end of the stream).
  EXPECT_TRUE(client.Read(response));
}

TEST_F(HttpStreamTest, SlowReaderHoldsBackAProducerThatWaits) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client(/*tls=*/false, 20000ms);
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.Send(MakeRequest(http::verb::get, "/produce")));
  // Nobody reads: once the socket buffers are full the producer waits.
  ASSERT_TRUE(Eventually([&] { return producer_stalled_.load(); }));
  EXPECT_LT(produced_chunks_.load(), kProduceChunks);
  EXPECT_EQ(server->InFlight(), 1u);

  Response response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(produced_chunks_.load(), kProduceChunks);
  ASSERT_EQ(response.body().size(), kProduceChunks * kProduceChunkBytes);
  for (int i = 0; i < kProduceChunks; ++i) {
    ASSERT_EQ(response.body()[i * kProduceChunkBytes], static_cast<char>('a' + i % 26)) << i;
  }
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
}

TEST_F(HttpStreamTest, ProducerThatDoesNotWaitIsCutOffAtTheQueueBound) {
  ServerOptions options = DefaultOptions();
  options.max_queued_response_bytes = 256 * 1024;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.Send(MakeRequest(http::verb::get, "/flood")));
  // Nobody reads, and the producer does not wait: the response is aborted long before the
  // read timeout, not buffered.
  ASSERT_TRUE(Eventually([&] { return flood_refused_.load() > 0; }, 2000ms));
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(
      Eventually([&] { return flood_delivered_.load() + flood_refused_.load() == kFloodChunks; }));
  EXPECT_LT(flood_delivered_.load(), kFloodChunks);
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
}

TEST_F(HttpStreamTest, InFlightCountsRequestsUntilTheirResponseIsWritten) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->InFlight(), 0u);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.Send(MakeRequest(http::verb::post, "/slow", "x")));
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 1; }));
  Response response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));

  // A request whose connection goes away stops counting too.
  TestClient leaving;
  ASSERT_FALSE(leaving.Connect(server->port()));
  ASSERT_FALSE(leaving.Send(MakeRequest(http::verb::post, "/drop-mid", "x")));
  leaving.Close();
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
}

}  // namespace
}  // namespace sluice::net::testing
