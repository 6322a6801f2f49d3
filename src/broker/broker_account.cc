// Limits and account settings. An account's settings are one replicated meta value per
// (account, region), written quorum first and published after, like stream metadata; updates run
// one at a time so none is lost to a concurrent one.
#include <boost/asio/post.hpp>

#include "broker/broker_state.h"
#include "sluice/broker/broker.h"
#include "sluice/common/log.h"

namespace sluice::broker {
namespace {

// The commitment after the caller asked for it to be on or off at `now_ms`.
AccountSettings Requested(const AccountSettings& current, bool enable, int64_t now_ms) {
  AccountSettings next = current;
  if (enable) {
    switch (current.status) {
      case CommitmentStatus::kEnabled:
        break;
      case CommitmentStatus::kEnabledUntilEarliestAllowedEnd:
        // Enabling again cancels the scheduled end; the commitment goes on as it was.
        next.status = CommitmentStatus::kEnabled;
        next.ended_ms.reset();
        break;
      case CommitmentStatus::kDisabled:
        next.status = CommitmentStatus::kEnabled;
        next.started_ms = now_ms;
        next.earliest_end_ms = now_ms + kMinimumCommitmentMs;
        next.ended_ms.reset();
        break;
    }
    return next;
  }
  switch (current.status) {
    case CommitmentStatus::kDisabled:
    case CommitmentStatus::kEnabledUntilEarliestAllowedEnd:
      break;
    case CommitmentStatus::kEnabled:
      if (current.earliest_end_ms && now_ms < *current.earliest_end_ms) {
        // Too early to end: it ends by itself at the earliest allowed end.
        next.status = CommitmentStatus::kEnabledUntilEarliestAllowedEnd;
        next.ended_ms = *current.earliest_end_ms;
      } else {
        next.status = CommitmentStatus::kDisabled;
        next.ended_ms = now_ms;
      }
      break;
  }
  return next;
}

bool Same(const AccountSettings& a, const AccountSettings& b) {
  return a.status == b.status && a.started_ms == b.started_ms && a.ended_ms == b.ended_ms &&
         a.earliest_end_ms == b.earliest_end_ms;
}

}  // namespace

StreamLimits Broker::DescribeLimits(const Caller& caller) const {
  StreamLimits limits;
  limits.shard_limit = options_.shard_limit;
  limits.open_shard_count = OpenShardsInNamespace(caller);
  limits.on_demand_stream_count = OnDemandStreamsInNamespace(caller);
  limits.on_demand_stream_limit = options_.on_demand_stream_limit;
  return limits;
}

AccountSettings Broker::AccountSettingsOf(const Caller& caller) const {
  const std::string key = AccountSettingsKey(caller.account, caller.region);
  AccountSettings stored;
  {
    std::lock_guard lock(accounts_->accounts_mutex);
    auto it = accounts_->settings.find(key);
    if (it != accounts_->settings.end()) stored = it->second;
  }
  return stored.At(Now());
}

AccountSettings Broker::DescribeAccountSettings(const Caller& caller) const {
  return AccountSettingsOf(caller);
}

Status Broker::RecoverAccountSettings(const replication::ReadView& view) {
  auto entries = view->ScanMeta(std::string(kAccountSettingsRoot));
  if (!entries.ok()) return entries.status();
  std::lock_guard lock(accounts_->accounts_mutex);
  for (const auto& [key, value] : *entries) {
    auto settings = DecodeAccountSettings(value);
    if (!settings) {
      Logger("broker")->error("skipping unreadable account settings at {}", key);
      continue;
    }
    accounts_->settings[key] = *settings;
  }
  return Status::Ok();
}

void Broker::UpdateAccountSettings(const Caller& caller, bool commitment_enabled,
                                   Callback<AccountSettings> done) {
  const std::string key = AccountSettingsKey(caller.account, caller.region);
  auto update = [this, key, commitment_enabled,
                 done = std::move(done)](std::function<void()> finished) mutable {
    const int64_t now = Now();
    std::optional<AccountSettings> stored;
    {
      std::lock_guard lock(accounts_->accounts_mutex);
      auto it = accounts_->settings.find(key);
      if (it != accounts_->settings.end()) stored = it->second;
    }
    const AccountSettings current = stored.value_or(AccountSettings{}).At(now);
    const AccountSettings next = Requested(current, commitment_enabled, now);
    if (stored && Same(next, *stored)) {
      done(next);
      return finished();
    }
    storage::WriteBatch batch, undo;
    batch.PutMeta(key, EncodeAccountSettings(next));
    if (stored) {
      undo.PutMeta(key, EncodeAccountSettings(*stored));
    } else {
      undo.DeleteMeta(key);
    }
    auto then = std::make_shared<std::function<void(Status)>>(
        [this, key, next, done = std::move(done), finished = std::move(finished)](Status status) {
          if (status.ok()) {
            std::lock_guard lock(accounts_->accounts_mutex);
            accounts_->settings[key] = next;
          }
          if (status.ok()) {
            done(next);
          } else {
            done(status);
          }
          finished();
        });
    Status queued = store_.Write(
        std::move(batch),
        [this, then](Status status) {
          // On a storage thread: hand the outcome to the io_context and return at once.
          boost::asio::post(
              io_, [then, status = std::move(status)]() mutable { (*then)(std::move(status)); });
        },
        std::move(undo));
    if (!queued.ok()) (*then)(std::move(queued));
  };

  // One update at a time: the next starts when the one before it is decided.
  struct RunNext {
    Accounts* accounts;
    void operator()() const {
      std::function<void(std::function<void()>)> operation;
      {
        std::lock_guard lock(accounts->accounts_mutex);
        if (accounts->queue.empty()) {
          accounts->busy = false;
          return;
        }
        operation = std::move(accounts->queue.front());
        accounts->queue.pop_front();
      }
      operation(*this);
    }
  };
  {
    std::lock_guard lock(accounts_->accounts_mutex);
    accounts_->queue.push_back(std::move(update));
    if (accounts_->busy) return;  // the update running now starts this one when decided
    accounts_->busy = true;
  }
  RunNext{accounts_.get()}();
}

}  // namespace sluice::broker
