#pragma once

// Hex spellings of byte strings, for tests that state wire bytes exactly.

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::testing {

// "1b ff 00" or "1bff00" -> the bytes (spaces are skipped).
inline std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

// The bytes as lower-case hex, `separator` between bytes.
inline std::string ToHex(std::string_view bytes, std::string_view separator = "") {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    if (!out.empty()) out.append(separator);
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 0xf]);
  }
  return out;
}

}  // namespace sluice::testing
