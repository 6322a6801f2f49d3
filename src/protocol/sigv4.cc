#include "protocol/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "sluice/protocol/query_string.h"

namespace sluice::protocol::sigv4 {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Leading and trailing spaces and tabs dropped, inner runs of them one space.
void AppendTrimmedValue(std::string_view value, std::string& out) {
  bool pending_space = false;
  bool started = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = started;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    started = true;
    out.push_back(c);
  }
}

}  // namespace

Result<Digest> Sha256(std::string_view data) {
  Digest digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    return Status(ErrorCode::kInternal, "SHA-256 failed in OpenSSL");
  }
  return digest;
}

Result<Digest> HmacSha256(std::string_view key, std::string_view data) {
  Digest digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(),
           &length) == nullptr ||
      length != digest.size()) {
    return Status(ErrorCode::kInternal, "HMAC-SHA-256 failed in OpenSSL");
  }
  return digest;
}

std::string Hex(const Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char byte : digest) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0xf]);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(start, slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = slash + 1;
  }
  std::string normalized;
  for (std::string_view segment : segments) {
    normalized.push_back('/');
    normalized.append(segment);
  }
  bool trailing_slash = !path.empty() && path.back() == '/';
  if (normalized.empty() || trailing_slash) normalized.push_back('/');
  return UriEncode(normalized, /*keep_slash=*/true);
}

std::string CanonicalQueryString(std::string_view query, std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string name = PercentDecode(pair.substr(0, eq));
      std::string value =
          eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
      if (skip.empty() || name != skip) {
        pairs.emplace_back(UriEncode(name, false), UriEncode(value, false));
      }
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

std::string CanonicalHeaders(const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view signed_headers, std::string* missing) {
  std::string out;
  while (!signed_headers.empty()) {
    size_t semicolon = signed_headers.find(';');
    std::string_view name = signed_headers.substr(0, semicolon);
    out.append(name).push_back(':');
    bool found = false;
    for (const auto& [header, value] : headers) {
      if (header != name) continue;
      if (found) out.push_back(',');
      found = true;
      AppendTrimmedValue(value, out);
    }
    out.push_back('\n');
    if (!found && missing != nullptr && missing->empty()) *missing = std::string(name);
    if (semicolon == std::string_view::npos) break;
    signed_headers.remove_prefix(semicolon + 1);
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() +
              canonical_headers.size() + signed_headers.size() + payload_hash.size() + 8);
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(canonical_query).push_back('\n');
  out.append(canonical_headers).push_back('\n');
  out.append(signed_headers).push_back('\n');
  out.append(payload_hash);
  return out;
}

Result<std::string> StringToSign(std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request) {
  auto hash = Sha256(canonical_request);
  if (!hash.ok()) return hash.status();
  std::string out(kAlgorithm);
  out.append("\n").append(amz_date).append("\n").append(scope).append("\n").append(Hex(*hash));
  return out;
}

Result<Digest> SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service) {
  std::string first = "AWS4";
  first.append(secret);
  auto key = HmacSha256(first, date);
  for (std::string_view part : {region, service, kTerminator}) {
    if (!key.ok()) return key;
    const Digest previous = *key;
    key = HmacSha256(
        std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size()), part);
  }
  return key;
}

Result<std::string> Signature(const Digest& signing_key, std::string_view string_to_sign) {
  auto mac = HmacSha256(
      std::string_view(reinterpret_cast<const char*>(signing_key.data()), signing_key.size()),
      string_to_sign);
  if (!mac.ok()) return mac.status();
  return Hex(*mac);
}

}  // namespace sluice::protocol::sigv4
