#pragma once

#include <map>
#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::protocol {

// One access key the server accepts under --auth sigv4, and the account it acts in.
struct SigningCredential {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;     // 12 digits
  std::string session_token;  // empty: requests must not carry one
};

// The access keys of --credentials-file, by access key id. Immutable once loaded.
class CredentialStore {
 public:
  CredentialStore() = default;
  explicit CredentialStore(std::map<std::string, SigningCredential, std::less<>> by_key)
      : by_key_(std::move(by_key)) {}

  // nullptr when the key is unknown.
  const SigningCredential* Find(std::string_view access_key_id) const {
    auto it = by_key_.find(access_key_id);
    return it == by_key_.end() ? nullptr : &it->second;
  }
  size_t size() const { return by_key_.size(); }

 private:
  std::map<std::string, SigningCredential, std::less<>> by_key_;
};

// Parses a JSON list of {"access_key_id", "secret_access_key", "account_id", "session_token"
// (optional)}. kInvalidArgument, naming `source` and the entry, for anything else: not a list,
// an unknown or missing member, an empty key or secret, an account that is not 12 digits, a
// repeated access key id, or no entry at all.
Result<CredentialStore> ParseCredentials(std::string_view json, const std::string& source);

// Reads and parses the file at `path` (kInvalidArgument when it cannot be read).
Result<CredentialStore> LoadCredentialsFile(const std::string& path);

}  // namespace sluice::protocol
