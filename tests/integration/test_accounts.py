"""Several accounts and regions in one server: a 12-digit access key id selects its account
(anything else the configured default), the SigV4 credential scope the region. Streams,
consumers and their records are isolated by (account, region), and ARNs carry both."""

import unittest

import harness

DEFAULT = harness.ACCOUNT


class AccountsTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ("--create-consumer-ms", "0")}

    def client(self, account, region="us-east-1"):
        return self.server.boto3_client(access_key=account, region=region)

    def test_streams_are_isolated_by_account_and_region(self):
        clients = {(account, region): self.client(account, region)
                   for account in ("111111111111", "222222222222")
                   for region in ("us-east-1", "eu-west-1")}
        # The same name everywhere; each its own stream with its own records.
        for (account, region), client in clients.items():
            client.create_stream(StreamName="orders", ShardCount=1)
        for (account, region), client in clients.items():
            harness.wait_active(client, "orders")
            summary = client.describe_stream_summary(
                StreamName="orders")["StreamDescriptionSummary"]
            self.assertEqual(summary["StreamARN"],
                             f"arn:aws:kinesis:{region}:{account}:stream/orders")
            client.put_record(StreamName="orders", PartitionKey="k",
                              Data=f"{account}/{region}".encode())
        for (account, region), client in clients.items():
            records = harness.read_every_shard(client, "orders")["shardId-000000000000"]
            self.assertEqual([r["Data"] for r in records], [f"{account}/{region}".encode()])

        # Nothing of one is visible from another, not even through a full ARN.
        other = clients[("222222222222", "us-east-1")]
        self.assertClientError(other.describe_stream_summary, "ResourceNotFoundException",
                               "Stream only-a under account 222222222222 not found.",
                               StreamName="only-a")
        clients[("111111111111", "us-east-1")].create_stream(StreamName="only-a", ShardCount=1)
        self.assertNotIn("only-a", other.list_streams()["StreamNames"])
        self.assertNotIn("only-a", self.client("111111111111", "eu-west-1")
                         .list_streams()["StreamNames"])
        foreign_arn = "arn:aws:kinesis:us-east-1:111111111111:stream/only-a"
        with self.assertRaises(other.exceptions.ClientError):
            other.describe_stream_summary(StreamARN=foreign_arn)

        # Deleting in one account leaves the others alone.
        clients[("111111111111", "us-east-1")].delete_stream(StreamName="orders")
        self.assertEqual(other.describe_stream_summary(
            StreamName="orders")["StreamDescriptionSummary"]["StreamStatus"], "ACTIVE")

    def test_other_access_keys_act_in_the_default_account(self):
        client = self.client("AKIDEXAMPLE")
        client.create_stream(StreamName="default-account", ShardCount=1)
        harness.wait_active(client, "default-account")
        arn = client.describe_stream_summary(
            StreamName="default-account")["StreamDescriptionSummary"]["StreamARN"]
        self.assertEqual(arn, f"arn:aws:kinesis:us-east-1:{DEFAULT}:stream/default-account")
        self.assertIn("default-account",
                      self.client("ANOTHERKEY").list_streams()["StreamNames"])
        self.assertNotIn("default-account",
                         self.client("333333333333").list_streams()["StreamNames"])

    def test_consumers_belong_to_their_account(self):
        owner = self.client("444444444444")
        owner.create_stream(StreamName="fanout", ShardCount=1)
        harness.wait_active(owner, "fanout")
        stream_arn = owner.describe_stream_summary(
            StreamName="fanout")["StreamDescriptionSummary"]["StreamARN"]
        consumer = owner.register_stream_consumer(StreamARN=stream_arn,
                                                  ConsumerName="reader")["Consumer"]
        self.assertTrue(consumer["ConsumerARN"].startswith(
            "arn:aws:kinesis:us-east-1:444444444444:stream/fanout/consumer/reader:"))
        stranger = self.client("555555555555")
        with self.assertRaises(stranger.exceptions.ClientError):
            stranger.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
        with self.assertRaises(stranger.exceptions.ClientError):
            stranger.list_stream_consumers(StreamARN=stream_arn)


if __name__ == "__main__":
    unittest.main()
