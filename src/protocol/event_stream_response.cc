#include "protocol/event_stream_response.h"

#include "protocol/error_response.h"
#include "protocol/event_stream.h"
#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {

EventStreamResponse::EventStreamResponse(std::shared_ptr<net::ResponseWriter> writer,
                                         const WireCodec& codec, const api::Shape& event_stream,
                                         Envelope envelope,
                                         std::function<void(const Status&)> failed)
    : writer_(std::move(writer)),
      codec_(codec),
      event_stream_(event_stream),
      envelope_(std::move(envelope)),
      failed_(std::move(failed)) {}

const api::Shape* EventStreamResponse::EventShape(std::string_view event_type) const {
  for (const auto& member : event_stream_.members) {
    if (member.name == event_type) return member.shape;
  }
  return nullptr;
}

void EventStreamResponse::Started() {
  started_ = true;
  writer_->Start(200, envelope_.Headers("application/vnd.amazon.eventstream"), std::nullopt);
  // The operation's output has no members besides the stream: its initial response is empty.
  writer_->Write(EventStreamEvent("initial-response", codec_.content_type(),
                                  codec_.EncodeResponse(nullptr, api::Value::object())));
}

void EventStreamResponse::Event(std::string_view event_type, api::Value event,
                                std::function<void(bool delivered)> delivered) {
  std::string payload = codec_.EncodeResponse(EventShape(event_type), std::move(event));
  writer_->Write(EventStreamEvent(event_type, codec_.content_type(), std::move(payload)),
                 [delivered = std::move(delivered)](bool ok) { delivered(ok); });
}

void EventStreamResponse::Ended(Status status) {
  if (!status.ok() && failed_) failed_(status);
  if (!started_) {
    if (status.ok()) status = Status(ErrorCode::kInternal, "The event stream ended unstarted.");
    net::SendResponse(*writer_, ErrorResponse(status, codec_, envelope_));
    return;
  }
  if (!status.ok()) {
    writer_->Write(EventStreamException(ToWire(status.code()).type, codec_.content_type(),
                                        codec_.EncodeError(status)));
  }
  writer_->Finish();
}

}  // namespace sluice::protocol
