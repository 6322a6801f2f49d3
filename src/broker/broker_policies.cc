// Resource policies of streams and consumers: PutResourcePolicy, GetResourcePolicy and
// DeleteResourcePolicy. A policy is a JSON document kept verbatim in the stream's replicated
// metadata (StreamInfo::policy, ConsumerInfo::policy) and returned as it was given. Sluice stores
// policies; it does not enforce them (every caller may do everything, as without IAM).
#include <nlohmann/json.hpp>

#include "broker/broker_messages.h"
#include "broker/tagged_resource.h"

namespace sluice::broker {
namespace {

// The model sets no bound on Policy; this is the size IAM allows a resource-based policy. It
// also bounds the stream's metadata, which is rewritten whole on every change.
constexpr size_t kMaxPolicyBytes = 20 * 1024;

Status CheckPolicy(const std::string& policy) {
  if (policy.size() > kMaxPolicyBytes) {
    return messages::PolicyTooLarge(policy.size(), kMaxPolicyBytes);
  }
  auto document = nlohmann::json::parse(policy, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return messages::PolicyNotAnObject();
  }
  return Status::Ok();
}

}  // namespace

void Broker::PutResourcePolicy(const Caller& caller, const std::string& arn, std::string policy,
                               Callback<Done> done) {
  auto resource = FindResource(caller, arn);
  if (!resource.ok()) return done(resource.status());
  Status valid = CheckPolicy(policy);
  if (!valid.ok()) return done(valid);
  EditResource(
      *resource,
      [policy = std::move(policy)](const Resource&, TagMap&, std::optional<std::string>& stored) {
        stored = policy;
        return Status::Ok();
      },
      std::move(done));
}

Result<std::optional<std::string>> Broker::GetResourcePolicy(const Caller& caller,
                                                             const std::string& arn) {
  auto resource = FindResource(caller, arn);
  if (!resource.ok()) return resource.status();
  return resource->policy();
}

void Broker::DeleteResourcePolicy(const Caller& caller, const std::string& arn,
                                  Callback<Done> done) {
  auto resource = FindResource(caller, arn);
  if (!resource.ok()) return done(resource.status());
  EditResource(
      *resource,
      [](const Resource& target, TagMap&, std::optional<std::string>& stored) {
        if (!stored) {
          return messages::NoResourcePolicy(target.arn);
        }
        stored.reset();
        return Status::Ok();
      },
      std::move(done));
}

}  // namespace sluice::broker
