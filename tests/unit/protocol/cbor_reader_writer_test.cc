// The CBOR reader and writer on their own: heads of every width, floats of every size,
// indefinite-length items, and each way a body can be malformed. Expected bytes come from
// RFC 8949's appendix A.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "protocol/cbor_reader.h"
#include "protocol/cbor_writer.h"
#include "support/hex.h"

namespace sluice::protocol {
namespace {

using testing::FromHex;

// Bytes as the tests write them: "1b ff 00".
std::string Hex(std::string_view bytes) { return testing::ToHex(bytes, " "); }

std::string Written(void (*write)(CborWriter&)) {
  CborWriter writer;
  write(writer);
  return Hex(writer.bytes());
}

// The message of skipping one item of `hex` that should fail, or a note that it did not.
std::string SkipError(std::string_view hex) {
  const std::string bytes = FromHex(hex);
  CborReader reader(bytes);
  Status status = reader.Skip(1);
  if (status.ok()) return "(skipped)";
  EXPECT_EQ(status.code(), ErrorCode::kSerialization);
  return status.message();
}

TEST(CborWriterTest, IntegersTakeTheFewestBytes) {
  struct Case {
    int64_t value;
    const char* hex;
  };
  for (const Case& c : std::initializer_list<Case>{
           {0, "00"},
           {23, "17"},
           {24, "18 18"},
           {255, "18 ff"},
           {256, "19 01 00"},
           {65535, "19 ff ff"},
           {65536, "1a 00 01 00 00"},
           {4294967295, "1a ff ff ff ff"},
           {4294967296, "1b 00 00 00 01 00 00 00 00"},
           {std::numeric_limits<int64_t>::max(), "1b 7f ff ff ff ff ff ff ff"},
           {-1, "20"},
           {-24, "37"},
           {-25, "38 18"},
           {-256, "38 ff"},
           {-257, "39 01 00"},
           {-65537, "3a 00 01 00 00"},
           {-4294967297, "3b 00 00 00 01 00 00 00 00"},
           {std::numeric_limits<int64_t>::min(), "3b 7f ff ff ff ff ff ff ff"},
       }) {
    CborWriter writer;
    writer.Integer(c.value);
    EXPECT_EQ(Hex(writer.bytes()), c.hex) << c.value;

    CborReader reader(writer.bytes());  // the writer outlives the reader
    auto head = reader.ReadHead();
    ASSERT_TRUE(head.ok());
    EXPECT_TRUE(reader.AtEnd());
    EXPECT_EQ(head->major, c.value >= 0 ? CborMajor::kUnsigned : CborMajor::kNegative);
    const uint64_t magnitude =
        c.value >= 0 ? static_cast<uint64_t>(c.value) : ~static_cast<uint64_t>(c.value);
    EXPECT_EQ(head->argument, magnitude);
  }
  EXPECT_EQ(Written([](CborWriter& w) { w.Unsigned(std::numeric_limits<uint64_t>::max()); }),
            "1b ff ff ff ff ff ff ff ff");
}

TEST(CborWriterTest, ScalarsStringsAndContainers) {
  EXPECT_EQ(Written([](CborWriter& w) { w.Boolean(false); }), "f4");
  EXPECT_EQ(Written([](CborWriter& w) { w.Boolean(true); }), "f5");
  EXPECT_EQ(Written([](CborWriter& w) { w.Null(); }), "f6");
  EXPECT_EQ(Written([](CborWriter& w) { w.Float(100000.0); }), "fa 47 c3 50 00");
  EXPECT_EQ(Written([](CborWriter& w) { w.Float(1.1); }), "fb 3f f1 99 99 99 99 99 9a");
  EXPECT_EQ(Written([](CborWriter& w) { w.Float(1e300); }), "fb 7e 37 e4 3c 88 00 75 9c");
  EXPECT_EQ(Written([](CborWriter& w) { w.Text(""); }), "60");
  EXPECT_EQ(Written([](CborWriter& w) { w.Text("IETF"); }), "64 49 45 54 46");
  EXPECT_EQ(Written([](CborWriter& w) { w.Text("\xc3\xbc"); }), "62 c3 bc");
  // Text that is not UTF-8 is repaired rather than written as invalid CBOR.
  EXPECT_EQ(Written([](CborWriter& w) { w.Text("a\xff"); }), "64 61 ef bf bd");
  EXPECT_EQ(Written([](CborWriter& w) {
              const uint8_t bytes[] = {0x00, 0xff, 0x10};
              w.Bytes(bytes);
            }),
            "43 00 ff 10");
  EXPECT_EQ(Written([](CborWriter& w) {
              w.Tag(1);
              w.Integer(1363896240);
            }),
            "c1 1a 51 4b 67 b0");
  EXPECT_EQ(Written([](CborWriter& w) {
              w.StartMap(2);
              w.Text("a");
              w.Integer(1);
              w.Text("b");
              w.StartArray(2);
              w.Integer(2);
              w.Integer(3);
            }),
            "a2 61 61 01 61 62 82 02 03");
  EXPECT_EQ(Written([](CborWriter& w) {
              w.StartIndefiniteMap();
              w.Text("a");
              w.StartIndefiniteArray();
              w.Break();
              w.Break();
            }),
            "bf 61 61 9f ff ff");
}

TEST(CborReaderTest, FloatsOfEverySize) {
  struct Case {
    const char* hex;
    double value;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"f9 00 00", 0.0},
           {"f9 3c 00", 1.0},
           {"f9 3e 00", 1.5},
           {"f9 7b ff", 65504.0},
           {"f9 00 01", 5.9604644775390625e-08},  // 2^-24, the smallest subnormal
           {"f9 04 00", 0.00006103515625},
           {"f9 c4 00", -4.0},
           {"f9 7c 00", std::numeric_limits<double>::infinity()},
           {"f9 fc 00", -std::numeric_limits<double>::infinity()},
           {"fa 47 c3 50 00", 100000.0},
           {"fa 7f 7f ff ff", 3.4028234663852886e+38},
           {"fb 3f f1 99 99 99 99 99 9a", 1.1},
           {"fb c0 10 66 66 66 66 66 66", -4.1},
       }) {
    const std::string bytes = FromHex(c.hex);
    CborReader reader(bytes);
    auto head = reader.ReadHead();
    ASSERT_TRUE(head.ok()) << c.hex;
    EXPECT_TRUE(head->IsFloat()) << c.hex;
    EXPECT_EQ(CborFloatValue(*head), c.value) << c.hex;
  }
  for (const char* nan : {"f9 7e 00", "fa 7f c0 00 00", "fb 7f f8 00 00 00 00 00 00"}) {
    const std::string bytes = FromHex(nan);
    CborReader reader(bytes);
    auto head = reader.ReadHead();
    ASSERT_TRUE(head.ok());
    EXPECT_TRUE(std::isnan(CborFloatValue(*head))) << nan;
  }
}

TEST(CborReaderTest, IndefiniteStringsAreTheirChunksJoined) {
  const std::string chunked_bytes = FromHex("5f 42 01 02 43 03 04 05 40 ff");
  CborReader bytes_reader(chunked_bytes);
  auto head = bytes_reader.ReadHead();
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(head->indefinite);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(bytes_reader.ReadBytes(*head, bytes).ok());
  EXPECT_EQ(bytes, (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(bytes_reader.AtEnd());

  const std::string chunked_text = FromHex("7f 65 73 74 72 65 61 64 6d 69 6e 67 ff");
  CborReader text_reader(chunked_text);
  head = text_reader.ReadHead();
  ASSERT_TRUE(head.ok());
  std::string text;
  ASSERT_TRUE(text_reader.ReadText(*head, text).ok());
  EXPECT_EQ(text, "streaming");
  EXPECT_TRUE(text_reader.AtEnd());
}

TEST(CborReaderTest, SkipsWellFormedItemsWhole) {
  for (const char* hex : {
           "00", "1b ff ff ff ff ff ff ff ff", "3b ff ff ff ff ff ff ff ff", "f8 20", "f7",
           "c1 1a 51 4b 67 b0", "d9 d9 f7 a0",                 // tags, incl. self-described
           "83 01 82 02 03 82 04 05", "9f 01 9f 02 03 ff ff",  // arrays
           "a2 61 61 01 61 62 82 02 03", "bf 61 61 01 61 62 9f ff ff",  // maps
           "5f 42 01 02 ff", "7f 61 61 ff", "5f ff",                    // chunked strings
       }) {
    const std::string bytes = FromHex(hex);
    CborReader reader(bytes);
    EXPECT_TRUE(reader.Skip(1).ok()) << hex;
    EXPECT_TRUE(reader.AtEnd()) << hex;
  }
}

TEST(CborReaderTest, MalformedItemsAreSerializationErrors) {
  // Truncated heads and contents.
  EXPECT_EQ(SkipError(""), "Unexpected end of CBOR input at byte 0");
  EXPECT_EQ(SkipError("18"), "Unexpected end of CBOR input at byte 1");
  EXPECT_EQ(SkipError("1b 00 00 00"), "Unexpected end of CBOR input at byte 1");
  EXPECT_EQ(SkipError("62 61"), "CBOR length 2 exceeds the 1 bytes left at byte 1");
  EXPECT_EQ(SkipError("82 82 01 02"), "Unexpected end of CBOR input at byte 4");
  // A count larger than the bytes left is refused at once.
  EXPECT_EQ(SkipError("82 01"), "CBOR array of 2 items exceeds the input at byte 1");
  EXPECT_EQ(SkipError("9f 01"), "Unexpected end of CBOR input at byte 2");
  EXPECT_EQ(SkipError("a1 61 61"), "Unexpected end of CBOR input at byte 3");
  EXPECT_EQ(SkipError("c1"), "Unexpected end of CBOR input at byte 1");
  EXPECT_EQ(SkipError("5f 41 00"), "Unexpected end of CBOR input at byte 3");
  // Reserved additional information, in every major type.
  for (int major = 0; major < 8; ++major) {
    for (int info = 28; info <= 30; ++info) {
      std::string byte(1, static_cast<char>((major << 5) | info));
      CborReader reader(byte);
      Status status = reader.Skip(1);
      EXPECT_EQ(status.message(),
                "Reserved CBOR additional information " + std::to_string(info) + " at byte 0");
    }
  }
  // Indefinite lengths where RFC 8949 has none, breaks out of place, bad chunks.
  EXPECT_EQ(SkipError("1f"), "Indefinite length is not allowed for CBOR major type 0 at byte 0");
  EXPECT_EQ(SkipError("3f"), "Indefinite length is not allowed for CBOR major type 1 at byte 0");
  EXPECT_EQ(SkipError("df 00"), "Indefinite length is not allowed for CBOR major type 6 at byte 0");
  EXPECT_EQ(SkipError("ff"), "CBOR break code outside an indefinite-length item at byte 0");
  EXPECT_EQ(SkipError("82 01 ff"), "CBOR break code outside an indefinite-length item at byte 2");
  EXPECT_EQ(SkipError("a1 ff 00"), "CBOR break code outside an indefinite-length item at byte 1");
  EXPECT_EQ(SkipError("bf 61 61 ff"), "CBOR map ends between a key and its value at byte 3");
  EXPECT_EQ(SkipError("5f 61 61 ff"),
            "Chunk of an indefinite-length CBOR string is not a definite string of the same type "
            "at byte 1");
  EXPECT_EQ(SkipError("7f 7f ff ff"),
            "Chunk of an indefinite-length CBOR string is not a definite string of the same type "
            "at byte 1");
  EXPECT_EQ(SkipError("f8 10"), "Invalid CBOR simple value 16 at byte 0");
}

TEST(CborReaderTest, AbsurdLengthsAreRefusedBeforeAnythingIsAllocated) {
  // A 2^63-byte string, a 2^64-1-item array, a 2^32-pair map: each refused by its head.
  EXPECT_EQ(SkipError("5b 80 00 00 00 00 00 00 00 00"),
            "CBOR length 9223372036854775808 exceeds the 1 bytes left at byte 9");
  EXPECT_EQ(SkipError("7a ff ff ff ff 61"),
            "CBOR length 4294967295 exceeds the 1 bytes left at byte 5");
  EXPECT_EQ(SkipError("9b ff ff ff ff ff ff ff ff 00"),
            "CBOR array of 18446744073709551615 items exceeds the input at byte 9");
  EXPECT_EQ(SkipError("bb 00 00 00 01 00 00 00 00 00 00"),
            "CBOR map of 4294967296 pairs exceeds the input at byte 9");
  // Also when read rather than skipped.
  const std::string huge = FromHex("5b 80 00 00 00 00 00 00 00 00");
  CborReader reader(huge);
  auto head = reader.ReadHead();
  ASSERT_TRUE(head.ok());
  std::vector<uint8_t> bytes;
  EXPECT_FALSE(reader.ReadBytes(*head, bytes).ok());
  EXPECT_TRUE(bytes.empty());
}

TEST(CborReaderTest, NestingIsLimited) {
  auto nested = [](std::string_view opener, int levels) {
    std::string hex;
    for (int i = 0; i < levels; ++i) hex.append(opener).append(" ");
    return hex + "00";
  };
  // The innermost item sits at depth levels + 1.
  EXPECT_EQ(SkipError(nested("81", kCborMaxDepth - 1)), "(skipped)");
  EXPECT_EQ(SkipError(nested("81", kCborMaxDepth)),
            "CBOR nesting deeper than 64 levels at byte 65");
  EXPECT_EQ(SkipError(nested("9f", 1000)), "CBOR nesting deeper than 64 levels at byte 65");
  EXPECT_EQ(SkipError(nested("a1 61 61", 100)), "CBOR nesting deeper than 64 levels at byte 191");
  EXPECT_EQ(SkipError(nested("c1", 100000)), "CBOR nesting deeper than 64 levels at byte 65");
}

}  // namespace
}  // namespace sluice::protocol
