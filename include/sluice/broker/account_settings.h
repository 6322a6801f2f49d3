#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::broker {

// The state of an account's minimum throughput billing commitment, as DescribeAccountSettings
// names it. ENABLED_UNTIL_EARLIEST_ALLOWED_END: disabling was asked for before the commitment's
// minimum duration was over, so it stays on until then.
enum class CommitmentStatus { kEnabled, kDisabled, kEnabledUntilEarliestAllowedEnd };
std::string_view CommitmentStatusName(CommitmentStatus status);

// Account-level settings of one (account, region): durable, replicated metadata of their own,
// outside every stream. An account that never changed them has the defaults.
struct AccountSettings {
  CommitmentStatus status = CommitmentStatus::kDisabled;
  std::optional<int64_t> started_ms;
  std::optional<int64_t> ended_ms;
  std::optional<int64_t> earliest_end_ms;

  // The settings as they stand at `now_ms`: a disable scheduled for the earliest allowed end has
  // happened once that time is past.
  AccountSettings At(int64_t now_ms) const;
  bool commitment_enabled() const { return status != CommitmentStatus::kDisabled; }
};

// A commitment lasts at least this long before it can end (AWS: 24 hours).
inline constexpr int64_t kMinimumCommitmentMs = 24LL * 60 * 60 * 1000;

// The persisted form (a meta value) and back; nullopt for bytes that are not one.
std::string EncodeAccountSettings(const AccountSettings& settings);
std::optional<AccountSettings> DecodeAccountSettings(std::string_view bytes);

// The meta key of an (account, region)'s settings. It lies outside kStreamMetaRoot, so listing
// streams never meets it.
std::string AccountSettingsKey(std::string_view account, std::string_view region);
inline constexpr std::string_view kAccountSettingsRoot = "account-settings/";

}  // namespace sluice::broker
