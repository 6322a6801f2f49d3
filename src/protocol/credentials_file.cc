#include "protocol/credentials_file.h"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sluice::protocol {
namespace {

Status Invalid(const std::string& source, const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "credentials file " + source + ": " + what);
}

bool IsAccountId(const std::string& text) {
  if (text.size() != 12) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<CredentialStore> ParseCredentials(std::string_view json, const std::string& source) {
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid(source, "not valid JSON");
  if (!doc.is_array()) {
    return Invalid(source,
                   "must be a JSON list of {\"access_key_id\", \"secret_access_key\", "
                   "\"account_id\", \"session_token\" (optional)}");
  }
  if (doc.empty()) return Invalid(source, "lists no credentials");
  static const std::set<std::string> kMembers = {"access_key_id", "secret_access_key", "account_id",
                                                 "session_token"};
  std::map<std::string, SigningCredential, std::less<>> by_key;
  for (size_t i = 0; i < doc.size(); ++i) {
    const auto& entry = doc[i];
    const std::string where = "entry " + std::to_string(i);
    if (!entry.is_object()) return Invalid(source, where + " is not an object");
    for (const auto& [name, value] : entry.items()) {
      if (!kMembers.count(name)) return Invalid(source, where + " has unknown member " + name);
      if (!value.is_string()) return Invalid(source, where + ": " + name + " must be a string");
    }
    auto member = [&](const char* name) {
      auto it = entry.find(name);
      return it == entry.end() ? std::string() : it->get<std::string>();
    };
    SigningCredential credential{member("access_key_id"), member("secret_access_key"),
                                 member("account_id"), member("session_token")};
    if (credential.access_key_id.empty()) {
      return Invalid(source, where + " needs a non-empty access_key_id");
    }
    const std::string named = where + " (" + credential.access_key_id + ")";
    if (credential.secret_access_key.empty()) {
      return Invalid(source, named + " needs a non-empty secret_access_key");
    }
    if (!IsAccountId(credential.account_id)) {
      return Invalid(source, named + " needs an account_id of 12 digits");
    }
    if (entry.contains("session_token") && credential.session_token.empty()) {
      return Invalid(source, named + " has an empty session_token (leave it out instead)");
    }
    if (by_key.count(credential.access_key_id)) {
      return Invalid(source, named + " repeats an access_key_id");
    }
    by_key.emplace(credential.access_key_id, std::move(credential));
  }
  return CredentialStore(std::move(by_key));
}

Result<CredentialStore> LoadCredentialsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::kInvalidArgument, "cannot read credentials file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status(ErrorCode::kInvalidArgument, "cannot read credentials file " + path);
  return ParseCredentials(text.str(), path);
}

}  // namespace sluice::protocol
