// What a plain connection's first bytes go through: the protocol detector's match against the
// HTTP/2 client preface, then (when it is not HTTP/2) the HTTP/1.1 request parser with the
// server's limits and the conversion to the HttpRequest the handler sees, one request after
// another as a pipelining client sends them (net/protocol_detector.cc, net/http1_session.cc).
//
// Invariants beyond "no crash":
// - the preface match says kComplete exactly when the bytes start with the preface, kPartial
//   exactly when they are a proper prefix of it;
// - a parsed request's body is no longer than the bytes it was parsed from, nor than the body
//   limit; its header names are lower case; its version is 10 or 11;
// - a read that fails is classified as a rejection (400, 413, 431) or, when the bytes simply
//   ran out, as a disconnection: never as a timeout;
// - a response head for the request serializes as an HTTP/1.x status line.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "fuzz_support.h"
#include "net/http1_wire.h"
#include "net/http2_wire.h"

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using sluice::fuzz::Require;
using namespace sluice::net;

// Small limits, so that inputs of a few kilobytes reach both.
ServerOptions Limits() {
  ServerOptions options;
  options.max_body_bytes = 1024;
  options.max_header_bytes = 512;
  return options;
}

void CheckPrefaceMatch(std::string_view bytes) {
  const PrefaceMatch match = MatchHttp2Preface(bytes);
  const bool starts_with = bytes.substr(0, kHttp2ClientPreface.size()) == kHttp2ClientPreface;
  const bool proper_prefix = bytes.size() < kHttp2ClientPreface.size() &&
                             kHttp2ClientPreface.substr(0, bytes.size()) == bytes;
  Require((match == PrefaceMatch::kComplete) == starts_with, "preface match: kComplete is wrong");
  Require((match == PrefaceMatch::kPartial) == proper_prefix, "preface match: kPartial is wrong");
}

void CheckRequest(const HttpRequest& request, size_t consumed, bool is_head) {
  Require(request.body.size() <= consumed, "a body longer than the bytes it came from");
  Require(request.body.size() <= Limits().max_body_bytes, "a body over the body limit");
  Require(request.http_version == 10 || request.http_version == 11, "an HTTP/1 version not 10/11");
  Require(!request.method.empty(), "a request without a method");
  for (const auto& [name, value] : request.headers) {
    for (char c : name) Require(!(c >= 'A' && c <= 'Z'), "a header name not lower-cased");
  }
  ResponseHead head = MakeResponseHead(200, {}, request.body.size(), request.http_version, is_head);
  const std::string wire = SerializeHead(head.header);
  Require(wire.rfind("HTTP/1.", 0) == 0, "a response head without a status line");
}

// Parses one request from the front of `rest` the way the session's reads do, consuming what the
// parser used. False when the connection would end here.
bool ParseOne(std::string_view& rest) {
  RequestParser parser;
  ApplyLimits(parser, Limits());
  beast::error_code ec;
  size_t consumed = 0;
  while (!parser.is_done()) {
    size_t used = 0;
    if (!rest.empty()) {
      used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      consumed += used;
      if (ec == http::error::need_more && used > 0) {
        ec = {};
        continue;
      }
      if (ec && ec != http::error::need_more) break;
    }
    if (used == 0) {
      // The parser needs bytes there are not: the peer closed here.
      if (parser.got_some()) {
        parser.put_eof(ec);
      } else {
        ec = http::error::end_of_stream;
      }
      break;
    }
  }
  if (ec) {
    const ReadFailure failure = ClassifyReadError(ec);
    Require(failure != ReadFailure::kTimeout, "a parse error classified as a timeout");
    if (failure != ReadFailure::kDisconnected) {
      const RejectReason reason =
          failure == ReadFailure::kBodyTooLarge     ? RejectReason::kBodyTooLarge
          : failure == ReadFailure::kHeaderTooLarge ? RejectReason::kHeaderTooLarge
                                                    : RejectReason::kMalformed;
      const int status = DefaultRejection(reason).status;
      Require(status == 400 || status == 413 || status == 431, "a rejection that is not 4xx");
    }
    return false;
  }
  const bool is_head = parser.get().method() == http::verb::head;
  const bool keep_alive = parser.get().keep_alive();
  CheckRequest(ToHttpRequest(parser.release()), consumed, is_head);
  return keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = sluice::fuzz::AsText(data, size);
  CheckPrefaceMatch(bytes);
  if (MatchHttp2Preface(bytes) != PrefaceMatch::kMismatch) return 0;
  // Pipelined requests, as long as the connection stays open and bytes remain.
  while (!bytes.empty() && ParseOne(bytes)) {
  }
  return 0;
}
