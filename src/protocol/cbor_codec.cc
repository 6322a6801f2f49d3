#include "protocol/cbor_codec.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/cbor_reader.h"
#include "protocol/cbor_writer.h"
#include "protocol/coral_texts.h"
#include "protocol/object_builder.h"
#include "protocol/utf8.h"
#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {
namespace {

using api::Shape;
using api::Value;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
// Just under 2^63, as in the JSON codec: past it a double no longer converts to an int64.
constexpr double kMaxInt64 = 9.2e18;
// The CBOR tag for an epoch-based date and time (RFC 8949, section 3.4.2).
constexpr uint64_t kEpochTimeTag = 1;

Status TypeError(std::string message) {
  return Status(ErrorCode::kSerialization, std::move(message));
}

// The wrong-type texts of Coral's JSON reader, for the JSON value a CBOR item corresponds to;
// `target` is one of coral_texts.h's, e.g. kIntegerTarget ("an Integer"). A byte string has no
// JSON counterpart: it is named as the Java byte array it decodes to.
Status WrongType(const CborHead& head, std::string_view target) {
  std::string_view java_class;
  switch (head.major) {
    case CborMajor::kUnsigned:
    case CborMajor::kNegative:
      java_class = kCoralNumberClass;
      break;
    case CborMajor::kText:
      java_class = "java.lang.String";
      break;
    case CborMajor::kBytes:
      java_class = "[B";
      break;
    case CborMajor::kArray:
      return TypeError("Start of list found where not expected");
    case CborMajor::kMap:
      return TypeError("Start of structure or map found where not expected.");
    case CborMajor::kTag:  // tags are passed over before a value's type is looked at
    case CborMajor::kSimple:
      if (head.IsBoolean()) {
        java_class = "java.lang.Boolean";
      } else if (head.IsFloat()) {
        java_class = kCoralNumberClass;
      } else {
        return TypeError("Unexpected CBOR simple value " + std::to_string(head.argument));
      }
      break;
  }
  return TypeError(CannotConvert(java_class, target));
}

// An integer item as an int64, clamped: a value past int64 then fails its range constraint like
// any other large number, as the JSON codec's clamped doubles do.
int64_t ClampedInteger(const CborHead& head) {
  const auto magnitude = static_cast<int64_t>(std::min<uint64_t>(head.argument, kInt64Max));
  return head.major == CborMajor::kUnsigned ? magnitude : -1 - magnitude;
}

// A double as Java prints the ones JSON cannot hold, and as JSON prints the others.
std::string PrintedNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return Value(value).dump();
}

// Walks a well-formed body (checked before) along the model's shapes, building the neutral value.
class RequestWalker {
 public:
  explicit RequestWalker(std::string_view body) : reader_(body) {}

  // The head of the next value, past any tags (each a level deeper, as the check counted them).
  Status ReadValueHead(int& depth, CborHead& head) {
    while (true) {
      auto next = reader_.ReadHead();
      if (!next.ok()) return next.status();
      head = *next;
      if (head.IsBreak()) return CborError("CBOR break code outside an indefinite-length item");
      if (head.major != CborMajor::kTag) return Status::Ok();
      if (++depth > kCborMaxDepth) return CborError("CBOR nesting too deep");
    }
  }

  // Reads the next item as a value of `shape` into `out` (null for null and undefined).
  Status Read(const Shape& shape, int depth, Value& out) {
    CborHead head;
    SLUICE_RETURN_IF_ERROR(ReadValueHead(depth, head));
    if (head.IsNull()) {
      out = nullptr;
      return Status::Ok();
    }
    switch (shape.type) {
      case Shape::Type::kStructure:
        return ReadStructure(shape, head, depth, out);
      case Shape::Type::kString:
        return ReadString(head, out);
      case Shape::Type::kInteger:
      case Shape::Type::kLong:
        return ReadInteger(shape, head, out);
      case Shape::Type::kBoolean:
        return ReadBoolean(head, out);
      case Shape::Type::kTimestamp:
        return ReadTimestamp(head, out);
      case Shape::Type::kBlob: {
        if (head.major != CborMajor::kBytes) return WrongType(head, kBlobTarget);
        std::vector<uint8_t> bytes;
        SLUICE_RETURN_IF_ERROR(reader_.ReadBytes(head, bytes));
        out = Value::binary(std::move(bytes));
        return Status::Ok();
      }
      case Shape::Type::kList:
        return ReadList(shape, head, depth, out);
      case Shape::Type::kMap:
        return ReadMap(shape, head, depth, out);
    }
    return Status::Ok();
  }

  // A structure whose head was just read. Members are found in body order and read in model
  // order, so the first wrong member reported is the one AWS (and the JSON codec) reports;
  // members the model does not know are passed over without being decoded.
  Status ReadStructure(const Shape& shape, const CborHead& head, int depth, Value& out) {
    if (head.major == CborMajor::kArray) return TypeError("Start of list found where not expected");
    if (head.major != CborMajor::kMap) return TypeError("Expected null");
    constexpr size_t kAbsent = std::numeric_limits<size_t>::max();
    std::vector<size_t> found(shape.members.size(), kAbsent);
    std::string key;
    // (Not SLUICE_RETURN_IF_ERROR around the lambda: its own status variable would shadow.)
    Status scanned = ForEachPair(head, [&]() -> Status {
      Status key_read = ReadKey(key);
      if (!key_read.ok()) return key_read;
      for (size_t i = 0; i < shape.members.size(); ++i) {
        if (shape.members[i].name == key) found[i] = reader_.position();  // the last one wins
      }
      return reader_.Skip(depth + 1);
    });
    if (!scanned.ok()) return scanned;
    const size_t end = reader_.position();
    Value cleaned = Value::object();
    for (size_t i = 0; i < shape.members.size(); ++i) {
      if (found[i] == kAbsent) continue;
      reader_.Seek(found[i]);
      Value member;
      SLUICE_RETURN_IF_ERROR(Read(*shape.members[i].shape, depth + 1, member));
      if (!member.is_null()) cleaned[shape.members[i].name] = std::move(member);
    }
    reader_.Seek(end);
    out = std::move(cleaned);
    return Status::Ok();
  }

 private:
  // Calls `pair` once per key/value pair of the map whose head was just read; `pair` reads both.
  template <typename Pair>
  Status ForEachPair(const CborHead& head, Pair pair) {
    if (head.indefinite) {
      while (!reader_.AtBreak()) SLUICE_RETURN_IF_ERROR(pair());
      return reader_.ReadHead().status();  // the break
    }
    for (uint64_t i = 0; i < head.argument; ++i) SLUICE_RETURN_IF_ERROR(pair());
    return Status::Ok();
  }

  // A map key: always a text string in AWS's encoding, as in JSON.
  Status ReadKey(std::string& key) {
    const size_t start = reader_.position();
    auto head = reader_.ReadHead();
    if (!head.ok()) return head.status();
    if (head->major != CborMajor::kText) {
      return CborError("CBOR map key is not a text string at byte " + std::to_string(start));
    }
    key.clear();
    SLUICE_RETURN_IF_ERROR(reader_.ReadText(*head, key));
    if (!IsValidUtf8(key)) return CborError("Invalid UTF-8 in a CBOR map key");
    return Status::Ok();
  }

  Status ReadString(const CborHead& head, Value& out) {
    if (head.major != CborMajor::kText) return WrongType(head, kStringTarget);
    std::string text;
    SLUICE_RETURN_IF_ERROR(reader_.ReadText(head, text));
    if (!IsValidUtf8(text)) return CborError("Invalid UTF-8 in a CBOR text string");
    out = std::move(text);
    return Status::Ok();
  }

  Status ReadInteger(const Shape& shape, const CborHead& head, Value& out) {
    if (head.IsInteger()) {
      out = ClampedInteger(head);
      return Status::Ok();
    }
    const std::string_view target = shape.type == Shape::Type::kLong ? kLongTarget : kIntegerTarget;
    if (!head.IsFloat()) return WrongType(head, target);
    // Coral truncates a fraction, as for JSON numbers; NaN has no integer at all.
    const double value = CborFloatValue(head);
    if (std::isnan(value)) return TypeError("'NaN' can not be converted to " + std::string(target));
    out = static_cast<int64_t>(std::clamp(std::floor(value), -kMaxInt64, kMaxInt64));
    return Status::Ok();
  }

  Status ReadBoolean(const CborHead& head, Value& out) {
    if (head.IsBoolean()) {
      out = head.info == kCborTrue;
      return Status::Ok();
    }
    if (head.major != CborMajor::kText) return WrongType(head, kBooleanTarget);
    // Coral reads "true", "yes", "0" and the like as booleans (see the JSON codec).
    std::string text;
    SLUICE_RETURN_IF_ERROR(reader_.ReadText(head, text));
    std::optional<bool> read = CoralBoolean(text);
    if (!read) return TypeError(WithValidUtf8(UnreadableBoolean(text)));
    out = *read;
    return Status::Ok();
  }

  // Epoch milliseconds, as the Java SDKs send them (tag 1 wrapping an integer); the tag has been
  // passed over already, so an untagged number is read the same way.
  Status ReadTimestamp(const CborHead& head, Value& out) {
    if (head.IsInteger()) {
      if (head.argument > static_cast<uint64_t>(kInt64Max)) {
        std::string message = "'";
        if (head.major == CborMajor::kUnsigned) {
          message.append(std::to_string(head.argument));
        } else if (head.argument == std::numeric_limits<uint64_t>::max()) {
          message.append("-18446744073709551616");  // -1 - (2^64 - 1)
        } else {
          message.append("-").append(std::to_string(head.argument + 1));
        }
        message.append("' can not be converted to milliseconds since epoch");
        return TypeError(message);
      }
      out = ClampedInteger(head);
      return Status::Ok();
    }
    if (!head.IsFloat()) return WrongType(head, kTimestampTarget);
    const double ms = CborFloatValue(head);
    if (!(std::fabs(ms) < kMaxInt64)) {
      std::string message = "'";
      message.append(PrintedNumber(ms))
          .append("' can not be converted to milliseconds since epoch");
      return TypeError(message);
    }
    out = static_cast<int64_t>(std::llround(ms));
    return Status::Ok();
  }

  Status ReadList(const Shape& shape, const CborHead& head, int depth, Value& out) {
    if (head.major == CborMajor::kMap) {
      return TypeError("Start of structure or map found where not expected.");
    }
    if (head.major != CborMajor::kArray) return TypeError("Expected list or null");
    Value list = Value::array();
    auto item = [&]() -> Status {
      Value value;
      SLUICE_RETURN_IF_ERROR(Read(*shape.member, depth + 1, value));
      list.push_back(std::move(value));  // nulls stay, as in JSON lists
      return Status::Ok();
    };
    if (head.indefinite) {
      while (!reader_.AtBreak()) SLUICE_RETURN_IF_ERROR(item());
      SLUICE_RETURN_IF_ERROR(reader_.ReadHead().status());  // the break
    } else {
      for (uint64_t i = 0; i < head.argument; ++i) SLUICE_RETURN_IF_ERROR(item());
    }
    out = std::move(list);
    return Status::Ok();
  }

  Status ReadMap(const Shape& shape, const CborHead& head, int depth, Value& out) {
    if (head.major == CborMajor::kArray) return TypeError("Start of list found where not expected");
    if (head.major != CborMajor::kMap) return TypeError("Expected map or null");
    ObjectBuilder map;  // linear in the entries: a map may have very many
    std::string key;
    Status read = ForEachPair(head, [&]() -> Status {
      Status key_read = ReadKey(key);
      if (!key_read.ok()) return key_read;
      Value value;
      Status value_read = Read(*shape.value, depth + 1, value);
      if (!value_read.ok()) return value_read;
      map.Set(key, std::move(value));
      return Status::Ok();
    });
    if (!read.ok()) return read;
    out = map.Take();
    return Status::Ok();
  }

  CborReader reader_;
};

// Writes a neutral reply along its output shape: bytes as byte strings wherever they are,
// integers as tag 1 timestamps only where the model says Timestamp (MillisBehindLatest is an
// integer too).
void Write(const Shape* shape, const Value& value, CborWriter& writer) {
  const bool timestamp = shape != nullptr && shape->type == Shape::Type::kTimestamp;
  switch (value.type()) {
    case Value::value_t::null:
    case Value::value_t::discarded:
      writer.Null();
      return;
    case Value::value_t::boolean:
      writer.Boolean(value.get<bool>());
      return;
    case Value::value_t::number_integer:
      if (timestamp) writer.Tag(kEpochTimeTag);
      writer.Integer(value.get<int64_t>());
      return;
    case Value::value_t::number_unsigned:
      if (timestamp) writer.Tag(kEpochTimeTag);
      writer.Unsigned(value.get<uint64_t>());
      return;
    case Value::value_t::number_float: {
      const double number = value.get<double>();
      if (timestamp && std::fabs(number) < kMaxInt64) {
        writer.Tag(kEpochTimeTag);
        writer.Integer(std::llround(number));
      } else {
        writer.Float(number);
      }
      return;
    }
    case Value::value_t::string:
      writer.Text(value.get_ref<const std::string&>());
      return;
    case Value::value_t::binary:
      writer.Bytes(value.get_binary());
      return;
    case Value::value_t::array: {
      const Shape* member =
          shape != nullptr && shape->type == Shape::Type::kList ? shape->member : nullptr;
      writer.StartArray(value.size());
      for (const auto& item : value) Write(member, item, writer);
      return;
    }
    case Value::value_t::object:
      writer.StartMap(value.size());
      for (const auto& [name, item] : value.items()) {
        writer.Text(name);
        Write(MemberShape(shape, name), item, writer);
      }
      return;
  }
}

}  // namespace

Result<api::Value> CborCodec::DecodeRequest(const api::Shape* input, std::string_view body) const {
  // Coral answers an empty body, or one that is not a map, with a bare SerializationException.
  if (body.empty()) return Status(ErrorCode::kSerialization, "");
  // The whole body is one well-formed item before any of it is read as a request, so malformed
  // CBOR is reported as such wherever it is, ahead of a member of the wrong type.
  CborReader check(body);
  SLUICE_RETURN_IF_ERROR(check.Skip(1));
  if (!check.AtEnd()) {
    return CborError("Trailing bytes after the CBOR body at byte " +
                     std::to_string(check.position()));
  }
  RequestWalker walker(body);
  int depth = 1;
  CborHead head;
  SLUICE_RETURN_IF_ERROR(walker.ReadValueHead(depth, head));
  if (head.major != CborMajor::kMap) return Status(ErrorCode::kSerialization, "");
  if (input == nullptr) return Value::object();
  Value value;
  SLUICE_RETURN_IF_ERROR(walker.ReadStructure(*input, head, depth, value));
  return value;
}

std::string CborCodec::EncodeResponse(const api::Shape* output, api::Value reply) const {
  CborWriter writer;
  Write(output, reply, writer);
  return writer.Take();
}

std::string CborCodec::EncodeNoOutput() const {
  return EncodeResponse(nullptr, api::Value::object());
}

std::string CborCodec::EncodeError(const Status& status) const {
  WireError wire = ToWire(status.code());
  CborWriter writer;
  const bool with_message = !status.message().empty();
  writer.StartMap(with_message ? 2 : 1);
  writer.Text("__type");
  writer.Text(wire.type);
  if (with_message) {
    writer.Text(status.code() == ErrorCode::kSerialization ? "Message" : "message");
    writer.Text(status.message());
  }
  return writer.Take();
}

}  // namespace sluice::protocol
