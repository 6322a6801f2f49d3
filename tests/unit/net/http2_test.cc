// HttpServer over HTTP/2, driven by nghttp2's client: h2c with prior knowledge and h2 over TLS
// (ALPN), concurrent streams, streamed responses, flow control both ways, limits, resets,
// timeouts, malformed input and the graceful GOAWAY of a server stop.

#include <nghttp2/nghttp2.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/beast/core/buffers_to_string.hpp>

#include "h2_test_client.h"
#include "server_fixture.h"
#include "sluice/net/http_server.h"
#include "test_client.h"

namespace sluice::net::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

class Http2Test : public ServerFixture {
 protected:
  // A body whose every byte depends on its position, so a reordered or lost piece shows.
  static std::string PatternBody(size_t size) {
    std::string body(size, '\0');
    for (size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
    return body;
  }

  // The server answers a fresh h2c connection.
  void ExpectServing(uint16_t port) {
    H2TestClient client;
    ASSERT_TRUE(client.Connect(port));
    auto response = client.Roundtrip("POST", "/alive", "yes");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "POST /alive\nyes");
  }
};

TEST_F(Http2Test, H2cWithPriorKnowledgeServesARequest) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  auto response =
      client.Roundtrip("POST", "/echo?x=1", "hello",
                       {{"x-echo", "abc"}, {"x-amz-target", "Kinesis_20131202.ListStreams"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->error_code, 0u);
  EXPECT_EQ(response->body, "POST /echo?x=1\nhello");
  EXPECT_EQ(response->Header("x-echo"), "abc");
  EXPECT_EQ(response->Header("content-type"), "text/plain");
  EXPECT_EQ(response->Header("content-length"), std::to_string(response->body.size()));
  EXPECT_FALSE(response->HasHeader("connection"));
  EXPECT_FALSE(response->HasHeader("transfer-encoding"));

  auto seen = LastRequest();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->method, "POST");
  EXPECT_EQ(seen->target, "/echo?x=1");
  EXPECT_EQ(seen->body, "hello");
  EXPECT_EQ(seen->http_version, 20);
  EXPECT_FALSE(seen->tls);
  EXPECT_EQ(seen->Header("host"), "localhost");
  EXPECT_EQ(seen->Header("x-amz-target"), "Kinesis_20131202.ListStreams");
  for (const auto& [name, value] : seen->headers) EXPECT_NE(name.front(), ':') << name;
  EXPECT_NE(seen->remote_address.find("127.0.0.1"), std::string::npos);
}

TEST_F(Http2Test, PrefaceArrivingInPiecesStillSelectsH2c) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  H2TestClient client({.split_preface = true});
  ASSERT_TRUE(client.Connect(server->port()));
  auto response = client.Roundtrip("GET", "/pieces");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "GET /pieces\n");
}

TEST_F(Http2Test, H2OverTlsIsNegotiatedByAlpn) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  H2TestClient client({.tls = true});
  ASSERT_TRUE(client.Connect(server->port()));
  EXPECT_EQ(client.AlpnSelected(), "h2");
  auto response = client.Roundtrip("POST", "/secure", "over tls");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /secure\nover tls");
  auto seen = LastRequest();
  ASSERT_TRUE(seen);
  EXPECT_TRUE(seen->tls);
  EXPECT_EQ(seen->http_version, 20);

  // HTTP/1.1 still works on the same port, plain and over TLS.
  for (bool tls : {false, true}) {
    TestClient http1(tls);
    ASSERT_FALSE(http1.Connect(server->port(), tls ? "http/1.1" : ""));
    auto answer = http1.Roundtrip(MakeRequest(http::verb::get, "/one"));
    ASSERT_TRUE(answer) << "tls " << tls;
    EXPECT_EQ(answer->body(), "GET /one\n");
  }
}

TEST_F(Http2Test, SettingsAdvertiseTheLimitsAndGenerousWindows) {
  ServerOptions options = DefaultOptions();
  options.max_header_bytes = 8192;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  ASSERT_TRUE(client.Roundtrip("GET", "/"));
  EXPECT_EQ(client.RemoteSetting(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 128u);
  EXPECT_EQ(client.RemoteSetting(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE), 8192u);
  EXPECT_GE(client.RemoteSetting(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE), 1u << 20);
  EXPECT_GE(client.RemoteWindow(), 16 << 20);
}

TEST_F(Http2Test, ManyConcurrentStreamsOnOneConnection) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  // Each "/async" is answered 50 ms later from a thread of its own: one after another they
  // would take three seconds.
  constexpr int kStreams = 60;
  std::vector<int32_t> ids;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kStreams; ++i) {
    ids.push_back(client.Submit("POST", "/async", "body " + std::to_string(i)));
    ids.push_back(client.Submit("GET", "/inline/" + std::to_string(i)));
  }
  ASSERT_TRUE(client.RunUntil([&] {
    for (int32_t id : ids) {
      if (!client.response(id).closed) return false;
    }
    return true;
  }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2000ms);
  for (int i = 0; i < kStreams; ++i) {
    EXPECT_EQ(client.response(ids[2 * i]).body, "POST /async\nbody " + std::to_string(i));
    EXPECT_EQ(client.response(ids[2 * i + 1]).body, "GET /inline/" + std::to_string(i) + "\n");
  }
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
}

TEST_F(Http2Test, StreamsBeyondTheConcurrencyLimitWaitTheirTurn) {
  ServerOptions options = DefaultOptions();
  options.max_concurrent_streams = 4;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  ASSERT_TRUE(client.Roundtrip("GET", "/settle"));  // the client has the server's SETTINGS
  EXPECT_EQ(client.RemoteSetting(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 4u);
  std::vector<int32_t> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(client.Submit("GET", "/async"));
  for (int32_t id : ids) {
    ASSERT_TRUE(client.WaitFor(id));
    EXPECT_EQ(client.response(id).status, 200);
    EXPECT_EQ(client.response(id).error_code, 0u);
  }
}

TEST_F(Http2Test, StreamedResponseArrivesInOrder) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  for (bool tls : {false, true}) {
    H2TestClient client({.tls = tls});
    ASSERT_TRUE(client.Connect(server->port()));
    auto inline_stream = client.Roundtrip("GET", "/stream");
    ASSERT_TRUE(inline_stream) << "tls " << tls;
    EXPECT_EQ(inline_stream->body, "onetwothree");
    EXPECT_FALSE(inline_stream->HasHeader("content-length"));

    auto threaded = client.Roundtrip("GET", "/stream-thread");
    ASSERT_TRUE(threaded) << "tls " << tls;
    std::string expected;
    for (int i = 0; i < kThreadChunks; ++i) expected += std::to_string(i) + ";";
    EXPECT_EQ(threaded->status, 200);
    EXPECT_EQ(threaded->body, expected);
    EXPECT_EQ(threaded->error_code, 0u);
    // Each chunk waited for the previous one's delivery, so they left in frames of their own.
    EXPECT_GE(threaded->data_frames, kThreadChunks);
  }
}

TEST_F(Http2Test, BodiesLargerThanTheWindowsFlowBothWays) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  // The client's window is 16 KiB, so the 3 MiB echo needs many WINDOW_UPDATEs from it; the
  // request body exceeds the default 64 KiB windows, so it needs the server's.
  H2TestClient client({.initial_window = 16 * 1024, .timeout = 20s});
  ASSERT_TRUE(client.Connect(server->port()));
  const std::string body = PatternBody(3 << 20);
  auto response = client.Roundtrip("POST", "/big", body);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  ASSERT_EQ(response->body.size(), body.size() + 10);
  EXPECT_TRUE(response->body == "POST /big\n" + body);
  EXPECT_GT(response->data_frames, 100);
}

TEST_F(Http2Test, ProducerIsPacedByThePeersWindow) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  H2TestClient client({.timeout = 30s});
  ASSERT_TRUE(client.Connect(server->port()));
  auto response = client.Roundtrip("GET", "/produce");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->error_code, 0u);
  EXPECT_EQ(response->body.size(), kProduceChunks * kProduceChunkBytes);
  EXPECT_EQ(produced_chunks_.load(), kProduceChunks);
  EXPECT_EQ(produce_refused_.load(), 0);
}

TEST_F(Http2Test, OversizeBodyGetsTheRejectionAndTheConnectionGoesOn) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 1024;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  // Declared too long, and too long without a declaration (counted as DATA arrives).
  const std::string body(64 * 1024, 'x');
  for (bool declared : {true, false}) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (declared) headers.emplace_back("content-length", std::to_string(body.size()));
    auto response = client.Roundtrip("POST", "/too-big", body, headers);
    ASSERT_TRUE(response) << "declared " << declared;
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(response->body, "rejected: body too large");
  }
  auto fine = client.Roundtrip("POST", "/fits", std::string(1024, 'y'));
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);
  auto seen = LastRequest();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->target, "/fits");  // the handler never saw the others
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
}

TEST_F(Http2Test, OversizeHeaderListGetsTheRejection) {
  ServerOptions options = DefaultOptions();
  options.max_header_bytes = 2048;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  auto response = client.Roundtrip("GET", "/", "", {{"x-big", std::string(4000, 'h')}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->body, "rejected: header too large");
  auto fine = client.Roundtrip("GET", "/small");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);
}

TEST_F(Http2Test, PeerResetMidStreamRefusesTheProducersWrites) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  const int32_t id = client.Submit("GET", "/produce");
  ASSERT_TRUE(client.RunUntil([&] { return !client.response(id).body.empty(); }));
  client.Reset(id, NGHTTP2_CANCEL);
  ASSERT_TRUE(client.RunUntil([] { return true; }));  // sends the RST_STREAM
  EXPECT_TRUE(Eventually([&] { return produce_refused_.load() == 1; }));
  EXPECT_LT(produced_chunks_.load(), kProduceChunks);
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
  // The connection goes on.
  auto response = client.Roundtrip("GET", "/after-reset");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "GET /after-reset\n");
}

TEST_F(Http2Test, AbortedResponsesAreResetOr500) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  // Dropped after part of the body: the stream is reset, so the part cannot pass for the whole.
  // (Whether the head and part of the body left before the reset is a matter of timing.)
  auto dropped = client.Roundtrip("GET", "/drop-mid");
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->error_code, static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
  auto short_body = client.Roundtrip("GET", "/short");
  ASSERT_TRUE(short_body);
  EXPECT_EQ(short_body->error_code, static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
  // Nothing sent yet: a 500.
  for (const char* target : {"/never", "/throw"}) {
    auto response = client.Roundtrip("GET", target);
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->status, 500) << target;
    EXPECT_EQ(response->error_code, 0u) << target;
  }
  auto twice = client.Roundtrip("GET", "/twice");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->body, "GET /twice\n");
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
}

TEST_F(Http2Test, InFlightCountsHttp2Requests) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  const int32_t first = client.Submit("GET", "/slow");
  const int32_t second = client.Submit("GET", "/slow");
  ASSERT_TRUE(client.RunUntil([] { return true; }));
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 2; }));
  ASSERT_TRUE(client.WaitFor(first));
  ASSERT_TRUE(client.WaitFor(second));
  EXPECT_TRUE(Eventually([&] { return server->InFlight() == 0; }));
}

TEST_F(Http2Test, ShutdownSendsGoawayAndLetsInFlightStreamsFinish) {
  for (bool tls : {false, true}) {
    HttpServer* server = StartServer();
    ASSERT_NE(server, nullptr);
    H2TestClient client({.tls = tls});
    ASSERT_TRUE(client.Connect(server->port()));
    const int32_t id = client.Submit("GET", "/slow");  // answered 300 ms later
    ASSERT_TRUE(client.RunUntil([] { return true; }));
    ASSERT_TRUE(Eventually([&] { return server->InFlight() == 1; })) << "tls " << tls;
    server->Stop();
    ASSERT_TRUE(client.WaitFor(id)) << "tls " << tls;
    EXPECT_EQ(client.response(id).status, 200);
    EXPECT_EQ(client.response(id).body, "GET /slow\n");
    EXPECT_EQ(client.response(id).error_code, 0u);
    EXPECT_TRUE(client.goaway_received());
    EXPECT_EQ(client.goaway_error(), 0u);
    EXPECT_TRUE(client.WaitForClose()) << "tls " << tls;
    // The last GOAWAY (after the notice) names the stream that was served.
    EXPECT_EQ(client.goaway_last_stream_id(), id);
    EXPECT_EQ(server->InFlight(), 0u);
  }
}

TEST_F(Http2Test, IdleConnectionGetsGoawayAndIsClosed) {
  ServerOptions options = DefaultOptions();
  options.idle_timeout = 200ms;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  ASSERT_TRUE(client.Roundtrip("GET", "/once"));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_TRUE(client.goaway_received());
  EXPECT_EQ(client.goaway_error(), 0u);
}

TEST_F(Http2Test, RequestNotCompleteWithinTheReadTimeoutIsReset) {
  ServerOptions options = DefaultOptions();
  options.read_timeout = 300ms;
  HttpServer* server = StartServer(options);
  ASSERT_NE(server, nullptr);
  H2TestClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  const int32_t id = client.Submit("POST", "/stalled", "part of it", {}, /*open_body=*/true);
  ASSERT_TRUE(client.WaitFor(id));
  EXPECT_EQ(client.response(id).error_code, static_cast<uint32_t>(NGHTTP2_CANCEL));
  auto response = client.Roundtrip("GET", "/after");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "GET /after\n");
}

TEST_F(Http2Test, MalformedFramesGetGoawayAndClose) {
  HttpServer* server = StartServer();
  ASSERT_NE(server, nullptr);
  // A SETTINGS frame whose length is not a multiple of 6: FRAME_SIZE_ERROR for the connection.
  std::string bad_settings = std::string(kPreface);
  bad_settings += std::string("\x00\x00\x05\x04\x00\x00\x00\x00\x00", 9) + "12345";
  // Not frames at all after the preface.
  std::string garbage = std::string(kPreface) + std::string(200, '\xff');
  for (const std::string& bytes : {bad_settings, garbage}) {
    TestClient raw;
    ASSERT_FALSE(raw.Connect(server->port()));
    ASSERT_FALSE(raw.WriteRaw(bytes));
    EXPECT_TRUE(raw.WaitForClose());
    // The server's SETTINGS (type 4) and a GOAWAY (type 7) came back before the close.
    const std::string wire = beast::buffers_to_string(raw.buffer().data());
    bool goaway = false;
    for (size_t at = 0; at + 9 <= wire.size();) {
      const size_t length = (static_cast<unsigned char>(wire[at]) << 16) |
                            (static_cast<unsigned char>(wire[at + 1]) << 8) |
                            static_cast<unsigned char>(wire[at + 2]);
      if (wire[at + 3] == 7) goaway = true;
      at += 9 + length;
    }
    EXPECT_TRUE(goaway);
  }
  ExpectServing(server->port());
}

}  // namespace
}  // namespace sluice::net::testing
