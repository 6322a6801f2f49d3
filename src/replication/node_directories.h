#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/storage/storage_node.h"

namespace sluice::replication {

// Opens the storage node of each name in <data_dir>/<name>/, on the store's start.
//
// A directory RocksDB cannot open (corrupt files, permissions; not one locked by another
// process) is set aside, renamed to <name>.corrupt-<UTC time>, and an empty node opened in its
// place, to be rebuilt from the others like a wiped one. That needs enough others to open: a
// quorum, and enough that every write a quorum acknowledged is on one of them (nodes - quorum +
// 1). With fewer, nothing is renamed and the error says which nodes failed.
Result<std::vector<std::unique_ptr<storage::StorageNode>>> OpenNodeDirectories(
    const std::filesystem::path& data_dir, const std::vector<std::string>& names, int quorum);

}  // namespace sluice::replication
