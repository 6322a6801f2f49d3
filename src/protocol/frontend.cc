#include "sluice/protocol/frontend.h"

#include <cctype>

#include "protocol/authenticator.h"
#include "protocol/credentials.h"
#include "protocol/envelope.h"
#include "protocol/error_response.h"
#include "protocol/event_stream_response.h"
#include "protocol/wire_codec.h"
#include "sluice/api/model.h"
#include "sluice/common/log.h"
#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {
namespace {

constexpr std::string_view kTargetPrefix = "Kinesis_20131202.";

std::string MediaType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

const Status kNotAuthorizable(ErrorCode::kAccessDenied,
                              "Unable to determine service/operation name to be authorized");

// A request that is not a POST: AWS answers in XML, asking for credentials first.
net::HttpResponse NotPostResponse(const net::HttpRequest& request, const Envelope& envelope) {
  auto credentials = ReadCredentials(request);
  bool unsigned_request =
      !credentials.ok() && credentials.status().code() == ErrorCode::kMissingAuthenticationToken;
  return XmlErrorResponse(unsigned_request ? credentials.status() : kNotAuthorizable, envelope);
}

// A POST in no encoding Sluice speaks (no Content-Type, or one it does not know), answered as
// AWS does: an empty body in the service's default encoding, CBOR (SerializationException for a
// known operation, else UnknownOperationException); a body with no Content-Type, or with no
// operation to name, the XML AccessDenied; otherwise UnknownOperationException in CBOR.
net::HttpResponse UnknownEncodingResponse(const net::HttpRequest& request, bool known_operation,
                                          bool names_an_operation, const Envelope& envelope) {
  const WireCodec& cbor = *CodecFor("application/x-amz-cbor-1.1");
  if (request.body.empty()) {
    return ErrorResponse(
        Status(known_operation ? ErrorCode::kSerialization : ErrorCode::kUnknownOperation, ""),
        cbor, envelope);
  }
  if (!request.HasHeader("content-type") || !names_an_operation) {
    return XmlErrorResponse(kNotAuthorizable, envelope);
  }
  return ErrorResponse(Status(ErrorCode::kUnknownOperation, ""), cbor, envelope);
}

}  // namespace

Frontend::Frontend(const api::Api& api, FrontendOptions options)
    : api_(api), options_(std::move(options)) {
  for (const auto& operation : api_.Operations()) {
    counters_[operation] = std::make_unique<OperationCounters>();
  }
}

std::vector<OperationCount> Frontend::OperationCounts() const {
  std::vector<OperationCount> counts;
  counts.reserve(counters_.size());
  for (const auto& [operation, counters] : counters_) {
    counts.push_back(OperationCount{.operation = operation,
                                    .requests = counters->requests.load(std::memory_order_relaxed),
                                    .errors = counters->errors.load(std::memory_order_relaxed)});
  }
  return counts;
}

void Frontend::Handle(net::HttpRequest request, std::shared_ptr<net::ResponseWriter> writer) const {
  if (auto preflight = PreflightResponse(request)) {
    return net::SendResponse(*writer, std::move(*preflight));
  }
  const Envelope envelope(request);
  if (request.method != "POST")
    return net::SendResponse(*writer, NotPostResponse(request, envelope));

  std::string_view target = request.Header("x-amz-target");
  std::string operation;
  if (target.substr(0, kTargetPrefix.size()) == kTargetPrefix) {
    operation = std::string(target.substr(kTargetPrefix.size()));
  }
  const bool known = !operation.empty() && api_.HasOperation(operation);
  // The request's encoding decodes the body and encodes the reply; handlers never learn which.
  const WireCodec* codec = CodecFor(MediaType(request.Header("content-type")));
  if (codec == nullptr) {
    bool names_an_operation = target.find('.') != std::string_view::npos;
    return net::SendResponse(*writer,
                             UnknownEncodingResponse(request, known, names_an_operation, envelope));
  }
  auto fail = [&](const Status& status) {
    net::SendResponse(*writer, ErrorResponse(status, *codec, envelope));
  };
  if (!known) return fail(Status(ErrorCode::kUnknownOperation, ""));
  api::RequestContext context;
  context.request_id = envelope.request_id();
  // Under sigv4 nothing of the body is looked at before the signature holds.
  if (options_.authenticator != nullptr) {
    auto principal = options_.authenticator->Authenticate(request);
    if (!principal.ok()) return fail(principal.status());
    context.caller.account = principal->account_id;
    context.caller.region = principal->region;
  }
  const api::ApiModel& model = api::ApiModel::Get();
  auto input = codec->DecodeRequest(model.Input(operation), request.body);
  if (!input.ok()) return fail(input.status());
  if (options_.authenticator == nullptr) {
    auto credentials = ReadCredentials(request);
    if (!credentials.ok()) return fail(credentials.status());
    // A 12-digit access key id names the account (handy for multi-tenant tests); any other key
    // acts in the configured account.
    const std::string& key = credentials->access_key_id;
    bool numeric_key = key.size() == 12 &&
                       std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(c); });
    context.caller.account = numeric_key ? key : options_.account_id;
    context.caller.region =
        credentials->region.empty() ? options_.default_region : credentials->region;
  }

  OperationCounters* counters = counters_.find(operation)->second.get();
  counters->requests.fetch_add(1, std::memory_order_relaxed);
  if (const api::Shape* events = model.EventStream(operation)) {
    auto sink = std::make_shared<EventStreamResponse>(
        std::move(writer), *codec, *events, envelope,
        [counters, request_id = envelope.request_id(), operation](const Status& status) {
          counters->errors.fetch_add(1, std::memory_order_relaxed);
          if (ToWire(status.code()).http_status >= 500) {
            Logger("protocol")->warn("{} {} failed: {}", request_id, operation, status.message());
          }
        });
    return api_.Subscribe(context, operation, std::move(input).value(), std::move(sink));
  }
  api_.Invoke(context, operation, std::move(input).value(),
              [writer = std::move(writer), envelope, codec, output = model.Output(operation),
               operation, counters](Result<api::Value> result) {
                if (!result.ok()) {
                  counters->errors.fetch_add(1, std::memory_order_relaxed);
                  const Status& status = result.status();
                  if (ToWire(status.code()).http_status >= 500) {
                    Logger("protocol")
                        ->warn("{} {} failed: {}", envelope.request_id(), operation,
                               status.message());
                  }
                  net::SendResponse(*writer, ErrorResponse(status, *codec, envelope));
                  return;
                }
                net::HttpResponse response;
                response.headers = envelope.Headers(codec->content_type());
                response.body = output == nullptr
                                    ? codec->EncodeNoOutput()
                                    : codec->EncodeResponse(output, std::move(result).value());
                net::SendResponse(*writer, std::move(response));
              });
}

net::HttpResponse Frontend::Reject(net::RejectReason reason) const {
  Status status;
  switch (reason) {
    case net::RejectReason::kBodyTooLarge:
      status = Status(ErrorCode::kRequestTooLarge, "Request body exceeds the limit of " +
                                                       std::to_string(options_.max_body_bytes) +
                                                       " bytes.");
      break;
    case net::RejectReason::kHeaderTooLarge:
      status = Status(ErrorCode::kRequestTooLarge, "Request headers are too large.");
      break;
    case net::RejectReason::kMalformed:
      status = Status(ErrorCode::kSerialization, "Malformed HTTP request.");
      break;
    case net::RejectReason::kOverloaded: {
      // A 503 that every SDK retries with backoff; Retry-After says how soon is reasonable.
      net::HttpResponse response = ErrorResponse(
          Status(ErrorCode::kUnavailable,
                 "The server is at its limit of open connections or request bytes in flight. "
                 "Retry the request after a short wait."),
          FallbackCodec(), Envelope());
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
  }
  return ErrorResponse(status, FallbackCodec(), Envelope());
}

}  // namespace sluice::protocol
