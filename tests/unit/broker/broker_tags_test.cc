// Tags and resource policies of streams and consumers: AWS's tag rules (characters, the reserved
// prefix, 50 per resource), ListTagsForStream's order and pages, addressing by name, stream ARN
// and consumer ARN, the states that refuse changes, policies stored verbatim, and durability:
// everything survives a restart, and a write the quorum refuses changes nothing.
#include <future>

#include <gtest/gtest.h>

#include "unit/broker/broker_fixture.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;

const std::string kInvalidCharacters =
    "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, "
    "_ . / = + - % @ :.";

class TagsTest : public BrokerTest {
 protected:
  std::string ArnOf(const std::string& stream) {
    return StreamArn(caller_.region, caller_.account, stream);
  }
  // Runs a broker call that answers through a Callback<Done>, and waits for its Status.
  template <typename Call>
  Status Wait(Call call) {
    std::promise<Status> done;
    call([&](Result<Done> r) { done.set_value(r.status()); });
    return done.get_future().get();
  }
  Status AddTags(const std::string& stream, TagMap tags) {
    return Wait([&](auto cb) { broker_->AddTagsToStream(caller_, {stream, ""}, tags, cb); });
  }
  Status RemoveTags(const std::string& stream, std::vector<std::string> keys) {
    return Wait([&](auto cb) { broker_->RemoveTagsFromStream(caller_, {stream, ""}, keys, cb); });
  }
  Status Tag(const std::string& arn, TagMap tags) {
    return Wait([&](auto cb) { broker_->TagResource(caller_, arn, tags, cb); });
  }
  Status Untag(const std::string& arn, std::vector<std::string> keys) {
    return Wait([&](auto cb) { broker_->UntagResource(caller_, arn, keys, cb); });
  }
  Status PutPolicy(const std::string& arn, const std::string& policy) {
    return Wait([&](auto cb) { broker_->PutResourcePolicy(caller_, arn, policy, cb); });
  }
  Status DeletePolicy(const std::string& arn) {
    return Wait([&](auto cb) { broker_->DeleteResourcePolicy(caller_, arn, cb); });
  }
  TagMap TagsOf(const std::string& stream) {
    auto listed = broker_->ListTagsForStream(caller_, {{stream, ""}, "", std::nullopt});
    EXPECT_TRUE(listed.ok()) << listed.status().message();
    return listed.ok() ? listed->tags : TagMap{};
  }
  std::optional<std::string> PolicyOf(const std::string& arn) {
    auto policy = broker_->GetResourcePolicy(caller_, arn);
    EXPECT_TRUE(policy.ok()) << policy.status().message();
    return policy.ok() ? *policy : std::nullopt;
  }
  Result<ConsumerDescription> Register(const std::string& stream, const std::string& name,
                                       TagMap tags = {}) {
    std::promise<Result<ConsumerDescription>> done;
    broker_->RegisterStreamConsumer(caller_, {ArnOf(stream), name, std::move(tags)},
                                    [&](Result<ConsumerDescription> r) { done.set_value(r); });
    return done.get_future().get();
  }
  Status CreateWithTags(const std::string& name, TagMap tags) {
    CreateStreamRequest request;
    request.name = name;
    request.shard_count = 1;
    request.tags = std::move(tags);
    return Wait([&](auto cb) { broker_->CreateStream(caller_, request, cb); });
  }
  void FailQuorum(bool fail) {
    controls_["az-a"]->FailApplies(fail);
    controls_["az-b"]->FailApplies(fail);
    if (!fail) {
      ASSERT_TRUE(store_->RecoverNode("az-a").ok());
      ASSERT_TRUE(store_->RecoverNode("az-b").ok());
    }
  }
  std::string Phrase(const std::string& stream) {
    return "stream " + stream + " under account " + caller_.account;
  }
};

TEST_F(TagsTest, AddOverwriteListAndRemove) {
  ASSERT_TRUE(Create("s", 1).ok());
  EXPECT_TRUE(TagsOf("s").empty());
  ASSERT_TRUE(AddTags("s", {{"team", "data"}, {"env", ""}}).ok());
  ASSERT_TRUE(AddTags("s", {{"team", "platform"}}).ok());  // overwrites, keeps the others
  EXPECT_EQ(TagsOf("s"), (TagMap{{"env", ""}, {"team", "platform"}}));
  // Keys it does not have are ignored.
  ASSERT_TRUE(RemoveTags("s", {"team", "absent"}).ok());
  EXPECT_EQ(TagsOf("s"), (TagMap{{"env", ""}}));
  // By ARN, the same stream.
  ASSERT_TRUE(Wait([&](auto cb) {
                broker_->AddTagsToStream(caller_, {"", ArnOf("s")}, {{"by", "arn"}}, cb);
              }).ok());
  auto listed = broker_->ListTagsForStream(caller_, {{"", ArnOf("s")}, "", std::nullopt});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->tags, (TagMap{{"by", "arn"}, {"env", ""}}));
  EXPECT_FALSE(listed->has_more);
}

TEST_F(TagsTest, ListTagsForStreamPagesInKeyOrder) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(AddTags("s", {{"c", "3"}, {"a", "1"}, {"e", "5"}, {"b", "2"}, {"d", "4"}}).ok());
  auto page = broker_->ListTagsForStream(caller_, {{"s", ""}, "", 2});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->tags, (TagMap{{"a", "1"}, {"b", "2"}}));
  EXPECT_TRUE(page->has_more);
  page = broker_->ListTagsForStream(caller_, {{"s", ""}, "b", 2});
  EXPECT_EQ(page->tags, (TagMap{{"c", "3"}, {"d", "4"}}));
  EXPECT_TRUE(page->has_more);
  page = broker_->ListTagsForStream(caller_, {{"s", ""}, "d", 2});
  EXPECT_EQ(page->tags, (TagMap{{"e", "5"}}));
  EXPECT_FALSE(page->has_more);
  // Exactly a page's worth left: no more.
  page = broker_->ListTagsForStream(caller_, {{"s", ""}, "c", 2});
  EXPECT_EQ(page->tags, (TagMap{{"d", "4"}, {"e", "5"}}));
  EXPECT_FALSE(page->has_more);
  // A start key that is not a tag: the tags after it.
  page = broker_->ListTagsForStream(caller_, {{"s", ""}, "bb", std::nullopt});
  EXPECT_EQ(page->tags, (TagMap{{"c", "3"}, {"d", "4"}, {"e", "5"}}));
  EXPECT_EQ(broker_->ListTagsForStream(caller_, {{"nope", ""}, "", std::nullopt}).status().code(),
            ErrorCode::kResourceNotFound);
}

TEST_F(TagsTest, AtMostFiftyTagsCountingThoseAlreadyThere) {
  ASSERT_TRUE(Create("s", 1).ok());
  TagMap forty;
  for (int i = 0; i < 40; ++i) forty["k" + std::to_string(i)] = "v";
  ASSERT_TRUE(AddTags("s", forty).ok());
  TagMap eleven;
  for (int i = 0; i < 11; ++i) eleven["n" + std::to_string(i)] = "v";
  Status refused = AddTags("s", eleven);
  EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.message(), "Failed to add tags to " + Phrase("s") +
                                   " because a given stream cannot have more than 50 tags "
                                   "associated with it.");
  EXPECT_EQ(TagsOf("s").size(), 40u);  // nothing of a refused request is applied
  eleven.erase("n10");
  ASSERT_TRUE(AddTags("s", eleven).ok());  // exactly 50
  // Overwriting keys it has adds nothing to the count; a new one is one too many.
  EXPECT_TRUE(AddTags("s", {{"k0", "again"}, {"n0", "again"}}).ok());
  EXPECT_EQ(AddTags("s", {{"k0", "x"}, {"new", "x"}}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(TagsOf("s").size(), 50u);
  EXPECT_EQ(TagsOf("s").at("k0"), "again");
}

TEST_F(TagsTest, CharacterRulesWithAwsTexts) {
  ASSERT_TRUE(Create("s", 1).ok());
  // Unicode letters and digits, spaces, _ . / = + - @ : and empty values are fine.
  ASSERT_TRUE(AddTags("s", {{"ü0 _.", "a"},
                            {"/=+-@:", ""},
                            {"名前", "値 ٣"},
                            {"b", "ü0 _./=+-@:"},
                            {"nbsp\u00a0key", "x"}})
                  .ok());
  EXPECT_EQ(TagsOf("s").size(), 5u);
  for (const TagMap& bad :
       {TagMap{{"abc;def", "1"}}, TagMap{{"abc\tdef", "1"}}, TagMap{{"abc\ndef", "1"}},
        TagMap{{"abc,def", "1"}}, TagMap{{"a", "abc;def"}}, TagMap{{"a", "a\tb"}},
        TagMap{{"a", "x*"}}, TagMap{{"emoji\U0001F600", "1"}}}) {
    Status refused = AddTags("s", bad);
    EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument) << bad.begin()->first;
    EXPECT_EQ(refused.message(), kInvalidCharacters) << bad.begin()->first;
  }
  const std::string percent_text =
      " because some tags contained illegal characters. The allowed characters are Unicode "
      "letters, white-spaces, '_',',','/','=','+','-','@',':'.";
  Status percent = AddTags("s", {{"a", "50%"}});
  EXPECT_EQ(percent.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(percent.message(), "Failed to add tags to " + Phrase("s") + percent_text);
  Status remove_percent = RemoveTags("s", {"abc%def"});
  EXPECT_EQ(remove_percent.message(), "Failed to remove tags from " + Phrase("s") + percent_text);
  EXPECT_EQ(RemoveTags("s", {"abc;def"}).message(), kInvalidCharacters);
  // A bad character anywhere in the request refuses all of it.
  EXPECT_FALSE(AddTags("s", {{"fine", "x"}, {"bad;", "x"}}).ok());
  EXPECT_EQ(TagsOf("s").count("fine"), 0u);
}

TEST_F(TagsTest, TheAwsPrefixIsReservedForKeys) {
  ASSERT_TRUE(Create("s", 1).ok());
  Status refused = AddTags("s", {{"aws:owner", "me"}});
  EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.message(), "Failed to add tags to " + Phrase("s") +
                                   " because tag keys beginning with 'aws:' are reserved for AWS "
                                   "use.");
  EXPECT_EQ(RemoveTags("s", {"aws:owner"}).code(), ErrorCode::kInvalidArgument);
  // Only a key's prefix: a value may say anything, and "aws" alone is an ordinary key.
  EXPECT_TRUE(AddTags("s", {{"owner", "aws:me"}, {"aws", "x"}, {"awsx:y", "z"}}).ok());
  EXPECT_EQ(CreateWithTags("t", {{"aws:cloudformation:stack", "x"}}).code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(TagsTest, CreateStreamAndRegisterConsumerApplyTheRules) {
  ASSERT_TRUE(CreateWithTags("s", {{"team", "data"}}).ok());
  EXPECT_EQ(TagsOf("s"), (TagMap{{"team", "data"}}));
  TagMap fifty_one;
  for (int i = 0; i < 51; ++i) fifty_one["k" + std::to_string(i)] = "";
  EXPECT_EQ(CreateWithTags("many", fifty_one).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CreateWithTags("bad", {{"a;b", ""}}).message(), kInvalidCharacters);
  EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"many", ""}).status().code(),
            ErrorCode::kResourceNotFound);  // a refused create creates nothing

  auto consumer = Register("s", "reader", {{"role", "reader"}});
  ASSERT_TRUE(consumer.ok()) << consumer.status().message();
  auto tags = broker_->ListTagsForResource(caller_, consumer->consumer_arn);
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (TagMap{{"role", "reader"}}));
  Status refused = Register("s", "other", {{"x%", ""}}).status();
  EXPECT_EQ(refused.message(),
            "Failed to add tags to consumer other under stream s and account " + caller_.account +
                " because some tags contained illegal characters. The allowed characters are "
                "Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.");
  EXPECT_EQ(Register("s", "many", fifty_one).status().message(),
            "Failed to add tags to consumer many under stream s and account " + caller_.account +
                " because a given consumer cannot have more than 50 tags associated with it.");
  EXPECT_EQ(
      broker_->ListStreamConsumers(caller_, {ArnOf("s"), std::nullopt, "", {}})->consumers.size(),
      1u);
}

TEST_F(TagsTest, ResourceArnsNameStreamsAndConsumers) {
  ASSERT_TRUE(Create("s", 1).ok());
  auto consumer = Register("s", "reader");
  ASSERT_TRUE(consumer.ok());
  const std::string consumer_arn = consumer->consumer_arn;

  ASSERT_TRUE(Tag(ArnOf("s"), {{"on", "stream"}}).ok());
  ASSERT_TRUE(Tag(consumer_arn, {{"on", "consumer"}, {"extra", "1"}}).ok());
  EXPECT_EQ(*broker_->ListTagsForResource(caller_, ArnOf("s")), (TagMap{{"on", "stream"}}));
  EXPECT_EQ(TagsOf("s"), (TagMap{{"on", "stream"}}));  // the stream's own, not its consumer's
  EXPECT_EQ(*broker_->ListTagsForResource(caller_, consumer_arn),
            (TagMap{{"extra", "1"}, {"on", "consumer"}}));
  ASSERT_TRUE(Untag(consumer_arn, {"extra"}).ok());
  EXPECT_EQ(*broker_->ListTagsForResource(caller_, consumer_arn), (TagMap{{"on", "consumer"}}));
  ASSERT_TRUE(Untag(ArnOf("s"), {"on"}).ok());
  EXPECT_TRUE(TagsOf("s").empty());

  // A consumer or stream that does not exist; another region's stream; not a Kinesis resource.
  const std::string gone = ArnOf("s") + "/consumer/gone:1700000000";
  EXPECT_EQ(Tag(gone, {{"a", "b"}}).code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(broker_->ListTagsForResource(caller_, gone).status().code(),
            ErrorCode::kResourceNotFound);
  // The same name, another incarnation (creation time) of the consumer.
  const std::string earlier = ArnOf("s") + "/consumer/reader:1";
  EXPECT_EQ(Tag(earlier, {{"a", "b"}}).code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(Tag(ArnOf("nope"), {{"a", "b"}}).code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(Tag(StreamArn("eu-west-1", caller_.account, "s"), {{"a", "b"}}).code(),
            ErrorCode::kResourceNotFound);
  Status other = Tag("arn:aws:kinesis:us-east-1:000000000000:deliverystream/s", {{"a", "b"}});
  EXPECT_EQ(other.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(other.message(),
            "Invalid ResourceARN arn:aws:kinesis:us-east-1:000000000000:deliverystream/s.");
  // The rules hold for resources named by ARN too.
  EXPECT_EQ(Tag(consumer_arn, {{"a;", ""}}).message(), kInvalidCharacters);
}

TEST_F(TagsTest, ChangesNeedAnActiveStreamAndConsumer) {
  create_delay_ = 1h;
  consumer_delay_ = 1h;
  Close();
  Open();
  ASSERT_TRUE(Create("s", 1).ok());  // stays CREATING
  Status refused = AddTags("s", {{"a", "b"}});
  EXPECT_EQ(refused.code(), ErrorCode::kResourceInUse);
  EXPECT_EQ(refused.message(),
            "Stream s under account " + caller_.account + " not ACTIVE, instead in state CREATING");
  EXPECT_EQ(RemoveTags("s", {"a"}).code(), ErrorCode::kResourceInUse);
  EXPECT_EQ(PutPolicy(ArnOf("s"), "{}").code(), ErrorCode::kResourceInUse);
  // Reading works in any state.
  EXPECT_TRUE(TagsOf("s").empty());
  EXPECT_EQ(PolicyOf(ArnOf("s")), std::nullopt);

  create_delay_ = 0ms;
  Close();
  Open();  // an interrupted CREATING finishes at recovery
  ASSERT_TRUE(Create("t", 1).ok());
  auto consumer = Register("t", "reader");  // stays CREATING
  ASSERT_TRUE(consumer.ok());
  Status creating = Tag(consumer->consumer_arn, {{"a", "b"}});
  EXPECT_EQ(creating.code(), ErrorCode::kResourceInUse);
  EXPECT_EQ(creating.message(), "Consumer reader with creation timestamp " +
                                    std::to_string(consumer->consumer.created_ms / 1000) +
                                    " under stream t and account " + caller_.account +
                                    " is not in ACTIVE status.");
  EXPECT_EQ(PutPolicy(consumer->consumer_arn, "{}").code(), ErrorCode::kResourceInUse);
  EXPECT_TRUE(broker_->ListTagsForResource(caller_, consumer->consumer_arn)->empty());
}

TEST_F(TagsTest, AReshardingStreamKeepsItsTagsAndCanBeTagged) {
  update_delay_ = 1h;
  Close();
  Open();
  ASSERT_TRUE(CreateWithTags("s", {{"team", "data"}}).ok());
  ASSERT_TRUE(PutPolicy(ArnOf("s"), R"({"v":1})").ok());
  ASSERT_TRUE(Wait([&](auto cb) {
                broker_->SplitShard(caller_, {"s", ""}, "shardId-000000000000",
                                    "170141183460469231731687303715884105728", cb);
              }).ok());
  ASSERT_EQ(broker_->DescribeStreamSummary(caller_, {"s", ""})->status, StreamStatus::kUpdating);
  EXPECT_TRUE(AddTags("s", {{"env", "prod"}}).ok());
  EXPECT_TRUE(PutPolicy(ArnOf("s"), R"({"v":2})").ok());
  EXPECT_EQ(TagsOf("s"), (TagMap{{"env", "prod"}, {"team", "data"}}));
  EXPECT_EQ(PolicyOf(ArnOf("s")), R"({"v":2})");
  EXPECT_EQ(broker_->DescribeStreamSummary(caller_, {"s", ""})->OpenShardCount(), 2u);
}

TEST_F(TagsTest, PoliciesAreStoredVerbatimForStreamsAndConsumers) {
  ASSERT_TRUE(Create("s", 1).ok());
  auto consumer = Register("s", "reader");
  ASSERT_TRUE(consumer.ok());
  const std::string stream_policy =
      "{ \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": "
      "{\"AWS\": \"arn:aws:iam::111122223333:root\"}, \"Action\": \"kinesis:GetRecords\", "
      "\"Resource\": \"" +
      ArnOf("s") + "\"}] }";
  const std::string consumer_policy = R"({"Version":"2012-10-17","Statement":[]})";

  EXPECT_EQ(PolicyOf(ArnOf("s")), std::nullopt);
  ASSERT_TRUE(PutPolicy(ArnOf("s"), stream_policy).ok());
  ASSERT_TRUE(PutPolicy(consumer->consumer_arn, consumer_policy).ok());
  EXPECT_EQ(PolicyOf(ArnOf("s")), stream_policy);  // byte for byte, whitespace and all
  EXPECT_EQ(PolicyOf(consumer->consumer_arn), consumer_policy);
  ASSERT_TRUE(PutPolicy(ArnOf("s"), consumer_policy).ok());  // replaces
  EXPECT_EQ(PolicyOf(ArnOf("s")), consumer_policy);

  ASSERT_TRUE(DeletePolicy(ArnOf("s")).ok());
  EXPECT_EQ(PolicyOf(ArnOf("s")), std::nullopt);
  EXPECT_EQ(PolicyOf(consumer->consumer_arn), consumer_policy);  // its own, untouched
  Status none = DeletePolicy(ArnOf("s"));
  EXPECT_EQ(none.code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(none.message(), "No resource policy found for resource ARN " + ArnOf("s") + ".");

  for (const std::string& bad :
       {std::string("not json"), std::string("[1, 2]"), std::string("\"text\""),
        std::string("{\"a\": }"), std::string("")}) {
    Status refused = PutPolicy(ArnOf("s"), bad);
    EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(refused.message(),
              "The resource policy is not a valid policy document: it must be a JSON object.");
  }
  std::string big = "{\"pad\": \"" + std::string(20 * 1024, 'x') + "\"}";
  Status too_big = PutPolicy(ArnOf("s"), big);
  EXPECT_EQ(too_big.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(too_big.message(), "The resource policy is " + std::to_string(big.size()) +
                                   " bytes; a resource policy can be at most 20480 bytes.");
  EXPECT_EQ(PolicyOf(ArnOf("s")), std::nullopt);
  EXPECT_EQ(PutPolicy(ArnOf("nope"), "{}").code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(broker_->GetResourcePolicy(caller_, ArnOf("nope")).status().code(),
            ErrorCode::kResourceNotFound);
}

TEST_F(TagsTest, TagsAndPoliciesSurviveARestart) {
  ASSERT_TRUE(CreateWithTags("s", {{"team", "data"}}).ok());
  auto consumer = Register("s", "reader", {{"role", "reader"}});
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(AddTags("s", {{"env", "prod"}}).ok());
  ASSERT_TRUE(PutPolicy(ArnOf("s"), R"({"stream":true})").ok());
  ASSERT_TRUE(PutPolicy(consumer->consumer_arn, R"({"consumer":true})").ok());
  Close();
  Open();
  EXPECT_EQ(TagsOf("s"), (TagMap{{"env", "prod"}, {"team", "data"}}));
  EXPECT_EQ(*broker_->ListTagsForResource(caller_, consumer->consumer_arn),
            (TagMap{{"role", "reader"}}));
  EXPECT_EQ(PolicyOf(ArnOf("s")), R"({"stream":true})");
  EXPECT_EQ(PolicyOf(consumer->consumer_arn), R"({"consumer":true})");
}

TEST_F(TagsTest, AWriteTheQuorumRefusesChangesNothing) {
  ASSERT_TRUE(CreateWithTags("s", {{"team", "data"}}).ok());
  auto consumer = Register("s", "reader", {{"role", "reader"}});
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(PutPolicy(ArnOf("s"), R"({"v":1})").ok());

  FailQuorum(true);
  EXPECT_EQ(AddTags("s", {{"env", "prod"}}).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(RemoveTags("s", {"team"}).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Tag(consumer->consumer_arn, {{"x", "y"}}).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(PutPolicy(ArnOf("s"), R"({"v":2})").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(DeletePolicy(ArnOf("s")).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(PutPolicy(consumer->consumer_arn, "{}").code(), ErrorCode::kUnavailable);
  // Nothing visible changed...
  EXPECT_EQ(TagsOf("s"), (TagMap{{"team", "data"}}));
  EXPECT_EQ(*broker_->ListTagsForResource(caller_, consumer->consumer_arn),
            (TagMap{{"role", "reader"}}));
  EXPECT_EQ(PolicyOf(ArnOf("s")), R"({"v":1})");
  EXPECT_EQ(PolicyOf(consumer->consumer_arn), std::nullopt);
  FailQuorum(false);
  // ...nor anything durable.
  Close();
  Open();
  EXPECT_EQ(TagsOf("s"), (TagMap{{"team", "data"}}));
  EXPECT_EQ(*broker_->ListTagsForResource(caller_, consumer->consumer_arn),
            (TagMap{{"role", "reader"}}));
  EXPECT_EQ(PolicyOf(ArnOf("s")), R"({"v":1})");
  EXPECT_EQ(PolicyOf(consumer->consumer_arn), std::nullopt);
  // And the next write goes through.
  EXPECT_TRUE(AddTags("s", {{"env", "prod"}}).ok());
}

TEST(StreamInfoEncodingTest, PoliciesRoundTripAndOldMetadataDecodes) {
  StreamInfo info;
  info.account = "000000000000";
  info.region = "us-east-1";
  info.name = "s";
  info.uid = 7;
  info.created_ms = 1700000000000;
  info.tags = {{"team", "data"}};
  info.policy = "{ \"Version\": \"2012-10-17\" }";
  ConsumerInfo with_policy{"a", 1700000001000, ConsumerStatus::kActive, {{"k", "v"}}, "{}"};
  ConsumerInfo without{"b", 1700000002000, ConsumerStatus::kCreating, {}, std::nullopt};
  info.consumers = {with_policy, without};

  auto decoded = DecodeStreamInfo(EncodeStreamInfo(info));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->tags, info.tags);
  EXPECT_EQ(decoded->policy, info.policy);
  ASSERT_EQ(decoded->consumers.size(), 2u);
  EXPECT_EQ(decoded->consumers[0].tags, with_policy.tags);
  EXPECT_EQ(decoded->consumers[0].policy, "{}");
  EXPECT_EQ(decoded->consumers[1].policy, std::nullopt);

  // No policy, no key: metadata written before policies existed looks the same, and decodes.
  info.policy.reset();
  info.consumers = {without};
  const std::string encoded = EncodeStreamInfo(info);
  EXPECT_EQ(encoded.find("\"policy\""), std::string::npos);
  auto old = DecodeStreamInfo(encoded);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->policy, std::nullopt);
  EXPECT_EQ(old->consumers[0].policy, std::nullopt);
}

}  // namespace
}  // namespace sluice::broker
