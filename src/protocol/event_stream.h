#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::protocol {

// AWS event-stream framing (`application/vnd.amazon.eventstream`), the body of a
// SubscribeToShard reply: a sequence of messages, each
//   u32 total length | u32 headers length | u32 CRC32 of those 8 bytes |
//   headers | payload | u32 CRC32 of everything before it
// all big-endian, CRC32 as in zlib (IEEE 802.3). A header is
//   u8 name length | name | u8 value type | value
// where strings (type 7) and byte arrays (type 6) carry a u16 length before their bytes.
// Sluice writes string headers only; the decoder reads every type AWS defines.

// The header value types of the format.
enum class EventStreamHeaderType : uint8_t {
  kTrue = 0,
  kFalse = 1,
  kByte = 2,
  kShort = 3,
  kInteger = 4,
  kLong = 5,
  kBytes = 6,
  kString = 7,
  kTimestamp = 8,
  kUuid = 9,
};

struct EventStreamHeader {
  std::string name;
  std::string value;  // the bytes after the type: text for strings, big-endian for numbers
  EventStreamHeaderType type = EventStreamHeaderType::kString;
};

struct EventStreamMessage {
  std::vector<EventStreamHeader> headers;
  std::string payload;

  // The value of the first header called `name`, or nullptr.
  const std::string* Header(std::string_view name) const;
};

// The frame sizes of the format: the prelude and the trailing CRC, and the largest header name
// and string value the length fields can carry.
inline constexpr size_t kEventStreamPreludeBytes = 12;
inline constexpr size_t kEventStreamOverheadBytes = kEventStreamPreludeBytes + 4;
inline constexpr size_t kEventStreamMaxNameBytes = 255;
inline constexpr size_t kEventStreamMaxValueBytes = 65535;

// CRC-32 (IEEE 802.3, zlib's crc32) of `bytes`.
uint32_t Crc32(std::string_view bytes);

// One message on the wire. Every header is written as a string (type 7). Header names longer
// than kEventStreamMaxNameBytes and values longer than kEventStreamMaxValueBytes are a bug in
// the caller (Sluice's headers are constants and ids); they are cut to fit rather than framed
// wrongly.
std::string EncodeEventStreamMessage(const EventStreamMessage& message);

// An event: `:message-type` event, `:event-type` and `:content-type` as given.
std::string EventStreamEvent(std::string_view event_type, std::string_view content_type,
                             std::string payload);
// An exception: `:message-type` exception, `:exception-type` and `:content-type` as given.
std::string EventStreamException(std::string_view exception_type, std::string_view content_type,
                                 std::string payload);

// Exactly one message occupying all of `bytes`. Lengths that disagree with each other or with
// `bytes`, a wrong prelude or message CRC, and headers that overrun their section or have an
// unknown type are a SerializationException; nothing is read past the input.
Result<EventStreamMessage> DecodeEventStreamMessage(std::string_view bytes);

// The total length the prelude at the front of `bytes` announces, for splitting a stream into
// messages; 0 while fewer than 4 bytes have arrived.
uint32_t EventStreamMessageLength(std::string_view bytes);

}  // namespace sluice::protocol
