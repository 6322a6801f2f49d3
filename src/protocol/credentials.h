#pragma once

#include <string>

#include "sluice/common/status.h"
#include "sluice/net/http_server.h"

namespace sluice::protocol {

// What the request says about who signed it, read from the Authorization header or the
// presigned query parameters. Checked here for presence and shape only, with AWS's texts; the
// Authenticator (authenticator.h) verifies the signature when --auth sigv4 asks for it.
struct Credentials {
  std::string access_key_id;
  std::string region;          // from the credential scope: a valid region name, or "" for none
  std::string credential;      // "AKID/20231205/us-east-1/kinesis/aws4_request", as sent
  std::string algorithm;       // "AWS4-HMAC-SHA256" when well-formed
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;
  std::string date;            // X-Amz-Date (header or query), else the Date header
  bool date_is_http = false;   // `date` came from the Date header (RFC 1123 form)
  bool presigned = false;      // from the query string rather than the Authorization header
  std::string expires;         // X-Amz-Expires of a presigned request, as sent ("" if absent)
  std::string security_token;  // X-Amz-Security-Token (header or query), "" if absent
};

// MissingAuthenticationToken when there is neither an Authorization header nor presigned
// query parameters; IncompleteSignature when what is there lacks a part or the credential has
// more than five slash-separated elements; InvalidSignature when both forms are present or the
// region of the scope is no region name (empty, over 255 bytes, or characters other than
// letters, digits, '-', '_' and '.'), so it never reaches a key or an ARN.
Result<Credentials> ReadCredentials(const net::HttpRequest& request);

// IncompleteSignature, with AWS's text, unless `credential` has exactly five elements.
Status CheckFiveElementScope(const std::string& credential);

// Whether `region` may name a region: 1..255 bytes of letters, digits, '-', '_' and '.'.
bool IsValidRegionName(std::string_view region);

}  // namespace sluice::protocol
