"""Hostile and broken connections must not hurt the server: afterwards /health is 200 and a
normal boto3 call works."""

import os
import socket
import ssl
import threading
import time
import unittest

import harness


def client_hello():
    """The bytes of a real TLS ClientHello, as Python's ssl module would send it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    assert hello[0] == 0x16 and len(hello) > 100, hello[:10]
    return hello


class RobustnessTest(harness.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.server.boto3_client()
        cls.client.create_stream(StreamName="sturdy", ShardCount=1)
        harness.wait_active(cls.client, "sturdy")

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.server.port), timeout=10)

    def assertServerFine(self):
        self.assertTrue(self.server.alive(), self.server.log_tail())
        self.assertEqual(self.server.health_status(), 200)
        self.assertEqual(self.server.http_request("GET", "/health", https=True)[0], 200)
        self.assertIn("sturdy", self.client.list_streams()["StreamNames"])
        out = self.client.put_record(StreamName="sturdy", PartitionKey="k", Data=b"still here")
        self.assertEqual(out["ShardId"], "shardId-000000000000")

    def drain(self, sock):
        """Reads until the server closes (or 5 s pass); returns what it sent."""
        sock.settimeout(5)
        data = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return data

    def test_garbage_bytes(self):
        for payload in (os.urandom(4096), b"\x00" * 100, b"\r\n\r\n\r\n",
                        b"NOT HTTP AT ALL\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                        b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                        b"\x16" + os.urandom(2000), b"\x16\x03\x01\xff\xff" + os.urandom(300)):
            with self.subTest(payload=payload[:20]):
                with self.connect() as sock:
                    try:
                        sock.sendall(payload)
                        sock.shutdown(socket.SHUT_WR)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    reply = self.drain(sock)
                    if reply and payload[0] == 0x16:  # TLS: at most an alert record
                        self.assertEqual(reply[0], 0x15, reply[:200])
                    elif reply:  # an answer, if any, is an HTTP error response
                        self.assertRegex(reply[:12], rb"^HTTP/1\.[01] [45]\d\d", reply[:200])
        self.assertServerFine()

    def test_truncated_tls_client_hello(self):
        hello = client_hello()
        for cut in (1, 5, len(hello) // 2, len(hello) - 1):
            with self.subTest(cut=cut):
                with self.connect() as sock:
                    sock.sendall(hello[:cut])
        # One left hanging open while others are served.
        hanging = self.connect()
        hanging.sendall(hello[:len(hello) // 2])
        try:
            self.assertServerFine()
        finally:
            hanging.close()
        self.assertServerFine()

    def test_half_requests(self):
        body = b'{"StreamName": "sturdy"}'
        headers = harness.signed_headers("DescribeStream", body)
        request = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                   b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) +
                   f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        hanging = []
        for cut in (3, 20, request.index(b"\r\n\r\n"), len(request) - 5):
            with self.subTest(cut=cut):
                with self.connect() as sock:
                    sock.sendall(request[:cut])
                # And one kept open, half sent.
                sock = self.connect()
                sock.sendall(request[:cut])
                hanging.append(sock)
        # Half a request over TLS, then gone.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with context.wrap_socket(self.connect(), server_hostname="localhost") as tls:
            tls.sendall(request[:len(request) // 2])
        try:
            self.assertServerFine()
        finally:
            for sock in hanging:
                sock.close()
        # The complete request on a raw socket is answered.
        with self.connect() as sock:
            sock.sendall(request)
            reply = b""
            while b"sturdy" not in reply:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 200 "), reply[:200])
        self.assertServerFine()

    def test_pipelined_requests(self):
        """Two requests in one write get two answers, in order, on the same connection."""
        requests = b""
        for name in ("sturdy", "missing"):
            body = f'{{"StreamName": "{name}"}}'.encode()
            headers = harness.signed_headers("DescribeStreamSummary", body)
            requests += (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                         b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) +
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        with self.connect() as sock:
            sock.sendall(requests)
            reply = b""
            deadline = time.monotonic() + 10
            while reply.count(b"HTTP/1.1 ") < 2 or b"not found." not in reply:
                self.assertLess(time.monotonic(), deadline, reply)
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
        first = reply.index(b"HTTP/1.1 200 ")
        second = reply.index(b"HTTP/1.1 400 ")
        self.assertLess(first, second)
        self.assertIn(b"ResourceNotFoundException", reply[second:])

    def test_concurrent_list_streams(self):
        errors = []
        results = []
        lock = threading.Lock()
        barrier = threading.Barrier(50)

        clients = [self.server.boto3_client(https=bool(i % 2)) for i in range(50)]

        def worker(i):
            try:
                client = clients[i]
                barrier.wait(30)
                for _ in range(3):
                    names = client.list_streams()["StreamNames"]
                    with lock:
                        results.append(names)
            except Exception as e:  # reported below
                with lock:
                    errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 150)
        self.assertTrue(all(names == ["sturdy"] for names in results), results[:3])
        self.assertServerFine()

    def test_many_idle_connections(self):
        idle = [self.connect() for _ in range(100)]
        try:
            self.assertServerFine()
        finally:
            for sock in idle:
                sock.close()
        self.assertServerFine()


if __name__ == "__main__":
    unittest.main()
