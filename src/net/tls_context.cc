#include "net/tls_context.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include <openssl/ssl.h>

namespace sluice::net {
namespace {

namespace ssl = boost::asio::ssl;

// Wire format of the ALPN list the server accepts (length-prefixed ids), in preference order.
constexpr unsigned char kServerAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// OpenSSL's ALPN callback: the first of our protocols (in our order) the client also offers.
// Without overlap the handshake goes on without ALPN (the client then speaks HTTP/1.1 or gives up).
int SelectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_len,
               const unsigned char* in, unsigned int in_len, void* /*arg*/) {
  unsigned char* selected = nullptr;
  unsigned char selected_len = 0;
  if (SSL_select_next_proto(&selected, &selected_len, kServerAlpn, sizeof(kServerAlpn), in,
                            in_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  *out_len = selected_len;
  return SSL_TLSEXT_ERR_OK;
}

// A readable file, or a Status that says which one is not and why.
Status CheckReadable(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(ErrorCode::kInternal, "cannot read TLS " + std::string(what) + " file " +
                                            path.string() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(const std::filesystem::path& cert,
                                                           const std::filesystem::path& key) {
  SLUICE_RETURN_IF_ERROR(CheckReadable(cert, "certificate"));
  SLUICE_RETURN_IF_ERROR(CheckReadable(key, "private key"));

  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::single_dh_use);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    return Status(ErrorCode::kInternal, "cannot require TLS 1.2 or later (OpenSSL refused)");
  }
  // Client-initiated renegotiation costs the server a handshake per request; nobody needs it.
  SSL_CTX_set_options(context->native_handle(), SSL_OP_NO_RENEGOTIATION);

  boost::system::error_code ec;
  context->use_certificate_chain_file(cert.string(), ec);
  if (ec) {
    return Status(ErrorCode::kInternal,
                  "cannot load TLS certificate file " + cert.string() + ": " + ec.message());
  }
  context->use_private_key_file(key.string(), ssl::context::pem, ec);
  if (ec) {
    return Status(ErrorCode::kInternal,
                  "cannot load TLS private key file " + key.string() + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return Status(ErrorCode::kInternal, "TLS private key file " + key.string() +
                                            " does not match certificate file " + cert.string());
  }
  SSL_CTX_set_alpn_select_cb(context->native_handle(), &SelectAlpn, nullptr);
  return context;
}

}  // namespace sluice::net
