// protocol::ParseJson (simdjson, then nlohmann's parser for what simdjson refuses) against
// nlohmann's parser alone, on any text: both refuse the same texts (but the very wide ones
// ParseJson refuses on purpose), and what they accept they read as the same tree (same member
// order, same values; numbers compare by value).

#include "fuzz_support.h"
#include "protocol/json_parse.h"

using sluice::api::Value;
using sluice::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = sluice::fuzz::AsText(data, size);
  const Value fast = sluice::protocol::ParseJson(text);
  const Value reference = Value::parse(text, nullptr, /*allow_exceptions=*/false);
  // ParseJson refuses, without asking nlohmann, a text simdjson refuses that holds an object of
  // over 1000 members (json_parse.h); such a text has at least 5000 bytes.
  if (!(fast.is_discarded() && size >= 5000)) {
    Require(fast.is_discarded() == reference.is_discarded(),
            "ParseJson and nlohmann disagree on whether a text is JSON");
  }
  if (!fast.is_discarded()) {
    Require(fast == reference, "ParseJson and nlohmann read a text as different trees");
  }
  return 0;
}
