#include "protocol/json_parse.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "protocol/object_builder.h"

namespace sluice::protocol {
namespace {

using api::Value;

// A text simdjson refuses goes to nlohmann's parser only if no object in it has more members
// than this: nlohmann finds each key of an ordered object by a linear search, so one object of
// n members costs n^2 / 2 comparisons (a 430 KB body of 40,000 keys took 2.5 s of CPU, a 16 MiB
// one would take half an hour). No Kinesis input has an object with more than a few dozen.
constexpr size_t kMaxFallbackMembers = 1000;
// How deep that check looks (the broker refuses texts deeper than 64 before parsing them).
constexpr int kFallbackScanDepth = 1024;

Value Convert(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT: {
      ObjectBuilder object;  // linear in the members, repeated keys as nlohmann leaves them
      for (auto field : simdjson::dom::object(element)) object.Set(field.key, Convert(field.value));
      return object.Take();
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array items(element);
      Value array = Value::array();
      array.get_ref<Value::array_t&>().reserve(items.size());
      for (simdjson::dom::element item : items) array.push_back(Convert(item));
      return array;
    }
    case simdjson::dom::element_type::STRING:
      return Value(std::string(element.get_string().value_unsafe()));
    case simdjson::dom::element_type::INT64: {
      // nlohmann keeps every integer written without a minus sign unsigned.
      const int64_t number = element.get_int64().value_unsafe();
      return number >= 0 ? Value(static_cast<uint64_t>(number)) : Value(number);
    }
    case simdjson::dom::element_type::UINT64:
      return Value(element.get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE:
      return Value(element.get_double().value_unsafe());
    case simdjson::dom::element_type::BOOL:
      return Value(element.get_bool().value_unsafe());
    case simdjson::dom::element_type::NULL_VALUE:
      return Value(nullptr);
  }
  return Value(nullptr);
}

// "-0": nlohmann keeps it a signed integer, simdjson reads the integer 0; only the JSON type of a
// zero differs (number_integer against number_unsigned), which nothing above tells apart.

}  // namespace

Value ParseJson(std::string_view text) {
  // One parser per thread: it keeps its buffers between calls.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(root) ==
      simdjson::SUCCESS) {
    return Convert(root);
  }
  // Valid JSON that simdjson reads otherwise (integers past 64 bits, a byte-order mark) or
  // refuses, and invalid JSON: nlohmann decides, unless the text would make it quadratic.
  if (ScanJsonStructure(text, kFallbackScanDepth).widest_object > kMaxFallbackMembers) {
    return Value(Value::value_t::discarded);
  }
  return Value::parse(text, nullptr, /*allow_exceptions=*/false);
}

JsonStructure ScanJsonStructure(std::string_view text, int max_depth) {
  JsonStructure structure;
  std::vector<size_t> members;  // per open level: 0 for an array, 1 + commas for an object
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // whatever is escaped, it does not end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      members.push_back(c == '{' ? 1 : 0);
      structure.depth = std::max(structure.depth, static_cast<int>(members.size()));
      if (structure.depth > max_depth) return structure;
      if (c == '{') structure.widest_object = std::max<size_t>(structure.widest_object, 1);
    } else if (c == '}' || c == ']') {
      if (!members.empty()) members.pop_back();
    } else if (c == ',' && !members.empty() && members.back() > 0) {
      structure.widest_object = std::max(structure.widest_object, ++members.back());
    }
  }
  return structure;
}

}  // namespace sluice::protocol
