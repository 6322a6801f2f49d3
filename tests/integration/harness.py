"""Integration test harness: runs the real sluice binary and hands out real AWS clients.

Each test module starts its own server(s) on 127.0.0.1 with a free port and a fresh temporary
directory (``<root>/data`` for the data, ``<root>/server.log`` for its output). The directory is
deleted when every test of the class passed and kept (its path printed) when one failed.

The binary comes from ``SLUICE_BINARY`` (set by CTest), else ``build-it/sluice`` or
``build/sluice`` in the repository.
"""

import atexit
import secrets
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

import boto3
import urllib3
from botocore.config import Config

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ACCESS_KEY = "AKIDSLUICEINTEGRATION"
SECRET_KEY = "sluice-integration-secret"
REGION = "us-east-1"
ACCOUNT = "000000000000"  # the server's default --account-id
CLI_V1 = shutil.which("aws")  # the first aws on PATH: CLI v1 (pyenv)
CLI_V2 = "/usr/bin/aws"  # the Debian awscli package: CLI v2
STARTUP_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 15.0
CLI_TIMEOUT_S = 60.0


_SESSION = None
_SESSION_LOCK = threading.Lock()


def _session():
    """One boto3 session for the process, so the service model is loaded once."""
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


def find_binary():
    explicit = os.environ.get("SLUICE_BINARY")
    if explicit:
        return explicit
    for candidate in ("build-it/sluice", "build/sluice"):
        path = os.path.join(REPO_ROOT, candidate)
        if os.access(path, os.X_OK):
            return path
    raise unittest.SkipTest("SLUICE_BINARY is not set and no built sluice binary was found")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_CLI_V1_CHECKED = None


def cli_v1_problem():
    """None when `aws` on PATH is AWS CLI v1, else why not (checked once per process)."""
    global _CLI_V1_CHECKED
    if _CLI_V1_CHECKED is None:
        if CLI_V1 is None:
            _CLI_V1_CHECKED = "AWS CLI v1 (aws) is not on PATH"
        else:
            out = subprocess.run([CLI_V1, "--version"], capture_output=True, env=client_env(),
                                 timeout=CLI_TIMEOUT_S, stdin=subprocess.DEVNULL)
            version = (out.stdout + out.stderr).decode("utf-8", "replace").strip()
            _CLI_V1_CHECKED = "" if version.startswith("aws-cli/1.") else (
                f"the aws on PATH ({CLI_V1}) is not AWS CLI v1: {version!r}")
    return _CLI_V1_CHECKED or None


def cli_v2_available():
    return os.access(CLI_V2, os.X_OK)


def skip_without_cli_v2(test):
    return unittest.skipUnless(cli_v2_available(), f"AWS CLI v2 not installed at {CLI_V2}")(test)


def client_env():
    """Environment for CLI subprocesses: fixed credentials, no config files, no pager."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and not k.startswith("SLUICE_")}
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
    })
    return env


class CliError(Exception):
    """A CLI invocation that exited non-zero; ``code`` is the AWS error code parsed from stderr."""

    def __init__(self, args, returncode, stdout, stderr):
        self.args_ = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.code = None
        self.message = None
        # "An error occurred (Code) when calling the Op operation[ (reached max retries: 0)]: msg"
        match = re.search(r"An error occurred \(([^)]*)\) when calling the \w+ operation"
                          r"(?: \([^)]*\))?: (.*)", stderr, re.DOTALL)
        if match:
            self.code = match.group(1)
            self.message = match.group(2).strip()
        super().__init__(f"aws {' '.join(args)} exited {returncode}: {stderr.strip()}")


class PortTaken(Exception):
    pass


_LIVE_SERVERS = []


def _die_with_parent():
    """In the child: SIGKILL it if the test process dies (a CTest timeout, a crash)."""
    try:
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


@atexit.register
def _stop_leftover_servers():
    """A server whose class never reached tearDownClass (setUpClass failed): stop it, keep it."""
    for server in _LIVE_SERVERS:
        if server.proc is not None:
            server.cleanup(keep=True)


class SluiceServer:
    """One sluice process on 127.0.0.1:<free port> with its own data directory, and its operator
    port on another free loopback port, guarded by a token of its own."""

    def __init__(self, create_ms=0, delete_ms=0, update_ms=0, extra_args=(), name="sluice",
                 credentials=None):
        """`credentials`: a list of {"access_key_id", "secret_access_key", "account_id",
        "session_token" (optional)}; when given, it is written to <root>/credentials.json and
        the server runs with --auth sigv4 --credentials-file pointing at it."""
        self.binary = find_binary()
        self.root = tempfile.mkdtemp(prefix=f"sluice-it-{name}-")
        if credentials is not None:
            self.credentials_file = os.path.join(self.root, "credentials.json")
            with open(self.credentials_file, "w") as f:
                json.dump(credentials, f)
            extra_args = ("--auth", "sigv4", "--credentials-file", self.credentials_file,
                          *extra_args)
        self.data_dir = os.path.join(self.root, "data")
        self.log_path = os.path.join(self.root, "server.log")
        self.port = free_port()
        self.admin_port = free_port()
        self.admin_token = secrets.token_hex(16)
        self.options = [
            "--data-dir", self.data_dir,
            "--create-stream-ms", str(create_ms),
            "--delete-stream-ms", str(delete_ms),
            "--update-stream-ms", str(update_ms),
            "--log-level", "warn",
            *extra_args,
        ]
        self.proc = None
        self._log = None
        self._started_once = False
        self.exit_codes = []  # of every process this server ran, in order
        _LIVE_SERVERS.append(self)

    @property
    def args(self):
        return [self.binary, "--listen", f"127.0.0.1:{self.port}",
                "--admin-listen", f"127.0.0.1:{self.admin_port}",
                "--admin-token", self.admin_token, *self.options]

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self):
        """Starts the process and waits for /health. The first start retries on a new port if
        another process took the free port in between (restarts keep the port)."""
        attempts = 1 if self._started_once else 3
        for attempt in range(attempts):
            try:
                self._spawn()
                self.wait_healthy()
                break
            except PortTaken:
                if attempt == attempts - 1:
                    raise AssertionError(f"port {self.port} in use\n{self.log_tail()}")
                self.port = free_port()
                self.admin_port = free_port()
        self._started_once = True
        return self

    def _spawn(self):
        assert self.proc is None, "already running"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        self._log = open(self.log_path, "ab")
        self._log.write(f"\n=== start: {' '.join(self.args)}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(self.args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env,
                                     preexec_fn=_die_with_parent)

    def wait_healthy(self, timeout=STARTUP_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self._reap()
                tail = self.log_tail()
                if not self._started_once and "address already in use" in tail.lower():
                    raise PortTaken()
                raise AssertionError(f"sluice exited with {code} during startup\n"
                                     f"{tail}\n(kept in {self.root})")
            try:
                status, _, _ = self.http_request("GET", "/health", timeout=1.0)
                if status == 200:
                    # Healthy, but is it ours? Another process may hold the port (then ours
                    # exits shortly): compare the TLS certificate with the one in our data dir.
                    if self.serves_our_certificate():
                        return
                    last = "another server answers on this port"
                else:
                    last = f"HTTP {status}"
            except (OSError, http.client.HTTPException, ValueError) as e:
                last = repr(e)
            time.sleep(0.05)
        raise AssertionError(f"sluice not healthy after {timeout}s (last: {last})\n"
                             f"{self.log_tail()}\n(kept in {self.root})")

    def serves_our_certificate(self):
        try:
            with open(os.path.join(self.data_dir, "tls", "cert.pem")) as f:
                ours = ssl.PEM_cert_to_DER_cert(f.read())
        except OSError:
            return False
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                return tls.getpeercert(binary_form=True) == ours

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM; SIGKILL if it is still running after `timeout`. Returns the exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._reap()
            raise AssertionError(f"sluice ignored SIGTERM for {timeout}s; killed\n"
                                 f"{self.log_tail()}")
        return self._reap()

    def kill(self):
        """SIGKILL, no chance to flush anything."""
        if self.proc is None:
            return None
        self.proc.kill()
        self.proc.wait()
        return self._reap()

    def restart(self):
        """Graceful stop (asserting exit code 0), then start on the same data dir and port."""
        code = self.stop()
        if code != 0:
            raise AssertionError(f"sluice exited with {code} after SIGTERM\n{self.log_tail()}")
        return self.start()

    def _reap(self):
        code = self.proc.returncode
        self.exit_codes.append(code)
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None
        return code

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self, keep):
        """Stops the server; deletes its directory unless `keep` (then prints where it is)."""
        problem = None
        if self.proc is not None:
            if self.proc.poll() is not None:
                problem = f"sluice had died with exit code {self.proc.returncode}"
                self._reap()
                keep = True
            else:
                code = self.stop()
                if code != 0:
                    problem = f"sluice exited with {code} after SIGTERM"
                    keep = True
        if keep:
            sys.stderr.write(f"\n[harness] kept sluice data dir {self.data_dir} and log "
                             f"{self.log_path}\n{self.log_tail()}\n")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        return problem

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return "(no server log)"
        tail = text.splitlines()[-lines:]
        return "--- server log tail (" + self.log_path + ") ---\n" + "\n".join(tail)

    # -- clients -----------------------------------------------------------------------------

    def endpoint(self, https=False):
        return f"{'https' if https else 'http'}://127.0.0.1:{self.port}"

    def boto3_client(self, https=False, region=REGION, access_key=ACCESS_KEY,
                     secret_key=SECRET_KEY, session_token=None, **config):
        options = {"retries": {"total_max_attempts": 1, "mode": "standard"},
                   "connect_timeout": 10, "read_timeout": 60}
        options.update(config)
        with _SESSION_LOCK:  # creating clients from one session is not thread-safe
            return _session().client(
                "kinesis",
                endpoint_url=self.endpoint(https),
                region_name=region,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                aws_session_token=session_token,
                verify=False,
                config=Config(**options),
            )

    def cli(self, args, v2=False, https=False, check=True, timeout=CLI_TIMEOUT_S, env=None):
        """Runs `aws kinesis <args>`; returns the parsed JSON output (None when empty). `env`
        overrides variables of client_env() (AWS_SECRET_ACCESS_KEY, say).

        Raises CliError when the CLI exits non-zero (unless check=False: then returns it)."""
        exe = CLI_V2 if v2 else CLI_V1
        if v2 and not cli_v2_available():
            raise unittest.SkipTest(f"AWS CLI v2 not installed at {CLI_V2}")
        if not v2 and cli_v1_problem():
            raise unittest.SkipTest(cli_v1_problem())
        cmd = [exe, "--endpoint-url", self.endpoint(https), "--output", "json",
               "--region", REGION]
        if https:
            cmd.append("--no-verify-ssl")
        if v2:
            cmd.append("--no-cli-pager")
        cmd += ["kinesis", *args]
        proc = subprocess.run(cmd, env={**client_env(), **(env or {})}, capture_output=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        stdout = proc.stdout.decode("utf-8", "replace")
        stderr = proc.stderr.decode("utf-8", "replace")
        if proc.returncode != 0:
            error = CliError(args, proc.returncode, stdout, stderr)
            if check:
                raise error
            return error
        return json.loads(stdout) if stdout.strip() else None

    def http_request(self, method, path, body=None, headers=None, https=False, timeout=10.0):
        """One raw HTTP request; returns (status, headers as a lower-cased dict, body bytes)."""
        if https:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return (response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            conn.close()

    # -- the operator port -------------------------------------------------------------------

    def admin_request(self, method, path, token=True, timeout=10.0):
        """One request to the operator port, with the bearer token unless token=False (or with
        the given token string); returns (status, headers as a lower-cased dict, body bytes)."""
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + (self.admin_token if token is True else token)
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=timeout)
        try:
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return (response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            conn.close()

    def node_action(self, node, action):
        """POST /_sluice/nodes/<node>/<action> on the operator port; returns (status, body)."""
        status, _, body = self.admin_request("POST", f"/_sluice/nodes/{node}/{action}")
        return status, body

    def metrics(self):
        """GET /metrics from the operator port, as bytes."""
        status, _, body = self.admin_request("GET", "/metrics", token=False)
        if status != 200:
            raise AssertionError(f"/metrics answered {status}: {body!r}")
        return body

    def nodes(self):
        """GET /_sluice/nodes as {name: node}."""
        status, _, body = self.admin_request("GET", "/_sluice/nodes", token=False)
        if status != 200:
            raise AssertionError(f"/_sluice/nodes answered {status}: {body!r}")
        return {n["name"]: n for n in json.loads(body)["nodes"]}

    def wait_all_healthy(self, timeout=60):
        """Waits until every storage node is healthy; returns the nodes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            nodes = self.nodes()
            if all(n["state"] == "healthy" for n in nodes.values()):
                return nodes
            time.sleep(0.1)
        raise AssertionError(f"nodes not healthy after {timeout}s: {self.nodes()}")

    def health_status(self):
        return self.http_request("GET", "/health")[0]


def signed_headers(operation, body, region=REGION, content_type="application/x-amz-json-1.1"):
    """SigV4 headers for a raw Kinesis request (so raw tests send what boto3 would)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url="http://127.0.0.1/", data=body, headers={
        "Content-Type": content_type,
        "X-Amz-Target": f"Kinesis_20131202.{operation}",
    })
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "kinesis", region).add_auth(request)
    return dict(request.headers.items())


class ServerTestCase(unittest.TestCase):
    """Base class: one server per test class, started in setUpClass.

    Subclasses set SERVER_OPTIONS (kwargs for SluiceServer). The server directory is kept when
    any test of the class failed or errored, and a test fails if the server died under it."""

    SERVER_OPTIONS = {}
    server = None

    @classmethod
    def setUpClass(cls):
        # unittest's runner resets the warning filters before running tests: silence again.
        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
        cls._failed = False
        cls.server = SluiceServer(name=cls.__name__, **cls.SERVER_OPTIONS)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup(keep=True)
            raise

    @classmethod
    def tearDownClass(cls):
        problem = cls.server.cleanup(keep=cls._failed)
        if problem:
            raise AssertionError(problem)

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()

        def bad():
            return (len(result.failures) + len(result.errors) +
                    len(getattr(result, "unexpectedSuccesses", [])))

        before = bad()
        outcome = super().run(result)
        if bad() > before:
            type(self)._failed = True
        return outcome

    def tearDown(self):
        server = self.server
        if server.proc is not None and server.proc.poll() is not None:
            code = server._reap()  # reported once, here; the class keeps its directory
            raise AssertionError(f"sluice died (exit code {code}) during {self.id()}\n"
                                 f"{server.log_tail()}")

    # -- helpers shared by the tests ---------------------------------------------------------

    def assertClientError(self, callable_, code, message=None, *args, **kwargs):
        """Calls boto3; asserts a ClientError with Error.Code == code (and exact message)."""
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as caught:
            callable_(*args, **kwargs)
        error = caught.exception.response["Error"]
        self.assertEqual(error.get("Code"), code, caught.exception.response)
        if message is not None:
            self.assertEqual(error.get("Message"), message, caught.exception.response)
        return caught.exception

    def assertCliError(self, error, code, message=None):
        self.assertIsInstance(error, CliError,
                              f"expected the CLI to fail with {code}, got {error!r}")
        self.assertEqual(error.code, code, error.stderr)
        if message is not None:
            self.assertEqual(error.message, message, error.stderr)


def wait_active(client, stream, delay=0.1, max_attempts=100):
    client.get_waiter("stream_exists").wait(
        StreamName=stream, WaiterConfig={"Delay": delay, "MaxAttempts": max_attempts})


def read_shard(client, iterator, limit=10000):
    """Follows NextShardIterator until caught up; returns every record read."""
    records = []
    while iterator:
        out = client.get_records(ShardIterator=iterator, Limit=limit)
        records.extend(out["Records"])
        iterator = out.get("NextShardIterator")
        if not out["Records"] and out.get("MillisBehindLatest") == 0:
            break
    return records


def read_every_shard(client, stream, deadline_s=60):
    """{shard id: every record from TRIM_HORIZON}, each shard read until caught up; an
    AssertionError (a test failure) when a shard is not read to its end within the deadline."""
    deadline = time.monotonic() + deadline_s
    out = {}
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        shard_id = shard["ShardId"]
        iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = []
        while time.monotonic() < deadline:
            reply = client.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(reply["Records"])
            iterator = reply["NextShardIterator"]
            if not reply["Records"] and reply["MillisBehindLatest"] == 0:
                break
        else:
            raise AssertionError(f"reading {shard_id} did not finish")
        out[shard_id] = records
    return out


def has_failed(test):
    """Whether `test` has failed or errored so far, for cleanups that keep evidence. Not
    `_outcome.success`: unittest resets it while cleanups run (so it always read as a pass), and
    a subtest's failure is recorded against the subtest."""
    result = getattr(getattr(test, "_outcome", None), "result", None)
    if result is None:
        return True
    return any(failed is test or getattr(failed, "test_case", None) is test
               for failed, _ in result.failures + result.errors)


class FaultTestCase(unittest.TestCase):
    """A fresh server per test, with a short node timeout, for tests that break storage nodes.
    Its data directory and log are kept when the test fails."""

    server_name = "faults"

    def setUp(self):
        self.server = SluiceServer(name=self.server_name,
                                   extra_args=("--node-timeout-ms", "1000")).start()
        self.addCleanup(lambda: self.server.cleanup(keep=has_failed(self)))

    def operator(self, node, action, expect=200):
        status, body = self.server.node_action(node, action)
        self.assertEqual(status, expect, body)

    def nodes(self):
        return self.server.nodes()

    def wait_all_healthy(self, timeout=60):
        return self.server.wait_all_healthy(timeout)
