#include "sluice/common/base64.h"

#include <array>
#include <cstdint>

namespace sluice {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeReverse() {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kReverse = MakeReverse();

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out += "==";
  } else if (rest == 2) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::string Base64Problem(std::string_view text) {
  if (text.size() % 4 != 0) {
    return "Base64 encoded length is expected a multiple of 4 bytes but found: " +
           std::to_string(text.size());
  }
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      // '=' may only close the text, at most twice.
      if (i + 2 < text.size() || (i + 2 == text.size() && text[i + 1] != '=')) {
        return "Invalid Base64 character: '='";
      }
      ++padding;
      continue;
    }
    if (padding > 0 || kReverse[static_cast<unsigned char>(c)] < 0) {
      return std::string("Invalid Base64 character: '") + c + "'";
    }
  }
  if (padding > 0) {
    // The bits the padding leaves unused must be zero.
    int last = kReverse[static_cast<unsigned char>(text[text.size() - padding - 1])];
    int unused_mask = padding == 1 ? 0x3 : 0xf;
    if ((last & unused_mask) != 0) return "Invalid last non-pad Base64 character dectected";
  }
  return "";
}

std::optional<std::string> Base64Decode(std::string_view text) {
  // One pass that checks as it decodes, accepting exactly what Base64Problem accepts (a request
  // body may hold 10 MiB of it): a multiple of 4 characters of the alphabet, then at most two
  // '=' that close the text, with the bits they leave unused zero.
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out(text.size() / 4 * 3 - padding, '\0');
  auto at = [&](size_t i) { return kReverse[static_cast<unsigned char>(text[i])]; };
  const size_t whole = text.size() - (padding > 0 ? 4 : 0);  // quads without padding
  size_t o = 0;
  for (size_t i = 0; i < whole; i += 4) {
    const int a = at(i), b = at(i + 1), c = at(i + 2), d = at(i + 3);
    if ((a | b | c | d) < 0) return std::nullopt;
    const uint32_t n = (static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
                       (static_cast<uint32_t>(c) << 6) | static_cast<uint32_t>(d);
    out[o++] = static_cast<char>((n >> 16) & 0xff);
    out[o++] = static_cast<char>((n >> 8) & 0xff);
    out[o++] = static_cast<char>(n & 0xff);
  }
  if (padding == 0) return out;
  const size_t i = whole;
  const int a = at(i), b = at(i + 1);
  if ((a | b) < 0) return std::nullopt;
  out[o++] = static_cast<char>((a << 2) | (b >> 4));
  if (padding == 2) {
    if (text[i + 2] != '=' || (b & 0xf) != 0) return std::nullopt;
    return out;
  }
  const int c = at(i + 2);
  if (c < 0 || (c & 0x3) != 0) return std::nullopt;
  out[o++] = static_cast<char>(((b & 0xf) << 4) | (c >> 2));
  return out;
}

}  // namespace sluice
