#include "sluice/net/http_server.h"

#include <string_view>

// HttpRequest's lookups, apart from the server so that code which only reads requests (the
// HTTP/2 codec, the fuzz targets) links without the listener and TLS.
namespace sluice::net {

std::string_view HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

bool HttpRequest::HasHeader(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return true;
  }
  return false;
}

}  // namespace sluice::net
