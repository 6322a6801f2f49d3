#include "protocol/credentials.h"

#include <map>
#include <vector>

#include "sluice/protocol/query_string.h"

namespace sluice::protocol {
namespace {

constexpr size_t kMaxRegionBytes = 255;

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::vector<std::string> ScopeParts(const std::string& credential) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = credential.find('/', start);
    parts.push_back(credential.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

// "AKID/20231205/us-east-1/kinesis/aws4_request" -> access key and region, checked. A scope of
// fewer than three elements names no region (the default applies under --auth none; the
// Authenticator insists on five); one of more than five is refused, as a '/' in the region
// would make it.
Status ReadScope(Credentials& out) {
  std::vector<std::string> parts = ScopeParts(out.credential);
  if (parts.size() > 5) return CheckFiveElementScope(out.credential);
  out.access_key_id = parts[0];
  if (parts.size() < 3) return Status::Ok();
  if (!IsValidRegionName(parts[2])) {
    return Status(ErrorCode::kInvalidSignature,
                  IsPrintableAscii(parts[2]) && parts[2].size() <= 64
                      ? "Credential should be scoped to a valid region, not '" + parts[2] + "'. "
                      : std::string("Credential should be scoped to a valid region. "));
  }
  out.region = parts[2];
  return Status::Ok();
}

Result<Credentials> FromHeader(const net::HttpRequest& request, const std::string& authorization) {
  // "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
  Credentials out;
  std::map<std::string, std::string> parts;
  size_t space = authorization.find(' ');
  out.algorithm = authorization.substr(0, space);
  std::string rest = space == std::string::npos ? "" : authorization.substr(space + 1);
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = rest.find_first_of(", ", start);
    std::string item = rest.substr(start, end - start);
    size_t eq = item.find('=');
    if (eq != std::string::npos) parts[item.substr(0, eq)] = item.substr(eq + 1);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::string problems;
  for (const char* name : {"Credential", "Signature", "SignedHeaders"}) {
    if (parts[name].empty()) {
      problems += "Authorization header requires '" + std::string(name) + "' parameter. ";
    }
  }
  if (!request.HasHeader("x-amz-date") && !request.HasHeader("date")) {
    problems +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!problems.empty()) {
    return Status(ErrorCode::kIncompleteSignature, problems + "Authorization=" + authorization);
  }
  out.credential = parts["Credential"];
  out.signed_headers = parts["SignedHeaders"];
  out.signature = parts["Signature"];
  out.date_is_http = !request.HasHeader("x-amz-date");
  out.date = std::string(request.Header(out.date_is_http ? "date" : "x-amz-date"));
  out.security_token = std::string(request.Header("x-amz-security-token"));
  SLUICE_RETURN_IF_ERROR(ReadScope(out));
  return out;
}

Result<Credentials> FromQuery(std::map<std::string, std::string>& query) {
  std::string problems;
  for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                           "X-Amz-SignedHeaders", "X-Amz-Date"}) {
    if (query[name].empty()) {
      problems += "AWS query-string parameters must include '" + std::string(name) + "'. ";
    }
  }
  if (!problems.empty()) {
    return Status(ErrorCode::kIncompleteSignature,
                  problems + "Re-examine the query-string parameters.");
  }
  Credentials out;
  out.presigned = true;
  out.algorithm = query["X-Amz-Algorithm"];
  out.credential = query["X-Amz-Credential"];
  out.signed_headers = query["X-Amz-SignedHeaders"];
  out.signature = query["X-Amz-Signature"];
  out.date = query["X-Amz-Date"];
  if (auto it = query.find("X-Amz-Expires"); it != query.end()) out.expires = it->second;
  if (auto it = query.find("X-Amz-Security-Token"); it != query.end()) {
    out.security_token = it->second;
  }
  SLUICE_RETURN_IF_ERROR(ReadScope(out));
  return out;
}

}  // namespace

Status CheckFiveElementScope(const std::string& credential) {
  if (ScopeParts(credential).size() == 5) return Status::Ok();
  // AWS's text; a scope with bytes that are not printable is not echoed.
  return Status(ErrorCode::kIncompleteSignature,
                "Credential must have exactly 5 slash-delimited elements, e.g. "
                "keyid/date/region/service/term, got '" +
                    (IsPrintableAscii(credential) ? credential : std::string("...")) + "'");
}

bool IsValidRegionName(std::string_view region) {
  if (region.empty() || region.size() > kMaxRegionBytes) return false;
  for (char c : region) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<Credentials> ReadCredentials(const net::HttpRequest& request) {
  std::string authorization(request.Header("authorization"));
  auto query = QueryParameters(request.target);
  bool presigned = query.count("X-Amz-Algorithm") > 0;
  if (!authorization.empty() && presigned) {
    return Status(ErrorCode::kInvalidSignature,
                  "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as "
                  "HTTP header.");
  }
  if (authorization.empty() && !presigned) {
    return Status(ErrorCode::kMissingAuthenticationToken, "Missing Authentication Token");
  }
  if (!authorization.empty()) return FromHeader(request, authorization);
  return FromQuery(query);
}

}  // namespace sluice::protocol
