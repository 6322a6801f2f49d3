#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice {

// Small files the broker writes once and must never find half-written or too widely readable:
// the iterator secret, the admin token, the TLS key and certificate.

enum class IfPresent {
  kReplace,  // the new contents replace a file already at `path`
  kFail,     // a file already at `path` (another process was quicker) is an error
};

// Writes `contents` to `path` so that no reader, and no crash, ever leaves a partial file under
// that name: a temporary file in the same directory, created with `mode` from the start (a
// secret is never readable by others, not even for a moment), written, fsynced, then renamed
// (or, with IfPresent::kFail, hard-linked) to `path`, and the directory fsynced so the new name
// survives a power cut. The parent directory must exist.
Status WriteFileDurably(const std::filesystem::path& path, std::string_view contents, mode_t mode,
                        IfPresent if_present);

// The whole file, or nullopt when nothing exists at `path`. A file that exists but cannot be
// read is an error, never nullopt, so that a secret is never silently replaced by a new one.
Result<std::optional<std::string>> ReadFileIfExists(const std::filesystem::path& path);

// Creates `dir` with mode 0700 (its missing parents with the default mode) unless it exists.
Status CreatePrivateDirectory(const std::filesystem::path& dir);

}  // namespace sluice
