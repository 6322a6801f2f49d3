"""HTTP/2 on the API port, checked with curl (built with nghttp2): h2c with prior knowledge,
h2 via ALPN over TLS, many streams multiplexed on one connection, and HTTP/1.1 beside them."""

import json
import shutil
import subprocess
import unittest

import harness

CURL = shutil.which("curl")
CURL_TIMEOUT_S = 60


@unittest.skipIf(CURL is None, "curl is not installed")
class Http2CurlTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"create_ms": 0, "delete_ms": 0}

    def curl(self, *args, body=None, headers=None):
        """Runs curl; returns (HTTP version as curl names it, status, body text)."""
        cmd = [CURL, "-sS", "--max-time", "30", "-w", "\n%{http_version} %{http_code}"]
        for name, value in (headers or {}).items():
            cmd += ["-H", f"{name}: {value}"]
        if body is not None:
            cmd += ["--data-binary", body]
        cmd += list(args)
        proc = subprocess.run(cmd, capture_output=True, timeout=CURL_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0,
                         f"{' '.join(cmd)}: {proc.stderr.decode()}\n{self.server.log_tail()}")
        text, _, trailer = out.rpartition("\n")
        version, status = trailer.split()
        return version, int(status), text

    def test_health_over_h2c_with_prior_knowledge(self):
        version, status, _ = self.curl("--http2-prior-knowledge",
                                       f"{self.server.endpoint()}/health")
        self.assertEqual((version, status), ("2", 200))

    def test_api_call_over_h2c(self):
        body = json.dumps({"StreamName": "curl-h2c", "ShardCount": 1})
        version, status, text = self.curl(
            "--http2-prior-knowledge", self.server.endpoint() + "/", body=body,
            headers=harness.signed_headers("CreateStream", body.encode()))
        self.assertEqual((version, status), ("2", 200), text)
        body = "{}"
        version, status, text = self.curl(
            "--http2-prior-knowledge", "-D", "-", self.server.endpoint() + "/", body=body,
            headers=harness.signed_headers("ListStreams", body.encode()))
        self.assertEqual((version, status), ("2", 200), text)
        self.assertIn("x-amzn-requestid:", text.lower())
        self.assertIn('"curl-h2c"', text)

    def test_h2_over_tls_via_alpn(self):
        version, status, _ = self.curl("-k", "--http2", f"{self.server.endpoint(https=True)}/health")
        self.assertEqual((version, status), ("2", 200))
        body = "{}"
        version, status, text = self.curl(
            "-k", "--http2", self.server.endpoint(https=True) + "/", body=body,
            headers=harness.signed_headers("ListStreams", body.encode()))
        self.assertEqual((version, status), ("2", 200), text)
        self.assertIn("StreamNames", text)

    def test_http11_still_served_beside_http2(self):
        for args in (["--http1.1", f"{self.server.endpoint()}/health"],
                     ["-k", "--http1.1", f"{self.server.endpoint(https=True)}/health"],
                     # An h2c Upgrade request is answered in HTTP/1.1 (the upgrade is not taken).
                     ["--http2", f"{self.server.endpoint()}/health"]):
            with self.subTest(args=args):
                version, status, _ = self.curl(*args)
                self.assertEqual((version, status), ("1.1", 200))

    def test_many_streams_multiplexed_on_one_connection(self):
        # Over TLS: curl 7.88.1 (Debian 12) fails its own second transfer on a reused
        # prior-knowledge h2c connection ("Error in the HTTP2 framing layer", curl issue 10634,
        # fixed in 8.0); the unit tests cover h2c multiplexing with nghttp2's client.
        transfers = []
        for _ in range(40):  # each URL gets its own -o
            transfers += ["-o", "/dev/null", f"{self.server.endpoint(https=True)}/health"]
        cmd = [CURL, "-sS", "--max-time", "30", "-k", "--http2", "--parallel",
               "--parallel-max", "40", "-w", "%{http_version} %{http_code} %{num_connects}\n",
               *transfers]
        proc = subprocess.run(cmd, capture_output=True, timeout=CURL_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        lines = proc.stdout.decode().split()
        answers = [tuple(lines[i:i + 3]) for i in range(0, len(lines), 3)]
        self.assertEqual(len(answers), 40)
        self.assertTrue(all(a[:2] == ("2", "200") for a in answers), answers)
        # Multiplexed: curl opened few connections for forty transfers.
        self.assertLessEqual(sum(int(a[2]) for a in answers), 4, answers)


if __name__ == "__main__":
    unittest.main()
