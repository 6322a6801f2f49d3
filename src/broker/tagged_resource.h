#pragma once

#include <optional>
#include <string>

#include "broker/stream_view.h"
#include "broker/tag_rules.h"
#include "sluice/broker/broker.h"

namespace sluice::broker {

// A stream, or one consumer of it, as the tag and policy operations address it: by stream
// reference or by resource ARN. A snapshot taken when the request arrived; EditResource applies
// its change to the stream's latest view, where the consumer is found again by name and
// creation time (an earlier or later consumer of the same name is another resource).
struct Broker::Resource {
  std::string key;  // the stream's StreamMetaKey
  std::string arn;  // the stream's or the consumer's ARN
  ViewPtr view;     // the stream as found
  std::optional<ConsumerInfo> consumer;
  tag_rules::TagTarget target;  // how error texts name it

  const TagMap& tags() const { return consumer ? consumer->tags : view->info.tags; }
  const std::optional<std::string>& policy() const {
    return consumer ? consumer->policy : view->info.policy;
  }
};

}  // namespace sluice::broker
