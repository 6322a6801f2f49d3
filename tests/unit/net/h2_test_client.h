#pragma once

// An HTTP/2 client for the net tests: nghttp2's client session over a Beast socket, h2c with
// prior knowledge or h2 over TLS (ALPN, no verification). Single-threaded: every call runs the
// client's own io_context until its condition holds or the timeout passes, so a broken server
// fails a test instead of hanging it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

struct nghttp2_session;

namespace sluice::net::testing {

// What the client saw of one stream.
struct H2Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int data_frames = 0;
  bool closed = false;
  uint32_t error_code = 0;  // RST_STREAM's code when the stream was reset, else 0

  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct H2ClientOptions {
  bool tls = false;
  // SETTINGS_INITIAL_WINDOW_SIZE the client offers for response bodies.
  uint32_t initial_window = 65535;
  // Writes the client preface in two pieces with a pause between (tests the detector).
  bool split_preface = false;
  std::chrono::milliseconds timeout{5000};
};

class H2TestClient {
 public:
  explicit H2TestClient(H2ClientOptions options = {});
  ~H2TestClient();
  H2TestClient(const H2TestClient&) = delete;
  H2TestClient& operator=(const H2TestClient&) = delete;

  // Connects, handshakes (TLS: offering only "h2"), and sends the preface and SETTINGS.
  bool Connect(uint16_t port);
  std::string AlpnSelected();

  // Queues a request; the body is sent as flow control allows. `open_body` leaves the request
  // unfinished (no END_STREAM) after the body, as a client that stalls would.
  int32_t Submit(std::string method, std::string path, std::string body = "",
                 std::vector<std::pair<std::string, std::string>> headers = {},
                 bool open_body = false);
  void Reset(int32_t stream_id, uint32_t error_code);

  // Exchanges frames until `done()` holds; false on timeout or when the connection ended first.
  bool RunUntil(const std::function<bool()>& done);
  bool WaitFor(int32_t stream_id) {
    return RunUntil([&] { return response(stream_id).closed; });
  }
  // Submits one request and waits for its response.
  std::optional<H2Response> Roundtrip(
      std::string method, std::string path, std::string body = "",
      std::vector<std::pair<std::string, std::string>> headers = {});
  // True when the server closes the connection within the timeout.
  bool WaitForClose();

  H2Response& response(int32_t stream_id) { return responses_[stream_id]; }
  bool goaway_received() const { return goaway_received_; }
  int32_t goaway_last_stream_id() const { return goaway_last_stream_id_; }
  uint32_t goaway_error() const { return goaway_error_; }
  bool connection_ended() const { return ended_; }
  // The server's SETTINGS value for `id`, once received.
  uint32_t RemoteSetting(int id) const;
  // The connection-level window the server has opened for our request bodies.
  int32_t RemoteWindow() const;

 private:
  struct Callbacks;
  struct Upload {
    std::string body;
    size_t offset = 0;
    bool open = false;
  };

  bool SendPending();
  bool ReadSome(std::chrono::steady_clock::time_point deadline);
  bool WriteAll(const std::string& bytes);

  H2ClientOptions options_;
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_context_{boost::asio::ssl::context::tls_client};
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, H2Response> responses_;
  std::map<int32_t, Upload> uploads_;
  bool goaway_received_ = false;
  int32_t goaway_last_stream_id_ = -1;
  uint32_t goaway_error_ = 0;
  bool ended_ = false;
  bool timed_out_ = false;
  bool preface_sent_ = false;
};

}  // namespace sluice::net::testing
