#include "api/validator.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace sluice::api {
namespace {

constexpr size_t kMaxReportedErrors = 10;
// std::regex backtracks recursively; a pattern is only tried on strings up to this length (a
// longer one already fails its length constraint, or is absurd), so input cannot exhaust the
// stack.
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
    case Shape::Type::kString:
    case Shape::Type::kInteger:
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

class ConstraintChecker {
 public:
  void Check(const Shape& shape, const Value* value, const std::string& path, bool required) {
    if (value == nullptr || value->is_null()) {
      if (required) Fail(path, "null", "Member must not be null");
      return;
    }
    switch (shape.type) {
      case Shape::Type::kStructure:
        for (const auto& member : shape.members) {
          auto it = value->find(member.name);
          const Value* child = it == value->end() ? nullptr : &*it;
          Check(*member.shape, child, JoinPath(path, LowerFirst(member.name)), member.required);
        }
        return;
      case Shape::Type::kInteger:
      case Shape::Type::kLong: {
        int64_t number = value->get<int64_t>();
        if (shape.min && number < *shape.min) {
          Fail(path, Quote(shape, *value),
               "Member must have value greater than or equal to " + std::to_string(*shape.min));
        }
        if (shape.max && number > *shape.max) {
          Fail(path, Quote(shape, *value),
               "Member must have value less than or equal to " + std::to_string(*shape.max));
        }
        return;
      }
      case Shape::Type::kString: {
        const std::string& text = value->get_ref<const std::string&>();
        if (shape.pattern && text.size() <= kMaxPatternInput &&
            !std::regex_match(text, *shape.pattern)) {
          Fail(path, Quote(shape, *value),
               "Member must satisfy regular expression pattern: " + shape.pattern_text);
        }
        CheckLength(shape, *value, static_cast<int64_t>(text.size()), path);
        if (!shape.enum_values.empty() &&
            std::find(shape.enum_values.begin(), shape.enum_values.end(), text) ==
                shape.enum_values.end()) {
          std::string set;
          for (const auto& option : shape.enum_values) set += (set.empty() ? "" : ", ") + option;
          Fail(path, Quote(shape, *value), "Member must satisfy enum value set: [" + set + "]");
        }
        return;
      }
      case Shape::Type::kBlob:
        CheckLength(shape, *value, static_cast<int64_t>(value->get_binary().size()), path);
        return;
      case Shape::Type::kList:
        CheckLength(shape, *value, static_cast<int64_t>(value->size()), path);
        for (size_t i = 0; i < value->size(); ++i) {
          Check(*shape.member, &(*value)[i], JoinPath(path, std::to_string(i + 1)) + ".member",
                false);
        }
        return;
      case Shape::Type::kMap:
        CheckLength(shape, *value, static_cast<int64_t>(value->size()), path);
        CheckMapEntries(shape, *value, path);
        return;
      case Shape::Type::kBoolean:
      case Shape::Type::kTimestamp:
        return;
    }
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

  void CheckLength(const Shape& shape, const Value& value, int64_t length,
                   const std::string& path) {
    if (shape.min && length < *shape.min) {
      Fail(path, Quote(shape, value),
           "Member must have length greater than or equal to " + std::to_string(*shape.min));
    }
    if (shape.max && length > *shape.max) {
      Fail(path, Quote(shape, value),
           "Member must have length less than or equal to " + std::to_string(*shape.max));
    }
  }

  // Coral reports map keys and values as one constraint each over the whole map.
  void CheckMapEntries(const Shape& shape, const Value& value, const std::string& path) {
    auto describe = [](const Shape& s) {
      std::string parts;
      if (s.max) parts += "Member must have length less than or equal to " + std::to_string(*s.max);
      if (s.min) {
        parts += std::string(parts.empty() ? "" : ", ") +
                 "Member must have length greater than or equal to " + std::to_string(*s.min);
      }
      return "[" + parts + "]";
    };
    auto fits = [](const Shape& s, size_t length) {
      return (!s.min || static_cast<int64_t>(length) >= *s.min) &&
             (!s.max || static_cast<int64_t>(length) <= *s.max);
    };
    bool keys_ok = true;
    bool values_ok = true;
    for (const auto& [key, item] : value.items()) {
      keys_ok = keys_ok && fits(*shape.key, key.size());
      values_ok =
          values_ok && (!item.is_string() || fits(*shape.value, item.get<std::string>().size()));
    }
    if (!keys_ok) {
      Fail(path, Quote(shape, value), "Map keys must satisfy constraint: " + describe(*shape.key));
    }
    if (!values_ok) {
      Fail(path, Quote(shape, value),
           "Map value must satisfy constraint: " + describe(*shape.value));
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
