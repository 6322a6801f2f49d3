"""Pagination tokens through boto3: NextToken of ListStreams, ListShards and ListStreamConsumers
expires (ExpiredNextTokenException, here after 1 s via --next-token-ttl-ms) and cannot be replayed
against another stream or in another account."""

import time
import unittest

import harness

TTL_S = 1.0


class PageTokensTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ("--next-token-ttl-ms", str(int(TTL_S * 1000)),
                                     "--create-consumer-ms", "0")}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.boto3_client()
        for name in ("tokens-a", "tokens-b"):
            cls.client.create_stream(StreamName=name, ShardCount=3)
            harness.wait_active(cls.client, name)
        cls.arns = {name: cls.client.describe_stream_summary(StreamName=name)
                    ["StreamDescriptionSummary"]["StreamARN"] for name in ("tokens-a", "tokens-b")}
        for name in ("reader-1", "reader-2"):
            cls.client.register_stream_consumer(StreamARN=cls.arns["tokens-a"], ConsumerName=name)

    def expired(self, call, **kwargs):
        self.assertClientError(call, "ExpiredNextTokenException", None, **kwargs)

    def test_list_streams_tokens_expire_and_stay_in_their_account(self):
        page = self.client.list_streams(Limit=1)
        self.assertTrue(page["HasMoreStreams"])
        following = self.client.list_streams(NextToken=page["NextToken"])
        self.assertEqual(following["StreamNames"], ["tokens-b"])
        stranger = self.server.boto3_client(access_key="999999999999")
        self.assertClientError(stranger.list_streams, "InvalidArgumentException", None,
                               NextToken=page["NextToken"])
        time.sleep(TTL_S + 0.3)
        self.expired(self.client.list_streams, NextToken=page["NextToken"])

    def test_list_shards_tokens_expire_and_belong_to_their_stream(self):
        page = self.client.list_shards(StreamName="tokens-a", MaxResults=1)
        token = page["NextToken"]
        self.assertEqual(len(self.client.list_shards(NextToken=token, MaxResults=1)["Shards"]), 1)
        # A token names its stream: it cannot be combined with another one.
        self.assertClientError(self.client.list_shards, "InvalidArgumentException", None,
                               StreamName="tokens-b", NextToken=token)
        time.sleep(TTL_S + 0.3)
        self.expired(self.client.list_shards, NextToken=token)

    def test_list_stream_consumers_tokens_expire_and_belong_to_their_stream(self):
        page = self.client.list_stream_consumers(StreamARN=self.arns["tokens-a"], MaxResults=1)
        token = page["NextToken"]
        self.assertEqual(len(self.client.list_stream_consumers(
            StreamARN=self.arns["tokens-a"], NextToken=token)["Consumers"]), 1)
        self.assertClientError(self.client.list_stream_consumers, "InvalidArgumentException",
                               None, StreamARN=self.arns["tokens-b"], NextToken=token)
        time.sleep(TTL_S + 0.3)
        self.expired(self.client.list_stream_consumers, StreamARN=self.arns["tokens-a"],
                     NextToken=token)


if __name__ == "__main__":
    unittest.main()
