#include "protocol/json_parse.h"

#include <cstdint>
#include <string>
#include <utility>

#include <simdjson.h>

namespace sluice::protocol {
namespace {

using api::Value;

Value Convert(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT: {
      Value object = Value::object();
      for (auto field : simdjson::dom::object(element)) {
        // operator[]: a repeated key keeps its first place and its last value, as nlohmann's
        // parser leaves it.
        object[std::string(field.key)] = Convert(field.value);
      }
      return object;
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

// "-0", and integers written with a minus sign in general: nlohmann keeps them signed even when
// they are zero. simdjson reads "-0" as the integer 0; only the sign of zero differs, and only in
// the JSON type (number_integer against number_unsigned), which nothing above distinguishes for
// zero. Texts simdjson cannot read the same way make it fail: see ParseJson.

}  // namespace

Value ParseJson(std::string_view text) {
  // One parser per thread: it keeps its buffers between calls.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(root) ==
      simdjson::SUCCESS) {
    return Convert(root);
  }
  return Value::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace sluice::protocol
