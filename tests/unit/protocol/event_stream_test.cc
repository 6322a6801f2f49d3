// Event-stream framing on its own: the CRC, messages checked field by field against a CRC
// computed bit by bit here and against bytes computed independently (Python's zlib), and a
// decoder that refuses every corruption.
#include "protocol/event_stream.h"
#include "support/hex.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::protocol {
namespace {

// CRC-32 as zlib computes it, the slow way: reflected polynomial 0xEDB88320, bit by bit.
uint32_t ReferenceCrc32(std::string_view bytes) {
  uint32_t crc = 0xffffffff;
  for (char c : bytes) {
    crc ^= static_cast<uint8_t>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
  }
  return ~crc;
}

uint32_t U32(std::string_view bytes, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[at + i]);
  return value;
}

void SetU32(std::string& bytes, size_t at, uint32_t value) {
  for (size_t i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(value >> (24 - 8 * i));
}

// Recomputes both CRCs, so that a test can corrupt one field and have only that field wrong.
void Reseal(std::string& bytes) {
  SetU32(bytes, 8, ReferenceCrc32(std::string_view(bytes).substr(0, 8)));
  SetU32(bytes, bytes.size() - 4,
         ReferenceCrc32(std::string_view(bytes).substr(0, bytes.size() - 4)));
}

std::string DecodeError(std::string_view bytes) {
  auto decoded = DecodeEventStreamMessage(bytes);
  if (decoded.ok()) return "(decoded)";
  EXPECT_EQ(decoded.status().code(), ErrorCode::kSerialization);
  return decoded.status().message();
}

TEST(EventStreamTest, Crc32IsZlibs) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
  std::string all;
  for (int i = 0; i < 1000; ++i) all.push_back(static_cast<char>(i * 7));
  EXPECT_EQ(Crc32(all), ReferenceCrc32(all));
}

TEST(EventStreamTest, AnEmptyMessageIsTheKnownVector) {
  // The `empty_message` vector of awslabs/aws-c-event-stream's tests.
  const std::string expected = testing::FromHex("000000100000000005c248eb7d98c8ff");
  EXPECT_EQ(EncodeEventStreamMessage({}), expected);
  auto decoded = DecodeEventStreamMessage(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_TRUE(decoded->headers.empty());
  EXPECT_TRUE(decoded->payload.empty());
}

TEST(EventStreamTest, AnEventMessageFieldByField) {
  const std::string message =
      EventStreamEvent("initial-response", "application/json", std::string("{}"));
  // Headers: u8 name length, name, type 7, u16 value length, value.
  const std::string headers = std::string("\x0d:message-type\x07\x00\x05", 17) + "event" +
                              std::string("\x0b:event-type\x07\x00\x10", 15) + "initial-response" +
                              std::string("\x0d:content-type\x07\x00\x10", 17) + "application/json";
  ASSERT_EQ(headers.size(), 86u);
  ASSERT_EQ(message.size(), 12 + 86 + 2 + 4u);
  EXPECT_EQ(U32(message, 0), message.size());  // total length
  EXPECT_EQ(U32(message, 4), headers.size());  // headers length
  EXPECT_EQ(U32(message, 8), ReferenceCrc32(std::string_view(message).substr(0, 8)));
  EXPECT_EQ(message.substr(12, headers.size()), headers);
  EXPECT_EQ(message.substr(12 + headers.size(), 2), "{}");
  EXPECT_EQ(U32(message, message.size() - 4),
            ReferenceCrc32(std::string_view(message).substr(0, message.size() - 4)));
  // The same bytes, computed with Python's struct and zlib.crc32.
  EXPECT_EQ(message,
            testing::FromHex(
                "00000068000000564e6817240d3a6d6573736167652d747970650700056576656e740b3a65766"
                "56e742d74797065070010696e697469616c2d726573706f6e73650d3a636f6e74656e742d7479"
                "70650700106170706c69636174696f6e2f6a736f6e7b7dfe942c1d"));

  auto decoded = DecodeEventStreamMessage(message);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(decoded->headers.size(), 3u);
  EXPECT_EQ(decoded->headers[0].name, ":message-type");
  EXPECT_EQ(decoded->headers[0].type, EventStreamHeaderType::kString);
  EXPECT_EQ(*decoded->Header(":message-type"), "event");
  EXPECT_EQ(*decoded->Header(":event-type"), "initial-response");
  EXPECT_EQ(*decoded->Header(":content-type"), "application/json");
  EXPECT_EQ(decoded->Header(":exception-type"), nullptr);
  EXPECT_EQ(decoded->payload, "{}");
  EXPECT_EQ(EventStreamMessageLength(message), message.size());
  EXPECT_EQ(EventStreamMessageLength(message.substr(0, 3)), 0u);
}

TEST(EventStreamTest, ExceptionMessagesAndBinaryPayloads) {
  std::string payload("\x00\xff\xa1\x00", 4);
  auto decoded = DecodeEventStreamMessage(
      EventStreamException("ResourceInUseException", "application/x-amz-cbor-1.1", payload));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(*decoded->Header(":message-type"), "exception");
  EXPECT_EQ(*decoded->Header(":exception-type"), "ResourceInUseException");
  EXPECT_EQ(*decoded->Header(":content-type"), "application/x-amz-cbor-1.1");
  EXPECT_EQ(decoded->payload, payload);
}

TEST(EventStreamTest, TheDecoderReadsEveryHeaderType) {
  // One header of each type 0-9 after the name "h", then no payload.
  std::string headers;
  auto header = [&](uint8_t type, std::string value) {
    headers += std::string("\x01h", 2);
    headers.push_back(static_cast<char>(type));
    headers += value;
  };
  header(0, "");
  header(1, "");
  header(2, std::string(1, '\x7f'));
  header(3, std::string(2, '\x01'));
  header(4, std::string(4, '\x02'));
  header(5, std::string(8, '\x03'));
  header(6, std::string("\x00\x02\xff\x00", 4));
  header(7, std::string("\x00\x01z", 3));
  header(8, std::string(8, '\x04'));
  header(9, std::string(16, '\x05'));
  std::string message(12, '\0');
  SetU32(message, 0, static_cast<uint32_t>(16 + headers.size()));
  SetU32(message, 4, static_cast<uint32_t>(headers.size()));
  message += headers + std::string(4, '\0');
  Reseal(message);
  auto decoded = DecodeEventStreamMessage(message);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(decoded->headers.size(), 10u);
  EXPECT_EQ(decoded->headers[0].type, EventStreamHeaderType::kTrue);
  EXPECT_EQ(decoded->headers[5].value, std::string(8, '\x03'));
  EXPECT_EQ(decoded->headers[6].value, std::string("\xff\x00", 2));
  EXPECT_EQ(decoded->headers[7].value, "z");
  EXPECT_EQ(decoded->headers[9].type, EventStreamHeaderType::kUuid);
  EXPECT_TRUE(decoded->payload.empty());
}

TEST(EventStreamTest, CorruptionIsRefused) {
  const std::string good = EventStreamEvent("SubscribeToShardEvent", "application/json",
                                            std::string("{\"Records\":[]}"));
  ASSERT_TRUE(DecodeEventStreamMessage(good).ok());

  EXPECT_EQ(DecodeError(""), "Event stream message: shorter than its prelude and CRC (0 bytes)");
  EXPECT_EQ(DecodeError(good.substr(0, 15)),
            "Event stream message: shorter than its prelude and CRC (15 bytes)");
  EXPECT_EQ(DecodeError(good.substr(0, good.size() - 1)),
            "Event stream message: total length " + std::to_string(good.size()) + " but " +
                std::to_string(good.size() - 1) + " bytes");
  EXPECT_EQ(DecodeError(good + "x"), "Event stream message: total length " +
                                         std::to_string(good.size()) + " but " +
                                         std::to_string(good.size() + 1) + " bytes");

  std::string prelude = good;
  prelude[8] ^= 1;
  EXPECT_EQ(DecodeError(prelude), "Event stream message: prelude CRC mismatch");
  std::string payload = good;
  payload[good.size() - 6] ^= 0x20;
  EXPECT_EQ(DecodeError(payload), "Event stream message: message CRC mismatch");
  std::string trailer = good;
  trailer[good.size() - 1] ^= 0x80;
  EXPECT_EQ(DecodeError(trailer), "Event stream message: message CRC mismatch");

  // Consistent CRCs around inconsistent lengths and headers.
  std::string headers_too_long = good;
  SetU32(headers_too_long, 4, static_cast<uint32_t>(good.size() - 15));
  Reseal(headers_too_long);
  EXPECT_EQ(DecodeError(headers_too_long), "Event stream message: headers length " +
                                               std::to_string(good.size() - 15) +
                                               " exceeds the message");
  std::string value_overrun = good;
  value_overrun[12 + 1 + 13 + 1] = '\x70';  // :message-type's value length, high byte
  Reseal(value_overrun);
  EXPECT_EQ(DecodeError(value_overrun),
            "Event stream message: a header overruns the headers section");
  std::string unknown_type = good;
  unknown_type[12 + 1 + 13] = '\x0a';
  Reseal(unknown_type);
  EXPECT_EQ(DecodeError(unknown_type),
            "Event stream message: header :message-type has unknown type 10");
  std::string empty_name = good;
  empty_name[12] = '\0';
  Reseal(empty_name);
  EXPECT_EQ(DecodeError(empty_name), "Event stream message: a header has an empty name");

  // No single bit flip anywhere gets through.
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = good;
      flipped[byte] ^= static_cast<char>(1 << bit);
      EXPECT_FALSE(DecodeEventStreamMessage(flipped).ok()) << byte << ":" << bit;
    }
  }
}

}  // namespace
}  // namespace sluice::protocol
