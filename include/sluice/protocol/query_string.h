#pragma once

#include <map>
#include <string>

namespace sluice::protocol {

// The query parameters of a request target ("/path?a=1&b=x%20y"), percent-decoded ('+' is a
// space). A repeated name keeps its last value; a name without '=' maps to "".
std::map<std::string, std::string> QueryParameters(const std::string& target);

}  // namespace sluice::protocol
