"""Enhanced fan-out consumers through boto3 and the AWS CLI v1 and v2: register, describe (by ARN
and by stream + name), list with pagination, deregister, the lifecycle delays, DeleteStream's
EnforceConsumerDeletion, and consumers surviving a restart."""

import re
import time
import unittest

import botocore.exceptions

import harness


def wait_consumer(client, arn, status, timeout=10.0):
    """Waits until the consumer has `status` (None: until it is gone); returns its description."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            description = client.describe_stream_consumer(ConsumerARN=arn)["ConsumerDescription"]
            if description["ConsumerStatus"] == status:
                return description
        except client.exceptions.ResourceNotFoundException:
            if status is None:
                return None
        if time.monotonic() > deadline:
            raise AssertionError(f"consumer {arn} did not become {status}")
        time.sleep(0.05)


class ConsumersTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ("--create-consumer-ms", "300", "--delete-consumer-ms", "300")}

    def create_stream(self, client, name, shards=1):
        client.create_stream(StreamName=name, ShardCount=shards)
        harness.wait_active(client, name)
        return client.describe_stream_summary(
            StreamName=name)["StreamDescriptionSummary"]["StreamARN"]

    def test_boto3_lifecycle(self):
        client = self.server.boto3_client()
        stream_arn = self.create_stream(client, "consumers-boto3")
        consumer = client.register_stream_consumer(StreamARN=stream_arn,
                                                   ConsumerName="reader")["Consumer"]
        self.assertEqual(consumer["ConsumerName"], "reader")
        self.assertEqual(consumer["ConsumerStatus"], "CREATING")
        seconds = int(consumer["ConsumerCreationTimestamp"].timestamp())
        self.assertEqual(consumer["ConsumerARN"], f"{stream_arn}/consumer/reader:{seconds}")
        self.assertLess(abs(time.time() - seconds), 60)

        described = wait_consumer(client, consumer["ConsumerARN"], "ACTIVE")
        self.assertEqual(described["StreamARN"], stream_arn)
        by_name = client.describe_stream_consumer(
            StreamARN=stream_arn, ConsumerName="reader")["ConsumerDescription"]
        self.assertEqual(by_name["ConsumerARN"], consumer["ConsumerARN"])
        summary = client.describe_stream_summary(StreamName="consumers-boto3")
        self.assertEqual(summary["StreamDescriptionSummary"]["ConsumerCount"], 1)

        with self.assertRaises(client.exceptions.ResourceInUseException):
            client.register_stream_consumer(StreamARN=stream_arn, ConsumerName="reader")
        with self.assertRaises(client.exceptions.ResourceInUseException) as refused:
            client.delete_stream(StreamName="consumers-boto3")
        self.assertIn("EnforceConsumerDeletion", str(refused.exception))

        client.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
        self.assertEqual(wait_consumer(client, consumer["ConsumerARN"], "DELETING", 1.0)[
            "ConsumerStatus"], "DELETING")
        wait_consumer(client, consumer["ConsumerARN"], None)
        self.assertEqual(client.list_stream_consumers(StreamARN=stream_arn)["Consumers"], [])
        client.delete_stream(StreamName="consumers-boto3")

    def test_boto3_pagination_and_errors(self):
        client = self.server.boto3_client()
        stream_arn = self.create_stream(client, "consumers-pages")
        names = [f"c{i}" for i in range(7)]
        for name in names:
            arn = client.register_stream_consumer(StreamARN=stream_arn,
                                                  ConsumerName=name)["Consumer"]["ConsumerARN"]
            wait_consumer(client, arn, "ACTIVE")  # AWS allows only 5 in CREATING at once
        paginator = client.get_paginator("list_stream_consumers")
        pages = list(paginator.paginate(StreamARN=stream_arn,
                                        PaginationConfig={"PageSize": 3}))
        self.assertEqual(len(pages), 3)
        listed = [c["ConsumerName"] for page in pages for c in page["Consumers"]]
        self.assertEqual(listed, names)

        with self.assertRaises(client.exceptions.ResourceNotFoundException):
            client.describe_stream_consumer(StreamARN=stream_arn, ConsumerName="nobody")
        with self.assertRaises(client.exceptions.InvalidArgumentException):
            client.describe_stream_consumer(StreamARN=stream_arn)
        with self.assertRaises(botocore.exceptions.ClientError) as invalid:
            client.register_stream_consumer(StreamARN=stream_arn, ConsumerName="bad name!")
        self.assertEqual(invalid.exception.response["Error"]["Code"], "ValidationException")

        client.delete_stream(StreamName="consumers-pages", EnforceConsumerDeletion=True)
        with self.assertRaises(client.exceptions.ResourceNotFoundException):
            client.list_stream_consumers(StreamARN=stream_arn)

    def run_cli(self, v2):
        stream = "consumers-cli-v2" if v2 else "consumers-cli-v1"
        client = self.server.boto3_client()
        stream_arn = self.create_stream(client, stream)
        out = self.server.cli(["register-stream-consumer", "--stream-arn", stream_arn,
                               "--consumer-name", "cli"], v2=v2)
        arn = out["Consumer"]["ConsumerARN"]
        self.assertRegex(arn, re.escape(stream_arn) + r"/consumer/cli:\d+$")
        wait_consumer(client, arn, "ACTIVE")
        described = self.server.cli(["describe-stream-consumer", "--consumer-arn", arn], v2=v2)
        self.assertEqual(described["ConsumerDescription"]["ConsumerStatus"], "ACTIVE")
        listed = self.server.cli(["list-stream-consumers", "--stream-arn", stream_arn], v2=v2)
        self.assertEqual([c["ConsumerARN"] for c in listed["Consumers"]], [arn])
        self.assertIsNone(self.server.cli(["deregister-stream-consumer", "--stream-arn",
                                           stream_arn, "--consumer-name", "cli"], v2=v2))
        wait_consumer(client, arn, None)
        error = self.server.cli(["describe-stream-consumer", "--consumer-arn", arn], v2=v2,
                                check=False)
        self.assertCliError(error, "ResourceNotFoundException")

    def test_cli_v1(self):
        self.run_cli(v2=False)

    @harness.skip_without_cli_v2
    def test_cli_v2(self):
        self.run_cli(v2=True)

    def test_consumers_survive_a_restart(self):
        client = self.server.boto3_client()
        stream_arn = self.create_stream(client, "consumers-restart")
        arn = client.register_stream_consumer(StreamARN=stream_arn,
                                              ConsumerName="durable")["Consumer"]["ConsumerARN"]
        wait_consumer(client, arn, "ACTIVE")
        self.server.restart()
        client = self.server.boto3_client()
        described = client.describe_stream_consumer(ConsumerARN=arn)["ConsumerDescription"]
        self.assertEqual(described["ConsumerStatus"], "ACTIVE")
        self.assertEqual(described["ConsumerName"], "durable")


if __name__ == "__main__":
    unittest.main()
