// Writes the generated part of the seed corpora (fuzz/corpus/, docs/testing.md):
// - fuzz_json_request, fuzz_cbor_request: a body of every operation of the model, once with every
//   member and once with the required members only, plus one per value of each enum member at the
//   top level; encoded by the codecs' own encoders (JSON 1.1; CBOR with byte strings and tag 1
//   timestamps, as the Java SDKs send them);
// - fuzz_shard_iterator: iterators made with the fuzz key;
// - fuzz_page_token: tokens of the three list operations, issued at the fuzz clock.
// Usage: make_seeds <fuzz/corpus directory>. Existing files of the same names are overwritten;
// hand-written seeds (real client requests, past bugs) are left alone.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "broker/page_token.h"
#include "fuzz_support.h"
#include "protocol/wire_codec.h"
#include "sluice/api/model.h"
#include "sluice/broker/shard_iterator.h"

namespace {

namespace fs = std::filesystem;
using sluice::api::Shape;
using sluice::api::Value;

// Strings that satisfy the patterns of the model's constrained string shapes, by shape name.
const std::map<std::string, std::string> kSamples = {
    {"ConsumerARN",
     "arn:aws:kinesis:us-east-1:000000000000:stream/fuzz/consumer/reader:1764000000"},
    {"ResourceARN", "arn:aws:kinesis:us-east-1:000000000000:stream/fuzz"},
    {"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/fuzz"},
    {"HashKey", "170141183460469231731687303715884105728"},
    {"SequenceNumber", "49590338271490256608559692538361571095921575989136588898"},
    {"StreamId", "abcdefghij0123456789-abc"},
    {"ShardId", "shardId-000000000001"},
    {"StreamName", "fuzz"},
    {"ConsumerName", "reader"},
    {"PartitionKey", "partition-1"},
    {"TagKey", "team"},
    {"TagValue", "ingest"},
    {"KeyId", "alias/aws/kinesis"},
    {"Policy", R"({"Version":"2012-10-17","Statement":[]})"},
};

Value Sample(const Shape& shape, bool required_only);

Value SampleStructure(const Shape& shape, bool required_only) {
  Value out = Value::object();
  for (const auto& member : shape.members) {
    if (required_only && !member.required) continue;
    out[member.name] = Sample(*member.shape, required_only);
  }
  return out;
}

Value Sample(const Shape& shape, bool required_only) {
  switch (shape.type) {
    case Shape::Type::kStructure:
      return SampleStructure(shape, required_only);
    case Shape::Type::kString: {
      if (!shape.enum_values.empty()) return shape.enum_values.front();
      auto it = kSamples.find(shape.name);
      return it != kSamples.end() ? it->second : "fuzz-1";
    }
    case Shape::Type::kInteger:
    case Shape::Type::kLong:
      return shape.min.value_or(1) > 1 ? *shape.min : 1;
    case Shape::Type::kBoolean:
      return true;
    case Shape::Type::kBlob:
      return Value::binary({'h', 'e', 'l', 'l', 'o', 0, 0xff});
    case Shape::Type::kTimestamp:
      return 1764000000123;
    case Shape::Type::kList:
      return Value::array({Sample(*shape.member, required_only)});
    case Shape::Type::kMap:
      return Value::object({{"team", Sample(*shape.value, required_only)}});
  }
  return nullptr;
}

void Write(const fs::path& path, std::string_view contents) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

void WriteBodies(const fs::path& corpus) {
  const auto& model = sluice::api::ApiModel::Get();
  const auto& json = *sluice::protocol::CodecFor("application/x-amz-json-1.1");
  const auto& cbor = *sluice::protocol::CodecFor("application/x-amz-cbor-1.1");
  for (const auto& operation : model.operations()) {
    const Shape* input = model.Input(operation);
    std::map<std::string, Value> bodies;
    if (input == nullptr) {
      bodies["empty"] = Value::object();
    } else {
      bodies["full"] = SampleStructure(*input, false);
      bodies["required"] = SampleStructure(*input, true);
      for (const auto& member : input->members) {
        const auto& values = member.shape->enum_values;
        for (size_t i = 1; i < values.size(); ++i) {
          Value body = bodies["full"];
          body[member.name] = values[i];
          bodies[member.name + "-" + values[i]] = std::move(body);
        }
      }
    }
    for (const auto& [variant, body] : bodies) {
      const std::string name = operation + "-" + variant;
      Write(corpus / "fuzz_json_request" / (name + ".json"),
            operation + "\n" + json.EncodeResponse(input, body));
      Write(corpus / "fuzz_cbor_request" / (name + ".cbor"),
            operation + "\n" + cbor.EncodeResponse(input, body));
    }
  }
}

void WriteIterators(const fs::path& corpus) {
  const sluice::broker::IteratorCodec codec(sluice::fuzz::IteratorKey());
  sluice::broker::IteratorPosition position{
      "000000000000", "us-east-1", "fuzz", 1763999000000, sluice::broker::ShardIndex{0}, 0,
      1764000000000};
  Write(corpus / "fuzz_shard_iterator" / "trim-horizon.txt", *codec.Encode(position));
  Write(corpus / "fuzz_shard_iterator" / "quoted.txt", "\"" + *codec.Encode(position) + "\"");
  position.shard_index = sluice::broker::ShardIndex{4095};
  position.seq_index = 123456789;
  position.stream_name = std::string(128, 's');
  position.region = "ap-southeast-2";
  Write(corpus / "fuzz_shard_iterator" / "long-name.txt", *codec.Encode(position));
}

void WriteTokens(const fs::path& corpus) {
  namespace page_token = sluice::broker::page_token;
  using sluice::fuzz::kTokenNowMs;
  const fs::path dir = corpus / "fuzz_page_token";
  Write(dir / "list-streams.txt",
        page_token::EncodeStreams({"fuzz"}, sluice::fuzz::kTokenNamespace, kTokenNowMs));
  Write(dir / "list-shards.txt",
        page_token::EncodeShards(
            {"fuzz", sluice::fuzz::kTokenStreamCreatedMs, "shardId-000000000001", std::nullopt},
            kTokenNowMs));
  sluice::broker::ShardFilter filter{sluice::broker::ShardFilterType::kAtTimestamp, "",
                                     1763999500000};
  Write(dir / "list-shards-filter.txt",
        page_token::EncodeShards(
            {"fuzz", sluice::fuzz::kTokenStreamCreatedMs, "shardId-000000000001", filter},
            kTokenNowMs));
  Write(dir / "list-consumers.txt",
        page_token::EncodeConsumers({std::string(sluice::fuzz::kTokenStreamArn),
                                     sluice::fuzz::kTokenStreamCreatedMs, 1763999600000, "reader"},
                                    kTokenNowMs));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds <fuzz/corpus directory>\n";
    return 2;
  }
  const fs::path corpus = argv[1];
  WriteBodies(corpus);
  WriteIterators(corpus);
  WriteTokens(corpus);
  return 0;
}
