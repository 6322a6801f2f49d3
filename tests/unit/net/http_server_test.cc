// HttpServer: requests and responses over plain HTTP and TLS on one port, keep-alive,
// pipelining, asynchronous answers, lifecycle.

#include "sluice/net/http_server.h"

#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server_fixture.h"
#include "test_client.h"

namespace sluice::net::testing {
namespace {

using namespace std::chrono_literals;

class HttpServerTest : public ServerFixture {};

TEST(HttpRequestTest, HeaderLookupIsByLowerCaseNameAndReturnsTheFirstValue) {
  HttpRequest request;
  request.headers = {{"x-amz-target", "Kinesis_20131202.PutRecord"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(request.Header("x-amz-target"), "Kinesis_20131202.PutRecord");
  EXPECT_EQ(request.Header("x-a"), "1");
  EXPECT_TRUE(request.HasHeader("x-a"));
  EXPECT_FALSE(request.HasHeader("x-b"));
  EXPECT_EQ(request.Header("x-b"), "");
}

TEST_F(HttpServerTest, PlainRequestAndResponse) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  ASSERT_NE(server->port(), 0);

  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto request = MakeRequest(http::verb::post, "/path?q=1", "hello");
  request.set("X-Echo", "echo me");
  request.set("X-Amz-Target", "Kinesis_20131202.ListStreams");
  auto response = client.Roundtrip(request);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "POST /path?q=1\nhello");
  EXPECT_EQ((*response)["x-echo"], "echo me");
  EXPECT_EQ((*response)[http::field::content_length], "20");

  auto seen = LastRequest();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->method, "POST");
  EXPECT_EQ(seen->target, "/path?q=1");
  EXPECT_EQ(seen->body, "hello");
  EXPECT_EQ(seen->Header("x-amz-target"), "Kinesis_20131202.ListStreams");
  EXPECT_EQ(seen->Header("host"), "localhost");
  EXPECT_FALSE(seen->tls);
  EXPECT_EQ(seen->http_version, 11);
  EXPECT_NE(seen->remote_address.find("127.0.0.1"), std::string::npos) << seen->remote_address;
  for (const auto& [name, value] : seen->headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
}

TEST_F(HttpServerTest, HttpsOnTheSamePortNegotiatesHttp11) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);

  TestClient secure(/*tls=*/true);
  ASSERT_FALSE(secure.Connect(server->port(), "http/1.1"));
  EXPECT_EQ(secure.AlpnSelected(), "http/1.1");
  auto response = secure.Roundtrip(MakeRequest(http::verb::post, "/secure", "over tls"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "POST /secure\nover tls");
  auto seen = LastRequest();
  ASSERT_TRUE(seen);
  EXPECT_TRUE(seen->tls);

  // The same port still speaks plain HTTP.
  TestClient plain;
  ASSERT_FALSE(plain.Connect(server->port()));
  response = plain.Roundtrip(MakeRequest(http::verb::get, "/plain"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "GET /plain\n");
}

TEST_F(HttpServerTest, TlsClientOfferingH2Negotiates) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient secure(/*tls=*/true);
  ASSERT_FALSE(secure.Connect(server->port(), "h2"));
  EXPECT_EQ(secure.AlpnSelected(), "h2");  // http2_test.cc speaks HTTP/2 over it
}

TEST_F(HttpServerTest, TlsClientWithoutAlpnGetsHttp11) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient secure(/*tls=*/true);
  ASSERT_FALSE(secure.Connect(server->port()));
  EXPECT_EQ(secure.AlpnSelected(), "");
  auto response = secure.Roundtrip(MakeRequest(http::verb::get, "/"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  for (bool tls : {false, true}) {
    TestClient client(tls);
    ASSERT_FALSE(client.Connect(server->port()));
    for (int i = 0; i < 3; ++i) {
      auto response =
          client.Roundtrip(MakeRequest(http::verb::post, "/n" + std::to_string(i), "b"));
      ASSERT_TRUE(response) << "request " << i << " tls " << tls;
      EXPECT_EQ(response->body(), "POST /n" + std::to_string(i) + "\nb");
      EXPECT_TRUE(response->keep_alive());
    }
  }
}

TEST_F(HttpServerTest, HandlerMayAnswerFromAnotherThread) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto response = client.Roundtrip(MakeRequest(http::verb::post, "/async", "later"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST /async\nlater");
  // And the connection goes on afterwards.
  response = client.Roundtrip(MakeRequest(http::verb::get, "/after"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "GET /after\n");
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(
      client.WriteRaw("POST /async HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
                      "GET /second HTTP/1.1\r\nHost: x\r\n\r\n"
                      "POST /third HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthree"));
  Response first, second, third;
  ASSERT_FALSE(client.Read(first));
  ASSERT_FALSE(client.Read(second));
  ASSERT_FALSE(client.Read(third));
  EXPECT_EQ(first.body(), "POST /async\none");
  EXPECT_EQ(second.body(), "GET /second\n");
  EXPECT_EQ(third.body(), "POST /third\nthree");
}

TEST_F(HttpServerTest, SecondAnswerIsIgnored) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto response = client.Roundtrip(MakeRequest(http::verb::get, "/twice"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  response = client.Roundtrip(MakeRequest(http::verb::get, "/next"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "GET /next\n");
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto response = client.Roundtrip(MakeRequest(http::verb::get, "/throw"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500);
}

TEST_F(HttpServerTest, WriterDroppedBeforeStartAnswers500AndCloses) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.Send(MakeRequest(http::verb::get, "/never")));
  Response response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 500);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, ResponseAfterTheClientLeftIsDropped) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  {
    TestClient client;
    ASSERT_FALSE(client.Connect(server->port()));
    ASSERT_FALSE(client.Send(MakeRequest(http::verb::post, "/slow", "x")));
    client.Close();
  }
  std::this_thread::sleep_for(400ms);  // the answer arrives for a closed connection
  TestClient next;
  ASSERT_FALSE(next.Connect(server->port()));
  auto response = next.Roundtrip(MakeRequest(http::verb::get, "/"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto request = MakeRequest(http::verb::get, "/");
  request.keep_alive(false);
  auto response = client.Roundtrip(request);
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, HandlerCanAskToClose) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  auto response = client.Roundtrip(MakeRequest(http::verb::get, "/close"));
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  {
    TestClient client;
    ASSERT_FALSE(client.Connect(server->port()));
    auto response = client.Roundtrip(MakeRequest(http::verb::post, "/old", "x", 10));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->version(), 10);
    EXPECT_EQ(response->body(), "POST /old\nx");
    EXPECT_TRUE(client.WaitForClose());
    auto seen = LastRequest();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->http_version, 10);
  }
  {
    TestClient client;
    ASSERT_FALSE(client.Connect(server->port()));
    for (int i = 0; i < 2; ++i) {
      auto request = MakeRequest(http::verb::get, "/old", "", 10);
      request.keep_alive(true);
      auto response = client.Roundtrip(request);
      ASSERT_TRUE(response) << i;
      EXPECT_TRUE(response->keep_alive());
    }
  }
}

TEST_F(HttpServerTest, HeadGetsTheLengthWithoutTheBody) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.Send(MakeRequest(http::verb::head, "/h")));
  Response response;
  ASSERT_FALSE(client.Read(response, /*head=*/true));
  EXPECT_EQ(response[http::field::content_length], "8");  // "HEAD /h\n"
  // Nothing but the next response follows on the connection.
  response = {};
  ASSERT_FALSE(client.Send(MakeRequest(http::verb::get, "/g")));
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.body(), "GET /g\n");
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeTheBody) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  TestClient client;
  ASSERT_FALSE(client.Connect(server->port()));
  ASSERT_FALSE(client.WriteRaw(
      "POST /put HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  Response interim;
  ASSERT_FALSE(client.Read(interim));
  EXPECT_EQ(interim.result_int(), 100);
  ASSERT_FALSE(client.WriteRaw("hello"));
  Response final_response;
  ASSERT_FALSE(client.Read(final_response));
  EXPECT_EQ(final_response.result_int(), 200);
  EXPECT_EQ(final_response.body(), "POST /put\nhello");
}

TEST_F(HttpServerTest, ManyConcurrentConnections) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  constexpr int kThreads = 4;
  constexpr int kConnectionsPerThread = 10;
  constexpr int kRequestsPerConnection = 5;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::unique_ptr<TestClient>> clients;
      for (int c = 0; c < kConnectionsPerThread; ++c) {
        clients.push_back(std::make_unique<TestClient>(/*tls=*/c % 2 == 1));
        if (clients.back()->Connect(server->port())) return;
      }
      for (int r = 0; r < kRequestsPerConnection; ++r) {
        for (auto& client : clients) {
          std::string body = "t" + std::to_string(t) + "r" + std::to_string(r);
          auto response = client->Roundtrip(MakeRequest(http::verb::post, "/load", body));
          if (response && response->body() == "POST /load\n" + body) ++ok[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(ok[t], kConnectionsPerThread * kRequestsPerConnection) << "thread " << t;
  }
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndFinishesInFlightOnes) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();

  TestClient idle;
  ASSERT_FALSE(idle.Connect(port));
  ASSERT_TRUE(idle.Roundtrip(MakeRequest(http::verb::get, "/")));
  TestClient idle_tls(/*tls=*/true);
  ASSERT_FALSE(idle_tls.Connect(port));
  ASSERT_TRUE(idle_tls.Roundtrip(MakeRequest(http::verb::get, "/")));
  TestClient silent;  // connected, not a byte sent yet
  ASSERT_FALSE(silent.ConnectTcp(port));
  TestClient busy;
  ASSERT_FALSE(busy.Connect(port));
  ASSERT_FALSE(busy.Send(MakeRequest(http::verb::post, "/slow", "in flight")));
  std::this_thread::sleep_for(100ms);  // the request reaches the handler

  server->Stop();
  EXPECT_TRUE(idle.WaitForClose());
  EXPECT_TRUE(idle_tls.WaitForClose());
  EXPECT_TRUE(silent.WaitForClose());
  Response response;
  ASSERT_FALSE(busy.Read(response));
  EXPECT_EQ(response.body(), "POST /slow\nin flight");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(busy.WaitForClose());

  // No new connections are accepted.
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) {
    TestClient late;
    refused = static_cast<bool>(late.ConnectTcp(port));
    if (!refused) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(refused);
}

TEST_F(HttpServerTest, StartReportsUnreadableTlsFiles) {
  ServerOptions options = DefaultOptions();
  options.tls_cert = dir_ / "missing-cert.pem";
  HttpServer server(
      io_, options, [](HttpRequest, std::shared_ptr<ResponseWriter>) {}, nullptr);
  Status status = server.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInternal);
  EXPECT_NE(status.message().find("missing-cert.pem"), std::string::npos) << status.message();

  options = DefaultOptions();
  options.tls_key = cert_;  // a certificate is not a key
  HttpServer mismatched(
      io_, options, [](HttpRequest, std::shared_ptr<ResponseWriter>) {}, nullptr);
  status = mismatched.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("cert.pem"), std::string::npos) << status.message();

  options = DefaultOptions();
  options.tls_key.clear();
  HttpServer half(
      io_, options, [](HttpRequest, std::shared_ptr<ResponseWriter>) {}, nullptr);
  EXPECT_FALSE(half.Start().ok());
}

TEST_F(HttpServerTest, StartReportsAPortInUse) {
  HttpServer* first = StartServer();
  ASSERT_NE(first, nullptr);
  ServerOptions options = DefaultOptions();
  options.port = first->port();
  HttpServer second(
      io_, options, [](HttpRequest, std::shared_ptr<ResponseWriter>) {}, nullptr);
  Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(std::to_string(first->port())), std::string::npos)
      << status.message();
}

TEST_F(HttpServerTest, WithoutTlsMaterialAClientHelloIsClosed) {
  ServerOptions options = DefaultOptions();
  options.tls_cert.clear();
  options.tls_key.clear();
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestClient secure(/*tls=*/true);
  EXPECT_TRUE(secure.Connect(server->port()));  // the handshake fails
  TestClient plain;
  ASSERT_FALSE(plain.Connect(server->port()));
  auto response = plain.Roundtrip(MakeRequest(http::verb::get, "/"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

}  // namespace
}  // namespace sluice::net::testing
