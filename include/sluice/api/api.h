#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sluice/broker/broker.h"
#include "sluice/common/status.h"

namespace sluice::api {

// Requests and replies as encoding-neutral ordered JSON values; member order follows the API
// model (sluice/api/model.h). Blob members hold their bytes as binary values
// (nlohmann::json::binary_t) and Timestamp members hold integer epoch milliseconds (int64), the
// unit the broker keeps and CBOR sends. A timestamp is told from a Long only by its shape in the
// model, which is why protocol/'s codecs walk values along the model's input and output shapes to
// turn them into a wire encoding (JSON's base64 and fractional seconds, CBOR's byte strings and
// tag 1) and back.
using Value = nlohmann::ordered_json;

struct RequestContext {
  broker::Caller caller;
  std::string request_id;
};

// Called exactly once with the operation's output or its failure, from any thread.
using Reply = std::function<void(Result<Value>)>;

// Where an event-stream operation (SubscribeToShard) delivers: Started once when the stream is
// established (the initial response may go out), then Event per event, the next only after the
// previous `delivered(true)`, then Ended. A call refused before it started gets only Ended, with
// the error to answer the request with. Calls come one at a time, from the broker's threads.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Started() = 0;
  // `event` is a value of the event stream's member shape named `event_type`
  // ("SubscribeToShardEvent").
  virtual void Event(std::string_view event_type, Value event,
                     std::function<void(bool delivered)> delivered) = 0;
  // OK when the stream ended normally; otherwise the error (an exception event once started).
  virtual void Ended(Status status) = 0;
};

// The Kinesis operations: validates input against the official API model (AWS's texts), then
// runs the operation's handler against the broker.
//
// Thread-safe: immutable after construction; handlers run on the caller's thread and reply
// either inline or from a storage-node thread once a write is durable.
class Api {
 public:
  explicit Api(broker::Broker& broker);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Every operation of the model.
  const std::vector<std::string>& Operations() const;
  // Whether the model has an operation of this name.
  bool HasOperation(std::string_view operation) const;
  // Whether Sluice implements it (every operation of the model is known; not all are served).
  bool Implements(std::string_view operation) const;

  // `input` is the request as a neutral value of the operation's input shape, as a codec decoded
  // it. It is checked against the model's constraints (AWS's validation texts) first.
  void Invoke(const RequestContext& context, std::string_view operation, Value input,
              Reply reply) const;

  // Whether the operation answers with an event stream (SubscribeToShard) rather than one reply.
  bool IsEventStream(std::string_view operation) const;
  // Runs an event-stream operation: validates `input` like Invoke, then streams into `sink`.
  void Subscribe(const RequestContext& context, std::string_view operation, Value input,
                 std::shared_ptr<EventSink> sink) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::api
