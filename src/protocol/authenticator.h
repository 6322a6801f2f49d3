#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "protocol/credentials.h"
#include "protocol/credentials_file.h"
#include "protocol/sigv4.h"
#include "sluice/common/status.h"
#include "sluice/net/http_server.h"

namespace sluice::protocol {

// Who a verified request acts as.
struct Principal {
  std::string access_key_id;
  std::string account_id;
  std::string region;
};

// Verifies AWS Signature Version 4 the way AWS does, for header-signed and presigned (query
// string) requests: the credential scope (service kinesis, terminator aws4_request, the date of
// X-Amz-Date), the clock skew window of 15 minutes (and X-Amz-Expires of a presigned request),
// the access key and its session token, the payload hash, and the signature itself, compared in
// constant time. Each failure carries AWS's exception and text; the canonical request and string
// to sign of a wrong signature go to the debug log only.
//
// Thread-safe: called from any connection's strand. The signing keys it derives are cached per
// (access key, date, region) under a mutex held only for the lookup.
class Authenticator {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  static constexpr std::string_view kService = "kinesis";

  explicit Authenticator(
      CredentialStore credentials, Clock clock = [] { return std::chrono::system_clock::now(); });

  Result<Principal> Authenticate(const net::HttpRequest& request) const;

  // Signing keys derived so far and still cached (for tests of the cache).
  size_t CachedSigningKeys() const;

 private:
  Result<sigv4::Digest> SigningKeyFor(const SigningCredential& credential, std::string_view date,
                                      const std::string& region) const;

  CredentialStore credentials_;
  Clock clock_;
  mutable std::mutex signing_keys_mutex_;  // guards signing_keys_
  mutable std::unordered_map<std::string, sigv4::Digest> signing_keys_;
};

}  // namespace sluice::protocol
