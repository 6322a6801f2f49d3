#pragma once

#include <string>
#include <string_view>

namespace sluice::protocol {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF). CBOR text strings must be; JSON's parser checks the same for JSON bodies.
bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD, for writing text that must be UTF-8
// whatever a handler put in it (the JSON codec's dump does the same).
std::string WithValidUtf8(std::string_view text);

}  // namespace sluice::protocol
