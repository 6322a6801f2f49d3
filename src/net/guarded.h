#pragma once

#include <exception>
#include <string_view>

#include <spdlog/logger.h>

namespace sluice::net {

// Runs `body` for a connection; an exception escaping it is logged and ends the connection
// (`close`) instead of escaping into Asio, where it would end the io thread. Both sessions run
// every handler and completion through this.
template <class Body, class Close>
void RunGuarded(spdlog::logger& log, std::string_view remote_address, Body&& body,
                Close&& close) noexcept {
  try {
    body();
  } catch (const std::exception& e) {
    log.error("connection {}: unexpected error, closing: {}", remote_address, e.what());
    close();
  } catch (...) {
    log.error("connection {}: unexpected error, closing", remote_address);
    close();
  }
}

}  // namespace sluice::net
