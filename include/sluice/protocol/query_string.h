#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sluice::protocol {

// The query parameters of a request target ("/path?a=1&b=x%20y"), percent-decoded ('+' is a
// space). A repeated name keeps its last value; a name without '=' maps to "".
std::map<std::string, std::string> QueryParameters(const std::string& target);

// `text` with each %XX decoded and '+' as a space; a '%' not followed by two hex digits stays.
std::string PercentDecode(std::string_view text);

}  // namespace sluice::protocol
