#pragma once

#include <cstddef>
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

// The shape of a JSON text without parsing it: how deep arrays and objects nest and the most
// members any object has (commas at its level, brackets and commas inside strings not counted).
// One pass, no tree; malformed text is measured as far as it goes. Run before parsing, so a
// text that would make a tree too deep or a parser too slow is refused first. The scan stops
// (memory bounded) once the nesting passes `max_depth`: `depth` is then max_depth + 1 and
// `widest_object` counts only what came before.
struct JsonStructure {
  int depth = 0;
  size_t widest_object = 0;
};
JsonStructure ScanJsonStructure(std::string_view text, int max_depth);

}  // namespace sluice::protocol
