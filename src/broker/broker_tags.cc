// Tags of streams and consumers: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream and
// TagResource, UntagResource, ListTagsForResource; and the lookup and edit of a stream or consumer
// that the tag and policy operations share. Tags are part of the stream's metadata
// (StreamInfo::tags, ConsumerInfo::tags), so every change goes through the stream registry:
// quorum first, then the new view.
#include <algorithm>

#include "broker/broker_messages.h"
#include "broker/stream_registry.h"
#include "broker/tagged_resource.h"

namespace sluice::broker {
namespace {

// ListTagsForStream without a Limit: every tag a stream can have.
constexpr uint32_t kDefaultListTagsLimit = tag_rules::kMaxTagsPerResource;

// The edits of the tag operations (Broker::ResourceEdit), the same whether the resource was named
// by stream or by ARN.
auto AddingTags(TagMap adding) {
  return [adding = std::move(adding)](const auto& resource, TagMap& tags,
                                      std::optional<std::string>&) -> Status {
    Status allowed = tag_rules::CheckTagsToAdd(tags, adding, resource.target);
    if (!allowed.ok()) return allowed;
    for (const auto& [key, value] : adding) tags[key] = value;
    return Status::Ok();
  };
}

auto RemovingTags(std::vector<std::string> keys) {
  return [keys = std::move(keys)](const auto& resource, TagMap& tags,
                                  std::optional<std::string>&) -> Status {
    Status allowed = tag_rules::CheckTagKeysToRemove(keys, resource.target);
    if (!allowed.ok()) return allowed;
    for (const auto& key : keys) tags.erase(key);  // keys it does not have are ignored, as in AWS
    return Status::Ok();
  };
}

}  // namespace

Result<Broker::Resource> Broker::FindResource(const Caller& caller, const StreamRef& stream) const {
  auto found = Find(caller, stream);
  if (!found.ok()) return found.status();
  const StreamInfo& info = (*found)->info;
  Resource resource;
  resource.key = StreamMetaKey(info.account, info.region, info.name);
  resource.arn = info.Arn();
  resource.view = std::move(found).value();
  resource.target = {"stream " + info.name + " under account " + info.account, "stream"};
  return resource;
}

Result<Broker::Resource> Broker::FindResource(const Caller& caller, const std::string& arn) const {
  if (ParseConsumerArn(arn)) {
    auto found = FindConsumer(caller, {"", "", arn});
    if (!found.ok()) return found.status();
    const StreamInfo& info = found->first->info;
    Resource resource;
    resource.key = StreamMetaKey(info.account, info.region, info.name);
    resource.arn = arn;
    resource.view = found->first;
    resource.consumer = std::move(found->second);
    resource.target = {"consumer " + resource.consumer->name + " under stream " + info.name +
                           " and account " + info.account,
                       "consumer"};
    return resource;
  }
  if (ParseStreamArn(arn)) return FindResource(caller, StreamRef{"", arn});
  // The model's pattern admits ARNs of other "...stream/" resources; Kinesis has only these two.
  return messages::InvalidResourceArn(arn);
}

void Broker::EditResource(const Resource& resource, ResourceEdit edit, Callback<Done> done) {
  const StreamInfo& found = resource.view->info;
  registry_->Update(
      resource.key,
      [resource, edit = std::move(edit)](const StreamView& current) -> Result<StreamInfo> {
        const StreamInfo& now = current.info;
        if (now.status == StreamStatus::kCreating || now.status == StreamStatus::kDeleting) {
          return messages::StreamNotActive(now);
        }
        StreamInfo next = now;
        if (!resource.consumer) {
          Status edited = edit(resource, next.tags, next.policy);
          if (!edited.ok()) return edited;
          return next;
        }
        auto consumer = std::find_if(next.consumers.begin(), next.consumers.end(), [&](auto& c) {
          return c.name == resource.consumer->name && c.created_ms == resource.consumer->created_ms;
        });
        if (consumer == next.consumers.end()) return messages::ConsumerNotFound(resource.arn, now);
        if (consumer->status != ConsumerStatus::kActive) {
          return messages::ConsumerNotActive(*consumer, now);
        }
        Status edited = edit(resource, consumer->tags, consumer->policy);
        if (!edited.ok()) return edited;
        return next;
      },
      messages::StreamNotFound(found.name, found.account),
      [done = std::move(done)](Result<ViewPtr> changed) {
        if (!changed.ok()) return done(changed.status());
        done(Done{});
      });
}

void Broker::AddTagsToStream(const Caller& caller, const StreamRef& stream, TagMap tags,
                             Callback<Done> done) {
  auto resource = FindResource(caller, stream);
  if (!resource.ok()) return done(resource.status());
  EditResource(*resource, AddingTags(std::move(tags)), std::move(done));
}

void Broker::RemoveTagsFromStream(const Caller& caller, const StreamRef& stream,
                                  std::vector<std::string> keys, Callback<Done> done) {
  auto resource = FindResource(caller, stream);
  if (!resource.ok()) return done(resource.status());
  EditResource(*resource, RemovingTags(std::move(keys)), std::move(done));
}

Result<ListTagsResult> Broker::ListTagsForStream(const Caller& caller,
                                                 const ListTagsRequest& request) {
  auto resource = FindResource(caller, request.stream);
  if (!resource.ok()) return resource.status();
  const TagMap& tags = resource->tags();
  const uint32_t limit = request.limit.value_or(kDefaultListTagsLimit);
  auto it = request.exclusive_start_tag_key.empty()
                ? tags.begin()
                : tags.upper_bound(request.exclusive_start_tag_key);
  ListTagsResult result;
  for (; it != tags.end(); ++it) {
    if (result.tags.size() == limit) {
      result.has_more = true;
      break;
    }
    result.tags.insert(*it);
  }
  return result;
}

void Broker::TagResource(const Caller& caller, const std::string& arn, TagMap tags,
                         Callback<Done> done) {
  auto resource = FindResource(caller, arn);
  if (!resource.ok()) return done(resource.status());
  EditResource(*resource, AddingTags(std::move(tags)), std::move(done));
}

void Broker::UntagResource(const Caller& caller, const std::string& arn,
                           std::vector<std::string> keys, Callback<Done> done) {
  auto resource = FindResource(caller, arn);
  if (!resource.ok()) return done(resource.status());
  EditResource(*resource, RemovingTags(std::move(keys)), std::move(done));
}

Result<TagMap> Broker::ListTagsForResource(const Caller& caller, const std::string& arn) {
  auto resource = FindResource(caller, arn);
  if (!resource.ok()) return resource.status();
  return resource->tags();
}

}  // namespace sluice::broker
