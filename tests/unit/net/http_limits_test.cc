// HttpServer under hostile or broken clients: size limits, malformed bytes, timeouts,
// truncated requests and handshakes. The server answers what it can, closes, and goes on.

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "server_fixture.h"
#include "sluice/net/http_server.h"
#include "test_client.h"

namespace sluice::net::testing {
namespace {

using namespace std::chrono_literals;

class HttpLimitsTest : public ServerFixture {
 protected:
  // A server with small limits, serving plain and TLS.
  HttpServer* StartSmallServer() {
    ServerOptions options = DefaultOptions();
    options.max_body_bytes = 1024;
    options.max_header_bytes = 2048;
    return StartServer(options);
  }

  // The server still answers a fresh connection, plain and over TLS.
  void ExpectServing(uint16_t port) {
    for (bool tls : {false, true}) {
      TestClient client(tls);
      ASSERT_FALSE(client.Connect(port)) << "tls " << tls;
      auto response = client.Roundtrip(MakeRequest(http::verb::post, "/alive", "yes"));
      ASSERT_TRUE(response) << "tls " << tls;
      EXPECT_EQ(response->body(), "POST /alive\nyes");
    }
  }
};

TEST_F(HttpLimitsTest, BodyWithinTheLimitIsServed) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto response = client.Roundtrip(MakeRequest(http::verb::post, "/", std::string(1024, 'a')));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(HttpLimitsTest, BodyOverTheLimitByContentLengthIsRejectedAndClosed) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  for (bool tls : {false, true}) {
    TestClient client(tls);
    ASSERT_FALSE(client.Connect(server->port()));
    auto response = client.Roundtrip(MakeRequest(http::verb::post, "/", std::string(4096, 'a')));
    ASSERT_TRUE(response) << "tls " << tls;
    EXPECT_EQ(response->result_int(), 413);
    EXPECT_EQ(response->body(), "rejected: body too large");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.WaitForClose());
  }
  ExpectServing(server->port());
}

TEST_F(HttpLimitsTest, ChunkedBodyOverTheLimitIsRejectedAndClosed) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  // Chunks that are each small but together exceed the limit.
  std::string raw = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 8; ++i) raw += "100\r\n" + std::string(256, 'c') + "\r\n";
  raw += "0\r\n\r\n";
  ASSERT_FALSE(client.WriteRaw(raw));
  Response response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpLimitsTest, ExpectContinueOverTheLimitIsRejectedWithout100) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.WriteRaw(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n"));
  Response response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpLimitsTest, HeaderOverTheLimitIsRejectedAndClosed) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  for (bool tls : {false, true}) {
    TestClient client(tls);
    ASSERT_FALSE(client.Connect(server->port()));
    auto request = MakeRequest(http::verb::get, "/");
    request.set("X-Big", std::string(4096, 'h'));
    auto response = client.Roundtrip(request);
    ASSERT_TRUE(response) << "tls " << tls;
    EXPECT_EQ(response->result_int(), 431);
    EXPECT_TRUE(client.WaitForClose());
  }
  ExpectServing(server->port());
}

TEST_F(HttpLimitsTest, GarbageIsRejectedAsMalformed) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.WriteRaw(std::string("\x01\x02garbage\r\n\r\n")));
  Response response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(response.body(), "rejected: malformed");
  EXPECT_TRUE(client.WaitForClose());
  ExpectServing(server->port());
}

TEST_F(HttpLimitsTest, BadChunkEncodingIsRejectedAsMalformed) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.WriteRaw(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"));
  Response response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpLimitsTest, ClientLeavingMidRequestDoesNotHurtTheServer) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  for (bool tls : {false, true}) {
    TestClient client(tls);
    ASSERT_FALSE(client.Connect(server->port()));
    ASSERT_FALSE(client.WriteRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    client.Close();
  }
  {
    TestClient client;  // half a header
    ASSERT_FALSE(client.Connect(server->port()));
    ASSERT_FALSE(client.WriteRaw("GET / HTT"));
    client.Close();
  }
  {
    TestClient client;  // connects and leaves without a byte
    ASSERT_FALSE(client.ConnectTcp(server->port()));
    client.Close();
  }
  ExpectServing(server->port());
}

TEST_F(HttpLimitsTest, TruncatedTlsClientHelloDoesNotHurtTheServer) {
  HttpServer* server = StartSmallServer();
  ASSERT_NE(server, nullptr);
  {
    TestClient client;
    ASSERT_FALSE(client.ConnectTcp(server->port()));
    ASSERT_FALSE(client.WriteRaw(std::string("\x16\x03\x01", 3)));
    client.Close();
  }
  {
    TestClient client;  // a ClientHello that is not one
    ASSERT_FALSE(client.ConnectTcp(server->port()));
    ASSERT_FALSE(client.WriteRaw(std::string("\x16\x03\x01\x00\x05hello", 10)));
    EXPECT_TRUE(client.WaitForClose());
  }
  ExpectServing(server->port());
}

TEST_F(HttpLimitsTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  ServerOptions options = DefaultOptions();
  options.idle_timeout = 300ms;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  for (bool tls : {false, true}) {
    TestClient client(tls);
    ASSERT_FALSE(client.Connect(server->port()));
    ASSERT_TRUE(client.Roundtrip(MakeRequest(http::verb::get, "/")));
    auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.WaitForClose());
    auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, 250ms);
    EXPECT_LT(waited, 3s);
  }
}

TEST_F(HttpLimitsTest, IncompleteRequestIsClosedAfterTheReadTimeout) {
  ServerOptions options = DefaultOptions();
  options.read_timeout = 300ms;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto start = std::chrono::steady_clock::now();
  ASSERT_FALSE(client.WriteRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);

  // A connection that never sends its first byte is closed after the read timeout too.
  TestClient silent;
  ASSERT_FALSE(silent.ConnectTcp(server->port()));
  EXPECT_TRUE(silent.WaitForClose());
  ExpectServing(server->port());
}

TEST_F(HttpLimitsTest, TruncatedTlsHandshakeTimesOut) {
  ServerOptions options = DefaultOptions();
  options.read_timeout = 300ms;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.ConnectTcp(server->port()));
  ASSERT_FALSE(client.WriteRaw(std::string("\x16\x03\x01", 3)));
  EXPECT_TRUE(client.WaitForClose());
}

}  // namespace
}  // namespace sluice::net::testing
