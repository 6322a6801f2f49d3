#pragma once

#include <optional>
#include <string_view>

#include "sluice/broker/broker.h"

namespace sluice::api {

// The API model's enum strings and the broker's enums, both ways. Input has passed model
// validation, so an unknown string cannot reach these; nullopt all the same rather than a guess.
std::optional<broker::IteratorType> IteratorTypeNamed(std::string_view name);
std::optional<broker::ShardFilterType> ShardFilterTypeNamed(std::string_view name);
std::optional<broker::StreamMode> StreamModeNamed(std::string_view name);

}  // namespace sluice::api
