// Admission control: load beyond the server's connection cap or its budget of request bytes in
// flight is refused with a 503 and Retry-After (RejectReason::kOverloaded) instead of costing
// memory, and the server serves normally again once the load is gone.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "h2_test_client.h"
#include "server_fixture.h"
#include "sluice/net/http_server.h"
#include "test_client.h"

namespace sluice::net::testing {
namespace {

class AdmissionTest : public ServerFixture {
 protected:
  // Sends a request to "/hold" on a fresh connection without waiting for the answer.
  std::unique_ptr<TestClient> Hold(uint16_t port, size_t body_bytes) {
    auto client = std::make_unique<TestClient>();
    EXPECT_FALSE(client->Connect(port));
    EXPECT_FALSE(
        client->Send(MakeRequest(http::verb::post, "/hold", std::string(body_bytes, 'h'))));
    return client;
  }

  static void ExpectRefused(const std::optional<Response>& response) {
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 503);
    EXPECT_EQ((*response)["Retry-After"], "1");
    EXPECT_EQ(response->body(), "rejected: overloaded");
    EXPECT_FALSE(response->keep_alive());
  }
};

TEST_F(AdmissionTest, ConnectionsBeyondTheCapAreRefusedUntilOthersClose) {
  ServerOptions options = DefaultOptions();
  options.max_connections = 2;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<TestClient>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(std::make_unique<TestClient>());
    ASSERT_FALSE(open.back()->Connect(server->port()));
    auto response = open.back()->Roundtrip(MakeRequest(http::verb::get, "/first"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
  }
  for (bool tls : {false, true}) {
    TestClient extra(tls);
    ASSERT_FALSE(extra.Connect(server->port()));
    ExpectRefused(extra.Roundtrip(MakeRequest(http::verb::post, "/", "body")));
    EXPECT_TRUE(extra.WaitForClose());
  }
  EXPECT_EQ(server->Admission().refused_requests, 2u);

  // The connections within the cap go on being served.
  auto again = open.front()->Roundtrip(MakeRequest(http::verb::get, "/again"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result_int(), 200);

  open.front()->Close();
  ASSERT_TRUE(Eventually([&] { return server->Admission().open_connections < 2; }));
  TestClient later;
  ASSERT_FALSE(later.Connect(server->port()));
  auto served = later.Roundtrip(MakeRequest(http::verb::get, "/later"));
  ASSERT_TRUE(served);
  EXPECT_EQ(served->result_int(), 200);
}

TEST_F(AdmissionTest, PastTheOverflowAllowanceConnectionsAreClosedAtOnce) {
  ServerOptions options = DefaultOptions();
  options.max_connections = 1;  // 16 more are kept for refusals
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<TestClient>> open;
  for (int i = 0; i < 17; ++i) {
    open.push_back(std::make_unique<TestClient>());
    ASSERT_FALSE(open.back()->ConnectTcp(server->port()));
  }
  ASSERT_TRUE(Eventually([&] { return server->Admission().open_connections == 17; }));
  TestClient flood;
  ASSERT_FALSE(flood.ConnectTcp(server->port()));
  EXPECT_TRUE(flood.WaitForClose());
  EXPECT_EQ(server->Admission().refused_connections, 1u);
  EXPECT_TRUE(Eventually([&] { return server->Admission().open_connections == 17; }));
}

TEST_F(AdmissionTest, RequestBytesInFlightAreBoundedAndGivenBack) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 1024;
  options.max_request_bytes_in_flight = 2048;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto first = Hold(server->port(), 1024);
  auto second = Hold(server->port(), 1000);
  ASSERT_TRUE(Eventually([&] { return HeldCount() == 2; }));
  EXPECT_EQ(server->Admission().request_bytes_in_flight, 2024u);

  // 24 bytes are left: a body of 100 is refused before it is read, even one that waits for
  // 100 Continue; a body-less request still fits.
  TestClient refused;
  ASSERT_FALSE(refused.Connect(server->port()));
  ExpectRefused(refused.Roundtrip(MakeRequest(http::verb::post, "/", std::string(100, 'r'))));
  TestClient waiting;
  ASSERT_FALSE(waiting.Connect(server->port()));
  ASSERT_FALSE(waiting.WriteRaw(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n"));
  Response continue_refused;
  ASSERT_FALSE(waiting.Read(continue_refused));
  EXPECT_EQ(continue_refused.result_int(), 503);
  TestClient small;
  ASSERT_FALSE(small.Connect(server->port()));
  auto fits = small.Roundtrip(MakeRequest(http::verb::get, "/small"));
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->result_int(), 200);

  // Answered, the held requests give their bytes back.
  ReleaseHeld();
  for (auto* client : {first.get(), second.get()}) {
    Response response;
    ASSERT_FALSE(client->Read(response));
    EXPECT_EQ(response.result_int(), 200);
  }
  ASSERT_TRUE(Eventually([&] { return server->Admission().request_bytes_in_flight == 0; }));
  TestClient after;
  ASSERT_FALSE(after.Connect(server->port()));
  auto served = after.Roundtrip(MakeRequest(http::verb::post, "/", std::string(1024, 'a')));
  ASSERT_TRUE(served);
  EXPECT_EQ(served->result_int(), 200);
}

TEST_F(AdmissionTest, ChunkedBodiesReserveTheBodyLimit) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 1024;
  options.max_request_bytes_in_flight = 1500;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto held = Hold(server->port(), 600);
  ASSERT_TRUE(Eventually([&] { return HeldCount() == 1; }));
  TestClient chunked;
  ASSERT_FALSE(chunked.Connect(server->port()));
  ASSERT_FALSE(chunked.WriteRaw(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  Response response;
  ASSERT_FALSE(chunked.Read(response));
  EXPECT_EQ(response.result_int(), 503);
  ReleaseHeld();
}

TEST_F(AdmissionTest, Http2StreamsShareTheConnectionsBudget) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 1024;
  options.max_connection_request_bytes = 1024;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  const int32_t held = client.Submit("POST", "/hold", std::string(1000, 'h'));
  // A small request after it: once answered, the held one (sent first) is surely in the handler.
  // (Waiting on HeldCount() instead would block the client in a read the server has no reason
  // to end.)
  auto small = client.Roundtrip("POST", "/", "tiny");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  ASSERT_EQ(HeldCount(), 1u);
  // The connection has 24 bytes left: its next large body is refused.
  auto refused = client.Roundtrip("POST", "/", std::string(100, 'r'));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Header("retry-after"), "1");
  // Another connection has a budget of its own.
  H2TestClient other;
  ASSERT_TRUE(other.Connect(server->port()));
  auto served = other.Roundtrip("POST", "/", std::string(1000, 'o'));
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);

  ReleaseHeld();
  ASSERT_TRUE(client.WaitFor(held));
  EXPECT_EQ(client.response(held).status, 200);
  auto after = client.Roundtrip("POST", "/", std::string(1000, 'a'));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(AdmissionTest, Http2ConnectionsBeyondTheCapAreRefusedAndToldToGoAway) {
  ServerOptions options = DefaultOptions();
  options.max_connections = 1;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  H2TestClient first;
  ASSERT_TRUE(first.Connect(server->port()));
  auto served = first.Roundtrip("GET", "/first");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  H2TestClient extra;
  ASSERT_TRUE(extra.Connect(server->port()));
  auto refused = extra.Roundtrip("GET", "/extra");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_TRUE(extra.RunUntil([&] { return extra.goaway_received(); }) || extra.goaway_received());
}

}  // namespace
}  // namespace sluice::net::testing
