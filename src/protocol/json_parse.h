#pragma once

#include <string_view>

#include "sluice/api/api.h"

namespace sluice::protocol {

// Parses a JSON text into an api::Value exactly as nlohmann's parser does (a discarded value
// when the text is not JSON), but fast: simdjson checks and indexes the text in one vectorised
// pass, and every string becomes one allocation and one copy instead of a character-by-character
// append, which made nlohmann's lexer the largest cost of a PutRecords call. Any text simdjson
// refuses (not JSON, or JSON it reads differently: integers past 64 bits, a byte-order mark)
// goes to nlohmann's parser, so the answers are nlohmann's in every case.
api::Value ParseJson(std::string_view text);

}  // namespace sluice::protocol
