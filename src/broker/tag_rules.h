#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

// AWS's rules for the tags of a stream or consumer, beyond the model's lengths (which the API's
// validator checks): the characters a key or value may hold, the reserved "aws:" key prefix, and
// at most kMaxTagsPerResource tags on one resource.
namespace sluice::broker::tag_rules {

inline constexpr size_t kMaxTagsPerResource = 50;

// What a tag operation acts on, as its error texts name it.
struct TagTarget {
  std::string
      phrase;        // "stream s under account 123" or "consumer c under stream s and account 123"
  std::string kind;  // "stream" or "consumer"
};

// Whether every character of `text` is one AWS allows in a tag: Unicode letters and digits, space
// separators, and _ . / = + - @ : (and '%', which AWS lets through this check and then refuses).
bool AllowedTagText(std::string_view text);

// Checks tags about to be added to `target`, which holds `current`: characters first (AWS's
// order), then the reserved prefix, then the limit on the tags the resource would hold after.
Status CheckTagsToAdd(const std::map<std::string, std::string>& current,
                      const std::map<std::string, std::string>& adding, const TagTarget& target);
// The same character and prefix checks for keys about to be removed.
Status CheckTagKeysToRemove(const std::vector<std::string>& keys, const TagTarget& target);

}  // namespace sluice::broker::tag_rules
