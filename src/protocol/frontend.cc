#include "sluice/protocol/frontend.h"

#include <cctype>
#include <random>

#include "protocol/credentials.h"
#include "protocol/error_response.h"
#include "protocol/event_stream_response.h"
#include "protocol/wire_codec.h"
#include "sluice/api/model.h"
#include "sluice/common/log.h"
#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {
namespace {

constexpr std::string_view kTargetPrefix = "Kinesis_20131202.";

std::string NewRequestId() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t high = generator();
  uint64_t low = generator();
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return buffer;
}

std::string MediaType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
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
  const std::string request_id = NewRequestId();
  std::string content_type = MediaType(request.Header("content-type"));
  // The request's encoding decodes the body and encodes the reply; handlers never learn which.
  const WireCodec* codec = CodecFor(content_type);
  const WireCodec& reply_codec = codec != nullptr ? *codec : FallbackCodec();
  auto fail = [&](const Status& status) {
    net::SendResponse(*writer, ErrorResponse(status, reply_codec, request_id));
  };

  if (request.method != "POST") {
    return fail(Status(ErrorCode::kAccessDenied,
                       "Unable to determine service/operation name to be authorized"));
  }
  std::string_view target = request.Header("x-amz-target");
  std::string operation;
  if (target.substr(0, kTargetPrefix.size()) == kTargetPrefix) {
    operation = std::string(target.substr(kTargetPrefix.size()));
  }
  const bool known = !operation.empty() && api_.HasOperation(operation);
  if (codec == nullptr) {
    if (target.empty()) {
      return fail(Status(ErrorCode::kAccessDenied,
                         "Unable to determine service/operation name to be authorized"));
    }
    return fail(Status(ErrorCode::kUnknownOperation, ""));
  }
  if (!known) return fail(Status(ErrorCode::kUnknownOperation, ""));
  const api::ApiModel& model = api::ApiModel::Get();
  auto input = codec->DecodeRequest(model.Input(operation), request.body);
  if (!input.ok()) return fail(input.status());
  auto credentials = ReadCredentials(request);
  if (!credentials.ok()) return fail(credentials.status());

  api::RequestContext context;
  context.request_id = request_id;
  // A 12-digit access key id names the account (handy for multi-tenant tests); any other key
  // acts in the configured account.
  const std::string& key = credentials->access_key_id;
  bool numeric_key = key.size() == 12 &&
                     std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(c); });
  context.caller.account = numeric_key ? key : options_.account_id;
  context.caller.region =
      credentials->region.empty() ? options_.default_region : credentials->region;

  OperationCounters* counters = counters_.find(operation)->second.get();
  counters->requests.fetch_add(1, std::memory_order_relaxed);
  if (const api::Shape* events = model.EventStream(operation)) {
    auto sink = std::make_shared<EventStreamResponse>(
        std::move(writer), *codec, *events, request_id,
        [counters, request_id, operation](const Status& status) {
          counters->errors.fetch_add(1, std::memory_order_relaxed);
          if (ToWire(status.code()).http_status >= 500) {
            Logger("protocol")->warn("{} {} failed: {}", request_id, operation, status.message());
          }
        });
    return api_.Subscribe(context, operation, std::move(input).value(), std::move(sink));
  }
  api_.Invoke(
      context, operation, std::move(input).value(),
      [writer = std::move(writer), request_id, codec, output = model.Output(operation), operation,
       counters](Result<api::Value> result) {
        if (!result.ok()) {
          counters->errors.fetch_add(1, std::memory_order_relaxed);
          const Status& status = result.status();
          if (ToWire(status.code()).http_status >= 500) {
            Logger("protocol")->warn("{} {} failed: {}", request_id, operation, status.message());
          }
          net::SendResponse(*writer, ErrorResponse(status, *codec, request_id));
          return;
        }
        net::HttpResponse response;
        response.headers = {{"Content-Type", std::string(codec->content_type())},
                            {"x-amzn-RequestId", request_id}};
        response.body = codec->EncodeResponse(output, std::move(result).value());
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
  }
  return ErrorResponse(status, FallbackCodec(), NewRequestId());
}

}  // namespace sluice::protocol
