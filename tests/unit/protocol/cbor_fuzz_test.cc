// A deterministic fuzz of the CBOR decoder: thousands of random bodies and of valid bodies
// bit-flipped, truncated, cut and spliced, each of which must get a clean answer (a value, or a
// SerializationException) without a crash, a hang or a sanitizer report. CI runs it under
// ASan+UBSan, so it is sized to take a second or two there. A value that does decode must come
// back the same when encoded along the same shape and decoded again.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/cbor_codec.h"
#include "protocol/cbor_reader.h"
#include "protocol/cbor_writer.h"
#include "sluice/api/model.h"

namespace sluice::protocol {
namespace {

using api::ApiModel;
using api::Value;

constexpr int kIterations = 50000;

// Bytes that start the items most likely to trip a decoder: long and indefinite lengths, breaks,
// tags, floats, reserved values.
constexpr uint8_t kInteresting[] = {0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20,
                                    0x3b, 0x40, 0x5b, 0x5f, 0x60, 0x7b, 0x7f, 0x80, 0x9b,
                                    0x9f, 0xa0, 0xa1, 0xbb, 0xbf, 0xc1, 0xd9, 0xdf, 0xf4,
                                    0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xff};

struct Seed {
  std::string operation;
  std::string body;
};

std::string ToCbor(const Value& value) {
  std::vector<uint8_t> bytes = Value::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

std::vector<Seed> Seeds() {
  std::vector<Seed> seeds;
  seeds.push_back({"CreateStream", ToCbor({{"StreamName", "fuzz"},
                                           {"ShardCount", 4},
                                           {"StreamModeDetails", {{"StreamMode", "PROVISIONED"}}},
                                           {"Tags", {{"a", "b"}}}})});
  seeds.push_back(
      {"PutRecords",
       ToCbor(
           {{"StreamName", "fuzz"},
            {"Records",
             {{{"Data", Value::binary({0, 1, 2, 0xff})}, {"PartitionKey", "k"}},
              {{"Data", Value::binary({})}, {"PartitionKey", "k2"}, {"ExplicitHashKey", "1"}}}}})});
  seeds.push_back({"AddTagsToStream", ToCbor({{"StreamName", "fuzz"}, {"Tags", {{"k", "v"}}}})});
  seeds.push_back(
      {"DeleteStream", ToCbor({{"StreamName", "fuzz"}, {"EnforceConsumerDeletion", true}})});
  CborWriter shard_iterator;  // indefinite lengths, chunks and a tag 1 timestamp
  shard_iterator.StartIndefiniteMap();
  shard_iterator.Text("StreamName");
  shard_iterator.Text("fuzz");
  shard_iterator.Text("ShardIteratorType");
  shard_iterator.Text("AT_TIMESTAMP");
  shard_iterator.Text("Timestamp");
  shard_iterator.Tag(1);
  shard_iterator.Integer(1701760153593);
  shard_iterator.Text("Unknown");
  shard_iterator.StartIndefiniteArray();
  shard_iterator.Float(1.5);
  shard_iterator.Float(1.1);
  shard_iterator.Null();
  shard_iterator.Break();
  shard_iterator.Break();
  seeds.push_back({"GetShardIterator", shard_iterator.Take()});
  seeds.push_back(
      {"ListShards", ToCbor({{"StreamName", "fuzz"},
                             {"MaxResults", 100},
                             {"ShardFilter", {{"Type", "AT_TIMESTAMP"}, {"Timestamp", 7}}}})});
  return seeds;
}

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : random_(seed) {}

  size_t Below(size_t bound) { return bound == 0 ? 0 : random_() % bound; }
  uint8_t Byte() {
    return Below(2) == 0 ? kInteresting[Below(sizeof(kInteresting))]
                         : static_cast<uint8_t>(random_());
  }

  std::string RandomBody() {
    std::string body(Below(48), '\0');
    for (auto& c : body) c = static_cast<char>(Byte());
    return body;
  }

  std::string Mutate(std::string body) {
    const size_t edits = 1 + Below(4);
    for (size_t i = 0; i < edits; ++i) {
      switch (Below(6)) {
        case 0:  // flip a bit
          if (!body.empty()) body[Below(body.size())] ^= static_cast<char>(1 << Below(8));
          break;
        case 1:  // truncate
          body.resize(Below(body.size() + 1));
          break;
        case 2:  // overwrite a byte with an interesting one
          if (!body.empty()) body[Below(body.size())] = static_cast<char>(Byte());
          break;
        case 3:  // insert a byte
          body.insert(body.begin() + static_cast<std::ptrdiff_t>(Below(body.size() + 1)),
                      static_cast<char>(Byte()));
          break;
        case 4:  // delete a run
          if (!body.empty()) {
            size_t at = Below(body.size());
            body.erase(at, 1 + Below(8));
          }
          break;
        case 5: {  // duplicate a run somewhere else
          if (body.empty()) break;
          size_t at = Below(body.size());
          std::string run = body.substr(at, 1 + Below(16));
          body.insert(Below(body.size() + 1), run);
          break;
        }
      }
    }
    return body;
  }

 private:
  std::mt19937 random_;
};

TEST(CborFuzzTest, EveryBodyGetsAValueOrASerializationException) {
  const CborCodec codec;
  const std::vector<Seed> seeds = Seeds();
  const auto& operations = ApiModel::Get().operations();
  for (const auto& seed : seeds) {
    ASSERT_TRUE(codec.DecodeRequest(ApiModel::Get().Input(seed.operation), seed.body).ok())
        << seed.operation;
  }
  Mutator mutator(20231205);
  int decoded = 0;
  int refused = 0;
  for (int i = 0; i < kIterations; ++i) {
    std::string operation;
    std::string body;
    if (i % 4 == 0) {
      operation = operations[mutator.Below(operations.size())];
      body = mutator.RandomBody();
    } else {
      const Seed& seed = seeds[mutator.Below(seeds.size())];
      operation = seed.operation;
      body = mutator.Mutate(seed.body);
    }
    const api::Shape* input = ApiModel::Get().Input(operation);
    auto result = codec.DecodeRequest(input, body);
    if (!result.ok()) {
      ASSERT_EQ(result.status().code(), ErrorCode::kSerialization) << i;
      ++refused;
      continue;
    }
    ++decoded;
    ASSERT_TRUE(result->is_object()) << i;
    if (input == nullptr) continue;
    auto again = codec.DecodeRequest(input, codec.EncodeResponse(input, *result));
    ASSERT_TRUE(again.ok()) << i << ": " << again.status().message();
    ASSERT_EQ(*again, *result) << i;
  }
  // Both outcomes were exercised, not just one.
  EXPECT_GT(decoded, kIterations / 20);
  EXPECT_GT(refused, kIterations / 4);
}

TEST(CborFuzzTest, SkippingRandomBytesNeverReadsPastTheEnd) {
  Mutator mutator(42);
  for (int i = 0; i < kIterations; ++i) {
    std::string body = mutator.RandomBody();
    CborReader reader(body);
    Status status = reader.Skip(1);
    if (status.ok()) {
      EXPECT_LE(reader.position(), body.size());
    } else {
      EXPECT_EQ(status.code(), ErrorCode::kSerialization);
    }
  }
}

}  // namespace
}  // namespace sluice::protocol
