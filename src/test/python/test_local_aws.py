"""Self-test for scripts/local_aws.py and scripts/local-aws.

Run from the repo root:  python3 -m unittest discover -s src/test/python -p 'test_local_aws.py'
(or: python3 src/test/python/test_local_aws.py). Needs moto 5.2 + boto3 only.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = ROOT / "scripts" / "local_aws.py"
WRAPPER = ROOT / "scripts" / "local-aws"
CREDS = dict(aws_access_key_id="test", aws_secret_access_key="test",
             region_name="us-east-1")


def launch(*args):
    """Start the launcher with stdin as a pipe; return (proc, endpoint)."""
    proc = subprocess.Popen([sys.executable, str(LAUNCHER), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("http://127.0.0.1:"):
        proc.kill()
        raise AssertionError(f"bad endpoint line {line!r}: {proc.stderr.read()}")
    return proc, line.strip()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


class PatchedApiGatewayV2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.endpoint = launch("--watch-stdin")
        cls.apigw = boto3.client("apigatewayv2", endpoint_url=cls.endpoint,
                                 config=Config(retries={"max_attempts": 1}),
                                 **CREDS)

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.proc.stderr.close()

    def test_get_routes_pages_250_routes_by_100(self):
        api_id = self.apigw.create_api(Name="many", ProtocolType="HTTP")["ApiId"]
        created = {self.apigw.create_route(ApiId=api_id, RouteKey=f"GET /r{i}")["RouteId"]
                   for i in range(250)}
        seen, sizes, token = [], [], None
        while True:
            kw = {"NextToken": token} if token else {}
            page = self.apigw.get_routes(ApiId=api_id, MaxResults="100", **kw)
            sizes.append(len(page["Items"]))
            seen += [r["RouteId"] for r in page["Items"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(sizes, [100, 100, 50])
        self.assertEqual(len(seen), 250)
        self.assertEqual(set(seen), created)
        # Without maxResults: everything, no nextToken.
        page = self.apigw.get_routes(ApiId=api_id)
        self.assertEqual(len(page["Items"]), 250)
        self.assertNotIn("NextToken", page)
        # boto3's paginator agrees.
        pages = self.apigw.get_paginator("get_routes").paginate(
            ApiId=api_id, PaginationConfig={"PageSize": 100})
        self.assertEqual(sum(len(p["Items"]) for p in pages), 250)

    def test_get_routes_invalid_next_token_is_400(self):
        api_id = self.apigw.create_api(Name="bad", ProtocolType="HTTP")["ApiId"]
        self.apigw.create_route(ApiId=api_id, RouteKey="GET /a")
        for bad in ["garbage", "eyJ4IjoxfQ", "!!"]:
            with self.assertRaises(ClientError) as cm:
                self.apigw.get_routes(ApiId=api_id, NextToken=bad)
            err = cm.exception.response
            self.assertEqual(err["Error"]["Code"], "BadRequestException")
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_get_authorizers_pages_by_2(self):
        api_id = self.apigw.create_api(Name="auth", ProtocolType="HTTP")["ApiId"]
        created = {}
        for i in range(3):
            a = self.apigw.create_authorizer(
                ApiId=api_id, AuthorizerType="REQUEST", Name=f"a{i}",
                AuthorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/"
                              "functions/arn:aws:lambda:us-east-1:123456789012:"
                              "function:f/invocations",
                IdentitySource=["$request.header.x-api-key"],
                AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True)
            created[a["AuthorizerId"]] = a
        p1 = self.apigw.get_authorizers(ApiId=api_id, MaxResults="2")
        self.assertEqual(len(p1["Items"]), 2)
        self.assertIn("NextToken", p1)
        p2 = self.apigw.get_authorizers(ApiId=api_id, MaxResults="2",
                                        NextToken=p1["NextToken"])
        self.assertEqual(len(p2["Items"]), 1)
        self.assertNotIn("NextToken", p2)
        items = p1["Items"] + p2["Items"]
        self.assertEqual({a["AuthorizerId"] for a in items}, set(created))
        for a in items:  # same shape as GetAuthorizer
            one = self.apigw.get_authorizer(ApiId=api_id, AuthorizerId=a["AuthorizerId"])
            one.pop("ResponseMetadata")
            self.assertEqual(a, one)
        with self.assertRaises(ClientError) as cm:
            self.apigw.get_authorizers(ApiId="nosuchapi")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")


class LifecycleTest(unittest.TestCase):
    def test_watch_stdin_exits_on_eof(self):
        proc, _ = launch("--watch-stdin")
        proc.stdin.close()
        self.assertEqual(proc.wait(timeout=10), 0)
        self.assertEqual(proc.stdout.read(), "")  # only the one endpoint line
        proc.stdout.close()
        proc.stderr.close()

    def test_sigterm_exits_cleanly(self):
        proc, _ = launch()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 0)
        self.assertEqual(proc.stdout.read(), "")
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()

    def test_explicit_port_is_used_and_a_busy_port_fails_fast(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        started = time.monotonic()
        proc, endpoint = launch("--port", str(port), "--watch-stdin")
        self.assertLess(time.monotonic() - started, 15)  # startup stays fast
        self.assertEqual(endpoint, f"http://127.0.0.1:{port}")
        busy = subprocess.run([sys.executable, str(LAUNCHER), "--port", str(port)],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(busy.returncode, 1)
        self.assertEqual(busy.stdout, "")
        self.assertIn(f"cannot bind 127.0.0.1:{port}", busy.stderr)
        proc.stdin.close()
        self.assertEqual(proc.wait(timeout=10), 0)
        proc.stdout.close()
        proc.stderr.close()

    def test_log_goes_to_stderr_only(self):
        proc, endpoint = launch("--log", "--watch-stdin")
        sts = boto3.client("sts", endpoint_url=endpoint, **CREDS)
        self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")
        proc.stdin.close()
        self.assertEqual(proc.wait(timeout=10), 0)
        self.assertEqual(proc.stdout.read(), "")
        self.assertIn('"POST / HTTP/1.1" 200', proc.stderr.read())
        proc.stdout.close()
        proc.stderr.close()

    def test_wrapper_start_stop_leaves_no_process(self):
        with tempfile.TemporaryDirectory() as tmp:
            state = Path(tmp) / "state"
            env = dict(os.environ, SECURE_API_LOCAL_DIR=str(state))

            def run(*args, check=True):
                return subprocess.run([str(WRAPPER), *args], env=env, text=True,
                                      capture_output=True, timeout=60, check=check)

            ep = run("start").stdout.strip()
            self.assertRegex(ep, r"^http://127\.0\.0\.1:\d+$")
            pid = int((state / "pid").read_text())
            self.assertTrue(alive(pid))
            self.assertEqual(run("start").stdout.strip(), ep)  # reuses it
            self.assertEqual(run("endpoint").stdout.strip(), ep)
            sts = boto3.client("sts", endpoint_url=ep, **CREDS)
            self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")
            run("stop")
            self.assertFalse(alive(pid))
            self.assertFalse(state.exists())
            self.assertEqual(run("endpoint", check=False).returncode, 1)
            self.assertEqual(run("stop").returncode, 0)  # none running: no error


if __name__ == "__main__":
    unittest.main()
