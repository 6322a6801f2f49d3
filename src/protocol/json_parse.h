#pragma once

#include <string_view>

#include "sluice/api/api.h"

namespace sluice::protocol {

// Parses a JSON text into an api::Value exactly as nlohmann's parser does (a discarded value
// when the text is not JSON), but fast: simdjson checks and indexes the text in one vectorised
// pass, and every string becomes one allocation and one copy instead of a character-by-character
// append, which made nlohmann's lexer the largest cost of a PutRecords call. Any text simdjson
// refuses (not JSON, or JSON it reads differently: integers past 64 bits, a byte-order mark)
// goes to nlohmann's parser, so the answers are nlohmann's in every case but one: such a text
// with an object of more than 1000 members is refused without it (nlohmann would take time
// quadratic in the members to build it). Objects are built in time linear in their members.
api::Value ParseJson(std::string_view text);

}  // namespace sluice::protocol
