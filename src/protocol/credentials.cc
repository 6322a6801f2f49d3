#include "protocol/credentials.h"

#include <vector>

#include "sluice/protocol/query_string.h"

namespace sluice::protocol {
namespace {

// "AKID/20231205/us-east-1/kinesis/aws4_request" -> access key and region.
Credentials FromScope(const std::string& credential) {
  Credentials out;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = credential.find('/', start);
    parts.push_back(credential.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  out.access_key_id = parts[0];
  if (parts.size() >= 3) out.region = parts[2];
  return out;
}

}  // namespace

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
  std::string problems;
  if (!authorization.empty()) {
    // "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
    std::map<std::string, std::string> parts;
    size_t space = authorization.find(' ');
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
    return FromScope(parts["Credential"]);
  }
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
  return FromScope(query["X-Amz-Credential"]);
}

}  // namespace sluice::protocol
