#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "protocol/envelope.h"
#include "protocol/wire_codec.h"
#include "sluice/api/api.h"
#include "sluice/api/model.h"
#include "sluice/net/response_writer.h"

namespace sluice::protocol {

// Answers an event-stream operation (SubscribeToShard) through a streaming ResponseWriter:
// `200` with `application/vnd.amazon.eventstream`, an `initial-response` event, then one
// event-stream message per event, each payload encoded by the request's codec (JSON or CBOR)
// along the event's model shape. A failure before the stream started is an ordinary error
// response; after it, an `exception` message ends the stream. The HTTP/1.1 transport frames the
// body chunked, HTTP/2 as DATA frames.
//
// Threads: the api calls it one call at a time (see api::EventSink); the writer may be used from
// any thread.
class EventStreamResponse final : public api::EventSink {
 public:
  // `failed` runs once if the call ends in an error (for the operation's error counter).
  EventStreamResponse(std::shared_ptr<net::ResponseWriter> writer, const WireCodec& codec,
                      const api::Shape& event_stream, Envelope envelope,
                      std::function<void(const Status&)> failed);

  void Started() override;
  void Event(std::string_view event_type, api::Value event,
             std::function<void(bool delivered)> delivered) override;
  void Ended(Status status) override;

 private:
  const api::Shape* EventShape(std::string_view event_type) const;

  std::shared_ptr<net::ResponseWriter> writer_;
  const WireCodec& codec_;
  const api::Shape& event_stream_;
  const Envelope envelope_;
  std::function<void(const Status&)> failed_;
  bool started_ = false;  // only touched by the api's one-at-a-time calls
};

}  // namespace sluice::protocol
