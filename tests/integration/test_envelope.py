"""The envelope details strict clients and suites check (AWS-COMPAT.md), over HTTP and HTTPS.

Raw requests against the real binary: x-amz-id-2 and an exact Content-Length on every answer,
CORS for browser SDKs (exposed headers, preflight), CBOR as the default answer for unknown
encodings, AWS's XML errors for other methods and untyped bodies, the legacy application/json
error envelope, and empty bodies for operations without output members.
"""

import base64
import json
import re
import unittest

import harness
from test_cbor import cbor2

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ACCESS_DENIED = (b"<AccessDeniedException>\n"
                 b"  <Message>Unable to determine service/operation name to be authorized"
                 b"</Message>\n</AccessDeniedException>\n")
MISSING_TOKEN = (b"<MissingAuthenticationTokenException>\n"
                 b"  <Message>Missing Authentication Token</Message>\n"
                 b"</MissingAuthenticationTokenException>\n")
EXPOSED = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date"


class EnvelopeTest(harness.ServerTestCase):

    def request(self, https, method="POST", body=b"", headers=None):
        status, response_headers, data = self.server.http_request(method, "/", body, headers,
                                                                  https=https)
        self.assertRegex(response_headers.get("x-amzn-requestid", ""), UUID)
        self.assertEqual(int(response_headers["content-length"]), len(data))
        return status, response_headers, data

    def assertAmzId2(self, headers):
        self.assertIn(len(base64.b64decode(headers["x-amz-id-2"], validate=True)), range(64, 81))

    def both_schemes(self):
        for https in (False, True):
            with self.subTest(https=https):
                yield https

    def test_every_answer_carries_x_amz_id_2(self):
        for https in self.both_schemes():
            body = b"{}"
            status, headers, data = self.request(https, body=body,
                                                 headers=harness.signed_headers("ListStreams", body))
            self.assertEqual(status, 200, data)
            self.assertAmzId2(headers)
            # Errors too, and each answer its own.
            status, error_headers, _ = self.request(
                https, body=body, headers=harness.signed_headers("NoSuchOperation", body))
            self.assertEqual(status, 400)
            self.assertAmzId2(error_headers)
            self.assertNotEqual(headers["x-amz-id-2"], error_headers["x-amz-id-2"])

    def test_browser_requests_get_cors_headers(self):
        for https in self.both_schemes():
            body = b"{}"
            headers = harness.signed_headers("ListStreams", body)
            headers["Origin"] = "http://localhost:3000"
            status, response_headers, _ = self.request(https, body=body, headers=headers)
            self.assertEqual(status, 200)
            self.assertEqual(response_headers["access-control-allow-origin"], "*")
            self.assertEqual(response_headers["access-control-expose-headers"], EXPOSED)
            del headers["Origin"]
            _, response_headers, _ = self.request(https, body=body, headers=headers)
            self.assertNotIn("access-control-allow-origin", response_headers)

    def test_preflight(self):
        for https in self.both_schemes():
            status, headers, data = self.request(https, "OPTIONS", headers={
                "Origin": "http://localhost:3000",
                "Access-Control-Request-Headers": "content-type, x-amz-target, authorization",
                "Access-Control-Request-Method": "POST"})
            self.assertEqual((status, data), (200, b""))
            self.assertEqual(headers["access-control-allow-origin"], "*")
            self.assertEqual(headers["access-control-allow-headers"],
                             "content-type, x-amz-target, authorization")
            self.assertEqual(headers["access-control-allow-methods"], "POST")
            self.assertEqual(headers["access-control-max-age"], "172800")
            self.assertNotIn("content-type", headers)
            self.assertNotIn("x-amz-id-2", headers)

    def test_other_methods_get_aws_xml(self):
        for https in self.both_schemes():
            for method in ("GET", "PUT", "DELETE", "OPTIONS"):
                with self.subTest(method=method):
                    signed = harness.signed_headers("ListStreams", b"")
                    status, headers, data = self.request(https, method, headers=signed)
                    self.assertEqual((status, data), (403, ACCESS_DENIED))
                    self.assertNotIn("content-type", headers)
                    self.assertAmzId2(headers)
                    status, _, data = self.request(https, method)
                    self.assertEqual((status, data), (403, MISSING_TOKEN))

    def test_unknown_encodings_are_answered_in_cbor(self):
        for https in self.both_schemes():
            for content_type in ("application/x-amz-json-1.0", "application/x-amz-json-1.1asdf",
                                 "text/plain"):
                with self.subTest(content_type=content_type):
                    headers = harness.signed_headers("ListStreams", b"{}",
                                                     content_type=content_type)
                    status, response_headers, data = self.request(https, body=b"{}",
                                                                  headers=headers)
                    self.assertEqual(status, 400)
                    self.assertEqual(response_headers["content-type"],
                                     "application/x-amz-cbor-1.1")
                    self.assertEqual(cbor2.loads(data), {"__type": "UnknownOperationException"})
                    # An empty body names the operation but has nothing to decode.
                    headers = harness.signed_headers("ListStreams", b"",
                                                     content_type=content_type)
                    status, _, data = self.request(https, headers=headers)
                    self.assertEqual(cbor2.loads(data), {"__type": "SerializationException"})
            # No Content-Type at all: an empty body is a CBOR SerializationException, a body the
            # XML AccessDenied.
            headers = harness.signed_headers("ListStreams", b"")
            del headers["Content-Type"]
            status, response_headers, data = self.request(https, headers=headers)
            self.assertEqual((status, cbor2.loads(data)), (400, {"__type": "SerializationException"}))
            status, response_headers, data = self.request(https, body=b"{}", headers=headers)
            self.assertEqual((status, data), (403, ACCESS_DENIED))

    def test_legacy_json_errors_use_the_old_envelope(self):
        for https in self.both_schemes():
            body = b'{"StreamName": "missing"}'
            headers = harness.signed_headers("DescribeStream", body,
                                             content_type="application/json")
            status, response_headers, data = self.request(https, body=body, headers=headers)
            self.assertEqual(status, 200)
            self.assertEqual(response_headers["content-type"], "application/json")
            self.assertEqual(json.loads(data), {
                "Output": {"__type": "com.amazon.coral.service#ResourceNotFoundException",
                           "message": f"Stream missing under account {harness.ACCOUNT} not found."},
                "Version": "1.0"})

    def test_operations_without_output_answer_an_empty_body(self):
        for https in self.both_schemes():
            name = f"envelope-empty-{int(https)}"
            body = json.dumps({"StreamName": name, "ShardCount": 1}).encode()
            status, headers, data = self.request(
                https, body=body, headers=harness.signed_headers("CreateStream", body))
            self.assertEqual((status, data), (200, b""))
            self.assertEqual(headers["content-type"], "application/x-amz-json-1.1")
            # boto3 reads the empty body as an empty reply.
            client = self.server.boto3_client(https=https)
            harness.wait_active(client, name)
            client.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
            client.delete_stream(StreamName=name)


if __name__ == "__main__":
    unittest.main()
