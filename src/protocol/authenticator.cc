#include "protocol/authenticator.h"

#include <ctime>
#include <vector>

#include "sluice/common/log.h"
#include "sluice/protocol/frontend.h"

namespace sluice::protocol {
namespace {

using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

constexpr seconds kAllowedSkew{15 * 60};          // AWS's window, both ways
constexpr int64_t kMaxPresignedExpires = 604800;  // seven days, as AWS
constexpr size_t kMaxCachedSigningKeys = 4096;
constexpr std::string_view kInvalidToken = "The security token included in the request is invalid.";
constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr std::string_view kStreamingPrefix = "STREAMING-";

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string Echo(std::string_view text) {
  return IsPrintableAscii(text) && text.size() <= 256 ? std::string(text) : std::string("...");
}

// "20231205T120000Z" (ISO 8601 basic, UTC) into a time; false when it is not one.
bool ParseIsoBasic(std::string_view text, TimePoint& out) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return false;
  auto number = [&](size_t at, size_t length, int& value) {
    value = 0;
    for (size_t i = at; i < at + length; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      value = value * 10 + (text[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!number(0, 4, year) || !number(4, 2, month) || !number(6, 2, day) || !number(9, 2, hour) ||
      !number(11, 2, minute) || !number(13, 2, second)) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return false;
  out = std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
        seconds{second};
  return true;
}

// "Tue, 05 Dec 2023 12:00:00 GMT" (RFC 1123, the Date header) into a time.
bool ParseHttpDate(const std::string& text, TimePoint& out) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return false;
  time_t t = timegm(&tm);
  if (t == -1) return false;
  out = std::chrono::system_clock::from_time_t(t);
  return true;
}

std::string FormatIsoBasic(TimePoint time) {
  time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  size_t length = std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(text, length);
}

// "15 min" or "90 sec", as AWS words the window.
std::string FormatWindow(seconds window) {
  int64_t count = window.count();
  return count % 60 == 0 ? std::to_string(count / 60) + " min" : std::to_string(count) + " sec";
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

bool IsHexSha256(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

// The request's time against the server's: expired or not yet current, in AWS's words.
Status CheckTime(const Credentials& credentials, const std::string& request_date, TimePoint when,
                 TimePoint now) {
  seconds earliest_window = kAllowedSkew;
  if (credentials.presigned && !credentials.expires.empty()) {
    int64_t expires = 0;
    bool digits = credentials.expires.size() <= 7;
    for (char c : credentials.expires) digits = digits && c >= '0' && c <= '9';
    if (digits) expires = std::stoll(credentials.expires);
    if (!digits || expires < 1 || expires > kMaxPresignedExpires) {
      return Status(ErrorCode::kIncompleteSignature,
                    "X-Amz-Expires must be a whole number of seconds from 1 to 604800, not '" +
                        Echo(credentials.expires) + "'.");
    }
    earliest_window = seconds{expires};
  }
  const std::string now_text = FormatIsoBasic(now);
  if (when < now - earliest_window) {
    return Status(ErrorCode::kInvalidSignature,
                  "Signature expired: " + request_date + " is now earlier than " +
                      FormatIsoBasic(now - earliest_window) + " (" + now_text + " - " +
                      FormatWindow(earliest_window) + ".)");
  }
  if (when > now + kAllowedSkew) {
    return Status(ErrorCode::kInvalidSignature,
                  "Signature not yet current: " + request_date + " is still later than " +
                      FormatIsoBasic(now + kAllowedSkew) + " (" + now_text + " + " +
                      FormatWindow(kAllowedSkew) + ".)");
  }
  return Status::Ok();
}

// Service, terminator and date of the scope; every problem, in AWS's words, in one message.
Status CheckScope(const std::vector<std::string_view>& scope, const std::string& request_date) {
  std::string problems;
  if (scope[3] != Authenticator::kService) {
    problems += "Credential should be scoped to correct service: '" +
                std::string(Authenticator::kService) + "'. ";
  }
  if (scope[4] != sigv4::kTerminator) {
    problems += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                Echo(scope[4]) + "'. ";
  }
  std::string_view day = std::string_view(request_date).substr(0, 8);
  if (scope[1] != day) {
    problems +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '" +
        Echo(scope[1]) + "' != '" + std::string(day) + "', from '" + request_date + "'.";
  }
  if (problems.empty()) return Status::Ok();
  if (problems.back() == ' ') problems.pop_back();
  return Status(ErrorCode::kInvalidSignature, problems);
}

// The payload hashes the canonical request may carry. A declared x-amz-content-sha256 is the
// one (checked against the body when it is a hash). Without one, the body's SHA-256; for a
// presigned request also UNSIGNED-PAYLOAD: the SDKs' presigners for Kinesis sign the body's hash
// (botocore, JS v3), S3-style presigners UNSIGNED-PAYLOAD, and either is accepted.
Result<std::vector<std::string>> PayloadHashes(const net::HttpRequest& request,
                                               const Credentials& credentials) {
  std::string_view declared = request.Header("x-amz-content-sha256");
  if (declared == sigv4::kUnsignedPayload) return std::vector<std::string>{std::string(declared)};
  if (declared.substr(0, kStreamingPrefix.size()) == kStreamingPrefix) {
    return Status(ErrorCode::kInvalidSignature,
                  "x-amz-content-sha256 " + Echo(declared) +
                      " is a chunked (streaming) signature, which Kinesis does not accept; sign "
                      "the whole body or send UNSIGNED-PAYLOAD.");
  }
  auto body_hash = sigv4::Sha256(request.body);
  if (!body_hash.ok()) return body_hash.status();
  std::string computed = sigv4::Hex(*body_hash);
  if (!request.HasHeader("x-amz-content-sha256")) {
    if (credentials.presigned) return std::vector<std::string>{computed, "UNSIGNED-PAYLOAD"};
    return std::vector<std::string>{computed};
  }
  if (!IsHexSha256(declared)) {
    return Status(ErrorCode::kInvalidSignature,
                  "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the body, "
                  "not '" +
                      Echo(declared) + "'.");
  }
  std::string lower(declared);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != computed) {
    return Status(ErrorCode::kInvalidSignature,
                  "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return std::vector<std::string>{std::string(declared)};
}

// Whether the client signed the `:authority` pseudo-header, as HTTP/2 clients (the JS SDK v3)
// may; the HTTP/2 layer hands it over as `host`, so it is put back under its own name.
bool SignsAuthorityOverHttp2(const net::HttpRequest& request, std::string_view signed_headers) {
  if (request.http_version != 20 || !request.HasHeader("host")) return false;
  for (std::string_view name : Split(signed_headers, ';')) {
    if (name == ":authority") return true;
  }
  return false;
}

}  // namespace

Authenticator::Authenticator(CredentialStore credentials, Clock clock)
    : credentials_(std::move(credentials)), clock_(std::move(clock)) {}

size_t Authenticator::CachedSigningKeys() const {
  std::lock_guard lock(signing_keys_mutex_);
  return signing_keys_.size();
}

Result<sigv4::Digest> Authenticator::SigningKeyFor(const SigningCredential& credential,
                                                   std::string_view date,
                                                   const std::string& region) const {
  std::string cache_key = credential.access_key_id;
  cache_key.append(1, '\0').append(date).append(1, '\0').append(region);
  {
    std::lock_guard lock(signing_keys_mutex_);
    if (auto it = signing_keys_.find(cache_key); it != signing_keys_.end()) return it->second;
  }
  auto key = sigv4::SigningKey(credential.secret_access_key, date, region, kService);
  if (!key.ok()) return key;
  std::lock_guard lock(signing_keys_mutex_);
  // Keys change daily; a full cache is mostly yesterday's, so starting over is cheap and bounds
  // what a caller cycling through regions can make us hold.
  if (signing_keys_.size() >= kMaxCachedSigningKeys) signing_keys_.clear();
  signing_keys_.emplace(std::move(cache_key), *key);
  return key;
}

Result<Principal> Authenticator::Authenticate(const net::HttpRequest& request) const {
  auto read = ReadCredentials(request);
  if (!read.ok()) return read.status();
  const Credentials& credentials = *read;

  if (credentials.algorithm != sigv4::kAlgorithm) {
    return Status(ErrorCode::kIncompleteSignature, "Unsupported AWS 'algorithm': '" +
                                                       Echo(credentials.algorithm) +
                                                       "'. Use 'AWS4-HMAC-SHA256'.");
  }
  TimePoint when;
  bool parsed = credentials.date_is_http ? ParseHttpDate(credentials.date, when)
                                         : ParseIsoBasic(credentials.date, when);
  if (!parsed) {
    return Status(ErrorCode::kIncompleteSignature,
                  "Date must be in ISO-8601 'basic format'. Got '" + Echo(credentials.date) +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  const std::string request_date = FormatIsoBasic(when);
  SLUICE_RETURN_IF_ERROR(CheckTime(credentials, request_date, when, clock_()));
  SLUICE_RETURN_IF_ERROR(CheckFiveElementScope(credentials.credential));
  const auto scope = Split(credentials.credential, '/');
  SLUICE_RETURN_IF_ERROR(CheckScope(scope, request_date));
  bool host_signed = false;
  for (std::string_view name : Split(credentials.signed_headers, ';')) {
    host_signed = host_signed || name == "host" || name == ":authority";
  }
  if (!host_signed) {
    return Status(ErrorCode::kIncompleteSignature,
                  "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  const SigningCredential* known = credentials_.Find(credentials.access_key_id);
  if (known == nullptr || credentials.security_token != known->session_token) {
    return Status(ErrorCode::kUnrecognizedClient, std::string(kInvalidToken));
  }

  auto payload_hashes = PayloadHashes(request, credentials);
  if (!payload_hashes.ok()) return payload_hashes.status();
  std::string_view target = request.target;
  size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  std::string missing_header;
  const std::string canonical_uri = sigv4::CanonicalUri(path);
  const std::string canonical_query =
      sigv4::CanonicalQueryString(query, credentials.presigned ? "X-Amz-Signature" : "");
  const auto* headers = &request.headers;
  std::vector<std::pair<std::string, std::string>> with_authority;  // only when needed
  if (SignsAuthorityOverHttp2(request, credentials.signed_headers)) {
    with_authority = request.headers;
    with_authority.emplace_back(":authority", std::string(request.Header("host")));
    headers = &with_authority;
  }
  const std::string canonical_headers =
      sigv4::CanonicalHeaders(*headers, credentials.signed_headers, &missing_header);
  const std::string_view scope_text =
      std::string_view(credentials.credential).substr(scope[0].size() + 1);
  auto signing_key = SigningKeyFor(*known, scope[1], credentials.region);
  if (!signing_key.ok()) return signing_key.status();
  std::string first_canonical_request;
  std::string first_string_to_sign;
  for (const std::string& payload_hash : *payload_hashes) {
    std::string canonical_request =
        sigv4::CanonicalRequest(request.method, canonical_uri, canonical_query, canonical_headers,
                                credentials.signed_headers, payload_hash);
    auto string_to_sign = sigv4::StringToSign(request_date, scope_text, canonical_request);
    if (!string_to_sign.ok()) return string_to_sign.status();
    auto expected = sigv4::Signature(*signing_key, *string_to_sign);
    if (!expected.ok()) return expected.status();
    if (sigv4::ConstantTimeEquals(*expected, credentials.signature)) {
      return Principal{known->access_key_id, known->account_id, credentials.region};
    }
    if (first_canonical_request.empty()) {
      first_canonical_request = std::move(canonical_request);
      first_string_to_sign = std::move(*string_to_sign);
    }
  }
  Logger("protocol")
      ->debug("signature mismatch for {}{}; canonical request:\n{}\nstring to sign:\n{}",
              credentials.access_key_id,
              missing_header.empty() ? "" : " (signed header " + missing_header + " absent)",
              first_canonical_request, first_string_to_sign);
  return Status(ErrorCode::kInvalidSignature, std::string(kSignatureMismatch));
}

Result<std::shared_ptr<const Authenticator>> LoadAuthenticator(
    const std::string& credentials_file) {
  auto store = LoadCredentialsFile(credentials_file);
  if (!store.ok()) return store.status();
  return std::shared_ptr<const Authenticator>(std::make_shared<Authenticator>(std::move(*store)));
}

}  // namespace sluice::protocol
