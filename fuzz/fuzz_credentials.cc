// What the front end reads about who signed a request (protocol/credentials.h, ReadCredentials),
// through its public header only: the Authorization header or the presigned query parameters.
// Inputs are a request target on the first line and "name: value" header lines after it.
//
// Invariant beyond "no crash": a request is either read or refused with an error AWS answers
// with a 4xx (MissingAuthenticationToken, IncompleteSignature, ...), never an internal error.

#include "fuzz_support.h"
#include "protocol/credentials.h"
#include "sluice/protocol/error_mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input = sluice::fuzz::AsText(data, size);
  sluice::net::HttpRequest request;
  request.method = "POST";
  size_t newline = input.find('\n');
  request.target = std::string(input.substr(0, newline));
  while (newline != std::string_view::npos) {
    input.remove_prefix(newline + 1);
    newline = input.find('\n');
    std::string_view line = input.substr(0, newline);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(std::move(name), std::string(value));
  }
  auto credentials = sluice::protocol::ReadCredentials(request);
  if (!credentials.ok()) {
    const int status = sluice::protocol::ToWire(credentials.status().code()).http_status;
    sluice::fuzz::Require(status >= 400 && status < 500,
                          "reading credentials failed with something other than a 4xx");
  }
  return 0;
}
