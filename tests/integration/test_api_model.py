"""Every operation of the official API model, called against the real binary, its reply checked
against the model.

The model file (src/api/model/kinesis-2013-12-02.json, AWS's own) is the judge: the test calls
each of its operations once in a scenario that makes each call succeed (a stream is created,
written, read, tagged, configured, resharded, given a consumer and a subscription, deleted), over
raw HTTP with JSON 1.1 so nothing between the server and the check drops or reshapes a member.
It fails on an UnknownOperationException, on any operation the scenario does not call, and on a
reply member the model does not define, of the wrong JSON type, outside its enum, or missing
while the model requires it.
"""

import base64
import http.client
import json
import os
import struct
import time
import unittest

import harness

MODEL_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "src", "api", "model",
                          "kinesis-2013-12-02.json")
with open(MODEL_PATH) as model_file:
    MODEL = json.load(model_file)
SHAPES = MODEL["shapes"]


def model_errors(shape_name, value, path):
    """Every way `value` departs from model shape `shape_name`, as readable strings."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    errors = []
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r}"]
        for name, member_value in value.items():
            member = shape["members"].get(name)
            if member is None:
                errors.append(f"{path}.{name}: not a member of {shape_name}")
                continue
            errors += model_errors(member["shape"], member_value, f"{path}.{name}")
        for name in shape.get("required", []):
            if name not in value:
                errors.append(f"{path}.{name}: required by {shape_name} but missing")
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        for index, item in enumerate(value):
            errors += model_errors(shape["member"]["shape"], item, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map, got {value!r}"]
        for key, item in value.items():
            errors += model_errors(shape["key"]["shape"], key, f"{path} key")
            errors += model_errors(shape["value"]["shape"], item, f"{path}[{key}]")
    elif kind == "string":
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string, got {value!r}")
        elif "enum" in shape and value not in shape["enum"]:
            errors.append(f"{path}: {value!r} is not in {shape_name}'s enum {shape['enum']}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected an integer, got {value!r}")
    elif kind == "double":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(f"{path}: expected a number, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected a boolean, got {value!r}")
    elif kind == "timestamp":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(f"{path}: expected epoch seconds, got {value!r}")
    elif kind == "blob":
        try:
            base64.b64decode(value, validate=True)
        except (TypeError, ValueError):
            errors.append(f"{path}: expected base64, got {value!r}")
    else:
        errors.append(f"{path}: shape type {kind} unknown to this test")
    return errors


def read_event_stream_messages(response, count):
    """The first `count` messages of an AWS event stream: (headers dict, payload bytes)."""
    messages = []
    for _ in range(count):
        prelude = response.read(12)
        total, headers_length, _ = struct.unpack(">III", prelude)
        rest = response.read(total - 12)
        raw_headers, payload = rest[:headers_length], rest[headers_length:-4]
        headers = {}
        at = 0
        while at < len(raw_headers):
            name_length = raw_headers[at]
            name = raw_headers[at + 1:at + 1 + name_length].decode()
            at += 1 + name_length
            assert raw_headers[at] == 7, "only string headers are expected"
            value_length = struct.unpack(">H", raw_headers[at + 1:at + 3])[0]
            headers[name] = raw_headers[at + 3:at + 3 + value_length].decode()
            at += 3 + value_length
        messages.append((headers, payload))
    return messages


class ApiModelTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"create_ms": 0, "delete_ms": 0, "update_ms": 0,
                      "extra_args": ("--create-consumer-ms", "0", "--delete-consumer-ms", "0")}

    def setUp(self):
        self.called = set()

    def call(self, operation, body):
        """One JSON 1.1 call; fails on any error; returns the reply checked against the model."""
        payload = json.dumps(body).encode()
        status, _, data = self.server.http_request(
            "POST", "/", payload, harness.signed_headers(operation, payload))
        self.called.add(operation)
        self.assertEqual(status, 200, f"{operation} answered {status}: {data!r}")
        reply = json.loads(data) if data else {}
        output = MODEL["operations"][operation].get("output")
        if output is None:
            self.assertEqual(data, b"", f"{operation} has no output members")
            return reply
        self.assertEqual(model_errors(output["shape"], reply, operation), [])
        return reply

    def wait_stream(self, name):
        """Until the stream is ACTIVE again after a change that passes through UPDATING."""
        for _ in range(200):
            summary = self.call("DescribeStreamSummary", {"StreamName": name})
            if summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
                return summary["StreamDescriptionSummary"]
            time.sleep(0.05)
        self.fail(f"stream {name} did not become ACTIVE")

    def subscribe(self, consumer_arn, shard_id):
        """SubscribeToShard over HTTP/1.1 (served chunked): its first event, checked."""
        payload = json.dumps({"ConsumerARN": consumer_arn, "ShardId": shard_id,
                              "StartingPosition": {"Type": "TRIM_HORIZON"}}).encode()
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            connection.request("POST", "/", payload,
                               harness.signed_headers("SubscribeToShard", payload))
            response = connection.getresponse()
            self.called.add("SubscribeToShard")
            self.assertEqual(response.status, 200)
            initial, event = read_event_stream_messages(response, 2)
        finally:
            connection.close()
        self.assertEqual(initial[0][":event-type"], "initial-response")
        self.assertEqual(event[0][":event-type"], "SubscribeToShardEvent")
        stream_shape = SHAPES[MODEL["operations"]["SubscribeToShard"]["output"]["shape"]]
        event_shape = SHAPES[stream_shape["members"]["EventStream"]["shape"]]
        shape_name = event_shape["members"]["SubscribeToShardEvent"]["shape"]
        self.assertEqual(model_errors(shape_name, json.loads(event[1]), "SubscribeToShardEvent"),
                         [])
        return json.loads(event[1])

    def test_every_operation_answers_as_the_model_says(self):
        name = "model-walk"
        self.call("CreateStream", {"StreamName": name, "ShardCount": 2, "Tags": {"team": "a"}})
        arn = self.wait_stream(name)["StreamARN"]
        self.call("DescribeStream", {"StreamName": name})
        self.call("ListStreams", {})
        shards = self.call("ListShards", {"StreamName": name})["Shards"]

        # Records.
        data = base64.b64encode(b"hello").decode()
        put = self.call("PutRecord", {"StreamName": name, "PartitionKey": "k", "Data": data})
        self.call("PutRecords", {"StreamARN": arn,
                                 "Records": [{"PartitionKey": "k", "Data": data}] * 3})
        iterator = self.call("GetShardIterator", {
            "StreamName": name, "ShardId": put["ShardId"],
            "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
        records = self.call("GetRecords", {"ShardIterator": iterator})["Records"]
        self.assertEqual(len(records), 4)

        # Tags, by name and by ARN.
        self.call("AddTagsToStream", {"StreamName": name, "Tags": {"env": "test"}})
        tags = self.call("ListTagsForStream", {"StreamName": name})["Tags"]
        self.assertEqual({t["Key"]: t.get("Value") for t in tags}, {"team": "a", "env": "test"})
        self.call("RemoveTagsFromStream", {"StreamName": name, "TagKeys": ["env"]})
        self.call("TagResource", {"ResourceARN": arn, "Tags": {"owner": "me"}})
        tags = self.call("ListTagsForResource", {"ResourceARN": arn})["Tags"]
        self.assertEqual({t["Key"]: t.get("Value") for t in tags}, {"team": "a", "owner": "me"})
        self.call("UntagResource", {"ResourceARN": arn, "TagKeys": ["owner"]})

        # Stream settings.
        self.call("IncreaseStreamRetentionPeriod", {"StreamName": name, "RetentionPeriodHours": 48})
        self.wait_stream(name)
        self.call("DecreaseStreamRetentionPeriod", {"StreamName": name, "RetentionPeriodHours": 24})
        self.wait_stream(name)
        self.call("EnableEnhancedMonitoring", {"StreamName": name, "ShardLevelMetrics": ["ALL"]})
        self.wait_stream(name)
        self.call("DisableEnhancedMonitoring", {"StreamName": name,
                                                "ShardLevelMetrics": ["IncomingBytes"]})
        self.wait_stream(name)
        self.call("StartStreamEncryption", {"StreamName": name, "EncryptionType": "KMS",
                                            "KeyId": "alias/aws/kinesis"})
        self.assertEqual(self.wait_stream(name)["EncryptionType"], "KMS")
        self.call("StopStreamEncryption", {"StreamName": name, "EncryptionType": "KMS",
                                           "KeyId": "alias/aws/kinesis"})
        self.assertEqual(self.wait_stream(name)["EncryptionType"], "NONE")
        self.call("UpdateMaxRecordSize", {"StreamARN": arn, "MaxRecordSizeInKiB": 2048})
        self.assertEqual(self.wait_stream(name)["MaxRecordSizeInKiB"], 2048)
        policy = json.dumps({"Version": "2012-10-17", "Statement": []})
        self.call("PutResourcePolicy", {"ResourceARN": arn, "Policy": policy})
        self.assertEqual(self.call("GetResourcePolicy", {"ResourceARN": arn})["Policy"], policy)
        self.call("DeleteResourcePolicy", {"ResourceARN": arn})

        # Account-wide.
        self.call("DescribeLimits", {})
        self.call("DescribeAccountSettings", {})
        # Enabled: warm throughput (below) needs the commitment.
        self.call("UpdateAccountSettings",
                  {"MinimumThroughputBillingCommitment": {"Status": "ENABLED"}})

        # Enhanced fan-out.
        consumer = self.call("RegisterStreamConsumer", {"StreamARN": arn,
                                                        "ConsumerName": "walker"})["Consumer"]
        consumer_arn = consumer["ConsumerARN"]
        for _ in range(200):
            described = self.call("DescribeStreamConsumer", {"ConsumerARN": consumer_arn})
            if described["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE":
                break
            time.sleep(0.05)
        self.call("ListStreamConsumers", {"StreamARN": arn})
        event = self.subscribe(consumer_arn, put["ShardId"])
        self.assertEqual(len(event["Records"]), 4)
        self.call("DeregisterStreamConsumer", {"ConsumerARN": consumer_arn})

        # Resharding: split shard 0, merge its children back, then double the open shards.
        first = shards[0]
        start, end = int(first["HashKeyRange"]["StartingHashKey"]), int(
            first["HashKeyRange"]["EndingHashKey"])
        self.call("SplitShard", {"StreamName": name, "ShardToSplit": first["ShardId"],
                                 "NewStartingHashKey": str((start + end) // 2)})
        self.wait_stream(name)
        children = [s for s in self.call("ListShards", {"StreamName": name})["Shards"]
                    if s.get("ParentShardId") == first["ShardId"]]
        self.assertEqual(len(children), 2)
        self.call("MergeShards", {"StreamName": name, "ShardToMerge": children[0]["ShardId"],
                                  "AdjacentShardToMerge": children[1]["ShardId"]})
        self.wait_stream(name)
        self.call("UpdateShardCount", {"StreamName": name, "TargetShardCount": 4,
                                       "ScalingType": "UNIFORM_SCALING"})
        self.assertEqual(self.wait_stream(name)["OpenShardCount"], 4)

        # On-demand, and its warm throughput.
        self.call("UpdateStreamMode", {"StreamARN": arn,
                                       "StreamModeDetails": {"StreamMode": "ON_DEMAND"}})
        self.wait_stream(name)
        self.call("UpdateStreamWarmThroughput", {"StreamName": name, "WarmThroughputMiBps": 10})
        self.wait_stream(name)

        self.call("DeleteStream", {"StreamName": name})
        self.assertEqual(set(MODEL["operations"]) - self.called, set(),
                         "operations of the model this scenario never called")


if __name__ == "__main__":
    unittest.main()
