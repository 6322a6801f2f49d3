#include "sluice/broker/account_settings.h"

#include <nlohmann/json.hpp>

namespace sluice::broker {

std::string_view CommitmentStatusName(CommitmentStatus status) {
  switch (status) {
    case CommitmentStatus::kEnabled:
      return "ENABLED";
    case CommitmentStatus::kDisabled:
      return "DISABLED";
    case CommitmentStatus::kEnabledUntilEarliestAllowedEnd:
      return "ENABLED_UNTIL_EARLIEST_ALLOWED_END";
  }
  return "DISABLED";
}

AccountSettings AccountSettings::At(int64_t now_ms) const {
  AccountSettings now = *this;
  if (status == CommitmentStatus::kEnabledUntilEarliestAllowedEnd && earliest_end_ms &&
      now_ms >= *earliest_end_ms) {
    now.status = CommitmentStatus::kDisabled;
    now.ended_ms = *earliest_end_ms;
  }
  return now;
}

// Versioned JSON like the stream metadata: readable by an operator, tolerant of added fields.
std::string EncodeAccountSettings(const AccountSettings& settings) {
  nlohmann::json doc = {{"v", 1}, {"commitment_status", CommitmentStatusName(settings.status)}};
  if (settings.started_ms) doc["started_ms"] = *settings.started_ms;
  if (settings.ended_ms) doc["ended_ms"] = *settings.ended_ms;
  if (settings.earliest_end_ms) doc["earliest_end_ms"] = *settings.earliest_end_ms;
  return doc.dump();
}

std::optional<AccountSettings> DecodeAccountSettings(std::string_view bytes) {
  auto doc = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("v", 0) != 1) return std::nullopt;
  try {
    AccountSettings settings;
    const std::string status = doc.at("commitment_status").get<std::string>();
    bool known = false;
    for (auto candidate : {CommitmentStatus::kEnabled, CommitmentStatus::kDisabled,
                           CommitmentStatus::kEnabledUntilEarliestAllowedEnd}) {
      if (CommitmentStatusName(candidate) == status) {
        settings.status = candidate;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    if (doc.contains("started_ms")) settings.started_ms = doc["started_ms"].get<int64_t>();
    if (doc.contains("ended_ms")) settings.ended_ms = doc["ended_ms"].get<int64_t>();
    if (doc.contains("earliest_end_ms")) {
      settings.earliest_end_ms = doc["earliest_end_ms"].get<int64_t>();
    }
    return settings;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string AccountSettingsKey(std::string_view account, std::string_view region) {
  std::string key(kAccountSettingsRoot);
  key.append(account).append("/").append(region);
  return key;
}

}  // namespace sluice::broker
