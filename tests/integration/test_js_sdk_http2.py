"""The AWS SDK for JavaScript v3 (@aws-sdk/client-kinesis) against the real binary.

Its Kinesis client speaks HTTP/2 for every call (NodeHttp2Handler is its default): h2c with prior
knowledge for an http:// endpoint, h2 via ALPN for https://. An HTTP/1.1-only server fails it
with "Protocol error". The client lives in tests/integration/js (package-lock.json pins it;
scripts/install-deps.sh runs `npm ci` there); js/kinesis_roundtrip.mjs does the calls, and
js/subscribe.mjs reads a SubscribeToShard event stream over HTTP/2.
"""

import base64
import json
import os
import shutil
import subprocess
import unittest

import harness

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
NODE = shutil.which("node")
NODE_TIMEOUT_S = 120


class JsSdkHttp2Test(harness.ServerTestCase):
    SERVER_OPTIONS = {"create_ms": 0, "delete_ms": 0,
                      "extra_args": ("--create-consumer-ms", "0", "--delete-consumer-ms", "0")}

    @classmethod
    def setUpClass(cls):
        if NODE is None:
            raise unittest.SkipTest("node is not installed (scripts/install-deps.sh installs it)")
        if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-kinesis")):
            raise AssertionError(f"the JS SDK is not installed in {JS_DIR}: run "
                                 "scripts/install-deps.sh (it runs npm ci there)")
        super().setUpClass()

    def run_js(self, stream, https, handler, extra_env=None, script="kinesis_roundtrip.mjs"):
        env = harness.client_env()
        env.update({
            "SLUICE_ENDPOINT": self.server.endpoint(https),
            "SLUICE_STREAM": stream,
            "SLUICE_HANDLER": handler,
            "NODE_NO_WARNINGS": "1",
        })
        env.update(extra_env or {})
        proc = subprocess.run([NODE, os.path.join(JS_DIR, script)], cwd=JS_DIR,
                              env=env, capture_output=True, timeout=NODE_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
        stderr = proc.stderr.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0,
                         f"the JS SDK failed:\n{stderr}\n{self.server.log_tail()}")
        return json.loads(proc.stdout)

    def check_round_trip(self, result):
        self.assertEqual(result["handler"], "NodeHttp2Handler")
        self.assertTrue(result["deleted"])
        puts = result["puts"]
        self.assertEqual(len(puts), 1 + 50 + 9)
        self.assertEqual(len(result["shards"]), 2)
        read_total = 0
        for shard_id in result["shards"]:
            expected = sorted((p for p in puts if p["shard"] == shard_id),
                              key=lambda p: int(p["seq"]))
            records = result["reads"][shard_id]
            self.assertEqual([(r["key"], r["seq"]) for r in records],
                             [(p["key"], p["seq"]) for p in expected], shard_id)
            # Compared decoded, so a mismatch names sizes rather than printing megabytes.
            for got, want in zip(records, expected):
                self.assertTrue(base64.b64decode(got["data"]) == base64.b64decode(want["data"]),
                                f"data of {want['key']} differs")
            read_total += len(records)
        self.assertEqual(read_total, len(puts))
        # ~12 MB of JSON in one request: flow control must not make it crawl.
        self.assertLess(result["putRecordsMs"][1], 20000, result["putRecordsMs"])

    def test_default_client_over_h2c(self):
        """`new KinesisClient({endpoint: "http://127.0.0.1:<port>"})`, nothing else."""
        self.check_round_trip(self.run_js("js-default-h2c", https=False, handler="default"))

    def test_explicit_http2_handler_over_h2c(self):
        self.check_round_trip(self.run_js("js-explicit-h2c", https=False, handler="explicit"))

    def test_default_client_over_tls_without_verification(self):
        # The self-signed certificate: verification off the way users do it for local brokers.
        result = self.run_js("js-default-h2", https=True, handler="default",
                             extra_env={"NODE_TLS_REJECT_UNAUTHORIZED": "0"})
        self.check_round_trip(result)

    def test_explicit_http2_handler_over_tls(self):
        """h2 via ALPN, verification off in the handler's connect options."""
        self.check_round_trip(self.run_js("js-explicit-h2", https=True, handler="explicit"))

    def check_subscription(self, result):
        self.assertTrue(result["deleted"])
        puts = sorted(result["puts"], key=lambda p: int(p["seq"]))
        self.assertEqual([(r["key"], r["seq"], r["data"]) for r in result["received"]],
                         [(p["key"], p["seq"], f"data {p['key']}") for p in puts])
        self.assertGreaterEqual(result["events"], 2)  # the later three were pushed afterwards

    def test_subscribe_to_shard_over_h2c(self):
        """An event stream on one HTTP/2 stream, left by resetting it; the connection goes on."""
        self.check_subscription(self.run_js("js-subscribe-h2c", https=False, handler="default",
                                            script="subscribe.mjs"))

    def test_subscribe_to_shard_over_tls(self):
        self.check_subscription(self.run_js("js-subscribe-h2", https=True, handler="explicit",
                                            script="subscribe.mjs"))


if __name__ == "__main__":
    unittest.main()
