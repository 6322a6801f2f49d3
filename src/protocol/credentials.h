#pragma once

#include <string>

#include "sluice/common/status.h"
#include "sluice/net/http_server.h"

namespace sluice::protocol {

// What the request says about who signed it. Signatures are not verified yet: presence and
// shape are checked, with AWS's texts, and the credential scope gives the region.
struct Credentials {
  std::string access_key_id;
  std::string region;  // empty when the scope did not name one
};

// MissingAuthenticationToken when there is neither an Authorization header nor presigned
// query parameters; IncompleteSignature when what is there lacks a part; InvalidSignature when
// both forms are present.
Result<Credentials> ReadCredentials(const net::HttpRequest& request);

}  // namespace sluice::protocol
