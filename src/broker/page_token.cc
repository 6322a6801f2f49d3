#include "broker/page_token.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "sluice/common/base64.h"

namespace sluice::broker::page_token {
namespace {

using Json = nlohmann::json;

std::string Seal(Json body, int64_t now_ms) {
  body["issued_ms"] = now_ms;
  return Base64Encode(body.dump());
}

// The token's JSON object, or nullopt for anything else.
std::optional<Json> Open(std::string_view token) {
  auto raw = Base64Decode(token);
  if (!raw) return std::nullopt;
  Json body = Json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

// Member `name` when it is an integer an int64 holds (a float, or an unsigned number past
// 2^63 - 1, is not one of ours).
std::optional<int64_t> Int64Member(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto value = it->get<uint64_t>();
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(value);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  return std::nullopt;
}

std::optional<std::string> StringMember(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// When the token was issued: OK, Expired, or Invalid (no such member, or issued further in the
// future than a token lives: not one of ours). The token's number is forged at will, so the age
// is computed with an overflow check.
Status CheckAge(const Json& body, int64_t now_ms, int64_t ttl_ms) {
  auto issued = Int64Member(body, "issued_ms");
  int64_t age = 0;
  if (!issued || __builtin_sub_overflow(now_ms, *issued, &age)) return Invalid();
  if (age < 0 && -age > ttl_ms) return Invalid();
  if (age > ttl_ms) return ExpiredError();
  return Status::Ok();
}

std::optional<ShardFilter> ReadFilter(const Json& filter) {
  if (!filter.is_object()) return std::nullopt;
  auto type = Int64Member(filter, "type");
  if (!type || *type < 0 || *type > static_cast<int64_t>(ShardFilterType::kFromTimestamp)) {
    return std::nullopt;
  }
  ShardFilter out;
  out.type = static_cast<ShardFilterType>(*type);
  if (filter.contains("shard_id")) {
    auto shard_id = StringMember(filter, "shard_id");
    if (!shard_id) return std::nullopt;
    out.shard_id = std::move(*shard_id);
  }
  if (filter.contains("timestamp_ms")) {
    out.timestamp_ms = Int64Member(filter, "timestamp_ms");
    if (!out.timestamp_ms) return std::nullopt;
  }
  return out;
}

}  // namespace

std::string EncodeStreams(const StreamsPage& page, std::string_view namespace_key, int64_t now_ms) {
  return Seal({{"after", page.after}, {"namespace", namespace_key}}, now_ms);
}

Result<StreamsPage> DecodeStreams(std::string_view token, std::string_view namespace_key,
                                  int64_t now_ms, int64_t ttl_ms) {
  auto body = Open(token);
  if (!body) return Invalid();
  auto after = StringMember(*body, "after");
  // A token belongs to the account and region that listed.
  if (!after || StringMember(*body, "namespace") != namespace_key) return Invalid();
  SLUICE_RETURN_IF_ERROR(CheckAge(*body, now_ms, ttl_ms));
  return StreamsPage{std::move(*after)};
}

std::string EncodeShards(const ShardsPage& page, int64_t now_ms) {
  Json body = {{"stream", page.stream}, {"created_ms", page.created_ms}, {"after", page.after}};
  if (page.filter) {
    body["filter"] = {{"type", static_cast<int>(page.filter->type)},
                      {"shard_id", page.filter->shard_id}};
    if (page.filter->timestamp_ms) body["filter"]["timestamp_ms"] = *page.filter->timestamp_ms;
  }
  return Seal(std::move(body), now_ms);
}

Result<ShardsPage> DecodeShards(std::string_view token, int64_t now_ms, int64_t ttl_ms) {
  auto body = Open(token);
  if (!body) return Invalid();
  ShardsPage page;
  auto stream = StringMember(*body, "stream");
  auto after = StringMember(*body, "after");
  auto created_ms = Int64Member(*body, "created_ms");
  if (!stream || !after || !created_ms) return Invalid();
  page.stream = std::move(*stream);
  page.after = std::move(*after);
  page.created_ms = *created_ms;
  if (body->contains("filter")) {
    page.filter = ReadFilter((*body)["filter"]);
    if (!page.filter) return Invalid();
  }
  SLUICE_RETURN_IF_ERROR(CheckAge(*body, now_ms, ttl_ms));
  return page;
}

std::string EncodeConsumers(const ConsumersPage& page, int64_t now_ms) {
  return Seal({{"stream", page.stream_arn},
               {"stream_created_ms", page.stream_created_ms},
               {"after_ms", page.after_ms},
               {"after", page.after}},
              now_ms);
}

Result<ConsumersPage> DecodeConsumers(std::string_view token, std::string_view stream_arn,
                                      int64_t stream_created_ms, int64_t now_ms, int64_t ttl_ms) {
  auto body = Open(token);
  if (!body) return Invalid();
  auto stream = StringMember(*body, "stream");
  auto created_ms = Int64Member(*body, "stream_created_ms");
  auto after_ms = Int64Member(*body, "after_ms");
  auto after = StringMember(*body, "after");
  if (!stream || !created_ms || !after_ms || !after) return Invalid();
  // A token lists the stream it was issued for, not another (nor a recreated one).
  if (*stream != stream_arn || *created_ms != stream_created_ms) return Invalid();
  SLUICE_RETURN_IF_ERROR(CheckAge(*body, now_ms, ttl_ms));
  return ConsumersPage{std::move(*stream), *created_ms, *after_ms, std::move(*after)};
}

}  // namespace sluice::broker::page_token
