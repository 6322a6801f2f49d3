"""Stream settings, limits and account settings through boto3: encryption, enhanced monitoring,
capacity mode, maximum record size (enforced on puts), warm throughput, DescribeLimits and the
account's minimum throughput billing commitment; Describe* reflects each, and a restart keeps
them. Each test acts in a region of its own, so their accounts' namespaces do not meet."""

import datetime
import time
import unittest

import harness

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"
ALL_METRICS = ["IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
               "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
               "IteratorAgeMilliseconds"]
MIB = 1024 * 1024


def summary(client, name):
    return client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]


def arn(name, region):
    return f"arn:aws:kinesis:{region}:{harness.ACCOUNT}:stream/{name}"


def wait_status(client, name, status, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if summary(client, name)["StreamStatus"] == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} not {status} after {timeout}s: {summary(client, name)}")


class StreamSettingsTest(harness.ServerTestCase):
    # Updates stay UPDATING for a moment, so the tests can see it; three on-demand streams at most.
    SERVER_OPTIONS = {"update_ms": 300, "extra_args": ("--on-demand-stream-limit", "3")}

    def client(self, region):
        return self.server.boto3_client(region=region)

    def test_encryption_start_and_stop(self):
        client = self.client("eu-west-1")
        client.create_stream(StreamName="enc", ShardCount=1)
        harness.wait_active(client, "enc")
        self.assertEqual(summary(client, "enc")["EncryptionType"], "NONE")
        self.assertEqual(client.put_record(StreamName="enc", PartitionKey="k",
                                           Data=b"plain")["EncryptionType"], "NONE")

        client.start_stream_encryption(StreamName="enc", EncryptionType="KMS",
                                       KeyId="alias/aws/kinesis")
        self.assertEqual(summary(client, "enc")["StreamStatus"], "UPDATING")
        # Records still go in while UPDATING; another change waits for ACTIVE.
        client.put_record(StreamName="enc", PartitionKey="k", Data=b"meanwhile")
        self.assertClientError(client.start_stream_encryption, "ResourceInUseException",
                               StreamName="enc", EncryptionType="KMS", KeyId=KEY_ARN)
        wait_status(client, "enc", "ACTIVE")
        description = client.describe_stream(StreamName="enc")["StreamDescription"]
        self.assertEqual((description["EncryptionType"], description["KeyId"]),
                         ("KMS", "alias/aws/kinesis"))
        self.assertEqual(summary(client, "enc")["KeyId"], "alias/aws/kinesis")
        self.assertEqual(client.put_record(StreamName="enc", PartitionKey="k",
                                           Data=b"secret")["EncryptionType"], "KMS")
        out = client.put_records(StreamName="enc",
                                 Records=[{"PartitionKey": "k", "Data": b"secret-2"}])
        self.assertEqual(out["EncryptionType"], "KMS")

        # Each record says how it was stored (AWS names the type only on encrypted records;
        # the stream already reports KMS while UPDATING).
        iterator = client.get_shard_iterator(StreamName="enc", ShardId="shardId-000000000000",
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = harness.read_shard(client, iterator)
        self.assertEqual([(r["Data"], r.get("EncryptionType")) for r in records],
                         [(b"plain", None), (b"meanwhile", "KMS"), (b"secret", "KMS"),
                          (b"secret-2", "KMS")])

        # Key ARNs work by StreamARN too; malformed keys and NONE are refused.
        self.assertClientError(client.start_stream_encryption, "InvalidArgumentException",
                               StreamARN=arn("enc", "eu-west-1"), EncryptionType="KMS",
                               KeyId="not-a-key")
        self.assertClientError(client.start_stream_encryption, "InvalidArgumentException",
                               StreamName="enc", EncryptionType="NONE", KeyId=KEY_ARN)
        self.assertClientError(client.start_stream_encryption, "ResourceNotFoundException",
                               StreamName="missing", EncryptionType="KMS", KeyId=KEY_ARN)
        client.start_stream_encryption(StreamARN=arn("enc", "eu-west-1"), EncryptionType="KMS",
                                       KeyId=KEY_ARN)
        wait_status(client, "enc", "ACTIVE")
        self.assertEqual(summary(client, "enc")["KeyId"], KEY_ARN)

        client.stop_stream_encryption(StreamName="enc", EncryptionType="KMS", KeyId=KEY_ARN)
        wait_status(client, "enc", "ACTIVE")
        self.assertEqual(summary(client, "enc")["EncryptionType"], "NONE")
        self.assertNotIn("KeyId", summary(client, "enc"))
        self.assertEqual(client.put_record(StreamName="enc", PartitionKey="k",
                                           Data=b"plain again")["EncryptionType"], "NONE")

    def test_enhanced_monitoring(self):
        client = self.client("eu-west-2")
        client.create_stream(StreamName="mon", ShardCount=1)
        harness.wait_active(client, "mon")
        self.assertEqual(summary(client, "mon")["EnhancedMonitoring"], [{"ShardLevelMetrics": []}])
        out = client.enable_enhanced_monitoring(StreamName="mon",
                                                ShardLevelMetrics=["OutgoingBytes", "IncomingBytes"])
        self.assertEqual(out["StreamName"], "mon")
        self.assertEqual(out["StreamARN"], arn("mon", "eu-west-2"))
        self.assertEqual(out["CurrentShardLevelMetrics"], [])
        self.assertEqual(out["DesiredShardLevelMetrics"], ["IncomingBytes", "OutgoingBytes"])
        out = client.enable_enhanced_monitoring(StreamARN=arn("mon", "eu-west-2"),
                                                ShardLevelMetrics=["ALL"])
        self.assertEqual(out["CurrentShardLevelMetrics"], ["IncomingBytes", "OutgoingBytes"])
        self.assertEqual(out["DesiredShardLevelMetrics"], ALL_METRICS)
        description = client.describe_stream(StreamName="mon")["StreamDescription"]
        self.assertEqual(description["EnhancedMonitoring"], [{"ShardLevelMetrics": ALL_METRICS}])
        out = client.disable_enhanced_monitoring(StreamName="mon",
                                                 ShardLevelMetrics=["IteratorAgeMilliseconds"])
        self.assertEqual(out["DesiredShardLevelMetrics"], ALL_METRICS[:-1])
        self.assertEqual(summary(client, "mon")["EnhancedMonitoring"],
                         [{"ShardLevelMetrics": ALL_METRICS[:-1]}])
        out = client.disable_enhanced_monitoring(StreamName="mon", ShardLevelMetrics=["ALL"])
        self.assertEqual(out["DesiredShardLevelMetrics"], [])
        self.assertClientError(client.enable_enhanced_monitoring, "ValidationException",
                               StreamName="mon", ShardLevelMetrics=["NoSuchMetric"])
        self.assertClientError(client.enable_enhanced_monitoring, "ResourceNotFoundException",
                               StreamName="missing", ShardLevelMetrics=["ALL"])

    def test_stream_mode_and_limits(self):
        region = "ap-south-1"
        client = self.client(region)
        limits = client.describe_limits()
        self.assertEqual((limits["ShardLimit"], limits["OpenShardCount"],
                          limits["OnDemandStreamCount"], limits["OnDemandStreamCountLimit"]),
                         (500, 0, 0, 3))

        client.create_stream(StreamName="od-1", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        harness.wait_active(client, "od-1")
        first = summary(client, "od-1")
        self.assertEqual(first["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})
        self.assertEqual(first["OpenShardCount"], 4)
        self.assertClientError(client.create_stream, "InvalidArgumentException",
                               "ShardCount is not expected when StreamMode=ON_DEMAND",
                               StreamName="od-x", ShardCount=2,
                               StreamModeDetails={"StreamMode": "ON_DEMAND"})

        client.create_stream(StreamName="prov", ShardCount=2)
        harness.wait_active(client, "prov")
        client.update_stream_mode(StreamARN=arn("prov", region),
                                  StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.assertEqual(summary(client, "prov")["StreamStatus"], "UPDATING")
        wait_status(client, "prov", "ACTIVE")
        self.assertEqual(summary(client, "prov")["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})
        self.assertEqual(summary(client, "prov")["OpenShardCount"], 2)
        listed = client.list_streams()["StreamSummaries"]
        self.assertEqual({s["StreamName"]: s["StreamModeDetails"]["StreamMode"] for s in listed},
                         {"od-1": "ON_DEMAND", "prov": "ON_DEMAND"})
        self.assertClientError(client.update_stream_mode, "InvalidArgumentException",
                               StreamARN=arn("prov", region),
                               StreamModeDetails={"StreamMode": "ON_DEMAND"})
        client.update_stream_mode(StreamARN=arn("prov", region),
                                  StreamModeDetails={"StreamMode": "PROVISIONED"})
        wait_status(client, "prov", "ACTIVE")
        # Two switches in a rolling day at most.
        self.assertClientError(client.update_stream_mode, "LimitExceededException",
                               StreamARN=arn("prov", region),
                               StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.assertClientError(client.update_stream_mode, "ResourceNotFoundException",
                               StreamARN=arn("missing", region),
                               StreamModeDetails={"StreamMode": "ON_DEMAND"})

        # The on-demand limit (3 here) holds at CreateStream and at UpdateStreamMode.
        client.create_stream(StreamName="od-2", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        client.create_stream(StreamName="od-3", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        error = self.assertClientError(client.create_stream, "LimitExceededException",
                                       StreamName="od-4",
                                       StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.assertIn("Limit: 3", error.response["Error"]["Message"])
        client.create_stream(StreamName="prov-2", ShardCount=1)
        harness.wait_active(client, "prov-2")
        self.assertClientError(client.update_stream_mode, "LimitExceededException",
                               StreamARN=arn("prov-2", region),
                               StreamModeDetails={"StreamMode": "ON_DEMAND"})
        limits = client.describe_limits()
        self.assertEqual((limits["OpenShardCount"], limits["OnDemandStreamCount"]),
                         (4 + 2 + 4 + 4 + 1, 3))

    def test_max_record_size_is_enforced_on_puts(self):
        region = "ca-central-1"
        client = self.client(region)
        client.create_stream(StreamName="big", ShardCount=1)
        harness.wait_active(client, "big")
        self.assertEqual(summary(client, "big")["MaxRecordSizeInKiB"], 1024)
        over = b"x" * MIB  # with its one-byte key, one byte over 1 MiB
        error = self.assertClientError(client.put_record, "ValidationException",
                                       StreamName="big", PartitionKey="k", Data=over)
        self.assertEqual(error.response["Error"]["Message"],
                         "1 validation error detected: Value at 'data' failed to satisfy "
                         "constraint: Member must have length less than or equal to 1048576")
        error = self.assertClientError(client.put_records, "ValidationException",
                                       StreamName="big",
                                       Records=[{"PartitionKey": "k", "Data": b"fine"},
                                                {"PartitionKey": "k", "Data": over}])
        self.assertIn("'records.2.member.data'", error.response["Error"]["Message"])
        client.put_record(StreamName="big", PartitionKey="k", Data=over[:-1])  # exactly 1 MiB

        client.update_max_record_size(StreamARN=arn("big", region), MaxRecordSizeInKiB=10240)
        self.assertEqual(summary(client, "big")["MaxRecordSizeInKiB"], 10240)
        client.put_record(StreamName="big", PartitionKey="k", Data=over)
        largest = b"y" * (10 * MIB - 1)  # 10 MiB with its key: the largest record there is
        client.put_record(StreamName="big", PartitionKey="k", Data=largest)
        self.assertClientError(client.put_record, "ValidationException",
                               StreamName="big", PartitionKey="k", Data=largest + b"y")
        iterator = client.get_shard_iterator(StreamName="big", ShardId="shardId-000000000000",
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        sizes = [len(r["Data"]) for r in harness.read_shard(client, iterator)]
        self.assertEqual(sizes, [MIB - 1, MIB, 10 * MIB - 1])

        client.update_max_record_size(StreamARN=arn("big", region), MaxRecordSizeInKiB=2048)
        self.assertClientError(client.put_record, "ValidationException",
                               StreamName="big", PartitionKey="k", Data=b"z" * (2 * MIB))
        # The model's range: 1024..10240.
        self.assertClientError(client.update_max_record_size, "ValidationException",
                               StreamARN=arn("big", region), MaxRecordSizeInKiB=10241)

    def test_warm_throughput_and_account_settings(self):
        region = "sa-east-1"
        client = self.client(region)
        self.assertEqual(client.describe_account_settings()["MinimumThroughputBillingCommitment"],
                         {"Status": "DISABLED"})
        client.create_stream(StreamName="warm", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        client.create_stream(StreamName="cold", ShardCount=1)
        harness.wait_active(client, "warm")
        harness.wait_active(client, "cold")
        self.assertClientError(client.update_stream_warm_throughput, "ValidationException",
                               StreamName="warm", WarmThroughputMiBps=100)

        before = datetime.datetime.now(datetime.timezone.utc)
        out = client.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "ENABLED"})
        commitment = out["MinimumThroughputBillingCommitment"]
        self.assertEqual(commitment["Status"], "ENABLED")
        self.assertLessEqual(abs((commitment["StartedAt"] - before).total_seconds()), 5)
        self.assertEqual(commitment["EarliestAllowedEndAt"] - commitment["StartedAt"],
                         datetime.timedelta(hours=24))
        self.assertEqual(client.describe_account_settings()["MinimumThroughputBillingCommitment"],
                         commitment)

        self.assertClientError(client.update_stream_warm_throughput, "ValidationException",
                               StreamName="cold", WarmThroughputMiBps=100)
        self.assertClientError(client.update_stream_warm_throughput, "LimitExceededException",
                               StreamName="warm", WarmThroughputMiBps=10241)
        out = client.update_stream_warm_throughput(StreamName="warm", WarmThroughputMiBps=200)
        self.assertEqual((out["StreamName"], out["StreamARN"]), ("warm", arn("warm", region)))
        self.assertEqual(out["WarmThroughput"]["TargetMiBps"], 200)
        self.assertEqual(summary(client, "warm")["StreamStatus"], "UPDATING")
        wait_status(client, "warm", "ACTIVE")
        self.assertEqual(summary(client, "warm")["WarmThroughput"],
                         {"TargetMiBps": 200, "CurrentMiBps": 200})
        self.assertNotIn("WarmThroughput", summary(client, "cold"))
        client.create_stream(StreamName="warm-2", StreamModeDetails={"StreamMode": "ON_DEMAND"},
                             WarmThroughputMiBps=50)
        harness.wait_active(client, "warm-2")
        self.assertEqual(summary(client, "warm-2")["WarmThroughput"]["TargetMiBps"], 50)

        # Disabling within the first day leaves it on until the earliest allowed end.
        out = client.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "DISABLED"})
        ending = out["MinimumThroughputBillingCommitment"]
        self.assertEqual(ending["Status"], "ENABLED_UNTIL_EARLIEST_ALLOWED_END")
        self.assertEqual(ending["EndedAt"], commitment["EarliestAllowedEndAt"])
        # Account settings belong to their region.
        self.assertEqual(self.client("us-west-1").describe_account_settings()
                         ["MinimumThroughputBillingCommitment"]["Status"], "DISABLED")

    def test_settings_survive_a_restart(self):
        region = "eu-north-1"
        client = self.client(region)
        client.create_stream(StreamName="keep", ShardCount=1)
        client.create_stream(StreamName="keep-od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        harness.wait_active(client, "keep")
        harness.wait_active(client, "keep-od")
        client.start_stream_encryption(StreamName="keep", EncryptionType="KMS", KeyId=KEY_ARN)
        wait_status(client, "keep", "ACTIVE")
        client.enable_enhanced_monitoring(StreamName="keep",
                                          ShardLevelMetrics=["IncomingRecords", "OutgoingRecords"])
        client.update_max_record_size(StreamARN=arn("keep", region), MaxRecordSizeInKiB=4096)
        client.update_account_settings(MinimumThroughputBillingCommitment={"Status": "ENABLED"})
        client.update_stream_warm_throughput(StreamName="keep-od", WarmThroughputMiBps=64)
        wait_status(client, "keep-od", "ACTIVE")
        client.put_record(StreamName="keep", PartitionKey="k", Data=b"z" * (2 * MIB))
        before = {name: summary(client, name) for name in ("keep", "keep-od")}
        before_account = client.describe_account_settings()["MinimumThroughputBillingCommitment"]
        before_limits = client.describe_limits()
        before_limits.pop("ResponseMetadata")

        self.server.restart()
        client = self.client(region)

        self.assertEqual({name: summary(client, name) for name in ("keep", "keep-od")}, before)
        self.assertEqual(before["keep"]["EncryptionType"], "KMS")
        self.assertEqual(before["keep"]["EnhancedMonitoring"],
                         [{"ShardLevelMetrics": ["IncomingRecords", "OutgoingRecords"]}])
        self.assertEqual(before["keep"]["MaxRecordSizeInKiB"], 4096)
        self.assertEqual(before["keep-od"]["WarmThroughput"],
                         {"TargetMiBps": 64, "CurrentMiBps": 64})
        self.assertEqual(client.describe_account_settings()["MinimumThroughputBillingCommitment"],
                         before_account)
        after_limits = client.describe_limits()
        after_limits.pop("ResponseMetadata")
        self.assertEqual(after_limits, before_limits)
        # The record size limit still holds, and the encryption still shows on puts.
        self.assertEqual(client.put_record(StreamName="keep", PartitionKey="k",
                                           Data=b"z" * (3 * MIB))["EncryptionType"], "KMS")
        self.assertClientError(client.put_record, "ValidationException",
                               StreamName="keep", PartitionKey="k", Data=b"z" * (4 * MIB))


if __name__ == "__main__":
    unittest.main()
