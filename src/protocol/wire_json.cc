#include "protocol/wire_json.h"

#include "sluice/common/base64.h"
#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {
namespace {

void ReplaceBinary(api::Value& value) {
  if (value.is_binary()) {
    const auto& bytes = value.get_binary();
    value =
        Base64Encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } else if (value.is_structured()) {
    for (auto& child : value) ReplaceBinary(child);
  }
}

std::string Dump(const api::Value& value) {
  // Replace rather than throw on invalid UTF-8: a reply must always be written.
  return value.dump(-1, ' ', false, api::Value::error_handler_t::replace);
}

}  // namespace

std::string EncodeJsonBody(api::Value value) {
  ReplaceBinary(value);
  return Dump(value);
}

std::string EncodeJsonError(const Status& status) {
  WireError wire = ToWire(status.code());
  api::Value body = {{"__type", wire.type}};
  if (!status.message().empty()) {
    body[status.code() == ErrorCode::kSerialization ? "Message" : "message"] = status.message();
  }
  return Dump(body);
}

}  // namespace sluice::protocol
