#include "api/validator.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "api/pattern_matcher.h"

namespace sluice::api {
namespace {

constexpr size_t kMaxReportedErrors = 10;
// A pattern is only tried on strings up to this length (a longer one already fails its length
// constraint, or is absurd): matching is linear in the text (pattern_matcher.h), and this bounds
// the work one string can ask for.
constexpr size_t kMaxPatternInput = 4096;

std::string LowerFirst(std::string name) {
  if (!name.empty()) name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return name;
}

std::string JoinPath(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

// Whether `value` has the neutral representation of `shape` (see api.h); null stands for an
// absent value wherever it appears.
bool IsNeutral(const Shape& shape, const Value& value) {
  if (value.is_null()) return true;
  switch (shape.type) {
    case Shape::Type::kStructure:
    case Shape::Type::kMap:
      return value.is_object();
    case Shape::Type::kString:
      return value.is_string();
    case Shape::Type::kInteger:
    case Shape::Type::kLong:
    case Shape::Type::kTimestamp:
      return value.is_number_integer();
    case Shape::Type::kBoolean:
      return value.is_boolean();
    case Shape::Type::kBlob:
      return value.is_binary();
    case Shape::Type::kList:
      return value.is_array();
  }
  return false;
}

// Handlers read an Integer as an int32; a number past that range would wrap (a ShardCount of
// 2^32 would become 0 shards). Coral's reader refuses such a number the way Jackson does; the
// text is Jackson's.
Status CheckIntegerRange(const Value& value, const std::string& path) {
  const int64_t number = value.get<int64_t>();
  if (number >= std::numeric_limits<int32_t>::min() &&
      number <= std::numeric_limits<int32_t>::max()) {
    return Status::Ok();
  }
  std::string message = "Numeric value (";
  message.append(std::to_string(number))
      .append(") out of range of int (-2147483648 - 2147483647) at '")
      .append(path)
      .append("'");
  return Status(ErrorCode::kSerialization, message);
}

// Handlers read members without checking their type, so a value no codec would produce (a
// base64 string for a blob, seconds as a double for a timestamp) stops here rather than throwing
// inside a handler. The codecs report wrong wire types with AWS's texts before this runs.
Status CheckNeutral(const Shape& shape, const Value& value, const std::string& path) {
  if (!IsNeutral(shape, value)) {
    return Status(ErrorCode::kSerialization,
                  "Value at '" + path + "' is not the " + shape.name + " the model requires.");
  }
  if (value.is_null()) return Status::Ok();
  switch (shape.type) {
    case Shape::Type::kStructure:
      for (const auto& member : shape.members) {
        auto it = value.find(member.name);
        if (it == value.end()) continue;
        SLUICE_RETURN_IF_ERROR(
            CheckNeutral(*member.shape, *it, JoinPath(path, LowerFirst(member.name))));
      }
      return Status::Ok();
    case Shape::Type::kList:
      for (size_t i = 0; i < value.size(); ++i) {
        SLUICE_RETURN_IF_ERROR(CheckNeutral(*shape.member, value[i],
                                            JoinPath(path, std::to_string(i + 1)) + ".member"));
      }
      return Status::Ok();
    case Shape::Type::kMap:
      for (const auto& [key, item] : value.items()) {
        SLUICE_RETURN_IF_ERROR(CheckNeutral(*shape.value, item, JoinPath(path, key)));
      }
      return Status::Ok();
    case Shape::Type::kInteger:
      return CheckIntegerRange(value, path);
    case Shape::Type::kString:
    case Shape::Type::kLong:
    case Shape::Type::kBoolean:
    case Shape::Type::kBlob:
    case Shape::Type::kTimestamp:
      return Status::Ok();
  }
  return Status::Ok();
}

// How Coral prints a value in a validation message (without the surrounding quotes): blobs as
// Java ByteBuffers, lists as [a, b], maps as {k=v}, structures as the Java model classes'
// toString ({Data: ...,PartitionKey: k}), so a message stays about as long as AWS's.
std::string Printed(const Shape& shape, const Value& value) {
  if (value.is_binary()) {
    std::string size = std::to_string(value.get_binary().size());
    return "java.nio.HeapByteBuffer[pos=0 lim=" + size + " cap=" + size + "]";
  }
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array() && shape.member != nullptr) {
    std::string out = "[";
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ", ";
      out += value[i].is_null() ? "null" : Printed(*shape.member, value[i]);
    }
    return out + "]";
  }
  if (value.is_object() && shape.type == Shape::Type::kMap && shape.value != nullptr) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      if (!first) out += ", ";
      first = false;
      out += key + "=" + Printed(*shape.value, item);
    }
    return out + "}";
  }
  if (value.is_object() && shape.type == Shape::Type::kStructure) {
    std::string out = "{";
    for (const auto& member : shape.members) {
      auto it = value.find(member.name);
      if (it == value.end()) continue;
      if (out.size() > 1) out += ",";
      out += member.name + ": " + Printed(*member.shape, *it);
    }
    return out + "}";
  }
  return value.dump();
}

// Java's String.length(), which Coral's length constraints count: UTF-16 code units, so 'é'
// counts once (not as its two UTF-8 bytes) and a character beyond U+FFFF twice. The codecs hand
// over valid UTF-8 only.
int64_t JavaLength(std::string_view text) {
  int64_t units = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

std::string EnumText(const Shape& shape) {
  std::string set;
  for (const auto& option : shape.enum_values) set += (set.empty() ? "" : ", ") + option;
  return "Member must satisfy enum value set: [" + set + "]";
}

std::string PatternText(const Shape& shape) {
  return "Member must satisfy regular expression pattern: " + shape.pattern_text;
}

std::string BoundText(const Shape& shape, bool lower, int64_t bound) {
  const bool numeric = shape.type == Shape::Type::kInteger || shape.type == Shape::Type::kLong;
  return std::string("Member must have ") + (numeric ? "value " : "length ") +
         (lower ? "greater" : "less") + " than or equal to " + std::to_string(bound);
}

// The constraints of `shape` that `value` (not null) breaks, in the order Coral reports them:
// the pattern, the minimum and the maximum (of a length, or of a number), the enum. A list's or
// map's elements are not looked at here.
std::vector<std::string> BrokenConstraints(const Shape& shape, const Value& value) {
  std::vector<std::string> broken;
  int64_t size = 0;
  switch (shape.type) {
    case Shape::Type::kString: {
      const std::string& text = value.get_ref<const std::string&>();
      if (shape.pattern && text.size() <= kMaxPatternInput && !shape.pattern->Matches(text)) {
        broken.push_back(PatternText(shape));
      }
      size = JavaLength(text);
      break;
    }
    case Shape::Type::kInteger:
    case Shape::Type::kLong:
      size = value.get<int64_t>();
      break;
    case Shape::Type::kBlob:
      size = static_cast<int64_t>(value.get_binary().size());
      break;
    case Shape::Type::kList:
    case Shape::Type::kMap:
      size = static_cast<int64_t>(value.size());
      break;
    case Shape::Type::kStructure:
    case Shape::Type::kBoolean:
    case Shape::Type::kTimestamp:
      return broken;
  }
  if (shape.min && size < *shape.min) broken.push_back(BoundText(shape, true, *shape.min));
  if (shape.max && size > *shape.max) broken.push_back(BoundText(shape, false, *shape.max));
  if (shape.type == Shape::Type::kString && !shape.enum_values.empty() &&
      std::find(shape.enum_values.begin(), shape.enum_values.end(),
                value.get_ref<const std::string&>()) == shape.enum_values.end()) {
    broken.push_back(EnumText(shape));
  }
  return broken;
}

// How Coral names the constraints of a list's elements, or of a map's keys or values, when one
// of them breaks any: all of them in one bracket, the maximum before the minimum, as in
// "[Member must have length less than or equal to 128, Member must have length greater than or
// equal to 1]".
std::string DescribeConstraints(const Shape& shape) {
  std::vector<std::string> parts;
  if (shape.max) parts.push_back(BoundText(shape, false, *shape.max));
  if (shape.min) parts.push_back(BoundText(shape, true, *shape.min));
  if (shape.pattern) parts.push_back(PatternText(shape));
  if (!shape.enum_values.empty()) parts.push_back(EnumText(shape));
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + "]";
}

bool AnyBroken(const Shape& shape, const Value& value) {
  return !value.is_null() && !BrokenConstraints(shape, value).empty();
}

class ConstraintChecker {
 public:
  void Check(const Shape& shape, const Value* value, const std::string& path, bool required) {
    if (value == nullptr || value->is_null()) {
      if (required) Fail(path, "null", "Member must not be null");
      return;
    }
    if (shape.type == Shape::Type::kStructure) {
      for (const auto& member : shape.members) {
        auto it = value->find(member.name);
        const Value* child = it == value->end() ? nullptr : &*it;
        Check(*member.shape, child, JoinPath(path, LowerFirst(member.name)), member.required);
      }
      return;
    }
    for (const auto& constraint : BrokenConstraints(shape, *value)) {
      Fail(path, Quote(shape, *value), constraint);
    }
    if (shape.type == Shape::Type::kList) CheckElements(shape, *value, path);
    if (shape.type == Shape::Type::kMap) CheckMapEntries(shape, *value, path);
  }

  Status Result() const {
    if (errors_.empty()) return Status::Ok();
    std::string message = std::to_string(errors_.size()) + " validation error" +
                          (errors_.size() > 1 ? "s" : "") + " detected: ";
    for (size_t i = 0; i < errors_.size(); ++i) message += (i ? "; " : "") + errors_[i];
    return Status(ErrorCode::kValidation, message);
  }

 private:
  static std::string Quote(const Shape& shape, const Value& value) {
    // Appended rather than `"'" + ... + "'"`: GCC 12 at -O3 warns (-Wrestrict) on the latter.
    std::string quoted = "'";
    quoted.append(Printed(shape, value)).push_back('\'');
    return quoted;
  }

  // Elements that are structures are checked member by member ('records.1.member.data');
  // plain elements (tag keys, metric names) are reported once, on the list, when any breaks
  // its constraints.
  // Lists are not sparse: a null element is reported where it is, as a missing required member
  // is ("Records":[null] would otherwise reach a handler as a record without members).
  void CheckElements(const Shape& shape, const Value& value, const std::string& path) {
    const Shape& element = *shape.member;
    const bool nested = element.type == Shape::Type::kStructure ||
                        element.type == Shape::Type::kList || element.type == Shape::Type::kMap;
    for (size_t i = 0; i < value.size(); ++i) {
      if (nested || value[i].is_null()) {
        Check(element, &value[i], JoinPath(path, std::to_string(i + 1)) + ".member", true);
      }
    }
    if (nested) return;
    if (std::any_of(value.begin(), value.end(),
                    [&](const Value& item) { return AnyBroken(element, item); })) {
      Fail(path, Quote(shape, value),
           "Member must satisfy constraint: " + DescribeConstraints(element));
    }
  }

  // Coral reports map keys and values as one constraint each over the whole map.
  void CheckMapEntries(const Shape& shape, const Value& value, const std::string& path) {
    bool keys_ok = true;
    bool values_ok = true;
    for (const auto& [key, item] : value.items()) {
      keys_ok = keys_ok && !AnyBroken(*shape.key, Value(key));
      values_ok = values_ok && !AnyBroken(*shape.value, item);
      // Maps are not sparse either: {"k":null} is a missing value, not an absent entry.
      if (item.is_null()) Fail(JoinPath(path, key), "null", "Member must not be null");
    }
    if (!keys_ok) {
      Fail(path, Quote(shape, value),
           "Map keys must satisfy constraint: " + DescribeConstraints(*shape.key));
    }
    if (!values_ok) {
      Fail(path, Quote(shape, value),
           "Map value must satisfy constraint: " + DescribeConstraints(*shape.value));
    }
  }

  void Fail(const std::string& path, const std::string& printed, const std::string& constraint) {
    if (errors_.size() >= kMaxReportedErrors) return;
    errors_.push_back("Value " + printed + " at '" + path +
                      "' failed to satisfy constraint: " + constraint);
  }

  std::vector<std::string> errors_;
};

}  // namespace

Status ValidateInput(const Shape& shape, const Value& input) {
  if (!input.is_object()) return Status(ErrorCode::kSerialization, "");
  SLUICE_RETURN_IF_ERROR(CheckNeutral(shape, input, ""));
  ConstraintChecker checker;
  checker.Check(shape, &input, "", true);
  return checker.Result();
}

}  // namespace sluice::api
