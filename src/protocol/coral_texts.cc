#include "protocol/coral_texts.h"

#include <cctype>

namespace sluice::protocol {
namespace {

std::string UpperCase(std::string_view text) {
  std::string upper(text);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

}  // namespace

std::string CannotConvert(std::string_view java_class, std::string_view target) {
  std::string message = "class ";
  message.append(java_class).append(" can not be converted to ").append(target);
  return message;
}

std::optional<bool> CoralBoolean(std::string_view text) {
  const std::string upper = UpperCase(text);
  if (upper == "TRUE" || upper == "YES" || upper == "1") return true;
  if (upper == "FALSE" || upper == "NO" || upper == "0") return false;
  return std::nullopt;
}

std::string UnreadableBoolean(std::string_view text) {
  std::string message = "'";
  message.append(UpperCase(text)).append("' can not be converted to ").append(kBooleanTarget);
  return message;
}

}  // namespace sluice::protocol
