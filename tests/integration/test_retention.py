"""Retention period changes through AWS CLI v1, CLI v2 and boto3."""

import unittest

import harness

ACCOUNT = harness.ACCOUNT


def too_short(hours):
    return (f"Minimum allowed retention period is 24 hours. Requested retention period "
            f"({hours} hours) is too short.")


class RetentionTest(harness.ServerTestCase):
    def summary_hours(self, client, stream):
        return client.describe_stream_summary(
            StreamName=stream)["StreamDescriptionSummary"]["RetentionPeriodHours"]

    def test_cli_v1(self):
        stream = "retention-cli-v1"
        client = self.server.boto3_client()
        self.server.cli(["create-stream", "--stream-name", stream, "--shard-count", "1"])
        harness.wait_active(client, stream)

        self.assertIsNone(self.server.cli(["increase-stream-retention-period", "--stream-name",
                                           stream, "--retention-period-hours", "72"]))
        summary = self.server.cli(["describe-stream-summary", "--stream-name", stream])
        self.assertEqual(summary["StreamDescriptionSummary"]["RetentionPeriodHours"], 72)
        self.assertIsNone(self.server.cli(["decrease-stream-retention-period", "--stream-name",
                                           stream, "--retention-period-hours", "48"]))
        self.assertEqual(self.summary_hours(client, stream), 48)

        error = self.server.cli(["decrease-stream-retention-period", "--stream-name", stream,
                                 "--retention-period-hours", "23"], check=False)
        self.assertCliError(error, "InvalidArgumentException", too_short(23))
        self.assertEqual(self.summary_hours(client, stream), 48)

    @harness.skip_without_cli_v2
    def test_cli_v2(self):
        stream = "retention-cli-v2"
        client = self.server.boto3_client()
        self.server.cli(["create-stream", "--stream-name", stream, "--shard-count", "1"], v2=True)
        harness.wait_active(client, stream)

        self.assertIsNone(self.server.cli(["increase-stream-retention-period", "--stream-name",
                                           stream, "--retention-period-hours", "100"], v2=True))
        self.assertEqual(self.summary_hours(client, stream), 100)
        self.assertIsNone(self.server.cli(["decrease-stream-retention-period", "--stream-name",
                                           stream, "--retention-period-hours", "36"], v2=True))
        summary = self.server.cli(["describe-stream-summary", "--stream-name", stream], v2=True)
        self.assertEqual(summary["StreamDescriptionSummary"]["RetentionPeriodHours"], 36)

        error = self.server.cli(["decrease-stream-retention-period", "--stream-name", stream,
                                 "--retention-period-hours", "1"], v2=True, check=False)
        self.assertCliError(error, "InvalidArgumentException", too_short(1))
        self.assertEqual(self.summary_hours(client, stream), 36)

    def test_boto3(self):
        stream = "retention-boto3"
        client = self.server.boto3_client()
        client.create_stream(StreamName=stream, ShardCount=2)
        harness.wait_active(client, stream)
        self.assertEqual(self.summary_hours(client, stream), 24)
        self.assertEqual(client.describe_stream(
            StreamName=stream)["StreamDescription"]["RetentionPeriodHours"], 24)

        client.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=168)
        self.assertEqual(self.summary_hours(client, stream), 168)
        self.assertEqual(client.describe_stream(
            StreamName=stream)["StreamDescription"]["RetentionPeriodHours"], 168)
        client.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=8760)
        self.assertEqual(self.summary_hours(client, stream), 8760)
        client.decrease_stream_retention_period(StreamName=stream, RetentionPeriodHours=24)
        self.assertEqual(self.summary_hours(client, stream), 24)

        self.assertClientError(client.decrease_stream_retention_period,
                               "InvalidArgumentException", too_short(23),
                               StreamName=stream, RetentionPeriodHours=23)
        self.assertClientError(client.increase_stream_retention_period,
                               "InvalidArgumentException",
                               "Maximum allowed retention period is 8760 hours. Requested "
                               "retention period (8761 hours) is too long.",
                               StreamName=stream, RetentionPeriodHours=8761)
        client.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=48)
        # Increase must not shorten, decrease must not lengthen.
        self.assertClientError(client.increase_stream_retention_period,
                               "InvalidArgumentException",
                               f"Requested retention period (30 hours) for stream {stream} can "
                               f"not be shorter than existing retention period (48 hours). Use "
                               f"DecreaseRetentionPeriod API.",
                               StreamName=stream, RetentionPeriodHours=30)
        self.assertClientError(client.decrease_stream_retention_period,
                               "InvalidArgumentException",
                               f"Requested retention period (60 hours) for stream {stream} can "
                               f"not be longer than existing retention period (48 hours). Use "
                               f"IncreaseRetentionPeriod API.",
                               StreamName=stream, RetentionPeriodHours=60)
        self.assertEqual(self.summary_hours(client, stream), 48)
        self.assertClientError(client.increase_stream_retention_period,
                               "ResourceNotFoundException",
                               f"Stream no-such-stream under account {ACCOUNT} not found.",
                               StreamName="no-such-stream", RetentionPeriodHours=48)


if __name__ == "__main__":
    unittest.main()
