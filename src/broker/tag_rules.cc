#include "broker/tag_rules.h"

#include <locale.h>
#include <clocale>
#include <cwctype>

#include "broker/broker_messages.h"

namespace sluice::broker::tag_rules {
namespace {

constexpr std::string_view kReservedPrefix = "aws:";
constexpr std::string_view kAddAction = "add tags to";
constexpr std::string_view kRemoveAction = "remove tags from";

// The C.UTF-8 locale, whose character classes follow Unicode; opened once, never freed. Null when
// the system lacks it, and then only ASCII letters and digits count as letters and digits.
locale_t UnicodeLocale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return locale;
}

// Decodes the UTF-8 code point at `text[i]`, advancing `i`; false for malformed UTF-8 (the
// protocol layer refuses it before here, so this is only a guard).
bool NextCodePoint(std::string_view text, size_t& i, char32_t& out) {
  const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  size_t length = lead < 0x80           ? 1
                  : (lead >> 5) == 0x6  ? 2
                  : (lead >> 4) == 0xe  ? 3
                  : (lead >> 3) == 0x1e ? 4
                                        : 0;
  if (length == 0 || i + length > text.size()) return false;
  char32_t point = length == 1 ? lead : lead & (0x7f >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return false;
    point = (point << 6) | (byte(i + k) & 0x3f);
  }
  i += length;
  out = point;
  return true;
}

bool IsAllowedSymbol(char32_t c) {
  switch (c) {
    case '_':
    case '.':
    case '/':
    case '=':
    case '+':
    case '-':
    case '@':
    case ':':
    case '%':
      return true;
    default:
      return false;
  }
}

// Unicode letters and digits (L*, N*), and space separators (Z*): U+0020 and the wider spaces,
// never a control character such as tab or newline (AWS refuses those).
bool IsLetterDigitOrSpace(char32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
  }
  if (c == 0xa0 || c == 0x2007 || c == 0x202f) return true;  // no-break spaces (Zs)
  locale_t locale = UnicodeLocale();
  if (locale == static_cast<locale_t>(0)) return false;
  const auto wide = static_cast<wint_t>(c);
  return iswalnum_l(wide, locale) || (iswspace_l(wide, locale) && !iswcntrl_l(wide, locale));
}

bool HasReservedPrefix(std::string_view key) { return key.substr(0, 4) == kReservedPrefix; }

// The checks every key and value of a request goes through, in AWS's order.
Status CheckCharacters(const std::vector<std::string_view>& texts, std::string_view action,
                       const TagTarget& target) {
  for (auto text : texts) {
    if (!AllowedTagText(text)) return messages::InvalidTagCharacters();
  }
  for (auto text : texts) {
    if (text.find('%') != std::string_view::npos) {
      return messages::IllegalTagCharacters(action, target.phrase);
    }
  }
  return Status::Ok();
}

}  // namespace

bool AllowedTagText(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    char32_t c = 0;
    if (!NextCodePoint(text, i, c)) return false;
    if (!IsAllowedSymbol(c) && !IsLetterDigitOrSpace(c)) return false;
  }
  return true;
}

Status CheckTagsToAdd(const std::map<std::string, std::string>& current,
                      const std::map<std::string, std::string>& adding, const TagTarget& target) {
  std::vector<std::string_view> texts;
  for (const auto& [key, value] : adding) texts.push_back(key);
  for (const auto& [key, value] : adding) texts.push_back(value);
  Status characters = CheckCharacters(texts, kAddAction, target);
  if (!characters.ok()) return characters;
  for (const auto& [key, value] : adding) {
    if (HasReservedPrefix(key)) return messages::ReservedTagKey(kAddAction, target.phrase);
  }
  size_t after = current.size();
  for (const auto& [key, value] : adding) after += current.count(key) ? 0 : 1;
  if (after > kMaxTagsPerResource) {
    return messages::TooManyTags(target.phrase, target.kind, kMaxTagsPerResource);
  }
  return Status::Ok();
}

Status CheckTagKeysToRemove(const std::vector<std::string>& keys, const TagTarget& target) {
  std::vector<std::string_view> texts(keys.begin(), keys.end());
  Status characters = CheckCharacters(texts, kRemoveAction, target);
  if (!characters.ok()) return characters;
  for (const auto& key : keys) {
    if (HasReservedPrefix(key)) return messages::ReservedTagKey(kRemoveAction, target.phrase);
  }
  return Status::Ok();
}

}  // namespace sluice::broker::tag_rules
