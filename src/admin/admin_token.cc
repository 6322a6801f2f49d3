#include "sluice/admin/admin_token.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <openssl/rand.h>

namespace sluice::admin {
namespace {

Status Problem(const std::string& what, const std::filesystem::path& path) {
  return Status(ErrorCode::kInternal, what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Result<std::string> LoadOrCreateAdminToken(const std::filesystem::path& path) {
  if (std::ifstream in(path); in) {
    std::string token;
    std::getline(in, token);
    if (token.size() < 16) {
      return Status(ErrorCode::kInvalidArgument,
                    "admin token file " + path.string() + " holds fewer than 16 characters");
    }
    return token;
  }
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return Status(ErrorCode::kInternal, "no randomness for the admin token");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char byte : random) {
    token.push_back(kHex[byte >> 4]);
    token.push_back(kHex[byte & 0xf]);
  }
  // O_EXCL: two brokers starting on one data dir cannot both write a token.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Problem("cannot create admin token file", path);
  std::string line = token + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  if (::close(fd) != 0 || !written) return Problem("cannot write admin token file", path);
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
