#include "sluice/broker/shard_iterator.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "sluice/common/base64.h"

namespace sluice::broker {
namespace {

IteratorCodec::Key KeyOf(unsigned char fill) {
  IteratorCodec::Key key;
  key.fill(fill);
  return key;
}

IteratorPosition Sample() {
  return {"000000000000", "us-east-1", "my-stream",  1700000000123,
          ShardIndex{5},  987654321,   1700000555000};
}

TEST(ShardIteratorTest, RoundTrips) {
  IteratorCodec codec(KeyOf(7));
  auto decoded = codec.Decode(*codec.Encode(Sample()));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->account, "000000000000");
  EXPECT_EQ(decoded->region, "us-east-1");
  EXPECT_EQ(decoded->stream_name, "my-stream");
  EXPECT_EQ(decoded->stream_created_ms, 1700000000123);
  EXPECT_EQ(decoded->shard_index, ShardIndex{5});
  EXPECT_EQ(decoded->seq_index, 987654321u);
  EXPECT_EQ(decoded->issued_ms, 1700000555000);
}

// Version 1 gave texts a one-byte length: a region over 255 bytes came back truncated (the
// round-trip invariant of fuzz_shard_iterator). Version 2 keeps texts of any length.
TEST(ShardIteratorTest, LongTextsRoundTrip) {
  IteratorCodec codec(KeyOf(7));
  IteratorPosition position = Sample();
  position.region = std::string(300, 'r');
  position.account = std::string(256, 'a');
  auto decoded = codec.Decode(*codec.Encode(position));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->region, position.region);
  EXPECT_EQ(decoded->account, position.account);
  EXPECT_EQ(decoded->stream_name, "my-stream");
}

// Made by the version 1 encoder (before version 2) with key 7 from Sample(): iterators issued
// before an upgrade keep working until they expire.
TEST(ShardIteratorTest, Version1IteratorsStillDecode) {
  const std::string v1 =
      "AAAAAAAAAAGtt+rYP0+IeneojzhE359HDyPt/rRJLtPYOEwyFcwNeLbOyWulrrXKxGSanwZe7XK/JK/L86yd+UDLkesA"
      "U6l79Mufw/ZQ2Gjdr08uEGlJZzhDmT9f8GBNy6vNbPiAGLSX4luhuZ8wW8XtGA0cRnqBPUltcAjgEydzq0Y/SL/kvtoz"
      "FMqRFnHYgajCNc95qgw=";
  auto decoded = IteratorCodec(KeyOf(7)).Decode(v1);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->account, "000000000000");
  EXPECT_EQ(decoded->region, "us-east-1");
  EXPECT_EQ(decoded->stream_name, "my-stream");
  EXPECT_EQ(decoded->stream_created_ms, 1700000000123);
  EXPECT_EQ(decoded->shard_index, ShardIndex{5});
  EXPECT_EQ(decoded->seq_index, 987654321u);
  EXPECT_EQ(decoded->issued_ms, 1700000555000);
}

TEST(ShardIteratorTest, LooksLikeAnAwsIterator) {
  IteratorCodec codec(KeyOf(7));
  for (std::string name : {std::string("s"), std::string(128, 'n')}) {
    IteratorPosition position = Sample();
    position.stream_name = name;
    std::string text = *codec.Encode(position);
    EXPECT_LE(text.size(), 512u);
    auto raw = Base64Decode(text);
    ASSERT_TRUE(raw);
    EXPECT_GE(raw->size(), 152u);
    EXPECT_EQ((raw->size() - 8) % 16, 0u);
    EXPECT_EQ(raw->substr(0, 8), std::string("\0\0\0\0\0\0\0\1", 8));
  }
}

TEST(ShardIteratorTest, ToleratesSurroundingQuotes) {
  IteratorCodec codec(KeyOf(7));
  EXPECT_TRUE(codec.Decode("\"" + *codec.Encode(Sample()) + "\""));
}

TEST(ShardIteratorTest, RejectsTamperingAndForeignKeys) {
  IteratorCodec codec(KeyOf(7));
  std::string text = *codec.Encode(Sample());
  auto raw = *Base64Decode(text);
  for (size_t i = 8; i < raw.size(); i += 13) {
    std::string tampered = raw;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_FALSE(codec.Decode(Base64Encode(tampered))) << "byte " << i;
  }
  EXPECT_FALSE(IteratorCodec(KeyOf(8)).Decode(text));
  EXPECT_FALSE(codec.Decode(""));
  EXPECT_FALSE(codec.Decode("not base64!"));
  EXPECT_FALSE(codec.Decode(Base64Encode(raw.substr(0, 100))));
}

TEST(ShardIteratorTest, EncodingsDifferEvenForTheSamePosition) {
  IteratorCodec codec(KeyOf(7));
  EXPECT_NE(*codec.Encode(Sample()), *codec.Encode(Sample()));  // fresh nonce each time
}

TEST(ShardIteratorTest, SecretIsCreatedOnceAndKept) {
  auto dir = std::filesystem::temp_directory_path() / ("sluice-key-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto first = LoadOrCreateIteratorKey(dir / "iterator.key");
  ASSERT_TRUE(first.ok());
  auto second = LoadOrCreateIteratorKey(dir / "iterator.key");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  auto perms = std::filesystem::status(dir / "iterator.key").permissions();
  EXPECT_EQ(perms, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove_all(dir);
}

// Replacing a secret that exists would invalidate every iterator handed out: a damaged or
// unreadable one stops the broker with a clear error instead, and is left as it was.
TEST(ShardIteratorTest, ASecretThatCannotBeUsedIsNeverReplaced) {
  auto dir = std::filesystem::temp_directory_path() / ("sluice-key2-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "short.key") << "only a few bytes";
  auto short_key = LoadOrCreateIteratorKey(dir / "short.key");
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.status().message().find("short.key"), std::string::npos);
  EXPECT_EQ(std::filesystem::file_size(dir / "short.key"), 16u);
  std::filesystem::create_directory(dir / "unreadable.key");
  EXPECT_FALSE(LoadOrCreateIteratorKey(dir / "unreadable.key").ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "unreadable.key"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::broker
