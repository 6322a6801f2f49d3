#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

namespace sluice {

// One spdlog logger per layer ("net", "protocol", "api", "broker", "replication", "storage",
// "app"), created on first use and shared. Thread-safe.
std::shared_ptr<spdlog::logger> Logger(std::string_view layer);

// Sets the level of every layer's logger: trace, debug, info, warn, error, critical, off.
// Returns false for an unknown level name.
bool SetLogLevel(std::string_view level);

}  // namespace sluice
