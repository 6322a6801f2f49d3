#!/usr/bin/env python3
"""Captures requests as real clients send them, for the fuzz_http1_request and fuzz_http2_frames
seed corpora.

Listens on a free local port, answers every request with an empty JSON 1.1 success, and saves
the raw bytes of each request (head and body, as they came off the socket) as
OUTDIR/<client>-<n>.http. The clients: boto3, the AWS CLI and the Go SDK v2 (Debian's, GOPATH
mode), each making a few calls. HTTP/2 with prior knowledge: nghttp and curl, whose bytes after
the connection preface (the fuzz target adds it) are saved as H2DIR/<client>.bin. With a third
directory, the target and signing headers of every signed HTTP/1.1 request there (captured or
hand-written) are saved for fuzz_credentials, one "name: value" per line after the target.

    fuzz/seeds/capture_requests.py fuzz/corpus/fuzz_http1_request fuzz/corpus/fuzz_http2_frames \
        fuzz/corpus/fuzz_credentials
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading

import boto3
from botocore.config import Config

GO_CLIENT = r'''
package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

func main() {
	client := kinesis.New(kinesis.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDLOCAL", "secret", ""),
		RetryMaxAttempts: 1,
		EndpointResolver: kinesis.EndpointResolverFunc(
			func(region string, options kinesis.EndpointResolverOptions) (aws.Endpoint, error) {
				return aws.Endpoint{URL: os.Args[1]}, nil
			}),
	})
	ctx := context.Background()
	client.ListStreams(ctx, &kinesis.ListStreamsInput{})
	client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("fuzz"),
		Data: []byte("hello"), PartitionKey: aws.String("k")})
}
'''


class Capture:
    def __init__(self, outdir):
        self.outdir = outdir
        self.client = "unknown"
        self.count = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.connection, args=(conn,), daemon=True).start()

    def connection(self, conn):
        data = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, rest = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(rest) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    rest += chunk
                self.save(head + b"\r\n\r\n" + rest[:length])
                data = rest[length:]
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                             b"x-amzn-RequestId: capture\r\nContent-Length: 2\r\n\r\n{}")

    def save(self, request):
        self.count += 1
        path = os.path.join(self.outdir, f"{self.client}-{self.count}.http")
        with open(path, "wb") as out:
            out.write(request)


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def capture_h2(path, command):
    """Runs `command` (PORT replaced) against a listener that records what it sends in a second."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    port = str(sock.getsockname()[1])
    received = []

    def serve():
        conn, _ = sock.accept()
        conn.settimeout(1.0)
        with conn:
            try:
                while chunk := conn.recv(65536):
                    received.append(chunk)
            except socket.timeout:
                pass

    thread = threading.Thread(target=serve)
    thread.start()
    subprocess.run([part.replace("PORT", port) for part in command], input=b"{}",
                   capture_output=True, timeout=10, check=False)
    thread.join()
    data = b"".join(received)
    assert data.startswith(PREFACE), f"{command[0]} did not speak HTTP/2"
    with open(path, "wb") as out:
        out.write(data[len(PREFACE):])


def main():
    outdir = sys.argv[1]
    h2dir = sys.argv[2]
    os.makedirs(h2dir, exist_ok=True)
    os.makedirs(outdir, exist_ok=True)
    capture = Capture(outdir)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "secret",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1"}

    capture.client, capture.count = "boto3", 0
    kinesis = boto3.client("kinesis", endpoint_url=capture.endpoint, region_name="us-east-1",
                           aws_access_key_id="AKIDLOCAL", aws_secret_access_key="secret",
                           config=Config(retries={"max_attempts": 1}))
    kinesis.list_streams()
    kinesis.put_records(StreamName="fuzz", Records=[{"Data": b"\x00\xffhello", "PartitionKey": "k"}])
    kinesis.get_shard_iterator(StreamName="fuzz", ShardId="shardId-000000000000",
                               ShardIteratorType="AT_TIMESTAMP", Timestamp=1764000000.5)

    capture.client, capture.count = "cli", 0
    subprocess.run(["aws", "kinesis", "describe-stream-summary", "--stream-name", "fuzz",
                    "--endpoint-url", capture.endpoint], env=env, capture_output=True, check=False)
    subprocess.run(["aws", "kinesis", "put-record", "--stream-name", "fuzz", "--partition-key",
                    "k", "--data", "aGVsbG8=", "--endpoint-url", capture.endpoint], env=env,
                   capture_output=True, check=False)

    capture.client, capture.count = "go", 0
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "main.go"), "w") as source:
            source.write(GO_CLIENT)
        go_env = {**env, "GOPATH": "/usr/share/gocode", "GO111MODULE": "off", "GOFLAGS": "",
                  "GOCACHE": os.path.join(work, "cache")}
        subprocess.run(["go", "run", "main.go", capture.endpoint], cwd=work, env=go_env,
                       capture_output=True, check=False)


    json_headers = ["content-type: application/x-amz-json-1.1",
                    "x-amz-target: Kinesis_20131202.ListStreams"]
    capture_h2(os.path.join(h2dir, "h2-nghttp.bin"),
               ["nghttp", "-n", "-d", "/dev/stdin"] + [a for h in json_headers for a in ("-H", h)]
               + ["http://127.0.0.1:PORT/"])
    capture_h2(os.path.join(h2dir, "h2-curl.bin"),
               ["curl", "-s", "--http2-prior-knowledge", "-m", "2", "-X", "POST", "-d", "{}"]
               + [a for h in json_headers for a in ("-H", h)] + ["http://127.0.0.1:PORT/"])


    if len(sys.argv) > 3:
        credential_seeds(outdir, sys.argv[3])


SIGNING_HEADERS = (b"authorization", b"x-amz-date", b"date", b"x-amz-security-token", b"host")


def credential_seeds(http1_dir, outdir):
    os.makedirs(outdir, exist_ok=True)
    for name in sorted(os.listdir(http1_dir)):
        with open(os.path.join(http1_dir, name), "rb") as source:
            head = source.read().split(b"\r\n\r\n")[0].split(b"\r\n")
        request_line = head[0].split(b" ")
        fields = [f for f in head[1:] if f.split(b":")[0].strip().lower() in SIGNING_HEADERS]
        if len(request_line) < 2 or not any(f.lower().startswith(b"authorization") for f in fields):
            continue
        with open(os.path.join(outdir, os.path.splitext(name)[0] + ".txt"), "wb") as out:
            out.write(b"\n".join([request_line[1]] + fields))


if __name__ == "__main__":
    main()
