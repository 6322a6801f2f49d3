"""The AWS SDK for Go v2 (Debian's golang-github-aws-aws-sdk-go-v2-dev, GOPATH mode) against the
real binary over http and https: a full round trip (CreateStream, PutRecords, PutRecord,
ListShards, GetShardIterator, GetRecords, an error, DeleteStream) and SubscribeToShard read
through the SDK's event-stream reader while records are put. The client is go/kinesis_client.go;
it exits non-zero with the first difference it meets."""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
GO_ENV = {"GOPATH": "/usr/share/gocode", "GO111MODULE": "off", "GOFLAGS": ""}


class GoSdkTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ("--create-consumer-ms", "200")}

    @classmethod
    def setUpClass(cls):
        if shutil.which("go") is None:
            raise AssertionError("go is not installed: scripts/install-deps.sh installs golang-go")
        cls.build_dir = tempfile.mkdtemp(prefix="sluice-go-")
        cls.client = os.path.join(cls.build_dir, "kinesis-client")
        env = {**os.environ, **GO_ENV}
        build = subprocess.run(["go", "build", "-o", cls.client, "kinesis_client.go"],
                               cwd=os.path.join(HERE, "go"), env=env, capture_output=True,
                               text=True, timeout=240)
        if build.returncode != 0:
            raise AssertionError(f"go build failed:\n{build.stderr}")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.build_dir, ignore_errors=True)

    def run_client(self, scenario, stream, https):
        result = subprocess.run(
            [self.client, "-endpoint", self.server.endpoint(https), "-stream", stream,
             "-scenario", scenario],
            capture_output=True, text=True, timeout=90)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        self.assertIn("OK", result.stdout)

    def test_roundtrip_http(self):
        self.run_client("roundtrip", "go-roundtrip-http", https=False)

    def test_roundtrip_https(self):
        self.run_client("roundtrip", "go-roundtrip-https", https=True)

    def test_subscribe_http(self):
        self.run_client("subscribe", "go-subscribe-http", https=False)

    def test_subscribe_https(self):
        self.run_client("subscribe", "go-subscribe-https", https=True)


if __name__ == "__main__":
    unittest.main()
