#include "replication/node_directories.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <system_error>
#include <utility>

#include "sluice/common/log.h"

namespace sluice::replication {
namespace {

// 20261203T192800.123Z: sortable, and unique enough for directories set aside by one start.
std::string UtcStamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const size_t length = std::strftime(text, sizeof(text), "%Y%m%dT%H%M%S", &utc);
  char fraction[8];
  std::snprintf(fraction, sizeof(fraction), ".%03dZ", static_cast<int>(millis));
  return std::string(text, length) + fraction;
}

}  // namespace

Result<std::vector<std::unique_ptr<storage::StorageNode>>> OpenNodeDirectories(
    const std::filesystem::path& data_dir, const std::vector<std::string>& names, int quorum) {
  auto log = Logger("replication");
  std::vector<std::unique_ptr<storage::StorageNode>> nodes(names.size());
  std::vector<size_t> unopenable;
  std::string failures;
  for (size_t i = 0; i < names.size(); ++i) {
    auto opened = storage::OpenRocksNode(names[i], data_dir / names[i]);
    if (opened.ok()) {
      nodes[i] = std::move(opened).value();
      continue;
    }
    // Locked by another process, or not a RocksDB problem at all: never set that aside.
    if (opened.status().code() != ErrorCode::kInternal) return opened.status();
    unopenable.push_back(i);
    failures += (failures.empty() ? "" : ", ") + names[i];
  }
  if (unopenable.empty()) return nodes;

  const int count = static_cast<int>(names.size());
  const int needed = std::max(quorum, count - quorum + 1);
  const int opened = count - static_cast<int>(unopenable.size());
  if (opened < needed) {
    return Status(ErrorCode::kInternal,
                  "Cannot open the storage of " + failures + " in " + data_dir.string() + " (" +
                      std::to_string(opened) + " of " + std::to_string(count) + " nodes opened, " +
                      std::to_string(needed) +
                      " needed to rebuild the others without losing acknowledged writes); the "
                      "log has RocksDB's error. Nothing was changed on disk.");
  }
  const std::string stamp = UtcStamp();
  for (size_t i : unopenable) {
    const auto dir = data_dir / names[i];
    const auto aside = data_dir / (names[i] + ".corrupt-" + stamp);
    std::error_code ec;
    std::filesystem::rename(dir, aside, ec);
    if (ec) {
      return Status(ErrorCode::kInternal, "Cannot set aside the unopenable storage directory " +
                                              dir.string() + ": " + ec.message());
    }
    log->error(
        "node {}: its directory {} cannot be opened (RocksDB's error is logged above); set aside "
        "as {}, and the node is rebuilt from the others",
        names[i], dir.string(), aside.string());
    auto fresh = storage::OpenRocksNode(names[i], dir);
    if (!fresh.ok()) return fresh.status();
    nodes[i] = std::move(fresh).value();
  }
  return nodes;
}

}  // namespace sluice::replication
