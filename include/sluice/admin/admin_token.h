#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::admin {

// The bearer token the operator surface's mutating routes require, kept in `path`: read when the
// file exists, otherwise generated (32 random bytes as 64 hex digits) and written with mode 0600
// from the start, so no other user can read it even for a moment.
Result<std::string> LoadOrCreateAdminToken(const std::filesystem::path& path);

// Whether an `Authorization` header value is `Bearer <token>`, compared in constant time so the
// answer's timing says nothing about how much of a guess was right.
bool BearerMatches(std::string_view authorization, std::string_view token);

}  // namespace sluice::admin
