// The tag and policy handlers over a real broker: the model's request members reach the broker,
// and replies have the model's output shapes (TagList as {Key, Value} in key order, HasMoreTags,
// Policy "{}" for a resource without one, empty objects for the writes).
#include <future>

#include <gtest/gtest.h>

#include "sluice/api/api.h"
#include "support/api_fixture.h"

namespace sluice::api {
namespace {

const std::string kStreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/s";

class TagHandlersTest : public testing::ApiFixture {};

TEST_F(TagHandlersTest, StreamTagsInAndOut) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}, {"Tags", {{"b", "2"}}}});
  EXPECT_EQ(Succeed("AddTagsToStream", {{"StreamName", "s"}, {"Tags", {{"c", "3"}, {"a", ""}}}}),
            Value::object());
  EXPECT_EQ(Succeed("ListTagsForStream", {{"StreamARN", kStreamArn}, {"Limit", 2}}),
            (Value{{"Tags", {{{"Key", "a"}, {"Value", ""}}, {{"Key", "b"}, {"Value", "2"}}}},
                   {"HasMoreTags", true}}));
  EXPECT_EQ(Succeed("ListTagsForStream", {{"StreamName", "s"}, {"ExclusiveStartTagKey", "b"}}),
            (Value{{"Tags", {{{"Key", "c"}, {"Value", "3"}}}}, {"HasMoreTags", false}}));
  EXPECT_EQ(Succeed("RemoveTagsFromStream", {{"StreamName", "s"}, {"TagKeys", {"a", "c"}}}),
            Value::object());
  EXPECT_EQ(Succeed("ListTagsForResource", {{"ResourceARN", kStreamArn}}),
            (Value{{"Tags", {{{"Key", "b"}, {"Value", "2"}}}}}));
  EXPECT_EQ(Succeed("UntagResource", {{"ResourceARN", kStreamArn}, {"TagKeys", {"b"}}}),
            Value::object());
  EXPECT_EQ(Succeed("ListTagsForResource", {{"ResourceARN", kStreamArn}}),
            (Value{{"Tags", Value::array()}}));
  // The model's constraints come first: a 129-character key never reaches the broker.
  auto long_key = Invoke("TagResource",
                         {{"ResourceARN", kStreamArn}, {"Tags", {{std::string(129, 'k'), "v"}}}});
  ASSERT_FALSE(long_key.ok());
  EXPECT_EQ(long_key.status().code(), ErrorCode::kValidation);
}

TEST_F(TagHandlersTest, ConsumerTagsAndPolicies) {
  Succeed("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  Value registered = Succeed(
      "RegisterStreamConsumer",
      {{"StreamARN", kStreamArn}, {"ConsumerName", "reader"}, {"Tags", {{"role", "reader"}}}});
  const std::string consumer_arn = registered["Consumer"]["ConsumerARN"].get<std::string>();
  EXPECT_EQ(Succeed("ListTagsForResource", {{"ResourceARN", consumer_arn}}),
            (Value{{"Tags", {{{"Key", "role"}, {"Value", "reader"}}}}}));

  EXPECT_EQ(Succeed("GetResourcePolicy", {{"ResourceARN", consumer_arn}}),
            (Value{{"Policy", "{}"}}));
  const std::string policy = "{\n  \"Statement\": []\n}";
  EXPECT_EQ(Succeed("PutResourcePolicy", {{"ResourceARN", consumer_arn}, {"Policy", policy}}),
            Value::object());
  EXPECT_EQ(Succeed("GetResourcePolicy", {{"ResourceARN", consumer_arn}}),
            (Value{{"Policy", policy}}));
  EXPECT_EQ(Succeed("GetResourcePolicy", {{"ResourceARN", kStreamArn}}), (Value{{"Policy", "{}"}}));
  EXPECT_EQ(Succeed("DeleteResourcePolicy", {{"ResourceARN", consumer_arn}}), Value::object());
  auto again = Invoke("DeleteResourcePolicy", {{"ResourceARN", consumer_arn}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kResourceNotFound);
  auto missing = Invoke("PutResourcePolicy", {{"ResourceARN", kStreamArn}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kValidation);  // Policy is required
}

}  // namespace
}  // namespace sluice::api
