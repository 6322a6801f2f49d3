// ParseJson reads every text as nlohmann's parser does: the texts simdjson reads differently or
// refuses go to nlohmann, and the trees are the same (fuzz/fuzz_json_parse.cc checks the same on
// random texts).
#include "protocol/json_parse.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/object_builder.h"

namespace sluice::protocol {
namespace {

using api::Value;

void ExpectSameAsNlohmann(const std::string& text) {
  const Value fast = ParseJson(text);
  const Value reference = Value::parse(text, nullptr, false);
  ASSERT_EQ(fast.is_discarded(), reference.is_discarded()) << text;
  if (!fast.is_discarded()) {
    EXPECT_EQ(fast, reference) << text;
    EXPECT_EQ(fast.dump(), reference.dump()) << text;  // order and number spelling too
  }
}

TEST(JsonParseTest, ReadsEveryTextAsNlohmannDoes) {
  for (const std::string text :
       {R"({"StreamName":"s","Records":[{"Data":"YQ==","PartitionKey":"k"}]})",
        R"({"a":1,"a":2,"b":3})",                // repeated key
        R"({"n":[0,-0,1,-1,1.5,1e3,-2.5E-3]})",  // number kinds
        R"({"big":[9223372036854775807,9223372036854775808,18446744073709551615]})",
        R"({"bigger":18446744073709551616,"smaller":-9223372036854775809})",
        R"([1e400])",
        R"([-1e400])",
        R"([1e-400])",  // out of range
        R"({"s":"\u0000\ud83d\ude00\n\"\\/","t":null,"f":false,"u":true})",
        "\xef\xbb\xbf{\"bom\":1}",  // byte-order mark
        R"({"a":1} x)",
        R"({"a":1}})",
        "",
        " ",
        "{",
        "[1,]",
        R"({"a" 1})",
        "\"\xff\"",
        "\"\xc3\x28\"",
        "\"caf\xc3\xa9\"",     // UTF-8, bad and good
        "{\"tab\":\"a\tb\"}",  // a raw control character
        "  {\"spaced\" : [ 1 , 2 ] }  ",
        "123",
        "null",
        "[]",
        "{}"}) {
    ExpectSameAsNlohmann(text);
  }
}

// Wide objects are built with an index of their keys (nlohmann's own parser searches linearly:
// quadratic in the members), repeated keys resolved as nlohmann does.
TEST(JsonParseTest, WideObjectsReadAsNlohmannReadsThem) {
  std::string text = "{";
  for (int i = 0; i < 300; ++i)
    text += "\"k" + std::to_string(i % 120) + "\":" + std::to_string(i) + ",";
  text += "\"last\":[1,2,3]}";
  ExpectSameAsNlohmann(text);
  EXPECT_EQ(ParseJson(text).size(), 121u);
}

TEST(JsonParseTest, ObjectsOfManyMembersAreBuiltWithoutQuadraticWork) {
  // 200,000 members: nlohmann's parser would make 2 * 10^10 key comparisons building this.
  std::string text = "{\"StreamName\":\"s\"";
  for (int i = 0; i < 200000; ++i) text += ",\"k" + std::to_string(i) + "\":1";
  text += "}";
  Value value = ParseJson(text);
  ASSERT_TRUE(value.is_object());
  EXPECT_EQ(value.size(), 200001u);
  EXPECT_EQ(value.at("k199999"), 1);
  // The same text made invalid at its end is refused outright: nlohmann, which would decide
  // otherwise, would first build the object.
  text.back() = ',';
  EXPECT_TRUE(ParseJson(text).is_discarded());
}

TEST(JsonParseTest, ScanMeasuresDepthAndWidthWithoutParsing) {
  JsonStructure scanned = ScanJsonStructure(R"({"a":[1,2,{"b":1,"c":"x,y,{[","d":3}],"e":{}})", 64);
  EXPECT_EQ(scanned.depth, 3);
  EXPECT_EQ(scanned.widest_object, 3u);  // a, e at the top; b, c, d inside: brackets in strings
  scanned = ScanJsonStructure("[1,2,3,4]", 64);  // no object
  EXPECT_EQ(scanned.depth, 1);
  EXPECT_EQ(scanned.widest_object, 0u);
  // Deep text: the scan stops just past the limit, whatever follows.
  scanned = ScanJsonStructure(std::string(100000, '[') + "{\"a\":1,\"b\":2}", 64);
  EXPECT_EQ(scanned.depth, 65);
  EXPECT_EQ(scanned.widest_object, 0u);
}

// The builder the JSON and CBOR decoders share: what `object[key] = value` gives, narrow or wide.
TEST(ObjectBuilderTest, GivesWhatAssignmentByKeyGives) {
  for (int keys : {3, 16, 17, 200}) {
    ObjectBuilder built;
    Value assigned = Value::object();
    for (int i = 0; i < 3 * keys; ++i) {
      const std::string key = "k" + std::to_string((i * 7) % keys);
      built.Set(key, i);
      assigned[key] = i;
    }
    const Value result = built.Take();
    EXPECT_EQ(result, assigned) << keys;
    EXPECT_EQ(result.dump(), assigned.dump()) << keys;
  }
}

}  // namespace
}  // namespace sluice::protocol
