#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include <boost/asio/ssl/context.hpp>

#include "sluice/common/status.h"

namespace sluice::net {

// The ALPN protocol ids the server offers, most preferred first: HTTP/2, then HTTP/1.1.
inline constexpr std::string_view kAlpnHttp2 = "h2";
inline constexpr std::string_view kAlpnHttp11 = "http/1.1";

// Builds the server's TLS context from a PEM certificate chain and private key: TLS 1.2 or
// newer, ALPN selecting one of the protocols above. Errors name the file that failed.
// Threads: any; the context it returns is shared read-only by all connections.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::filesystem::path& cert, const std::filesystem::path& key);

}  // namespace sluice::net
