#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/status.h"

// The pieces of AWS Signature Version 4 as pure functions: the canonical request, the string to
// sign, the signing key and the signature, plus the hashing they need (OpenSSL). The verifier
// (authenticator.h) puts them together; the unit tests hold them to AWS's published test suite.
namespace sluice::protocol::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

using Digest = std::array<unsigned char, 32>;

// SHA-256 and HMAC-SHA-256. Every OpenSSL call is checked: a failure is kInternal.
Result<Digest> Sha256(std::string_view data);
Result<Digest> HmacSha256(std::string_view key, std::string_view data);
std::string Hex(const Digest& digest);  // lower-case
// Whether a and b are equal, in time that depends on their lengths only.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// RFC 3986 encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~) stay, every
// other byte becomes %XX in upper-case hex; '/' stays too when keep_slash.
std::string UriEncode(std::string_view text, bool keep_slash);

// The canonical URI of a request path as sent (still percent-encoded): dot segments and empty
// segments removed (a trailing '/' kept), then encoded once more, as AWS does for every service
// but S3. "" and "/" are "/".
std::string CanonicalUri(std::string_view path);

// The canonical query string of the query as sent ("a=1&b=x%20y"): each name and value decoded,
// encoded with UriEncode, sorted by name then value, joined with '&'. `skip` names a parameter
// left out (X-Amz-Signature of a presigned request); empty skips nothing.
std::string CanonicalQueryString(std::string_view query, std::string_view skip);

// The canonical headers block for the signed header names ("host;x-amz-date"), in that order:
// "name:value\n" per header, the values of a repeated header joined by ',', each value trimmed
// with inner runs of spaces collapsed to one. `missing` receives the first signed name the
// request does not carry (the block is then incomplete).
std::string CanonicalHeaders(const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view signed_headers, std::string* missing);

// The canonical request: method, URI, query, headers block, signed header names, payload hash,
// one per line.
std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash);

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of the canonical request>".
Result<std::string> StringToSign(std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
Result<Digest> SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service);

// Hex HMAC-SHA-256 of the string to sign under the signing key.
Result<std::string> Signature(const Digest& signing_key, std::string_view string_to_sign);

}  // namespace sluice::protocol::sigv4
