// The server side of an HTTP/2 connection without I/O (net/http2_codec.h): the client's bytes
// after the connection preface go into Http2Codec::Receive in one piece, every request they
// complete is answered (an echo of its body; a target containing "abort" aborts instead), and
// the output is produced until nothing is left. Each input runs twice: on a connection within the
// server's cap, and on one over it (every request refused, GOAWAY). nghttp2 parses the frames; what
// is fuzzed is our side of it: header collection and limits, bodies, flow of responses, resets,
// rejections.
//
// Invariants beyond "no crash" (ASan also reports leaks of streams and writers):
// - a request's body is no longer than the input and than the body limit; its header names
//   are lower case; its version is 20; it has a method;
// - every write completion is reported exactly once.

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include "fuzz_support.h"
#include "net/http2_codec.h"
#include "net/http2_wire.h"

namespace {

using sluice::fuzz::Require;
using namespace sluice::net;

std::shared_ptr<ServerContext> MakeContext() {
  auto context = std::make_shared<ServerContext>();
  context->options.max_body_bytes = 1024;
  context->options.max_header_bytes = 512;
  context->options.max_concurrent_streams = 8;
  context->log =
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  return context;
}

void CheckRequest(const HttpRequest& request, size_t input_size, const ServerOptions& options) {
  Require(request.body.size() <= input_size, "a body longer than the input");
  Require(request.body.size() <= options.max_body_bytes, "a body over the body limit");
  Require(request.http_version == 20, "an HTTP/2 request whose version is not 20");
  Require(!request.method.empty(), "a request without a method");
  for (const auto& [name, value] : request.headers) {
    for (char c : name) Require(!(c >= 'A' && c <= 'Z'), "a header name not lower-cased");
  }
}

}  // namespace

namespace {

void RunConnection(const uint8_t* data, size_t size, bool over_capacity) {
  static const std::shared_ptr<ServerContext> context = MakeContext();
  size_t reported = 0;
  size_t expected = 0;
  {
    Http2Codec codec(*context, "fuzz", /*tls=*/false, over_capacity);
    Require(codec.Start().ok(), "the codec does not start");
    std::string input(kHttp2ClientPreface);
    input.append(sluice::fuzz::AsText(data, size));
    if (codec.Receive(reinterpret_cast<const uint8_t*>(input.data()), input.size())) {
      for (Http2Request& exchange : codec.TakeRequests()) {
        CheckRequest(exchange.request, size, context->options);
        if (exchange.request.target.find("abort") != std::string::npos) {
          codec.AbortResponse(exchange.stream_id, "fuzz");
          continue;
        }
        std::string body = exchange.request.body;
        codec.StartResponse(exchange.stream_id, 200, {{"content-type", "text/plain"}}, body.size());
        ++expected;
        codec.WriteResponse(exchange.stream_id, std::move(body), [&reported](bool) { ++reported; });
        codec.FinishResponse(exchange.stream_id);
      }
      std::string out;
      for (int round = 0; round < 64; ++round) {
        WrittenBatch batch;
        out.clear();
        const bool ok = codec.Produce(out, 64 * 1024, batch);
        batch.Report(ok);
        if (!ok || out.empty()) break;
      }
    }
    codec.Abandon();
  }
  Require(reported == expected, "a write completion lost or reported twice");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunConnection(data, size, /*over_capacity=*/false);
  RunConnection(data, size, /*over_capacity=*/true);
  return 0;
}
