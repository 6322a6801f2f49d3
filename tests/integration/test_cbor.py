"""CBOR 1.1 (application/x-amz-cbor-1.1), the Java SDKs' default encoding, against the real binary.

No Python SDK speaks Kinesis CBOR, so requests are built with python3-cbor2 and sent over HTTP/1.1
as the Java SDK sends them (X-Amz-Target, a SigV4 Authorization header); replies are read back
with cbor2. Records cross between JSON and CBOR to show that handlers never see the encoding.
"""

import base64
import http.client
import json
import sys
import time
import unittest

import harness


def _import_cbor2():
    """cbor2 and its pure-Python decoder module.

    Debian's python3-cbor2 (scripts/install-deps.sh) installs for /usr/bin/python3; a python3 of
    the same version from elsewhere (pyenv) imports it from there, searched last so that
    nothing else of that directory shadows its own packages."""
    try:
        import cbor2
    except ImportError:
        debian = "/usr/lib/python3/dist-packages"
        sys.path.append(debian)
        try:
            import cbor2
        except ImportError:
            raise unittest.SkipTest("python3-cbor2 is not installed (scripts/install-deps.sh)")
        finally:
            sys.path.remove(debian)
    from cbor2 import decoder
    return cbor2, decoder


cbor2, _cbor_decoder = _import_cbor2()

# cbor2 reads tag 1 as epoch *seconds* into a datetime, and AWS's tag 1 holds milliseconds (a
# year past datetime's range). Its pure-Python decoder looks tags up in this table at decode time:
# there, tag 1 is kept as a CBORTag around the integer, so tests see exactly what was sent.
_cbor_decoder.semantic_decoders[1] = lambda decoder: cbor2.CBORTag(1, decoder._decode())

CBOR = "application/x-amz-cbor-1.1"
JSON = "application/x-amz-json-1.1"
ACCOUNT = harness.ACCOUNT


def loads(body):
    return _cbor_decoder.loads(body)


def millis(value):
    """The milliseconds of a tag 1 timestamp, checking that it is one."""
    assert isinstance(value, cbor2.CBORTag) and value.tag == 1, repr(value)
    assert isinstance(value.value, int), repr(value)
    return value.value


class CborTest(harness.ServerTestCase):
    def post(self, operation, body, content_type=CBOR):
        headers = harness.signed_headers(operation, body, content_type=content_type)
        status, response_headers, data = self.server.http_request("POST", "/", body, headers)
        self.assertTrue(response_headers.get("x-amzn-requestid"), response_headers)
        self.assertEqual(response_headers.get("content-type"), content_type)
        return status, data

    def call(self, operation, payload, status=200):
        """A CBOR request; returns the decoded CBOR reply after checking its status."""
        got, data = self.post(operation, cbor2.dumps(payload))
        reply = loads(data)
        self.assertEqual(got, status, reply)
        return reply

    def call_json(self, operation, payload):
        got, data = self.post(operation, json.dumps(payload).encode(), content_type=JSON)
        self.assertEqual(got, 200, data)
        return json.loads(data) if data else None

    def error(self, operation, payload, error_type, status=400, raw=None):
        got, data = self.post(operation, raw if raw is not None else cbor2.dumps(payload))
        reply = loads(data)
        self.assertEqual((got, reply.get("__type")), (status, error_type), reply)
        return reply

    def create_active(self, name, shards=1):
        self.assertEqual(self.call("CreateStream", {"StreamName": name, "ShardCount": shards}), {})
        deadline = time.monotonic() + 20
        while True:
            summary = self.call("DescribeStreamSummary", {"StreamName": name})
            if summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
                return summary["StreamDescriptionSummary"]
            self.assertLess(time.monotonic(), deadline, "stream never became ACTIVE")
            time.sleep(0.05)

    def iterator(self, stream, iterator_type, **extra):
        return self.call("GetShardIterator", {"StreamName": stream,
                                              "ShardId": "shardId-000000000000",
                                              "ShardIteratorType": iterator_type,
                                              **extra})["ShardIterator"]

    def test_create_and_describe(self):
        before = int(time.time() * 1000)
        summary = self.create_active("cbor-describe", shards=2)
        self.assertEqual(summary["StreamName"], "cbor-describe")
        self.assertEqual(summary["OpenShardCount"], 2)
        self.assertEqual(summary["StreamARN"],
                         f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/cbor-describe")
        created = millis(summary["StreamCreationTimestamp"])
        self.assertLessEqual(abs(created - before), 60_000)
        self.assertIn("cbor-describe", self.call("ListStreams", {})["StreamNames"])

        # An indefinite-length map, as AWS's own encoder writes them.
        body = b"\xbf" + cbor2.dumps("StreamName") + cbor2.dumps("cbor-describe") + b"\xff"
        status, data = self.post("DescribeStreamSummary", body)
        self.assertEqual(status, 200)
        self.assertEqual(loads(data)["StreamDescriptionSummary"]["OpenShardCount"], 2)

    def test_put_and_get_records(self):
        self.create_active("cbor-records")
        data = bytes(range(256)) + b"\x00\x00\xff"
        put = self.call("PutRecord", {"StreamName": "cbor-records", "Data": data,
                                      "PartitionKey": "k"})
        self.assertEqual(put["ShardId"], "shardId-000000000000")
        self.assertIsInstance(put["SequenceNumber"], str)
        time.sleep(0.01)  # so that the batch arrives a millisecond or more after the record
        batch = self.call("PutRecords", {"StreamName": "cbor-records", "Records": [
            {"Data": b"", "PartitionKey": "a"},
            {"Data": b"\xfe\x00second", "PartitionKey": "b", "ExplicitHashKey": "1"}]})
        self.assertEqual(batch["FailedRecordCount"], 0)
        self.assertEqual([r["ShardId"] for r in batch["Records"]], ["shardId-000000000000"] * 2)

        got = self.call("GetRecords", {"ShardIterator": self.iterator("cbor-records",
                                                                       "TRIM_HORIZON")})
        records = got["Records"]
        self.assertEqual([r["Data"] for r in records], [data, b"", b"\xfe\x00second"])
        self.assertEqual([r["PartitionKey"] for r in records], ["k", "a", "b"])
        self.assertEqual(records[0]["SequenceNumber"], put["SequenceNumber"])
        arrivals = [millis(r["ApproximateArrivalTimestamp"]) for r in records]
        self.assertLessEqual(abs(arrivals[0] - time.time() * 1000), 60_000)
        self.assertEqual(got["MillisBehindLatest"], 0)  # a plain integer, not a timestamp
        self.assertIsInstance(got["NextShardIterator"], str)

        # AT_TIMESTAMP with a tag 1 millisecond timestamp: the batch's arrival time finds the
        # batch, and a millisecond later finds nothing before it.
        time.sleep(0.01)
        at = self.iterator("cbor-records", "AT_TIMESTAMP",
                           Timestamp=cbor2.CBORTag(1, arrivals[1]))
        from_batch = self.call("GetRecords", {"ShardIterator": at})["Records"]
        self.assertEqual([r["PartitionKey"] for r in from_batch], ["a", "b"])
        later = self.iterator("cbor-records", "AT_TIMESTAMP",
                              Timestamp=cbor2.CBORTag(1, arrivals[2] + 1))
        self.assertEqual(self.call("GetRecords", {"ShardIterator": later})["Records"], [])

    def test_records_cross_between_json_and_cbor(self):
        self.create_active("cbor-cross")
        from_json = b"\x00json\xff\x80"
        from_cbor = b"\xffcbor\x00\x01"
        self.call_json("PutRecord", {"StreamName": "cbor-cross", "PartitionKey": "j",
                                     "Data": base64.b64encode(from_json).decode()})
        self.call("PutRecord", {"StreamName": "cbor-cross", "PartitionKey": "c",
                                "Data": from_cbor})

        cbor_records = self.call("GetRecords", {"ShardIterator": self.iterator(
            "cbor-cross", "TRIM_HORIZON")})["Records"]
        json_iterator = self.call_json("GetShardIterator", {
            "StreamName": "cbor-cross", "ShardId": "shardId-000000000000",
            "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
        json_records = self.call_json("GetRecords", {"ShardIterator": json_iterator})["Records"]

        self.assertEqual([r["Data"] for r in cbor_records], [from_json, from_cbor])
        self.assertEqual([base64.b64decode(r["Data"]) for r in json_records],
                         [from_json, from_cbor])
        self.assertEqual([r["SequenceNumber"] for r in cbor_records],
                         [r["SequenceNumber"] for r in json_records])
        # The same arrival times: fractional seconds in JSON, milliseconds in CBOR.
        self.assertEqual([round(r["ApproximateArrivalTimestamp"] * 1000) for r in json_records],
                         [millis(r["ApproximateArrivalTimestamp"]) for r in cbor_records])

    def test_errors_are_cbor_bodies(self):
        self.create_active("cbor-errors")
        reply = self.error("DescribeStream", {"StreamName": "missing"},
                           "ResourceNotFoundException")
        self.assertEqual(reply["message"], f"Stream missing under account {ACCOUNT} not found.")
        reply = self.error("CreateStream", {"StreamName": "cbor-errors", "ShardCount": 1},
                           "ResourceInUseException")
        self.assertEqual(reply["message"],
                         f"Stream cbor-errors under account {ACCOUNT} already exists.")
        reply = self.error("CreateStream", {"StreamName": "x!", "ShardCount": 1},
                           "ValidationException")
        self.assertTrue(reply["message"].startswith("1 validation error detected: Value 'x!' at "
                                                    "'streamName'"), reply)
        self.error("GetRecords", {"ShardIterator": "garbage"}, "InvalidArgumentException")
        self.error("NoSuchOperation", {}, "UnknownOperationException")

    def test_malformed_bodies_are_serialization_errors(self):
        nested = b"\xa1\x61x" + b"\x81" * 200 + b"\x00"
        for body in (b"", b"\xa1", b"\xff", b"\xa0\x00", b"\x9f\x01", b"\x1c",
                     b"\xa1\x61x\x5b" + b"\xff" * 8, b"\xa1\x01\x02", nested,
                     b"{\"StreamName\": \"json\"}"):
            with self.subTest(body=body[:16]):
                self.error("ListStreams", None, "SerializationException", raw=body)
        reply = self.error("CreateStream", {"StreamName": "x", "ShardCount": "1"},
                           "SerializationException")
        self.assertEqual(reply["Message"],
                         "class java.lang.String can not be converted to an Integer")
        reply = self.error("PutRecord", {"StreamName": "x", "PartitionKey": "k",
                                         "Data": "aGk="}, "SerializationException")
        self.assertEqual(reply["Message"], "class java.lang.String can not be converted to a Blob")
        self.assertEqual(self.server.health_status(), 200)

    def test_put_500_and_get_10000_records(self):
        """The sizes the Java SDK's producers and KCL readers use: PutRecords of 500 byte-string
        records, then one GetRecords of 10,000, every record back in order and intact."""
        self.call("CreateStream", {"StreamName": "cbor-big", "ShardCount": 1})
        sent = []
        for batch in range(20):
            records = [{"Data": bytes([batch, i % 256]) + b"\x00" * 98,
                        "PartitionKey": f"k{batch}-{i}"} for i in range(500)]
            reply = self.call("PutRecords", {"StreamName": "cbor-big", "Records": records})
            self.assertEqual(reply["FailedRecordCount"], 0)
            self.assertEqual(len(reply["Records"]), 500)
            sent += [r["Data"] for r in records]
        iterator = self.call("GetShardIterator", {"StreamName": "cbor-big",
                                                  "ShardId": "shardId-000000000000",
                                                  "ShardIteratorType": "TRIM_HORIZON"})[
            "ShardIterator"]
        reply = self.call("GetRecords", {"ShardIterator": iterator, "Limit": 10000})
        self.assertEqual(len(reply["Records"]), 10000)
        self.assertEqual([r["Data"] for r in reply["Records"]], sent)
        for record in reply["Records"][:10]:
            self.assertGreater(millis(record["ApproximateArrivalTimestamp"]), 1_600_000_000_000)

    def test_subscribe_to_shard_speaks_cbor(self):
        """SubscribeToShard as the Java SDK v2 sends it: a CBOR request, event-stream messages
        whose payloads are CBOR (byte-string Data, tag 1 arrival times)."""
        self.call("CreateStream", {"StreamName": "cbor-subscribe", "ShardCount": 1})
        arn = self.call("DescribeStreamSummary", {"StreamName": "cbor-subscribe"})[
            "StreamDescriptionSummary"]["StreamARN"]
        consumer = self.call("RegisterStreamConsumer", {"StreamARN": arn, "ConsumerName": "java"})[
            "Consumer"]["ConsumerARN"]
        deadline = time.monotonic() + 10
        while self.call("DescribeStreamConsumer", {"ConsumerARN": consumer})[
                "ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
            self.assertLess(time.monotonic(), deadline, "the consumer never became ACTIVE")
            time.sleep(0.05)
        data = b"\x00\xffcbor"
        self.call("PutRecord", {"StreamName": "cbor-subscribe", "Data": data, "PartitionKey": "k"})

        body = cbor2.dumps({"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
                            "StartingPosition": {"Type": "TRIM_HORIZON"}})
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            connection.request("POST", "/", body,
                               harness.signed_headers("SubscribeToShard", body, content_type=CBOR))
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            self.assertEqual(response.getheader("content-type"),
                             "application/vnd.amazon.eventstream")
            initial = read_event_message(response)
            self.assertEqual(initial[":event-type"], "initial-response")
            self.assertEqual(initial[":content-type"], CBOR)
            event = read_event_message(response)
            self.assertEqual(event[":message-type"], "event")
            self.assertEqual(event[":event-type"], "SubscribeToShardEvent")
            payload = loads(event["payload"])
            self.assertEqual([r["Data"] for r in payload["Records"]], [data])
            self.assertGreater(millis(payload["Records"][0]["ApproximateArrivalTimestamp"]),
                               1_600_000_000_000)
            self.assertIsInstance(payload["ContinuationSequenceNumber"], str)
            self.assertEqual(payload["MillisBehindLatest"], 0)
        finally:
            connection.close()


def read_event_message(response):
    """The next AWS event-stream message of a streamed body: its string headers and payload."""
    prelude = response.read(12)
    total = int.from_bytes(prelude[0:4], "big")
    headers_length = int.from_bytes(prelude[4:8], "big")
    rest = response.read(total - 12)
    headers, at = {}, 0
    while at < headers_length:
        name_length = rest[at]
        name = rest[at + 1:at + 1 + name_length].decode()
        at += 1 + name_length
        assert rest[at] == 7, f"header {name} is not a string"
        value_length = int.from_bytes(rest[at + 1:at + 3], "big")
        headers[name] = rest[at + 3:at + 3 + value_length].decode()
        at += 3 + value_length
    headers["payload"] = rest[headers_length:-4]
    return headers


if __name__ == "__main__":
    unittest.main()
