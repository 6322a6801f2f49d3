#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sluice/api/api.h"
#include "sluice/net/http_server.h"

namespace sluice::protocol {

class Authenticator;  // verifies SigV4 signatures (src/protocol/authenticator.h)

// The verifier for --auth sigv4, with the access keys of `credentials_file` (a JSON list, see
// docs/configuration.md); kInvalidArgument saying what is wrong when the file will not do.
Result<std::shared_ptr<const Authenticator>> LoadAuthenticator(const std::string& credentials_file);

struct FrontendOptions {
  std::string account_id = "000000000000";
  std::string default_region = "us-east-1";  // when a request carries no credential scope
  size_t max_body_bytes = 16 << 20;          // for the text of the 413 answer
  // --auth sigv4: every API call's signature is verified and its access key picks the account.
  // Null (--auth none): signatures are read for shape and region only.
  std::shared_ptr<const Authenticator> authenticator;
};

// How many requests one operation has had, and how many of them failed.
struct OperationCount {
  std::string operation;
  uint64_t requests = 0;
  uint64_t errors = 0;
};

// Turns HTTP requests into Kinesis calls and their results into AWS-shaped responses:
// `POST /` with X-Amz-Target, AWS JSON 1.1 (and legacy `application/json`, whose errors come in
// AWS's old envelope) or CBOR 1.1 with each reply in the request's encoding, the presence and
// SigV4 credentials (verified under --auth sigv4, else checked for shape), and the envelope of
// every answer (`x-amzn-RequestId`, `x-amz-id-2`, CORS for requests with an Origin, preflights).
// What AWS answers in no encoding of the request is answered as AWS does: other methods and untyped
// bodies in XML, unknown encodings in CBOR, the service's default. It serves every request it is
// given as an API call; the app routes the operator paths (/health, /metrics, /_sluice/) elsewhere.
//
// Thread-safe; Handle runs on a connection's strand and may answer later from a storage thread.
class Frontend {
 public:
  Frontend(const api::Api& api, FrontendOptions options);

  void Handle(net::HttpRequest request, std::shared_ptr<net::ResponseWriter> writer) const;
  // The answer to a request the HTTP layer refused before framing it completely.
  net::HttpResponse Reject(net::RejectReason reason) const;
  // Every operation of the model with its counters, by operation name; counters are read
  // one by one, so a snapshot taken while requests run may be off by the ones in progress.
  std::vector<OperationCount> OperationCounts() const;

 private:
  struct OperationCounters {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> errors{0};
  };

  const api::Api& api_;
  FrontendOptions options_;
  // One entry per operation of the model, created in the constructor and never changed after,
  // so lookups need no lock.
  std::map<std::string, std::unique_ptr<OperationCounters>, std::less<>> counters_;
};

}  // namespace sluice::protocol
