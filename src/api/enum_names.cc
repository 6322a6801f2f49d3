#include "api/enum_names.h"

#include <array>
#include <utility>

namespace sluice::api {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> Lookup(const std::array<std::pair<std::string_view, Enum>, N>& table,
                           std::string_view name) {
  for (const auto& [text, value] : table) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<broker::IteratorType> IteratorTypeNamed(std::string_view name) {
  using T = broker::IteratorType;
  static constexpr std::array<std::pair<std::string_view, T>, 5> kNames{{
      {"AT_SEQUENCE_NUMBER", T::kAtSequenceNumber},
      {"AFTER_SEQUENCE_NUMBER", T::kAfterSequenceNumber},
      {"TRIM_HORIZON", T::kTrimHorizon},
      {"LATEST", T::kLatest},
      {"AT_TIMESTAMP", T::kAtTimestamp},
  }};
  return Lookup(kNames, name);
}

std::optional<broker::ShardFilterType> ShardFilterTypeNamed(std::string_view name) {
  using T = broker::ShardFilterType;
  static constexpr std::array<std::pair<std::string_view, T>, 6> kNames{{
      {"AFTER_SHARD_ID", T::kAfterShardId},
      {"AT_TRIM_HORIZON", T::kAtTrimHorizon},
      {"FROM_TRIM_HORIZON", T::kFromTrimHorizon},
      {"AT_LATEST", T::kAtLatest},
      {"AT_TIMESTAMP", T::kAtTimestamp},
      {"FROM_TIMESTAMP", T::kFromTimestamp},
  }};
  return Lookup(kNames, name);
}

std::optional<broker::StreamMode> StreamModeNamed(std::string_view name) {
  using T = broker::StreamMode;
  static constexpr std::array<std::pair<std::string_view, T>, 2> kNames{{
      {"PROVISIONED", T::kProvisioned},
      {"ON_DEMAND", T::kOnDemand},
  }};
  return Lookup(kNames, name);
}

}  // namespace sluice::api
