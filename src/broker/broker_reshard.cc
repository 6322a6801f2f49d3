// Resharding: SplitShard, MergeShards and UpdateShardCount, and the seal that closes a parent
// shard's writer without losing or misplacing a concurrent put (docs/architecture.md,
// "Resharding").
#include "broker/broker_messages.h"
#include "broker/broker_state.h"
#include "broker/reshard_plan.h"
#include "broker/stream_registry.h"
#include "sluice/broker/broker.h"
#include "sluice/common/log.h"

namespace sluice::broker {
namespace {

// AWS's ceiling on a stream's shards for UpdateShardCount, whatever the account's limit.
constexpr uint32_t kMaxShardsPerStream = 10000;

// The open shard a reshard names, or why it cannot be resharded.
Result<ShardIndex> FindShardToReshard(const StreamInfo& info, const std::string& shard_id) {
  auto index = ParseShardId(shard_id);
  if (!index || index->value() >= info.shards.size()) {
    return messages::CouldNotFindShard(shard_id, info);
  }
  return *index;
}

Status RequireActive(const StreamInfo& info) {
  if (info.status != StreamStatus::kActive) return messages::StreamNotActive(info);
  return Status::Ok();
}

// The writers a reshard sealed, with the end each had, shared by its change and its answer.
struct Sealed {
  std::vector<std::pair<std::shared_ptr<ShardWriter>, uint64_t>> writers;
};

}  // namespace

void Broker::Reshard(const Caller& caller, const StreamRef& ref, ReshardPlan plan,
                     Callback<ViewPtr> done) {
  auto found = Find(caller, ref);
  if (!found.ok()) return done(found.status());
  const StreamInfo& info = (*found)->info;
  const std::string key = StreamMetaKey(info.account, info.region, info.name);
  const bool immediate = options_.update_delay.count() == 0;
  auto sealed = std::make_shared<Sealed>();
  registry_->Update(
      key,
      [this, caller, plan = std::move(plan), sealed,
       immediate](const StreamView& current) -> Result<StreamInfo> {
        StreamInfo next = current.info;
        const int64_t now = Now();
        if (Status planned = plan(current.info, next, now); !planned.ok()) return planned;
        const uint32_t before = current.info.OpenShardCount();
        const uint32_t after = next.OpenShardCount();
        if (after > before) {
          const uint32_t open_now = OpenShardsInNamespace(caller);
          if (open_now + (after - before) > options_.shard_limit) {
            return messages::ShardLimitExceeded(caller.account, caller.region, open_now,
                                                options_.shard_limit, after - before);
          }
        }
        // The seal: from here no record lands in a shard this reshard closes, and each one's end
        // is what it holds now (every record sequenced before is already queued to the store,
        // ahead of this metadata write).
        for (const auto& shard : current.info.shards) {
          if (!shard.open() || next.shards[shard.index.value()].open()) continue;
          auto writer = current.writers[shard.index.value()];
          const uint64_t end = writer->Seal();
          sealed->writers.emplace_back(writer, end);
          if (end > 0) next.shards[shard.index.value()].closed_at_seq = end - 1;
        }
        next.status = immediate ? StreamStatus::kActive : StreamStatus::kUpdating;
        return next;
      },
      messages::StreamNotFound(info.name, info.account),
      [this, key, sealed, immediate, done = std::move(done)](Result<ViewPtr> published) {
        if (!published.ok()) {
          // Nothing was published: the parents take records again, the waiting puts retry.
          for (auto& [writer, end] : sealed->writers) writer->Unseal();
          return done(published.status());
        }
        // Every write queued before this one is decided (the store answers in log order), so
        // each parent's end is final: readers may read up to it, then find the children.
        for (auto& [writer, end] : sealed->writers) {
          writer->Commit(end);
          writer->Close();
        }
        if (!immediate) ScheduleActivation(key, options_.update_delay);
        done(std::move(published).value());
      });
}

void Broker::SplitShard(const Caller& caller, const StreamRef& ref,
                        const std::string& shard_to_split, const std::string& new_starting_hash_key,
                        Callback<Done> done) {
  auto plan = [shard_to_split, new_starting_hash_key](const StreamInfo& current, StreamInfo& next,
                                                      int64_t now) -> Status {
    auto index = FindShardToReshard(current, shard_to_split);
    if (!index.ok()) return index.status();
    const ShardInfo& shard = current.shards[index->value()];
    auto new_start = HashKeyFromDecimal(new_starting_hash_key);
    if (!new_start || !CanSplitAt(shard.range, *new_start)) {
      return messages::SplitKeyOutsideShard(new_starting_hash_key, shard, current);
    }
    if (!shard.open()) return messages::ShardAlreadyResharded(shard, current);
    if (Status active = RequireActive(current); !active.ok()) return active;
    ReshardEditor(next, now).Split(*index, *new_start);
    return Status::Ok();
  };
  Reshard(caller, ref, std::move(plan), [done = std::move(done)](Result<ViewPtr> resharded) {
    if (!resharded.ok()) return done(resharded.status());
    done(Done{});
  });
}

void Broker::MergeShards(const Caller& caller, const StreamRef& ref,
                         const std::string& shard_to_merge,
                         const std::string& adjacent_shard_to_merge, Callback<Done> done) {
  auto plan = [shard_to_merge, adjacent_shard_to_merge](const StreamInfo& current, StreamInfo& next,
                                                        int64_t now) -> Status {
    auto first = FindShardToReshard(current, shard_to_merge);
    if (!first.ok()) return first.status();
    auto second = FindShardToReshard(current, adjacent_shard_to_merge);
    if (!second.ok()) return second.status();
    const ShardInfo& shard = current.shards[first->value()];
    const ShardInfo& adjacent = current.shards[second->value()];
    if (!shard.open()) return messages::ShardAlreadyResharded(shard, current);
    if (!adjacent.open()) return messages::ShardAlreadyResharded(adjacent, current);
    if (!AreAdjacent(shard.range, adjacent.range) && !AreAdjacent(adjacent.range, shard.range)) {
      return messages::ShardsNotAdjacent(shard, adjacent, current);
    }
    if (Status active = RequireActive(current); !active.ok()) return active;
    ReshardEditor(next, now).Merge(*first, *second);
    return Status::Ok();
  };
  Reshard(caller, ref, std::move(plan), [done = std::move(done)](Result<ViewPtr> resharded) {
    if (!resharded.ok()) return done(resharded.status());
    done(Done{});
  });
}

void Broker::UpdateShardCount(const Caller& caller, const StreamRef& ref, uint32_t target,
                              Callback<UpdateShardCountResult> done) {
  auto open_before = std::make_shared<uint32_t>(0);
  auto plan = [target, open_before](const StreamInfo& current, StreamInfo& next,
                                    int64_t now) -> Status {
    if (Status active = RequireActive(current); !active.ok()) return active;
    if (current.stream_mode == StreamMode::kOnDemand) return messages::OnDemandStream(current);
    const uint32_t open = current.OpenShardCount();
    *open_before = open;
    if (target > kMaxShardsPerStream) {
      return messages::ScalingLimit(
          "Target shard count or number of open shards cannot be "
          "greater than " +
              std::to_string(kMaxShardsPerStream) + ".",
          open, target);
    }
    if (static_cast<uint64_t>(target) > 2 * static_cast<uint64_t>(open)) {
      return messages::ScalingLimit(
          "UpdateShardCount cannot scale up over double your current open shard count.", open,
          target);
    }
    if (2 * static_cast<uint64_t>(target) < open) {
      return messages::ScalingLimit(
          "UpdateShardCount cannot scale down below half your current open shard count.", open,
          target);
    }
    return PlanUniformScaling(next, target, now);
  };
  Reshard(caller, ref, std::move(plan),
          [target, open_before, done = std::move(done)](Result<ViewPtr> resharded) {
            if (!resharded.ok()) return done(resharded.status());
            const StreamInfo& info = (*resharded)->info;
            done(UpdateShardCountResult{info.name, info.Arn(), *open_before, target});
          });
}

}  // namespace sluice::broker
