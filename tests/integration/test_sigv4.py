"""--auth sigv4: signatures verified as AWS verifies them, against the real binary.

The server reads a credentials file (written into its temp dir by the harness) with keys of three
accounts, one of them with a session token. boto3, the AWS CLI v1 and v2, the Go SDK v2 and the
JS SDK v3 (over HTTP/2) sign with right and wrong secrets; requests signed 20 minutes ago and
presigned URLs are built here by hand. Every refusal is checked for AWS's exception and text.
Also: with --auth none, a credential scope whose region cannot be a region is refused.
"""

import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
from unittest import mock

import harness

ALPHA = {"access_key_id": "AKIDSIGV4ALPHA", "secret_access_key": "secret-alpha",
         "account_id": "111111111111"}
BRAVO = {"access_key_id": "AKIDSIGV4BRAVO", "secret_access_key": "secret-bravo",
         "account_id": "222222222222"}
TOKEN = {"access_key_id": "ASIASIGV4TOKEN", "secret_access_key": "secret-token",
         "account_id": "333333333333", "session_token": "session/token+value="}
# The harness's default key, so CLI and SDK helpers that use client_env() sign with a known key.
DEFAULT = {"access_key_id": harness.ACCESS_KEY, "secret_access_key": harness.SECRET_KEY,
           "account_id": "444444444444"}
CREDENTIALS = [ALPHA, BRAVO, TOKEN, DEFAULT]

MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")
INVALID_TOKEN = "The security token included in the request is invalid."
STAMP = r"(\d{8}T\d{6}Z)"
EXPIRED = re.compile(r"Signature expired: " + STAMP + r" is now earlier than " + STAMP +
                     r" \(" + STAMP + r" - (\d+) (min|sec)\.\)$")
TARGET = "Kinesis_20131202."
JSON_TYPE = "application/x-amz-json-1.1"
HERE = os.path.dirname(os.path.abspath(__file__))


def amz_date(when):
    return when.strftime("%Y%m%dT%H%M%SZ")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret, day, region):
    key = _hmac(("AWS4" + secret).encode(), day)
    for part in (region, "kinesis", "aws4_request"):
        key = _hmac(key, part)
    return key


def presigned_path(server, credential, operation, when=None, expires=300, region=harness.REGION,
                   signing_region=None, secret=None, token=None, body=None):
    """A presigned request target built by hand: the X-Amz-* parameters in the query, `host` and
    `x-amz-target` signed, UNSIGNED-PAYLOAD as the payload hash (S3's way), or the SHA-256 of
    `body` when given (the SDKs' way for other services); the body is the JSON as usual.
    `signing_region` signs for another region than the scope names."""
    when = when or utc_now()
    date = amz_date(when)
    scope = f"{date[:8]}/{region}/kinesis/aws4_request"
    params = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{credential['access_key_id']}/{scope}",
        "X-Amz-Date": date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": "host;x-amz-target",
    }
    if token is not None:
        params["X-Amz-Security-Token"] = token
    encode = lambda text: urllib.parse.quote(text, safe="-_.~")  # noqa: E731
    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    canonical = "\n".join(["POST", "/", query,
                           f"host:127.0.0.1:{server.port}\nx-amz-target:{TARGET}{operation}\n",
                           "host;x-amz-target",
                           "UNSIGNED-PAYLOAD" if body is None else hashlib.sha256(body).hexdigest()])
    signed_scope = f"{date[:8]}/{signing_region or region}/kinesis/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", date, signed_scope,
                                hashlib.sha256(canonical.encode()).hexdigest()])
    key = signing_key(secret or credential["secret_access_key"], date[:8],
                      signing_region or region)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"/?{query}&X-Amz-Signature={signature}"


def header_signed(server, credential, operation, body, when, region=harness.REGION):
    """botocore's SigV4Auth headers for a raw request to `server`, signed as if the clock said
    `when`."""
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=server.endpoint() + "/", data=body, headers={
        "Content-Type": JSON_TYPE, "X-Amz-Target": TARGET + operation})
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: when):
        botocore.auth.SigV4Auth(
            Credentials(credential["access_key_id"], credential["secret_access_key"]),
            "kinesis", region).add_auth(request)
    return dict(request.headers.items())


class SigV4Test(harness.ServerTestCase):
    SERVER_OPTIONS = {"credentials": CREDENTIALS}

    def client(self, credential, secret=None, **kwargs):
        return self.server.boto3_client(access_key=credential["access_key_id"],
                                        secret_key=secret or credential["secret_access_key"],
                                        **kwargs)

    def raw(self, path, operation, body=b"{}", headers=None):
        """POST `body` to `path`; returns (status, __type, message, parsed body)."""
        all_headers = {"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET + operation}
        all_headers.update(headers or {})
        status, _, data = self.server.http_request("POST", path, body=body, headers=all_headers)
        parsed = json.loads(data) if data else {}
        return status, parsed.get("__type"), parsed.get("message", parsed.get("Message")), parsed

    def assertExpired(self, message, sent_date, window):
        match = EXPIRED.match(message or "")
        self.assertIsNotNone(match, message)
        self.assertEqual(match.group(1), sent_date)
        self.assertEqual(f"{match.group(4)} {match.group(5)}", window)

    # -- boto3 ------------------------------------------------------------------------------

    def test_boto3_round_trip_with_the_right_secret(self):
        client = self.client(ALPHA)
        client.create_stream(StreamName="signed", ShardCount=1)
        harness.wait_active(client, "signed")
        summary = client.describe_stream_summary(StreamName="signed")["StreamDescriptionSummary"]
        self.assertEqual(summary["StreamARN"],
                         f"arn:aws:kinesis:{harness.REGION}:111111111111:stream/signed")
        client.put_record(StreamName="signed", PartitionKey="k", Data=b"verified")
        records = harness.read_every_shard(client, "signed")["shardId-000000000000"]
        self.assertEqual([r["Data"] for r in records], [b"verified"])
        https = self.client(ALPHA, https=True)
        self.assertIn("signed", https.list_streams()["StreamNames"])

    def test_boto3_wrong_secret_is_invalid_signature(self):
        self.assertClientError(self.client(ALPHA, secret="not-the-secret").list_streams,
                               "InvalidSignatureException", MISMATCH)

    def test_boto3_unknown_key_is_unrecognized_client(self):
        unknown = {"access_key_id": "AKIDNOBODY", "secret_access_key": "whatever"}
        self.assertClientError(self.client(unknown).list_streams,
                               "UnrecognizedClientException", INVALID_TOKEN)

    def test_unsigned_request_is_missing_authentication_token(self):
        status, kind, message, _ = self.raw("/", "ListStreams")
        self.assertEqual((status, kind, message),
                         (400, "MissingAuthenticationTokenException",
                          "Missing Authentication Token"))

    def test_keys_of_two_accounts_see_separate_streams(self):
        alpha, bravo = self.client(ALPHA), self.client(BRAVO)
        alpha.create_stream(StreamName="isolated", ShardCount=1)
        harness.wait_active(alpha, "isolated")
        self.assertNotIn("isolated", bravo.list_streams()["StreamNames"])
        self.assertClientError(bravo.describe_stream_summary, "ResourceNotFoundException",
                               "Stream isolated under account 222222222222 not found.",
                               StreamName="isolated")
        bravo.create_stream(StreamName="isolated", ShardCount=1)
        harness.wait_active(bravo, "isolated")
        arns = {c.describe_stream_summary(StreamName="isolated")["StreamDescriptionSummary"]
                ["StreamARN"] for c in (alpha, bravo)}
        self.assertEqual(arns, {f"arn:aws:kinesis:{harness.REGION}:111111111111:stream/isolated",
                                f"arn:aws:kinesis:{harness.REGION}:222222222222:stream/isolated"})

    def test_session_token_right_wrong_and_missing(self):
        right = self.client(TOKEN, session_token=TOKEN["session_token"])
        self.assertIsInstance(right.list_streams()["StreamNames"], list)
        self.assertClientError(self.client(TOKEN, session_token="another-token").list_streams,
                               "UnrecognizedClientException", INVALID_TOKEN)
        self.assertClientError(self.client(TOKEN).list_streams,
                               "UnrecognizedClientException", INVALID_TOKEN)
        self.assertClientError(self.client(ALPHA, session_token="unexpected").list_streams,
                               "UnrecognizedClientException", INVALID_TOKEN)

    def test_request_signed_twenty_minutes_ago_has_expired(self):
        when = utc_now() - datetime.timedelta(minutes=20)
        headers = header_signed(self.server, ALPHA, "ListStreams", b"{}", when)
        status, kind, message, _ = self.raw("/", "ListStreams", headers=headers)
        self.assertEqual((status, kind), (400, "InvalidSignatureException"), message)
        self.assertExpired(message, amz_date(when), "15 min")
        # The same signer with the right time is accepted, so the date alone made the difference.
        headers = header_signed(self.server, ALPHA, "ListStreams", b"{}", utc_now())
        self.assertEqual(self.raw("/", "ListStreams", headers=headers)[0], 200)

    def test_request_dated_twenty_minutes_ahead_is_not_yet_current(self):
        when = utc_now() + datetime.timedelta(minutes=20)
        headers = header_signed(self.server, ALPHA, "ListStreams", b"{}", when)
        status, kind, message, _ = self.raw("/", "ListStreams", headers=headers)
        self.assertEqual((status, kind), (400, "InvalidSignatureException"), message)
        self.assertRegex(message, r"^Signature not yet current: " + amz_date(when) +
                         r" is still later than " + STAMP + r" \(" + STAMP + r" \+ 15 min\.\)$")

    def test_region_that_is_no_region_is_refused(self):
        headers = harness.signed_headers("ListStreams", b"{}", region="bad:region")
        status, kind, message, _ = self.raw("/", "ListStreams", headers=headers)
        self.assertEqual((status, kind, message),
                         (400, "InvalidSignatureException",
                          "Credential should be scoped to a valid region, not 'bad:region'. "))

    # -- presigned URLs ---------------------------------------------------------------------

    def test_presigned_url_works_with_the_right_secret(self):
        path = presigned_path(self.server, ALPHA, "ListStreams")
        status, kind, message, body = self.raw(path, "ListStreams")
        self.assertEqual(status, 200, (kind, message))
        self.assertIn("StreamNames", body)
        token_path = presigned_path(self.server, TOKEN, "ListStreams",
                                    token=TOKEN["session_token"])
        self.assertEqual(self.raw(token_path, "ListStreams")[0], 200)
        # Signing the body's hash instead binds the URL to that body.
        hashed = presigned_path(self.server, ALPHA, "ListStreams", body=b'{"Limit":5}')
        self.assertEqual(self.raw(hashed, "ListStreams", body=b'{"Limit":5}')[0], 200)
        self.assertEqual(self.raw(hashed, "ListStreams", body=b'{"Limit":6}')[:3],
                         (400, "InvalidSignatureException", MISMATCH))

    def test_presigned_url_with_wrong_secret_is_invalid_signature(self):
        path = presigned_path(self.server, ALPHA, "ListStreams", secret="not-the-secret")
        self.assertEqual(self.raw(path, "ListStreams")[:3],
                         (400, "InvalidSignatureException", MISMATCH))

    def test_presigned_url_signed_for_another_region_is_invalid_signature(self):
        path = presigned_path(self.server, ALPHA, "ListStreams", region="us-east-1",
                              signing_region="us-west-2")
        self.assertEqual(self.raw(path, "ListStreams")[:3],
                         (400, "InvalidSignatureException", MISMATCH))

    def test_presigned_url_past_its_expiry_is_refused(self):
        when = utc_now() - datetime.timedelta(seconds=120)
        path = presigned_path(self.server, ALPHA, "ListStreams", when=when, expires=60)
        status, kind, message, _ = self.raw(path, "ListStreams")
        self.assertEqual((status, kind), (400, "InvalidSignatureException"), message)
        self.assertExpired(message, amz_date(when), "1 min")

    def test_presigned_url_replayed_after_expiry_is_refused(self):
        body = json.dumps({"StreamName": "replayed", "ShardCount": 1}).encode()
        path = presigned_path(self.server, ALPHA, "CreateStream", expires=2)
        self.assertEqual(self.raw(path, "CreateStream", body=body)[0], 200)
        time.sleep(3.2)
        status, kind, message, _ = self.raw(path, "CreateStream", body=body)
        self.assertEqual((status, kind), (400, "InvalidSignatureException"), message)
        self.assertExpired(message, re.search(r"X-Amz-Date=(\w+)", path).group(1), "2 sec")

    # -- the AWS CLI ------------------------------------------------------------------------

    def check_cli(self, v2):
        listed = self.server.cli(["list-streams"], v2=v2)
        self.assertIn("StreamNames", listed)
        wrong = self.server.cli(["list-streams"], v2=v2, check=False,
                                env={"AWS_SECRET_ACCESS_KEY": "not-the-secret"})
        self.assertCliError(wrong, "InvalidSignatureException", MISMATCH)
        unknown = self.server.cli(["list-streams"], v2=v2, check=False,
                                  env={"AWS_ACCESS_KEY_ID": "AKIDNOBODY"})
        self.assertCliError(unknown, "UnrecognizedClientException", INVALID_TOKEN)

    def test_cli_v1_right_and_wrong_secret(self):
        self.check_cli(v2=False)

    @harness.skip_without_cli_v2
    def test_cli_v2_right_and_wrong_secret(self):
        self.check_cli(v2=True)

    # -- the Go SDK v2 ----------------------------------------------------------------------

    def go_client(self):
        if shutil.which("go") is None:
            raise AssertionError("go is not installed: scripts/install-deps.sh installs golang-go")
        build_dir = tempfile.mkdtemp(prefix="sluice-go-sigv4-")
        self.addCleanup(shutil.rmtree, build_dir, True)
        client = os.path.join(build_dir, "kinesis-client")
        env = {**os.environ, "GOPATH": "/usr/share/gocode", "GO111MODULE": "off", "GOFLAGS": ""}
        build = subprocess.run(["go", "build", "-o", client, "kinesis_client.go"],
                               cwd=os.path.join(HERE, "go"), env=env, capture_output=True,
                               text=True, timeout=240)
        self.assertEqual(build.returncode, 0, f"go build failed:\n{build.stderr}")
        return client

    def test_go_sdk_right_and_wrong_secret(self):
        client = self.go_client()

        def run(*args):
            result = subprocess.run([client, "-endpoint", self.server.endpoint(),
                                     "-access-key", ALPHA["access_key_id"], *args],
                                    capture_output=True, text=True, timeout=90)
            self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
            self.assertIn("OK", result.stdout)

        run("-secret-key", ALPHA["secret_access_key"], "-scenario", "roundtrip",
            "-stream", "go-signed")
        run("-secret-key", "not-the-secret", "-scenario", "refused",
            "-expect-code", "InvalidSignatureException", "-expect-message", MISMATCH)

    # -- the JS SDK v3 over HTTP/2 ----------------------------------------------------------

    def test_js_sdk_over_http2_with_the_right_secret(self):
        node = shutil.which("node")
        js_dir = os.path.join(HERE, "js")
        if node is None:
            raise unittest.SkipTest("node is not installed (scripts/install-deps.sh installs it)")
        if not os.path.isdir(os.path.join(js_dir, "node_modules", "@aws-sdk", "client-kinesis")):
            raise AssertionError(f"the JS SDK is not installed in {js_dir}: run "
                                 "scripts/install-deps.sh (it runs npm ci there)")
        env = harness.client_env()
        env.update({"AWS_ACCESS_KEY_ID": BRAVO["access_key_id"],
                    "AWS_SECRET_ACCESS_KEY": BRAVO["secret_access_key"],
                    "SLUICE_ENDPOINT": self.server.endpoint(), "SLUICE_STREAM": "js-signed",
                    "SLUICE_HANDLER": "default", "NODE_NO_WARNINGS": "1"})
        proc = subprocess.run([node, os.path.join(js_dir, "kinesis_roundtrip.mjs")], cwd=js_dir,
                              env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode("utf-8", "replace"))
        result = json.loads(proc.stdout)
        self.assertEqual(result["handler"], "NodeHttp2Handler")
        self.assertTrue(result["deleted"])


class RegionCheckWithoutAuthTest(harness.ServerTestCase):
    """--auth none still refuses a scope whose region cannot be a region."""

    def test_region_that_is_no_region_is_refused(self):
        for region, message in (
                ("bad:region", "Credential should be scoped to a valid region, not 'bad:region'. "),
                ("x" * 256, "Credential should be scoped to a valid region. ")):
            headers = {"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET + "ListStreams"}
            headers.update(harness.signed_headers("ListStreams", b"{}", region=region))
            status, _, data = self.server.http_request("POST", "/", body=b"{}", headers=headers)
            body = json.loads(data)
            self.assertEqual((status, body["__type"], body["message"]),
                             (400, "InvalidSignatureException", message))
        self.assertIn("StreamNames", self.server.boto3_client().list_streams())


class StartWithBadCredentialsFileTest(unittest.TestCase):
    """--auth sigv4 does not start without a readable, valid credentials file."""

    def start_fails(self, extra_args, expected):
        server = harness.SluiceServer(name="badcreds", extra_args=extra_args)
        try:
            with self.assertRaises(AssertionError) as caught:
                server.start()
            self.assertIn(expected, str(caught.exception))
        finally:
            server.cleanup(keep=False)

    def test_missing_unreadable_or_invalid_file(self):
        self.start_fails(("--auth", "sigv4"), "auth sigv4 needs --credentials-file")
        self.start_fails(("--auth", "sigv4", "--credentials-file", "/nonexistent/creds.json"),
                         "cannot read credentials file /nonexistent/creds.json")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump([{**ALPHA, "account_id": "42"}], f)
        self.addCleanup(os.unlink, f.name)
        self.start_fails(("--auth", "sigv4", "--credentials-file", f.name),
                         "entry 0 (AKIDSIGV4ALPHA) needs an account_id of 12 digits")


if __name__ == "__main__":
    unittest.main()
