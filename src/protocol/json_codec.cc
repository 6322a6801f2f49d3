#include "protocol/json_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/coral_texts.h"
#include "protocol/json_parse.h"
#include "sluice/common/base64.h"
#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {
namespace {

using api::Shape;
using api::Value;

// Just under 2^63: past it a double no longer converts to an int64 (timestamps in milliseconds,
// integers and longs alike).
constexpr double kMaxInt64 = 9.2e18;

Status TypeError(std::string message) {
  return Status(ErrorCode::kSerialization, std::move(message));
}

// The wrong-type texts of Coral's JSON reader; `target` is one of coral_texts.h's, e.g.
// kIntegerTarget ("an Integer").
Status WrongScalar(const Value& value, std::string_view target) {
  if (value.is_boolean()) return TypeError(CannotConvert("java.lang.Boolean", target));
  if (value.is_number()) return TypeError(CannotConvert(kCoralNumberClass, target));
  if (value.is_string()) return TypeError(CannotConvert("java.lang.String", target));
  if (value.is_array()) return TypeError("Start of list found where not expected");
  return TypeError("Start of structure or map found where not expected.");
}

// Turns the parsed JSON `value` into the neutral value of `shape`, in place (a PutRecords body
// can be 10 MiB, so nothing is copied): base64 becomes bytes, seconds become milliseconds.
// Members are visited in model order, so the first wrong member reported is the one AWS reports.
Status Read(const Shape& shape, Value& value);

Status ReadStructure(const Shape& shape, Value& value) {
  if (value.is_array()) return TypeError("Start of list found where not expected");
  if (!value.is_object()) return TypeError("Expected null");
  Value cleaned = Value::object();
  for (const auto& member : shape.members) {
    auto it = value.find(member.name);
    if (it == value.end() || it->is_null()) continue;
    SLUICE_RETURN_IF_ERROR(Read(*member.shape, *it));
    cleaned[member.name] = std::move(*it);
  }
  value = std::move(cleaned);
  return Status::Ok();
}

Status ReadTimestamp(Value& value) {
  if (!value.is_number()) return WrongScalar(value, kTimestampTarget);
  // Epoch seconds, possibly fractional; rounded to the millisecond, the finest unit Kinesis keeps.
  double ms = value.get<double>() * 1000.0;
  if (!(std::fabs(ms) < kMaxInt64)) {
    // AWS-COMPAT.md records only the end of this text; the value is quoted as Coral quotes
    // values it cannot convert elsewhere.
    // Built with append: GCC 12 at -O3 warns (-Wrestrict, a known false positive) on the
    // operator+ chain here, which breaks the Release build.
    std::string message = "'";
    message.append(value.dump()).append("' can not be converted to milliseconds since epoch");
    return TypeError(message);
  }
  value = static_cast<int64_t>(std::llround(ms));
  return Status::Ok();
}

Status ReadBlob(Value& value) {
  if (!value.is_string()) return WrongScalar(value, kBlobTarget);
  const std::string& text = value.get_ref<const std::string&>();
  auto bytes = Base64Decode(text);  // checks as it decodes: one pass over the text
  if (!bytes) {
    return TypeError("'" + text + "' can not be converted to a Blob: " + Base64Problem(text));
  }
  value = Value::binary(std::vector<uint8_t>(bytes->begin(), bytes->end()));
  return Status::Ok();
}

Status Read(const Shape& shape, Value& value) {
  switch (shape.type) {
    case Shape::Type::kStructure:
      return ReadStructure(shape, value);
    case Shape::Type::kString:
      return value.is_string() ? Status::Ok() : WrongScalar(value, kStringTarget);
    case Shape::Type::kInteger:
    case Shape::Type::kLong: {
      if (!value.is_number()) {
        return WrongScalar(value, shape.type == Shape::Type::kLong ? kLongTarget : kIntegerTarget);
      }
      if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(kMaxInt64)) {
        // Read as an int64 it would wrap to a negative number: clamped like a large float.
        value = static_cast<int64_t>(kMaxInt64);
      } else if (value.is_number_float()) {
        // Coral truncates a fraction; a value past int64 is clamped (casting it would be
        // undefined), and then fails its range constraint like any other large number.
        double whole = std::floor(value.get<double>());
        value = static_cast<int64_t>(std::clamp(whole, -kMaxInt64, kMaxInt64));
      }
      return Status::Ok();
    }
    case Shape::Type::kBoolean:
      if (value.is_boolean()) return Status::Ok();
      if (value.is_string()) {
        std::optional<bool> read = CoralBoolean(value.get_ref<const std::string&>());
        if (!read) return TypeError(UnreadableBoolean(value.get_ref<const std::string&>()));
        value = *read;
        return Status::Ok();
      }
      return WrongScalar(value, kBooleanTarget);
    case Shape::Type::kTimestamp:
      return ReadTimestamp(value);
    case Shape::Type::kBlob:
      return ReadBlob(value);
    case Shape::Type::kList:
      if (value.is_object())
        return TypeError("Start of structure or map found where not expected.");
      if (!value.is_array()) return TypeError("Expected list or null");
      for (auto& item : value) {
        if (item.is_null()) continue;
        SLUICE_RETURN_IF_ERROR(Read(*shape.member, item));
      }
      return Status::Ok();
    case Shape::Type::kMap:
      if (value.is_array()) return TypeError("Start of list found where not expected");
      if (!value.is_object()) return TypeError("Expected map or null");
      for (auto& [key, item] : value.items()) {
        if (item.is_null()) continue;
        SLUICE_RETURN_IF_ERROR(Read(*shape.value, item));
      }
      return Status::Ok();
  }
  return Status::Ok();
}

// Turns a neutral reply into JSON 1.1, in place. Bytes become base64 wherever they are (JSON has
// no other way to carry them); milliseconds become seconds only where the model says Timestamp,
// since a Long such as MillisBehindLatest is an integer too.
void Write(const Shape* shape, Value& value) {
  if (value.is_binary()) {
    const auto& bytes = value.get_binary();
    value =
        Base64Encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } else if (value.is_number_integer()) {
    if (shape != nullptr && shape->type == Shape::Type::kTimestamp) {
      value = static_cast<double>(value.get<int64_t>()) / 1000.0;
    }
  } else if (value.is_array()) {
    const Shape* member =
        shape != nullptr && shape->type == Shape::Type::kList ? shape->member : nullptr;
    for (auto& item : value) Write(member, item);
  } else if (value.is_object()) {
    for (auto& [name, item] : value.items()) Write(MemberShape(shape, name), item);
  }
}

// Kinesis requests nest four levels at most. Deeper input is refused before a tree is built:
// 16 MiB of '[' would otherwise become millions of nodes (and a gigabyte) first.
constexpr int kJsonMaxDepth = 64;

std::string Dump(const Value& value) {
  // Replace rather than throw on invalid UTF-8: a reply must always be written.
  return value.dump(-1, ' ', false, Value::error_handler_t::replace);
}

}  // namespace

Result<api::Value> JsonCodec::DecodeRequest(const api::Shape* input, std::string_view body) const {
  // Coral answers an empty, unparsable or non-object body with a bare SerializationException.
  if (body.empty()) return Status(ErrorCode::kSerialization, "");
  if (ScanJsonStructure(body, kJsonMaxDepth).depth > kJsonMaxDepth) {
    return Status(ErrorCode::kSerialization,
                  "JSON nesting deeper than " + std::to_string(kJsonMaxDepth) + " levels");
  }
  Value value = ParseJson(body);
  if (value.is_discarded() || !value.is_object()) return Status(ErrorCode::kSerialization, "");
  if (input == nullptr) return Value::object();
  SLUICE_RETURN_IF_ERROR(Read(*input, value));
  return value;
}

std::string JsonCodec::EncodeResponse(const api::Shape* output, api::Value reply) const {
  Write(output, reply);
  return Dump(reply);
}

std::string JsonCodec::EncodeError(const Status& status) const {
  WireError wire = ToWire(status.code());
  const char* message_key = status.code() == ErrorCode::kSerialization ? "Message" : "message";
  if (errors_ == Errors::kLegacyEnvelope) {
    Value error = {{"__type", "com.amazon.coral.service#" + std::string(wire.type)}};
    error[message_key] = status.message().empty() ? Value() : Value(status.message());
    return Dump(Value{{"Output", std::move(error)}, {"Version", "1.0"}});
  }
  Value body = {{"__type", wire.type}};
  if (!status.message().empty()) body[message_key] = status.message();
  return Dump(body);
}

int JsonCodec::ErrorStatus(const Status& status) const {
  return errors_ == Errors::kLegacyEnvelope ? 200 : WireCodec::ErrorStatus(status);
}

}  // namespace sluice::protocol
