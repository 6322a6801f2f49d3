#include "sluice/common/log.h"

#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace sluice {
namespace {

// Guards the creation of loggers and the level applied to new ones.
std::mutex logger_registry_mutex;
spdlog::level::level_enum current_level = spdlog::level::info;

}  // namespace

std::shared_ptr<spdlog::logger> Logger(std::string_view layer) {
  std::lock_guard lock(logger_registry_mutex);
  std::string name(layer);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_level(current_level);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  return logger;
}

bool SetLogLevel(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") return false;
  std::lock_guard lock(logger_registry_mutex);
  current_level = parsed;
  spdlog::set_level(parsed);
  return true;
}

}  // namespace sluice
