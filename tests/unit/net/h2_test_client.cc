#include "h2_test_client.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>

namespace sluice::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string H2Response::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

bool H2Response::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& field) { return field.first == name; });
}

struct H2TestClient::Callbacks {
  static H2TestClient& Of(void* user_data) { return *static_cast<H2TestClient*>(user_data); }

  static int Header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                    size_t name_size, const uint8_t* value, size_t value_size, uint8_t,
                    void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    H2Response& response = Of(user_data).responses_[frame->hd.stream_id];
    std::string key(reinterpret_cast<const char*>(name), name_size);
    std::string text(reinterpret_cast<const char*>(value), value_size);
    if (key == ":status") {
      response.status = std::stoi(text);
    } else {
      response.headers.emplace_back(std::move(key), std::move(text));
    }
    return 0;
  }

  static int DataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                       size_t size, void* user_data) {
    Of(user_data).responses_[stream_id].body.append(reinterpret_cast<const char*>(data), size);
    return 0;
  }

  static int FrameReceived(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    H2TestClient& client = Of(user_data);
    if (frame->hd.type == NGHTTP2_DATA) ++client.responses_[frame->hd.stream_id].data_frames;
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      client.goaway_received_ = true;
      client.goaway_last_stream_id_ = frame->goaway.last_stream_id;
      client.goaway_error_ = frame->goaway.error_code;
    }
    return 0;
  }

  static int StreamClosed(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                          void* user_data) {
    H2Response& response = Of(user_data).responses_[stream_id];
    response.closed = true;
    response.error_code = error_code;
    return 0;
  }

  static ssize_t ReadUpload(nghttp2_session*, int32_t stream_id, uint8_t* buffer, size_t length,
                            uint32_t* flags, nghttp2_data_source*, void* user_data) {
    Upload& upload = Of(user_data).uploads_[stream_id];
    const size_t take = std::min(length, upload.body.size() - upload.offset);
    std::memcpy(buffer, upload.body.data() + upload.offset, take);
    upload.offset += take;
    if (upload.offset == upload.body.size()) {
      if (!upload.open) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
      } else if (take == 0) {
        return NGHTTP2_ERR_DEFERRED;  // a stalled client: the rest never comes
      }
    }
    return static_cast<ssize_t>(take);
  }
};

H2TestClient::H2TestClient(H2ClientOptions options) : options_(options) {
  tls_context_.set_verify_mode(asio::ssl::verify_none);
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &Callbacks::Header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Callbacks::DataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Callbacks::FrameReceived);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Callbacks::StreamClosed);
  nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, options_.initial_window},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
}

H2TestClient::~H2TestClient() { nghttp2_session_del(session_); }

bool H2TestClient::Connect(uint16_t port) {
  beast::tcp_stream* tcp_stream = nullptr;
  if (options_.tls) {
    secure_.emplace(io_, tls_context_);
    tcp_stream = &beast::get_lowest_layer(*secure_);
  } else {
    plain_.emplace(io_);
    tcp_stream = &*plain_;
  }
  beast::error_code result;
  tcp_stream->expires_after(options_.timeout);
  tcp_stream->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                            [&](beast::error_code ec) { result = ec; });
  io_.restart();
  io_.run();
  if (result) return false;
  if (options_.tls) {
    SSL_set_tlsext_host_name(secure_->native_handle(), "localhost");
    static constexpr unsigned char kAlpn[] = {2, 'h', '2'};
    SSL_set_alpn_protos(secure_->native_handle(), kAlpn, sizeof(kAlpn));
    tcp_stream->expires_after(options_.timeout);
    secure_->async_handshake(asio::ssl::stream_base::client,
                             [&](beast::error_code ec) { result = ec; });
    io_.restart();
    io_.run();
    if (result) return false;
  }
  return SendPending();
}

std::string H2TestClient::AlpnSelected() {
  if (!secure_) return "";
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(secure_->native_handle(), &data, &length);
  return data == nullptr ? "" : std::string(reinterpret_cast<const char*>(data), length);
}

int32_t H2TestClient::Submit(std::string method, std::string path, std::string body,
                             std::vector<std::pair<std::string, std::string>> headers,
                             bool open_body) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {":method", std::move(method)},
      {":scheme", options_.tls ? "https" : "http"},
      {":authority", "localhost"},
      {":path", std::move(path)},
  };
  for (auto& field : headers) fields.push_back(std::move(field));
  std::vector<nghttp2_nv> nva;
  for (auto& [name, value] : fields) {
    nva.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(name.data()),
                             reinterpret_cast<uint8_t*>(value.data()), name.size(), value.size(),
                             NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  provider.read_callback = &Callbacks::ReadUpload;
  const bool has_body = !body.empty() || open_body;
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                            has_body ? &provider : nullptr, nullptr);
  if (id > 0) {
    uploads_[id] = Upload{std::move(body), 0, open_body};
    responses_[id];
  }
  return id;
}

void H2TestClient::Reset(int32_t stream_id, uint32_t error_code) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, error_code);
}

bool H2TestClient::WriteAll(const std::string& bytes) {
  beast::error_code result;
  auto done = [&](beast::error_code ec, std::size_t) { result = ec; };
  if (secure_) {
    beast::get_lowest_layer(*secure_).expires_after(options_.timeout);
    asio::async_write(*secure_, asio::buffer(bytes), done);
  } else {
    plain_->expires_after(options_.timeout);
    asio::async_write(*plain_, asio::buffer(bytes), done);
  }
  io_.restart();
  io_.run();
  if (result) ended_ = true;
  return !result;
}

bool H2TestClient::SendPending() {
  std::string out;
  for (;;) {
    const uint8_t* data = nullptr;
    const ssize_t size = nghttp2_session_mem_send(session_, &data);
    if (size < 0) return false;
    if (size == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  }
  if (out.empty()) return true;
  if (!preface_sent_ && options_.split_preface) {
    // Ten bytes ("PRI * HTTP"), a pause, then the rest: the server must wait for the whole.
    if (!WriteAll(out.substr(0, 10))) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    out.erase(0, 10);
  }
  preface_sent_ = true;
  return WriteAll(out);
}

bool H2TestClient::ReadSome(Clock::time_point deadline) {
  std::vector<uint8_t> buffer(64 * 1024);
  beast::error_code result;
  std::size_t bytes = 0;
  auto done = [&](beast::error_code ec, std::size_t n) {
    result = ec;
    bytes = n;
  };
  if (secure_) {
    beast::get_lowest_layer(*secure_).expires_at(deadline);
    secure_->async_read_some(asio::buffer(buffer), done);
  } else {
    plain_->expires_at(deadline);
    plain_->async_read_some(asio::buffer(buffer), done);
  }
  io_.restart();
  io_.run();
  if (result) {
    // Beast closes the socket on a timeout as well: either way the connection is over.
    ended_ = true;
    timed_out_ = result == beast::error::timeout;
    return false;
  }
  if (nghttp2_session_mem_recv(session_, buffer.data(), bytes) < 0) {
    ended_ = true;
    return false;
  }
  return true;
}

bool H2TestClient::RunUntil(const std::function<bool()>& done) {
  const Clock::time_point deadline = Clock::now() + options_.timeout;
  for (;;) {
    if (!ended_ && !SendPending()) return done();
    if (done()) return true;
    if (ended_ || !ReadSome(deadline)) return done();
  }
}

std::optional<H2Response> H2TestClient::Roundtrip(
    std::string method, std::string path, std::string body,
    std::vector<std::pair<std::string, std::string>> headers) {
  const int32_t id =
      Submit(std::move(method), std::move(path), std::move(body), std::move(headers));
  if (id <= 0 || !WaitFor(id)) return std::nullopt;
  return responses_[id];
}

bool H2TestClient::WaitForClose() {
  RunUntil([] { return false; });
  return ended_ && !timed_out_;
}

uint32_t H2TestClient::RemoteSetting(int id) const {
  return nghttp2_session_get_remote_settings(session_, static_cast<nghttp2_settings_id>(id));
}

int32_t H2TestClient::RemoteWindow() const {
  return nghttp2_session_get_remote_window_size(session_);
}

}  // namespace sluice::net::testing
