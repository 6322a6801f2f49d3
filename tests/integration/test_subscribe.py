"""SubscribeToShard through boto3 (HTTP/1.1, chunked event stream): records pushed as they commit,
every starting position, exactly once and in order across resubscriptions with the
ContinuationSequenceNumber, AWS's refusals, the takeover rule, and a subscription ended by a
graceful shutdown."""

import threading
import time
import unittest

import harness


def events(response):
    """The SubscribeToShardEvent payloads of a subscription, as they arrive."""
    for event in response["EventStream"]:
        yield event["SubscribeToShardEvent"]


class SubscribeTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ("--create-consumer-ms", "0", "--delete-consumer-ms", "0")}

    def setup_stream(self, name, shards=1):
        client = self.server.boto3_client()
        client.create_stream(StreamName=name, ShardCount=shards)
        harness.wait_active(client, name)
        arn = client.describe_stream_summary(
            StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
        consumer = client.register_stream_consumer(StreamARN=arn,
                                                   ConsumerName="reader")["Consumer"]
        return client, consumer["ConsumerARN"]

    def subscribe(self, client, consumer, position, shard="shardId-000000000000"):
        return client.subscribe_to_shard(ConsumerARN=consumer, ShardId=shard,
                                         StartingPosition=position)

    def test_records_arrive_in_order_and_live(self):
        client, consumer = self.setup_stream("subscribe-live")
        before = [f"before-{i}".encode() for i in range(20)]
        client.put_records(StreamName="subscribe-live",
                           Records=[{"Data": d, "PartitionKey": "k"} for d in before])
        response = self.subscribe(client, consumer, {"Type": "TRIM_HORIZON"})
        self.assertEqual(response["ResponseMetadata"]["HTTPHeaders"]["content-type"],
                         "application/vnd.amazon.eventstream")
        live = [f"live-{i}".encode() for i in range(30)]
        put_times = {}

        def produce():
            time.sleep(0.3)
            for data in live:
                put_times[data] = time.monotonic()
                client.put_record(StreamName="subscribe-live", Data=data, PartitionKey="k")

        producer = threading.Thread(target=produce)
        producer.start()
        seen, delays = [], []
        for event in events(response):
            for record in event["Records"]:
                seen.append(record["Data"])
                if record["Data"] in put_times:
                    delays.append(time.monotonic() - put_times[record["Data"]])
            self.assertIn("ContinuationSequenceNumber", event)
            self.assertIn("MillisBehindLatest", event)
            if len(seen) >= len(before) + len(live):
                break
        producer.join()
        response["EventStream"].close()
        self.assertEqual(seen, before + live)
        # Pushed on commit, not on the 5-second heartbeat.
        self.assertLess(max(delays), 2.0, delays)

    def test_continuation_resumes_exactly_once(self):
        client, consumer = self.setup_stream("subscribe-resume")
        first = [f"a{i}".encode() for i in range(15)]
        client.put_records(StreamName="subscribe-resume",
                           Records=[{"Data": d, "PartitionKey": "k"} for d in first])
        response = self.subscribe(client, consumer, {"Type": "TRIM_HORIZON"})
        got, continuation = [], None
        for event in events(response):
            got += [r["Data"] for r in event["Records"]]
            continuation = event["ContinuationSequenceNumber"]
            if len(got) >= len(first):
                break
        response["EventStream"].close()
        self.assertEqual(got, first)

        second = [f"b{i}".encode() for i in range(15)]
        client.put_records(StreamName="subscribe-resume",
                           Records=[{"Data": d, "PartitionKey": "k"} for d in second])
        time.sleep(5.1)  # the takeover window of the first subscription
        response = self.subscribe(client, consumer, {"Type": "AFTER_SEQUENCE_NUMBER",
                                                     "SequenceNumber": continuation})
        got = []
        for event in events(response):
            got += [r["Data"] for r in event["Records"]]
            if len(got) >= len(second):
                break
        response["EventStream"].close()
        self.assertEqual(got, second)

    def test_refusals(self):
        client, consumer = self.setup_stream("subscribe-errors")
        with self.assertRaises(client.exceptions.ResourceNotFoundException):
            self.subscribe(client, consumer, {"Type": "LATEST"}, shard="shardId-000000000007")
        with self.assertRaises(client.exceptions.InvalidArgumentException):
            self.subscribe(client, consumer,
                           {"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": "12345"})
        arn = consumer.rsplit("/consumer/", 1)[0]
        with self.assertRaises(client.exceptions.ResourceNotFoundException):
            self.subscribe(client, f"{arn}/consumer/nobody:1", {"Type": "LATEST"})
        first = self.subscribe(client, consumer, {"Type": "LATEST"})
        with self.assertRaises(client.exceptions.ResourceInUseException):
            self.subscribe(client, consumer, {"Type": "LATEST"})
        first["EventStream"].close()


class SubscribeShutdownTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ("--create-consumer-ms", "0")}

    def test_sigterm_ends_subscriptions_at_once(self):
        client = self.server.boto3_client()
        client.create_stream(StreamName="subscribe-stop", ShardCount=1)
        harness.wait_active(client, "subscribe-stop")
        arn = client.describe_stream_summary(
            StreamName="subscribe-stop")["StreamDescriptionSummary"]["StreamARN"]
        consumer = client.register_stream_consumer(StreamARN=arn,
                                                   ConsumerName="r")["Consumer"]["ConsumerARN"]
        response = client.subscribe_to_shard(ConsumerARN=consumer,
                                             ShardId="shardId-000000000000",
                                             StartingPosition={"Type": "LATEST"})
        started = time.monotonic()
        self.server.stop()
        for _ in events(response):
            pass  # the stream ends cleanly instead of hanging for five minutes
        self.assertLess(time.monotonic() - started, 8.0)
        self.assertEqual(self.server.exit_codes[-1], 0)
        self.server.start()


if __name__ == "__main__":
    unittest.main()
