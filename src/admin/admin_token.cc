#include "sluice/admin/admin_token.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include "sluice/common/durable_file.h"

namespace sluice::admin {
Result<std::string> LoadOrCreateAdminToken(const std::filesystem::path& path) {
  auto existing = ReadFileIfExists(path);
  if (!existing.ok()) return existing.status();
  if (*existing) {
    std::string token = (*existing)->substr(0, (*existing)->find('\n'));
    if (token.size() < 16) {
      return Status(ErrorCode::kInvalidArgument,
                    "admin token file " + path.string() + " holds fewer than 16 characters");
    }
    return token;
  }
  SLUICE_RETURN_IF_ERROR(CreatePrivateDirectory(path.parent_path()));
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    ERR_clear_error();
    return Status(ErrorCode::kInternal, "no randomness for the admin token");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char byte : random) {
    token.push_back(kHex[byte >> 4]);
    token.push_back(kHex[byte & 0xf]);
  }
  // IfPresent::kFail: two brokers starting on one data dir cannot both write a token.
  SLUICE_RETURN_IF_ERROR(WriteFileDurably(path, token + "\n", 0600, IfPresent::kFail));
  return token;
}

bool BearerMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (token.empty() || authorization.substr(0, kScheme.size()) != kScheme) return false;
  std::string_view given = authorization.substr(kScheme.size());
  // Every byte of the expected token is looked at whatever the guess; only the length leaks.
  unsigned char difference = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    difference |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  }
  return difference == 0;
}

}  // namespace sluice::admin
