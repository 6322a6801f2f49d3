"""Attacks on the real binary: the operator surface reached from where it must not be, a
connection flood, and request bodies built to exhaust memory. Each gets a clear answer, memory
stays bounded, and the broker serves normally afterwards.

(Signature attacks, wrong secret, wrong region, expired and replayed presigned URLs, are in
test_sigv4.py, against a server started with --auth sigv4.)
"""

import json
import socket
import threading
import time

import harness

# The flood test's caps: small, so that a few hundred sockets cross them.
MAX_CONNECTIONS = 64
# What the broker may hold at most while it is attacked, measured as its peak RSS (VmHWM):
# its own resting size plus room for the bodies it is allowed to hold (max-request-bytes-in-flight)
# and their decoding. Unbounded buffering of the bodies sent below would pass it many times.
MAX_REQUEST_BYTES_IN_FLIGHT = 64 << 20
RSS_HEADROOM_BYTES = 3 * MAX_REQUEST_BYTES_IN_FLIGHT


def proc_status(pid, field):
    """A /proc/<pid>/status field in bytes (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


def raw_post(port, operation, body, timeout=60):
    """A Kinesis POST over one plain socket; returns (status, headers dict, body bytes)."""
    headers = harness.signed_headers(operation, body)
    conn = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        conn.sendall(head.encode() + body)
        return read_response(conn)
    finally:
        conn.close()


def read_response(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise AssertionError(f"closed before a response: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest


class OperatorSurfaceAttackTest(harness.ServerTestCase):

    def test_operator_routes_are_absent_from_the_api_port(self):
        for method, path in (("POST", "/_sluice/nodes/az-a/fail"), ("POST", "/_sluice/nodes/az-b/fail"),
                             ("GET", "/metrics"), ("GET", "/_sluice/nodes")):
            with self.subTest(path=path):
                status, _, body = self.server.http_request(method, path, body=b"",
                                                           headers={"Origin": "http://evil.example"})
                self.assertIn(status, (400, 403), body)
                self.assertNotIn(b"az-a", body)
        self.assertTrue(all(n["state"] == "healthy" for n in self.server.nodes().values()))

    def test_a_cross_site_form_post_cannot_reach_the_operator_port(self):
        # What a page on another site can make a browser send: a form post with an Origin and no
        # Authorization header (a browser adds none to a cross-site form).
        conn = socket.create_connection(("127.0.0.1", self.server.admin_port), timeout=10)
        try:
            body = b"confirm=yes"
            conn.sendall(b"POST /_sluice/nodes/az-a/fail HTTP/1.1\r\n"
                         b"Host: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            status, headers, _ = read_response(conn)
        finally:
            conn.close()
        self.assertEqual(status, 401)
        # Nor may a script on that page read anything back.
        self.assertNotIn("access-control-allow-origin", headers)
        for token in (False, "", "Bearer", self.server.admin_token.upper() + "x"):
            status, _, _ = self.server.admin_request("POST", "/_sluice/nodes/az-a/fail",
                                                     token=token)
            self.assertEqual(status, 401)
        self.assertEqual(self.server.nodes()["az-a"]["state"], "healthy")


class FloodTest(harness.ServerTestCase):
    SERVER_OPTIONS = {"extra_args": ["--max-connections", str(MAX_CONNECTIONS),
                                     "--max-request-bytes-in-flight",
                                     str(MAX_REQUEST_BYTES_IN_FLIGHT)]}

    def setUp(self):
        self.client = self.server.boto3_client()

    def rss(self, field="VmRSS"):
        return proc_status(self.server.proc.pid, field)

    def test_a_connection_flood_is_refused_clearly_and_costs_bounded_memory(self):
        self.client.create_stream(StreamName="flood", ShardCount=1)
        harness.wait_active(self.client, "flood")
        resting = self.rss()
        sockets = []
        try:
            # Idle sockets, half-sent headers and a slowloris trickle, far past the cap.
            for i in range(MAX_CONNECTIONS * 5):
                try:
                    s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
                except OSError:
                    break  # the kernel's backlog is full: the flood is as big as it gets
                if i % 3 == 1:
                    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
                elif i % 3 == 2:
                    s.sendall(b"P")
                sockets.append(s)
            self.assertGreater(len(sockets), MAX_CONNECTIONS)
            # A request now gets AWS's 503, which every SDK retries, or the connection is
            # closed at once (past the few kept for answers): never a hang.
            answered = []
            for _ in range(5):
                try:
                    status, headers, body = raw_post(self.server.port, "ListStreams", b"{}",
                                                     timeout=10)
                    answered.append(status)
                    if status == 503:
                        self.assertEqual(headers["retry-after"], "1")
                        self.assertEqual(json.loads(body)["__type"],
                                         "ServiceUnavailableException")
                except (ConnectionError, AssertionError):
                    answered.append("closed")
            self.assertTrue(all(a in (503, "closed") for a in answered), answered)
            metrics = self.server.metrics().decode()
            refused = sum(int(line.split()[1]) for line in metrics.splitlines()
                          if line.startswith(("sluice_requests_refused_total ",
                                              "sluice_connections_refused_total ")))
            self.assertGreater(refused, 0, metrics)
            self.assertLess(self.rss() - resting, 64 << 20)
        finally:
            for s in sockets:
                s.close()
        # The flood gone, the broker serves as before.
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client.put_record(StreamName="flood", PartitionKey="k", Data=b"after")
                break
            except Exception:  # noqa: BLE001 - 503s until the sockets are reaped
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.assertEqual(self.server.health_status(), 200)

    def test_deeply_nested_16_mib_bodies_are_refused_in_bounded_memory(self):
        body = b"{\"StreamName\":" + b"[" * ((16 << 20) - 64) + b"}"
        peak_before = self.rss("VmHWM")
        results = []

        def attack():
            try:
                results.append(raw_post(self.server.port, "ListStreams", body))
            except Exception as error:  # noqa: BLE001 - reported below
                results.append(error)

        threads = [threading.Thread(target=attack) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(len(results), 8, results)
        for result in results:
            self.assertIsInstance(result, tuple, result)
            status, headers, data = result
            # Refused as too deep, or (more than 64 MiB at once) as too much at once.
            self.assertIn(status, (400, 503), data[:200])
            expected = ("SerializationException" if status == 400
                        else "ServiceUnavailableException")
            self.assertEqual(json.loads(data)["__type"], expected)
        self.assertIn(400, [r[0] for r in results])
        peak = self.rss("VmHWM")
        self.assertLess(peak - peak_before, RSS_HEADROOM_BYTES,
                        f"peak RSS grew from {peak_before >> 20} MiB to {peak >> 20} MiB")
        self.assertEqual(self.server.health_status(), 200)
        self.client.list_streams()

    def test_objects_of_very_many_members_cost_linear_time(self):
        # 200,000 members (2.6 MB), valid JSON, and the same cut short (invalid). Built with a
        # linear search per key, as nlohmann's ordered objects are, the first would take about a
        # minute of CPU (40,000 members took 2.5 s); both must be answered long before the
        # client gives up.
        members = b",".join(b'"k%d":1' % i for i in range(200000))
        for body in (b'{"StreamName":"wide",' + members + b"}",
                     b'{"StreamName":"wide",' + members + b","):
            status, _, data = raw_post(self.server.port, "DescribeStreamSummary", body,
                                       timeout=20)
            expected = "ResourceNotFoundException" if body.endswith(b"}") else \
                "SerializationException"
            self.assertEqual(json.loads(data)["__type"], expected, data[:200])
        self.assertEqual(self.server.health_status(), 200)


if __name__ == "__main__":
    import unittest
    unittest.main()
