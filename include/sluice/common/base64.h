#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// Standard base64 (RFC 4648, '+' '/', '=' padding).
std::string Base64Encode(std::string_view bytes);

// Strict decoding: length a multiple of 4, only alphabet characters, padding only at the end,
// and unused bits zero (so that decode(encode(x)) is the only spelling of x, as AWS requires).
// nullopt otherwise.
std::optional<std::string> Base64Decode(std::string_view text);

// Why `text` is not strict base64, in the words AWS uses after "can not be converted to a Blob: ",
// or "" when it is valid.
std::string Base64Problem(std::string_view text);

}  // namespace sluice
