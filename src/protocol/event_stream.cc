#include "protocol/event_stream.h"

#include <boost/crc.hpp>

namespace sluice::protocol {
namespace {

void PutU32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint32_t GetU32(std::string_view bytes, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[at + i]);
  return value;
}

Status FrameError(std::string message) {
  return Status(ErrorCode::kSerialization, "Event stream message: " + std::move(message));
}

// The size of a header value of `type` after its type byte, when fixed; -1 for the types that
// carry a u16 length, -2 for an unknown type.
int FixedValueSize(uint8_t type) {
  switch (static_cast<EventStreamHeaderType>(type)) {
    case EventStreamHeaderType::kTrue:
    case EventStreamHeaderType::kFalse:
      return 0;
    case EventStreamHeaderType::kByte:
      return 1;
    case EventStreamHeaderType::kShort:
      return 2;
    case EventStreamHeaderType::kInteger:
      return 4;
    case EventStreamHeaderType::kLong:
    case EventStreamHeaderType::kTimestamp:
      return 8;
    case EventStreamHeaderType::kUuid:
      return 16;
    case EventStreamHeaderType::kBytes:
    case EventStreamHeaderType::kString:
      return -1;
  }
  return -2;
}

// Reads the headers section `section` (exactly) into `headers`.
Status ReadHeaders(std::string_view section, std::vector<EventStreamHeader>& headers) {
  size_t at = 0;
  auto left = [&] { return section.size() - at; };
  while (at < section.size()) {
    EventStreamHeader header;
    const size_t name_length = static_cast<uint8_t>(section[at++]);
    if (name_length == 0) return FrameError("a header has an empty name");
    if (left() < name_length + 1) return FrameError("a header overruns the headers section");
    header.name = std::string(section.substr(at, name_length));
    at += name_length;
    const auto type = static_cast<uint8_t>(section[at++]);
    int size = FixedValueSize(type);
    if (size == -2)
      return FrameError("header " + header.name + " has unknown type " + std::to_string(type));
    size_t value_length = static_cast<size_t>(size);
    if (size == -1) {
      if (left() < 2) return FrameError("a header overruns the headers section");
      value_length = (size_t{static_cast<uint8_t>(section[at])} << 8) |
                     size_t{static_cast<uint8_t>(section[at + 1])};
      at += 2;
    }
    if (left() < value_length) return FrameError("a header overruns the headers section");
    header.value = std::string(section.substr(at, value_length));
    header.type = static_cast<EventStreamHeaderType>(type);
    at += value_length;
    headers.push_back(std::move(header));
  }
  return Status::Ok();
}

EventStreamHeader StringHeader(std::string_view name, std::string_view value) {
  EventStreamHeader header;
  header.name = std::string(name);
  header.value = std::string(value);
  return header;
}

}  // namespace

const std::string* EventStreamMessage::Header(std::string_view name) const {
  for (const auto& header : headers) {
    if (header.name == name) return &header.value;
  }
  return nullptr;
}

uint32_t Crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::string EncodeEventStreamMessage(const EventStreamMessage& message) {
  std::string headers;
  for (const auto& header : message.headers) {
    std::string_view name = std::string_view(header.name).substr(0, kEventStreamMaxNameBytes);
    std::string_view value = std::string_view(header.value).substr(0, kEventStreamMaxValueBytes);
    headers.push_back(static_cast<char>(name.size()));
    headers.append(name);
    headers.push_back(static_cast<char>(EventStreamHeaderType::kString));
    headers.push_back(static_cast<char>(value.size() >> 8));
    headers.push_back(static_cast<char>(value.size() & 0xff));
    headers.append(value);
  }
  const size_t total = kEventStreamOverheadBytes + headers.size() + message.payload.size();
  std::string out;
  out.reserve(total);
  PutU32(out, static_cast<uint32_t>(total));
  PutU32(out, static_cast<uint32_t>(headers.size()));
  PutU32(out, Crc32(out));
  out.append(headers);
  out.append(message.payload);
  PutU32(out, Crc32(out));
  return out;
}

std::string EventStreamEvent(std::string_view event_type, std::string_view content_type,
                             std::string payload) {
  EventStreamMessage message;
  message.headers = {StringHeader(":message-type", "event"),
                     StringHeader(":event-type", event_type),
                     StringHeader(":content-type", content_type)};
  message.payload = std::move(payload);
  return EncodeEventStreamMessage(message);
}

std::string EventStreamException(std::string_view exception_type, std::string_view content_type,
                                 std::string payload) {
  EventStreamMessage message;
  message.headers = {StringHeader(":message-type", "exception"),
                     StringHeader(":exception-type", exception_type),
                     StringHeader(":content-type", content_type)};
  message.payload = std::move(payload);
  return EncodeEventStreamMessage(message);
}

Result<EventStreamMessage> DecodeEventStreamMessage(std::string_view bytes) {
  if (bytes.size() < kEventStreamOverheadBytes) {
    return FrameError("shorter than its prelude and CRC (" + std::to_string(bytes.size()) +
                      " bytes)");
  }
  const uint32_t total = GetU32(bytes, 0);
  const uint32_t headers_length = GetU32(bytes, 4);
  if (total != bytes.size()) {
    return FrameError("total length " + std::to_string(total) + " but " +
                      std::to_string(bytes.size()) + " bytes");
  }
  if (Crc32(bytes.substr(0, 8)) != GetU32(bytes, 8)) return FrameError("prelude CRC mismatch");
  if (headers_length > total - kEventStreamOverheadBytes) {
    return FrameError("headers length " + std::to_string(headers_length) + " exceeds the message");
  }
  const size_t crc_at = total - 4;
  if (Crc32(bytes.substr(0, crc_at)) != GetU32(bytes, crc_at)) {
    return FrameError("message CRC mismatch");
  }
  EventStreamMessage message;
  SLUICE_RETURN_IF_ERROR(
      ReadHeaders(bytes.substr(kEventStreamPreludeBytes, headers_length), message.headers));
  const size_t payload_at = kEventStreamPreludeBytes + headers_length;
  message.payload = std::string(bytes.substr(payload_at, crc_at - payload_at));
  return message;
}

uint32_t EventStreamMessageLength(std::string_view bytes) {
  return bytes.size() < 4 ? 0 : GetU32(bytes, 0);
}

}  // namespace sluice::protocol
