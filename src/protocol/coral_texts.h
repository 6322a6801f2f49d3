#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::protocol {

// The texts of AWS's Coral JSON reader for a member of the wrong type, as the real service sends
// them (AWS-COMPAT.md "Envelope details"; kinesalite's tests, which ran against AWS). Both codecs
// use them: AWS's CBOR texts are not recorded, so CBOR gets the JSON ones.

// The Java class Coral names for any JSON number, whole or not.
inline constexpr std::string_view kCoralNumberClass =
    "com.amazon.coral.value.json.numbers.TruncatingBigNumber";

// "class <java_class> can not be converted to <target>", where `target` is one of the k*Target
// constants below.
std::string CannotConvert(std::string_view java_class, std::string_view target);

inline constexpr std::string_view kStringTarget = "an String";
inline constexpr std::string_view kIntegerTarget = "an Integer";
inline constexpr std::string_view kLongTarget = "an Long";
inline constexpr std::string_view kBooleanTarget = "an Boolean";
inline constexpr std::string_view kBlobTarget = "a Blob";
inline constexpr std::string_view kTimestampTarget = "milliseconds since epoch";

// Coral reads a string member given for a Boolean after upper-casing it: TRUE, YES and 1 are
// true, FALSE, NO and 0 false; anything else is refused with `'<TEXT>' can not be converted to
// an Boolean` (UnreadableBoolean gives that text).
std::optional<bool> CoralBoolean(std::string_view text);
std::string UnreadableBoolean(std::string_view text);

}  // namespace sluice::protocol
