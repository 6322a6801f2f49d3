"""Tags and resource policies through boto3: AddTagsToStream, RemoveTagsFromStream and
ListTagsForStream (by name and by ARN, paged by hand as clients do: boto3 has no paginator for it),
TagResource, UntagResource and ListTagsForResource on streams and consumers, tags given to
CreateStream and RegisterStreamConsumer, AWS's tag rules and error types, PutResourcePolicy,
GetResourcePolicy and DeleteResourcePolicy, and all of it surviving a restart."""

import json
import time

import harness

ACCOUNT = harness.ACCOUNT
INVALID_CHARACTERS = ("Some tags contain invalid characters. Valid characters: Unicode letters, "
                      "digits, white space, _ . / = + - % @ :.")


def illegal_characters(action, stream):
    return (f"Failed to {action} stream {stream} under account {ACCOUNT} because some tags "
            "contained illegal characters. The allowed characters are Unicode letters, "
            "white-spaces, '_',',','/','=','+','-','@',':'.")


def as_dict(tag_list):
    return {tag["Key"]: tag["Value"] for tag in tag_list}


def policy_for(arn):
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow",
                                      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                      "Action": ["kinesis:GetRecords"], "Resource": arn}]},
                      indent=2)


class TagsPoliciesTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ("--create-consumer-ms", "300", "--delete-consumer-ms", "0")}

    def setUp(self):
        self.client = self.server.boto3_client()
        # For requests boto3 would refuse itself (below a model minimum), to see the server's answer.
        self.raw = self.server.boto3_client(parameter_validation=False)

    def create_stream(self, name, **kwargs):
        self.client.create_stream(StreamName=name, ShardCount=1, **kwargs)
        harness.wait_active(self.client, name)
        return self.client.describe_stream_summary(
            StreamName=name)["StreamDescriptionSummary"]["StreamARN"]

    def register_consumer(self, stream_arn, name, **kwargs):
        """Registers a consumer and waits until it is ACTIVE; returns its ARN."""
        arn = self.client.register_stream_consumer(StreamARN=stream_arn, ConsumerName=name,
                                                   **kwargs)["Consumer"]["ConsumerARN"]
        deadline = time.monotonic() + 10
        while self.client.describe_stream_consumer(ConsumerARN=arn)[
                "ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
            self.assertLess(time.monotonic(), deadline, f"{arn} did not become ACTIVE")
            time.sleep(0.05)
        return arn

    def list_all_tags(self, stream, limit):
        """ListTagsForStream page by page, as clients page it; returns the tags and the pages."""
        tags, pages, start = [], [], None
        while True:
            kwargs = {"StreamName": stream, "Limit": limit}
            if start is not None:
                kwargs["ExclusiveStartTagKey"] = start
            page = self.client.list_tags_for_stream(**kwargs)
            pages.append(([tag["Key"] for tag in page["Tags"]], page["HasMoreTags"]))
            tags.extend(page["Tags"])
            if not page["HasMoreTags"]:
                return tags, pages
            start = page["Tags"][-1]["Key"]

    def test_stream_tags_by_name_and_arn(self):
        arn = self.create_stream("tags-stream", Tags={"team": "data", "env": ""})
        listed = self.client.list_tags_for_stream(StreamName="tags-stream")
        self.assertEqual(listed["Tags"], [{"Key": "env", "Value": ""},
                                          {"Key": "team", "Value": "data"}])
        self.assertFalse(listed["HasMoreTags"])
        self.client.add_tags_to_stream(StreamName="tags-stream",
                                       Tags={"team": "platform", "ü0 _.": "/=+-@:", "名前": "値"})
        self.client.add_tags_to_stream(StreamARN=arn, Tags={"by-arn": "yes"})
        self.assertEqual(as_dict(self.client.list_tags_for_stream(StreamARN=arn)["Tags"]),
                         {"env": "", "team": "platform", "ü0 _.": "/=+-@:", "名前": "値",
                          "by-arn": "yes"})
        self.client.remove_tags_from_stream(StreamName="tags-stream",
                                            TagKeys=["team", "never-there"])
        self.client.remove_tags_from_stream(StreamARN=arn, TagKeys=["名前"])
        self.assertEqual(as_dict(self.client.list_tags_for_stream(StreamName="tags-stream")["Tags"]),
                         {"env": "", "ü0 _.": "/=+-@:", "by-arn": "yes"})
        self.assertClientError(self.client.list_tags_for_stream, "ResourceNotFoundException",
                               f"Stream no-such-stream under account {ACCOUNT} not found.",
                               StreamName="no-such-stream")
        self.assertClientError(self.client.add_tags_to_stream, "ResourceNotFoundException",
                               f"Stream no-such-stream under account {ACCOUNT} not found.",
                               StreamName="no-such-stream", Tags={"a": "b"})

    def test_list_tags_for_stream_pages(self):
        self.create_stream("tags-pages")
        tags = {f"key-{i:02d}": f"value-{i}" for i in range(7)}
        self.client.add_tags_to_stream(StreamName="tags-pages", Tags=tags)
        listed, pages = self.list_all_tags("tags-pages", limit=3)
        self.assertEqual([tag["Key"] for tag in listed], sorted(tags))
        self.assertEqual(as_dict(listed), tags)
        self.assertEqual(pages, [(["key-00", "key-01", "key-02"], True),
                                 (["key-03", "key-04", "key-05"], True),
                                 (["key-06"], False)])
        # A start key that is no tag lists the keys after it; past the end, nothing.
        after = self.client.list_tags_for_stream(StreamName="tags-pages",
                                                 ExclusiveStartTagKey="key-04x")
        self.assertEqual([tag["Key"] for tag in after["Tags"]], ["key-05", "key-06"])
        end = self.client.list_tags_for_stream(StreamName="tags-pages", ExclusiveStartTagKey="z")
        self.assertEqual((end["Tags"], end["HasMoreTags"]), ([], False))
        # The model's bounds on Limit.
        self.assertClientError(self.client.list_tags_for_stream, "ValidationException",
                               StreamName="tags-pages", Limit=51)

    def test_fifty_tags_per_resource(self):
        self.create_stream("tags-limit")
        self.client.add_tags_to_stream(StreamName="tags-limit",
                                       Tags={f"k{i}": "v" for i in range(45)})
        too_many = (f"Failed to add tags to stream tags-limit under account {ACCOUNT} because a "
                    "given stream cannot have more than 50 tags associated with it.")
        self.assertClientError(self.client.add_tags_to_stream, "InvalidArgumentException",
                               too_many, StreamName="tags-limit",
                               Tags={f"n{i}": "v" for i in range(6)})
        self.client.add_tags_to_stream(StreamName="tags-limit",
                                       Tags={f"n{i}": "v" for i in range(5)})  # exactly 50
        self.client.add_tags_to_stream(StreamName="tags-limit", Tags={"k0": "overwritten"})
        self.assertClientError(self.client.add_tags_to_stream, "InvalidArgumentException",
                               too_many, StreamName="tags-limit", Tags={"one-more": ""})
        listed, _ = self.list_all_tags("tags-limit", limit=50)
        self.assertEqual(len(listed), 50)
        self.assertEqual(as_dict(listed)["k0"], "overwritten")
        self.assertClientError(self.client.create_stream, "InvalidArgumentException",
                               StreamName="tags-limit-create", ShardCount=1,
                               Tags={f"k{i}": "" for i in range(51)})

    def test_key_and_value_rules(self):
        arn = self.create_stream("tags-rules")
        for tags in ({"abc;def": "1"}, {"tab\tkey": "1"}, {"a": "new\nline"}, {"a": "co,mma"},
                     {"star*": ""}):
            with self.subTest(tags=tags):
                self.assertClientError(self.client.add_tags_to_stream,
                                       "InvalidArgumentException", INVALID_CHARACTERS,
                                       StreamName="tags-rules", Tags=tags)
        self.assertClientError(self.client.add_tags_to_stream, "InvalidArgumentException",
                               illegal_characters("add tags to", "tags-rules"),
                               StreamName="tags-rules", Tags={"a": "100%"})
        self.assertClientError(self.client.remove_tags_from_stream, "InvalidArgumentException",
                               illegal_characters("remove tags from", "tags-rules"),
                               StreamName="tags-rules", TagKeys=["50%"])
        self.assertClientError(
            self.client.add_tags_to_stream, "InvalidArgumentException",
            f"Failed to add tags to stream tags-rules under account {ACCOUNT} because tag keys "
            "beginning with 'aws:' are reserved for AWS use.",
            StreamName="tags-rules", Tags={"aws:owner": "me"})
        self.assertClientError(self.client.tag_resource, "InvalidArgumentException",
                               INVALID_CHARACTERS, ResourceARN=arn, Tags={"a;": ""})
        # Lengths are the model's: keys 1..128, values 0..256.
        self.client.add_tags_to_stream(StreamName="tags-rules",
                                       Tags={"k" * 128: "v" * 256, "empty": ""})
        for tags in ({"k" * 129: ""}, {"a": "v" * 257}, {"": "v"}):
            with self.subTest(length=[len(k) for k in tags]):
                self.assertClientError(self.raw.add_tags_to_stream, "ValidationException",
                                       StreamName="tags-rules", Tags=tags)
        self.assertClientError(self.raw.remove_tags_from_stream, "ValidationException",
                               StreamName="tags-rules", TagKeys=[])
        self.assertEqual(len(self.client.list_tags_for_stream(StreamName="tags-rules")["Tags"]), 2)

    def test_resource_tags_on_streams_and_consumers(self):
        stream_arn = self.create_stream("tags-resources")
        consumer_arn = self.register_consumer(stream_arn, "reader", Tags={"role": "reader"})
        self.assertEqual(self.client.list_tags_for_resource(ResourceARN=consumer_arn)["Tags"],
                         [{"Key": "role", "Value": "reader"}])
        self.assertEqual(self.client.list_tags_for_resource(ResourceARN=stream_arn)["Tags"], [])

        self.client.tag_resource(ResourceARN=stream_arn, Tags={"on": "stream"})
        self.client.tag_resource(ResourceARN=consumer_arn, Tags={"on": "consumer", "x": "1"})
        self.assertEqual(as_dict(self.client.list_tags_for_resource(
            ResourceARN=stream_arn)["Tags"]), {"on": "stream"})
        self.assertEqual(as_dict(self.client.list_tags_for_stream(
            StreamName="tags-resources")["Tags"]), {"on": "stream"})
        self.assertEqual(as_dict(self.client.list_tags_for_resource(
            ResourceARN=consumer_arn)["Tags"]), {"role": "reader", "on": "consumer", "x": "1"})
        self.client.untag_resource(ResourceARN=consumer_arn, TagKeys=["x", "role"])
        self.client.untag_resource(ResourceARN=stream_arn, TagKeys=["on"])
        self.assertEqual(self.client.list_tags_for_resource(ResourceARN=consumer_arn)["Tags"],
                         [{"Key": "on", "Value": "consumer"}])
        self.assertEqual(self.client.list_tags_for_resource(ResourceARN=stream_arn)["Tags"], [])

        # A consumer still CREATING cannot be tagged.
        creating = self.client.register_stream_consumer(
            StreamARN=stream_arn, ConsumerName="late")["Consumer"]
        self.assertClientError(self.client.tag_resource, "ResourceInUseException",
                               ResourceARN=creating["ConsumerARN"], Tags={"a": "b"})
        # Resources that do not exist, or are not Kinesis streams or consumers.
        self.assertClientError(self.client.tag_resource, "ResourceNotFoundException",
                               ResourceARN=f"{stream_arn}/consumer/gone:1700000000",
                               Tags={"a": "b"})
        self.assertClientError(self.client.list_tags_for_resource, "ResourceNotFoundException",
                               f"Stream missing under account {ACCOUNT} not found.",
                               ResourceARN=stream_arn.replace("tags-resources", "missing"))
        self.assertClientError(self.client.untag_resource, "InvalidArgumentException",
                               ResourceARN=f"arn:aws:kinesis:us-east-1:{ACCOUNT}:deliverystream/x",
                               TagKeys=["a"])
        self.assertClientError(self.client.list_tags_for_resource, "ValidationException",
                               ResourceARN="arn:aws:sqs:us-east-1:000000000000:queue")
        # The consumer's tags go with it.
        self.client.deregister_stream_consumer(ConsumerARN=consumer_arn)
        self.assertClientError(self.client.list_tags_for_resource, "ResourceNotFoundException",
                               ResourceARN=consumer_arn)

    def test_resource_policies(self):
        stream_arn = self.create_stream("policies")
        consumer_arn = self.register_consumer(stream_arn, "reader")
        for arn in (stream_arn, consumer_arn):
            with self.subTest(arn=arn):
                self.assertEqual(self.client.get_resource_policy(ResourceARN=arn)["Policy"], "{}")
                self.assertClientError(self.client.delete_resource_policy,
                                       "ResourceNotFoundException",
                                       f"No resource policy found for resource ARN {arn}.",
                                       ResourceARN=arn)
                policy = policy_for(arn)
                self.client.put_resource_policy(ResourceARN=arn, Policy=policy)
                self.assertEqual(self.client.get_resource_policy(ResourceARN=arn)["Policy"],
                                 policy)  # verbatim, indentation and all
        # Each resource has its own; replacing and deleting one leaves the other.
        self.client.put_resource_policy(ResourceARN=stream_arn, Policy='{"Statement":[]}')
        self.assertEqual(self.client.get_resource_policy(ResourceARN=stream_arn)["Policy"],
                         '{"Statement":[]}')
        self.client.delete_resource_policy(ResourceARN=stream_arn)
        self.assertEqual(self.client.get_resource_policy(ResourceARN=stream_arn)["Policy"], "{}")
        self.assertEqual(self.client.get_resource_policy(ResourceARN=consumer_arn)["Policy"],
                         policy_for(consumer_arn))
        for bad in ("not json", "[]", '"a string"', '{"unterminated": '):
            with self.subTest(policy=bad):
                self.assertClientError(self.client.put_resource_policy,
                                       "InvalidArgumentException", ResourceARN=stream_arn,
                                       Policy=bad)
        self.assertClientError(self.client.put_resource_policy, "InvalidArgumentException",
                               ResourceARN=stream_arn, Policy=json.dumps({"pad": "x" * 21000}))
        self.assertClientError(self.client.get_resource_policy, "ResourceNotFoundException",
                               ResourceARN=stream_arn.replace("policies", "missing"))

    def test_restart_keeps_tags_and_policies(self):
        stream_arn = self.create_stream("tags-restart", Tags={"team": "data"})
        consumer_arn = self.register_consumer(stream_arn, "reader", Tags={"role": "reader"})
        self.client.add_tags_to_stream(StreamName="tags-restart", Tags={"env": "prod"})
        stream_policy, consumer_policy = policy_for(stream_arn), policy_for(consumer_arn)
        self.client.put_resource_policy(ResourceARN=stream_arn, Policy=stream_policy)
        self.client.put_resource_policy(ResourceARN=consumer_arn, Policy=consumer_policy)

        self.server.restart()
        client = self.server.boto3_client()
        self.assertEqual(client.list_tags_for_stream(StreamName="tags-restart")["Tags"],
                         [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "data"}])
        self.assertEqual(client.list_tags_for_resource(ResourceARN=consumer_arn)["Tags"],
                         [{"Key": "role", "Value": "reader"}])
        self.assertEqual(client.get_resource_policy(ResourceARN=stream_arn)["Policy"],
                         stream_policy)
        self.assertEqual(client.get_resource_policy(ResourceARN=consumer_arn)["Policy"],
                         consumer_policy)
        # And they still change after it.
        client.remove_tags_from_stream(StreamName="tags-restart", TagKeys=["env"])
        self.assertEqual(as_dict(client.list_tags_for_stream(StreamName="tags-restart")["Tags"]),
                         {"team": "data"})
