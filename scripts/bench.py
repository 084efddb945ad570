#!/usr/bin/env python3
"""Speed of secure-api against the hand-wired setup, on the local emulator and this machine.

Run it through scripts/bench (which builds the jar first). Side by side, in one run:

  (a) the hand-wired setup (a plain-string key in Secrets Manager, a Lambda REQUEST authorizer that
      compares a header with it, attached to every route) as AWS CLI calls (create-secret, update-function-configuration,
      get-function, create-authorizer, add-permission, put-resource-policy, get-routes, update-route)
      against `secure-api setup --function FN`, on identical fresh Amplify-shaped APIs, alternating;
  (b) `aws --version` against `secure-api --version`;
  (c) `secure-api verify` on a 250-route API (after setup) against one `aws apigatewayv2 get-routes`;
  (d) `secure-api verify --all` over 10 config entries against one `secure-api verify`;
  (e) `secure-api scan` of 60 APIs in 3 regions against the AWS CLI loop a user would write
      (`get-apis` per region, `get-routes` per API).
  (f) `secure-api keys add` and `keys revoke` against a converged `secure-api setup` of the same API
      (bundled authorizer), alternating. The emulator's function update completes at once, so the
      revoke's waits for the cache flush (Lambda LastUpdateStatus) add nothing here.

Prints the median of each side, the ratio and the target, and (--markdown) the same as a table.

    scripts/bench [--pairs N] [--runs N] [--routes N] [--markdown] [--only a,b,c,d,e]
    scripts/bench --classlist    # regenerate src/main/cds/secure-api.classlist (then: mvn package)

secure-api runs on the launcher's JVM: JAVA_HOME's when set, else java on PATH. On JDK 24+ the launcher
keeps an AOT cache (target/secure-api.aot) trained by its first real command; the bench trains it with
two untimed setups and waits for it before timing anything.

The class list names the classes start-up and the common commands load (--version, help, setup on both
paths, a converged rerun, verify, a bad input); `mvn package` pre-parses them into
the startup archive target/secure-api.jsa that scripts/secure-api maps (AppCDS).
"""
import argparse
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile

import boto3

import amplify_api  # the Amplify shape, shared with the demo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(ROOT, "scripts", "secure-api")
JAR = os.path.join(ROOT, "target", "secure-api.jar")
CLASSLIST = os.path.join(ROOT, "src", "main", "cds", "secure-api.classlist")
PREINIT = os.path.join(ROOT, "src", "main", "resources", "secure-api.preinit")
# What io.secureapi.aws.Warmup may initialise ahead: the SDK's and Apache's classes, never this tool's
# or picocli's (the main thread's start-up runs them) nor generated ones (they have no name to load).
PREINIT_CLASS = re.compile(r"Initializing '((?:software/amazon/awssdk|org/apache/http)/[^'$]*(?:\$[^'$]+)*)'(\(no method\))?")
VERIFY_SOURCE = os.path.join(ROOT, "src", "main", "java", "io", "secureapi", "cli", "VerifyCommand.java")
REGION = "us-east-1"


def env_for_tools(endpoint):
    """Credentials and region for the emulator only; the machine's real AWS config never reaches it."""
    env = dict(os.environ)
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(k, None)
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION=REGION,
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_PAGER="", NO_COLOR="1")
    return env


class Emulator:
    """scripts/local_aws.py --watch-stdin: it exits when we close its stdin (or when we die)."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "local_aws.py"), "--watch-stdin"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.endpoint = self.proc.stdout.readline().strip()
        if not self.endpoint.startswith("http"):
            self.__exit__(None, None, None)
            raise SystemExit("bench: the local emulator did not start (python3 scripts/local_aws.py)")
        return self

    def __exit__(self, *exc):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Fixtures:
    """Fresh Amplify-shaped APIs and user functions, made with boto3 outside the timed runs."""

    def __init__(self, endpoint):
        kw = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
        self.apigw = boto3.client("apigatewayv2", **kw)
        self.lam = boto3.client("lambda", **kw)
        self.iam = boto3.client("iam", **kw)

    def amplify_api(self, extra_routes=0):
        return amplify_api.create(self.apigw, "amplify-bench-" + uuid.uuid4().hex[:6], extra_routes)

    def user_function(self):
        """The hand-wired setup's first step: a Node.js authorizer function with its own role, made by the user."""
        name = "bench-authorizer-" + uuid.uuid4().hex[:8]
        role = self.iam.create_role(RoleName=name + "-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                   "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.mjs", "export const handler = async () => ({ isAuthorized: false });\n")
        self.lam.create_function(FunctionName=name, Runtime="nodejs22.x", Handler="index.handler", Role=role,
                                 Code={"ZipFile": buf.getvalue()}, Environment={"Variables": {"LOG_LEVEL": "info"}})
        return name


def timed(cmd, env, cwd=None, stdin=None, check=True):
    """Seconds one command takes, wall clock, output discarded (it is still produced in full)."""
    start = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if check and p.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:4])}… exited {p.returncode}:\n{p.stderr.strip()[-2000:]}")
    return elapsed, p


def aws_cli(endpoint, *args):
    return ["aws", "--endpoint-url", endpoint, "--region", REGION, *args]


def manual_recipe(endpoint, env, api, fn):
    """The hand-wired setup's commands, in order, with each id looked up the way a careful user would."""
    key = "sk_" + uuid.uuid4().hex + uuid.uuid4().hex
    start = time.perf_counter()

    def run(*args):
        _, p = timed(aws_cli(endpoint, *args), env)
        return p.stdout.strip()

    secret_arn = run("secretsmanager", "create-secret", "--name", f"bench/{api}/api-key", "--secret-string", key,
                     "--query", "ARN", "--output", "text")
    run("lambda", "update-function-configuration", "--function-name", fn,
        "--environment", json.dumps({"Variables": {"LOG_LEVEL": "info", "SECRET_ARN": secret_arn}}))
    fn_arn, role_arn = run("lambda", "get-function", "--function-name", fn,
                           "--query", "Configuration.[FunctionArn,Role]", "--output", "text").split()
    account = fn_arn.split(":")[4]
    authorizer_id = run("apigatewayv2", "create-authorizer", "--api-id", api, "--name", "bench-key",
                        "--authorizer-type", "REQUEST", "--identity-source", "$request.header.Authorization",
                        "--authorizer-uri",
                        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn_arn}/invocations",
                        "--authorizer-payload-format-version", "2.0", "--enable-simple-responses",
                        "--authorizer-result-ttl-in-seconds", "300", "--query", "AuthorizerId", "--output", "text")
    run("lambda", "add-permission", "--function-name", fn, "--statement-id", "bench-apigw-invoke",
        "--action", "lambda:InvokeFunction", "--principal", "apigateway.amazonaws.com",
        "--source-arn", f"arn:aws:execute-api:{REGION}:{account}:{api}/authorizers/{authorizer_id}")
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "AuthorizerReadsKey", "Effect": "Allow",
                                                      "Principal": {"AWS": role_arn},
                                                      "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    run("secretsmanager", "put-resource-policy", "--secret-id", secret_arn, "--resource-policy", json.dumps(policy),
        "--block-public-policy")
    route_id = run("apigatewayv2", "get-routes", "--api-id", api,
                   "--query", "Items[?RouteKey=='$default'].RouteId", "--output", "text")
    run("apigatewayv2", "update-route", "--api-id", api, "--route-id", route_id,
        "--authorization-type", "CUSTOM", "--authorizer-id", authorizer_id)
    return time.perf_counter() - start


def secure_api(endpoint, *args):
    return [LAUNCHER, "--endpoint-url", endpoint, "--region", REGION, *args]


def median(xs):
    return statistics.median(xs)


def bench_setup(endpoint, env, fx, pairs):
    manual, tool = [], []
    for i in range(pairs):
        api_m, fn_m = fx.amplify_api(), fx.user_function()
        api_t, fn_t = fx.amplify_api(), fx.user_function()
        work = tempfile.mkdtemp(prefix="secure-api-bench-")
        try:
            def run_tool():
                t, _ = timed(secure_api(endpoint, "setup", "--api-id", api_t, "--function", fn_t), env, cwd=work)
                tool.append(t)

            def run_manual():
                manual.append(manual_recipe(endpoint, env, api_m, fn_m))

            # Alternate which goes first, so neither side always gets the warmer machine.
            for step in ((run_manual, run_tool) if i % 2 == 0 else (run_tool, run_manual)):
                step()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"  pair {i + 1}/{pairs}: manual {manual[-1]:.2f} s, secure-api setup {tool[-1]:.2f} s", file=sys.stderr)
    return manual, tool


def bench_alternating(cmd_a, cmd_b, env, runs, cwd=None, label=""):
    a, b = [], []
    for i in range(runs):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            if which == 0:
                a.append(timed(cmd_a, env, cwd=cwd)[0])
            else:
                b.append(timed(cmd_b, env, cwd=cwd)[0])
    print(f"  {label}: done ({runs} each)", file=sys.stderr)
    return a, b


def bench_keys(endpoint, env, fx, runs):
    """keys add and keys revoke against a converged setup of the same bundled-authorizer API, interleaved."""
    api = fx.amplify_api()
    work = tempfile.mkdtemp(prefix="secure-api-bench-keys-")
    adds, revokes, setups = [], [], []
    try:
        timed(secure_api(endpoint, "setup", "--api-id", api, "--key-out", os.path.join(work, "live.key")), env, cwd=work)
        for i in range(runs):
            setups.append(timed(secure_api(endpoint, "setup"), env, cwd=work)[0])
            name = f"bench-{i}"
            adds.append(timed(secure_api(endpoint, "keys", "add", name, "--key-out", os.path.join(work, name + ".key")),
                              env, cwd=work)[0])
            revokes.append(timed(secure_api(endpoint, "keys", "revoke", name, "--yes"), env, cwd=work)[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"  keys: done ({runs} each)", file=sys.stderr)
    return adds, revokes, setups


SCAN_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def scan_fixture(endpoint, apis_per_region):
    """Amplify-shaped APIs spread over SCAN_REGIONS (public $default: scan exits 1, as it should)."""
    for region in SCAN_REGIONS:
        c = boto3.client("apigatewayv2", endpoint_url=endpoint, region_name=region, aws_access_key_id="test",
                         aws_secret_access_key="test")
        for i in range(apis_per_region):
            amplify_api.create(c, f"bench-scan-{region}-{i}")


def aws_cli_scan(endpoint, env):
    """The loop a user writes with the AWS CLI: list the APIs of each region, then the routes of each API."""
    start = time.perf_counter()
    for region in SCAN_REGIONS:
        _, p = timed(["aws", "--endpoint-url", endpoint, "--region", region, "apigatewayv2", "get-apis",
                      "--query", "Items[?ProtocolType=='HTTP'].ApiId", "--output", "text"], env)
        for api in p.stdout.split():
            timed(["aws", "--endpoint-url", endpoint, "--region", region, "apigatewayv2", "get-routes", "--api-id", api,
                   "--query", "Items[?AuthorizationType=='NONE'].RouteKey", "--output", "text"], env)
    return time.perf_counter() - start


def verify_ready():
    try:
        with open(VERIFY_SOURCE, encoding="utf-8") as f:
            return "not built yet" not in f.read()
    except OSError:
        return False


def launcher_java():
    """The JVM scripts/secure-api runs: JAVA_HOME's when set, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return os.path.join(home, "bin", "java")
    return "java"


def java_feature():
    """The launcher JVM's feature release (17, 25, …), 0 when unknown."""
    p = subprocess.run([launcher_java(), "-XshowSettings:properties", "-version"], capture_output=True, text=True)
    m = re.search(r"java\.specification\.version = (\d+)", p.stderr)
    return int(m.group(1)) if m else 0


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
            ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    java = subprocess.run([launcher_java(), "-version"], capture_output=True, text=True).stderr.splitlines()
    aws = subprocess.run(["aws", "--version"], capture_output=True, text=True)
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "java": (java[0].strip() + (" (" + java[1].strip() + ")" if len(java) > 1 else "")) if java else "unknown",
        "aws": (aws.stdout or aws.stderr).strip(),
    }


def aot_warm_up(endpoint, env, fx):
    """On JDK 24+ the launcher's AOT cache comes from the first real command (it records), the next (it
    builds the cache in the background) and is mapped after that: two untimed setups train it afresh,
    then the cache is waited for, so no timed run records or competes with the build. Nothing to do on
    older JVMs."""
    if java_feature() < 24:
        return
    # trained here, whatever trained the cache there is (scripts/test trains it on amplify-hook install)
    target = os.path.join(ROOT, "target")
    for name in os.listdir(target):
        if name.startswith("secure-api.aot") or name == "secure-api.noaot":
            os.remove(os.path.join(target, name))
    cache = os.path.join(target, "secure-api.aot")
    for _ in range(2):
        timed(secure_api(endpoint, "setup", "--api-id", fx.amplify_api(), "--function", fx.user_function()), env,
              cwd=tempfile.mkdtemp(prefix="secure-api-bench-"))
    deadline = time.monotonic() + 120
    delay = 0.1
    while not (os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(JAR)):
        if time.monotonic() > deadline or os.path.exists(os.path.join(ROOT, "target", "secure-api.noaot")):
            print("bench: note: no AOT cache was built (target/secure-api.aot); timing without it", file=sys.stderr)
            return
        time.sleep(delay)
        delay = min(delay * 2, 2.0)
    print(f"bench: AOT cache ready ({os.path.getsize(cache) // 1_000_000} MB)", file=sys.stderr)


def classlist(endpoint, env, fx):
    """Runs representative commands with -XX:DumpLoadedClassList and writes the union, in first-seen order."""
    api_user, fn = fx.amplify_api(), fx.user_function()
    api_bundled = fx.amplify_api()
    work = tempfile.mkdtemp(prefix="secure-api-classlist-")
    # A lambda proxy line repeats once per call site with the same shape (the SDK's clients have one
    # per operation); the archive holds one proxy per line and hands each out once, so a line is kept
    # as often as the run that linked it most often did. Other lines are kept once.
    seen, lines, proxies = set(), [], {}
    inits, init_seen = [], set()
    try:
        bundled = os.path.join(work, "bundled")
        os.mkdir(bundled)
        # Real use differs from the emulator in two ways the archive should cover: credentials from
        # a profile file, and TLS (https on the emulator's plain port fails in the handshake, after
        # the TLS setup ran).
        profile_env = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        profile_env.update(AWS_SHARED_CREDENTIALS_FILE=os.path.join(work, "credentials"),
                           AWS_CONFIG_FILE=os.path.join(work, "config"))
        with open(profile_env["AWS_SHARED_CREDENTIALS_FILE"], "w", encoding="utf-8") as f:
            f.write("[default]\naws_access_key_id = test\naws_secret_access_key = test\n")
        with open(profile_env["AWS_CONFIG_FILE"], "w", encoding="utf-8") as f:
            f.write(f"[default]\nregion = {REGION}\n")
        e = ["--endpoint-url", endpoint]
        # Only start-up and the common commands (setup on both paths, a converged rerun, verify, help, a bad
        # input) go into the archive: the JVM maps the whole archive at a random address and relocates it
        # at every start, so each class archived costs every command, used or not. The rarer commands
        # (rotate-key, keys, verify --all, scan, teardown, amplify-hook) load theirs from the jar.
        runs = [
            (work, env, ["--version"]),
            (work, env, ["setup", "--help"]),
            (work, env, [*e, "setup", "--api-id", api_user, "--function", fn, "--dry-run"]),
            (work, env, [*e, "setup", "--api-id", api_user, "--function", fn]),
            (work, env, [*e, "setup"]),
            (work, env, [*e, "verify"]),
            (work, env, [*e, "--output", "json", "verify"]),
            (work, profile_env, [*e, "verify", "--profile", "default"]),
            (work, env, ["--endpoint-url", endpoint.replace("http://", "https://"), "verify"]),
            (work, env, [*e, "setup", "--api-id", "doesnotexist0"]),
            (bundled, env, [*e, "setup", "--api-id", api_bundled, "--dev-key"]),
            (bundled, env, [*e, "verify"]),
        ]
        for i, (cwd, run_env, args) in enumerate(runs):
            out = os.path.join(work, f"run{i}.classlist")
            init_log = os.path.join(work, f"run{i}.init")
            # Without CDS, so every class the run needs is listed, whatever the current archive holds;
            # without the warm-up, so its list is what the command itself initialises, in its order.
            subprocess.run([launcher_java(), "-Xshare:off", f"-XX:DumpLoadedClassList={out}",
                            f"-Xlog:class+init=info:file={init_log}", "-Dsecure-api.warmup=false", "-jar", JAR, *args],
                           env=run_env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            with open(init_log, encoding="utf-8") as f:
                for m in PREINIT_CLASS.finditer(f.read()):
                    name = m.group(1).replace("/", ".")
                    # a class without a static initialiser has nothing to run ahead (linking it is cheap)
                    if m.group(2) is None and name not in init_seen:
                        init_seen.add(name)
                        inits.append(name + "\n")
            print("  " + " ".join(a for a in args if "://" not in a)[:70], file=sys.stderr)
            with open(out, encoding="utf-8") as f:
                counts = {}
                for line in f:
                    # Generated proxies do not exist at dump time; skip them (and the JVM's own header).
                    # Lambda proxies stay: a quarter of the archive, but verify's CPU was 7% lower with them.
                    if line.startswith("#") or "$Proxy" in line:
                        continue
                    if line.startswith("@lambda-proxy"):
                        counts[line] = counts.get(line, 0) + 1
                        if counts[line] <= proxies.get(line, 0):
                            continue
                        proxies[line] = counts[line]
                    elif line in seen:
                        continue
                    seen.add(line)
                    lines.append(line)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.dirname(CLASSLIST), exist_ok=True)
    with open(CLASSLIST, "w", encoding="utf-8") as f:
        f.write("# Classes representative secure-api runs load, for the startup archive (AppCDS) `mvn package`\n")
        f.write("# makes. Generated by `scripts/bench --classlist` with " + machine()["java"] + "; do not edit.\n")
        f.writelines(lines)
    with open(PREINIT, "w", encoding="utf-8") as f:
        f.write("# SDK and HTTP client classes representative secure-api runs initialise, in that order: the\n")
        f.write("# warm-up thread initialises them ahead (io.secureapi.aws.Warmup). Generated by\n")
        f.write("# `scripts/bench --classlist`; do not edit.\n")
        f.writelines(inits)
    print(f"bench: wrote {os.path.relpath(CLASSLIST, ROOT)} ({len(lines)} lines) and {os.path.relpath(PREINIT, ROOT)} "
          f"({len(inits)} classes); run mvn package to rebuild the archive", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description="secure-api speed against the hand-wired setup (AWS CLI) and the AWS CLI")
    p.add_argument("--pairs", type=int, default=5, help="setup vs hand-wired setup pairs (default 5)")
    p.add_argument("--runs", type=int, default=9, help="runs of each side for --version and verify (default 9)")
    p.add_argument("--routes", type=int, default=250, help="routes of the verify API (default 250)")
    p.add_argument("--only", default="a,b,c,d,e,f",
                   help="which benchmarks: a (setup), b (--version), c (verify), d (verify --all), e (scan), "
                        "f (keys add / keys revoke)")
    p.add_argument("--entries", type=int, default=10, help="config entries for verify --all (default 10)")
    p.add_argument("--scan-apis", type=int, default=60, help="APIs for scan, spread over 3 regions (default 60)")
    p.add_argument("--markdown", action="store_true", help="also print the results as a Markdown table")
    p.add_argument("--classlist", action="store_true",
                   help="instead of benchmarking, regenerate the startup archive's class list (src/main/cds)")
    a = p.parse_args()
    if a.classlist:
        with Emulator() as emu:
            classlist(emu.endpoint, env_for_tools(emu.endpoint), Fixtures(emu.endpoint))
        return 0
    only = set(a.only.split(","))
    if shutil.which("aws") is None:
        raise SystemExit("bench: the AWS CLI (aws) is not on PATH; install it (pip install awscli)")

    rows = []  # (name, tool side, median tool, aws side, median aws, ratio, target, ok)
    m = machine()
    print(f"machine: {m['cpus']} CPUs, {m['cpu']}, {m['ram']} RAM, {m['os']}", file=sys.stderr)
    print(f"         {m['java']}; {m['aws']}", file=sys.stderr)
    jsa = os.path.join(ROOT, "target", "secure-api.jsa")
    if java_feature() < 24 and not (os.path.exists(jsa) and os.path.getmtime(jsa) > os.path.getmtime(JAR)):
        print("bench: note: no startup archive (target/secure-api.jsa) for this jar: secure-api runs without AppCDS "
              "(see target/secure-api.jsa.log)", file=sys.stderr)

    with Emulator() as emu:
        env = env_for_tools(emu.endpoint)
        fx = Fixtures(emu.endpoint)
        # Untimed warm-up: page cache, the jar, the emulator's first-request imports.
        timed([LAUNCHER, "--version"], env)
        timed(aws_cli(emu.endpoint, "apigatewayv2", "get-apis"), env)
        aot_warm_up(emu.endpoint, env, fx)
        timed(secure_api(emu.endpoint, "setup", "--api-id", fx.amplify_api(), "--function", fx.user_function(),
                         "--dry-run"), env, cwd=tempfile.gettempdir())

        if "a" in only:
            manual, tool = bench_setup(emu.endpoint, env, fx, a.pairs)
            r = median(manual) / median(tool)
            rows.append(("setup, one API (--function)", "secure-api setup", median(tool),
                         "hand-wired setup, 8 AWS CLI calls", median(manual), f"{r:.1f}× faster", "≥ 8× faster", r >= 8))
        if "b" in only:
            tool, aws = bench_alternating([LAUNCHER, "--version"], ["aws", "--version"], env, a.runs, label="--version")
            r = median(tool) / median(aws)
            rows.append(("--version (cold start)", "secure-api --version", median(tool), "aws --version", median(aws),
                         f"{r:.2f}×", "≤ 0.3×", r <= 0.3))
        if "c" in only:
            if not verify_ready():
                print("bench: (c) skipped: the verify command is not built yet "
                      "(src/main/java/io/secureapi/cli/VerifyCommand.java)", file=sys.stderr)
            else:
                api = fx.amplify_api(extra_routes=a.routes - 2)
                fn = fx.user_function()
                work = tempfile.mkdtemp(prefix="secure-api-bench-")
                try:
                    timed(secure_api(emu.endpoint, "setup", "--api-id", api, "--function", fn), env, cwd=work)
                    tool, aws = bench_alternating(
                        secure_api(emu.endpoint, "verify", "--api-id", api),
                        aws_cli(emu.endpoint, "apigatewayv2", "get-routes", "--api-id", api), env, a.runs, cwd=work,
                        label="verify")
                finally:
                    shutil.rmtree(work, ignore_errors=True)
                r = median(tool) / median(aws)
                rows.append((f"verify, {a.routes} routes", "secure-api verify", median(tool),
                             "aws apigatewayv2 get-routes (one call)", median(aws), f"{r:.2f}×", "≤ 1.5×", r <= 1.5))
                # one Amplify-shaped API as a user has it: the wall time itself has a target (0.5 s)
                api = fx.amplify_api()
                work = tempfile.mkdtemp(prefix="secure-api-bench-")
                try:
                    timed(secure_api(emu.endpoint, "setup", "--api-id", api, "--function", fx.user_function()), env,
                          cwd=work)
                    tool, aws = bench_alternating(
                        secure_api(emu.endpoint, "verify", "--api-id", api),
                        aws_cli(emu.endpoint, "apigatewayv2", "get-routes", "--api-id", api), env, a.runs, cwd=work,
                        label="verify (one API)")
                finally:
                    shutil.rmtree(work, ignore_errors=True)
                r = median(tool) / median(aws)
                rows.append(("verify, one Amplify API", "secure-api verify", median(tool),
                             "aws apigatewayv2 get-routes (one call)", median(aws), f"{r:.2f}× ({median(tool):.2f} s)",
                             "≤ 0.5 s", median(tool) <= 0.5))

        if "d" in only:
            work = tempfile.mkdtemp(prefix="secure-api-bench-")
            try:
                for i in range(a.entries):
                    timed(secure_api(emu.endpoint, "setup", "--api-id", fx.amplify_api(), "--env", f"env{i}",
                                     "--key-out", os.path.join(work, f"key{i}")), env, cwd=work)
                tool, one = bench_alternating(secure_api(emu.endpoint, "verify", "--all"),
                                              secure_api(emu.endpoint, "verify", "--env", "env0"), env, a.runs, cwd=work,
                                              label="verify --all")
            finally:
                shutil.rmtree(work, ignore_errors=True)
            r = median(tool) / median(one)
            rows.append((f"verify --all, {a.entries} entries", "secure-api verify --all", median(tool),
                         "secure-api verify (one entry)", median(one), f"{r:.2f}×", "≤ 2×", r <= 2))
        if "e" in only:
            scan_fixture(emu.endpoint, a.scan_apis // len(SCAN_REGIONS))
            work = tempfile.mkdtemp(prefix="secure-api-bench-")
            tool, cli = [], []
            try:
                scan_cmd = secure_api(emu.endpoint, "scan", "--regions", ",".join(SCAN_REGIONS))
                runs = max(1, min(a.runs, 3))  # the CLI loop is slow: a few runs each are enough for a median
                for i in range(runs):
                    for which in ((0, 1) if i % 2 == 0 else (1, 0)):
                        if which == 0:
                            t, p = timed(scan_cmd, env, cwd=work, check=False)
                            if p.returncode not in (0, 1):
                                raise SystemExit(f"bench: scan exited {p.returncode}:\n{p.stderr.strip()[-2000:]}")
                            tool.append(t)
                        else:
                            cli.append(aws_cli_scan(emu.endpoint, env))
                print(f"  scan: done ({runs} each)", file=sys.stderr)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            r = median(cli) / median(tool)
            rows.append((f"scan, {a.scan_apis} APIs in 3 regions", "secure-api scan", median(tool),
                         "AWS CLI loop (get-apis per region, get-routes per API)", median(cli), f"{r:.1f}× faster",
                         "≥ 5× faster", r >= 5))
        if "f" in only:
            add, revoke, setup = bench_keys(emu.endpoint, env, fx, a.runs)
            for name, side, xs in (("keys add", "secure-api keys add", add), ("keys revoke", "secure-api keys revoke --yes", revoke)):
                r = median(xs) / median(setup)
                rows.append((name, side, median(xs), "converged secure-api setup", median(setup), f"{r:.2f}×", "≤ 1.5×", r <= 1.5))

    print()
    print(f"{'benchmark':30} {'secure-api':>11} {'AWS CLI':>9}  {'ratio':>12}  target")
    for name, _, t, _, w, ratio, target, ok in rows:
        print(f"{name:30} {t:10.2f}s {w:8.2f}s  {ratio:>12}  {target} {'ok' if ok else 'MISSED'}")
    if a.markdown:
        print()
        print(f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['ram']} RAM, {m['os']}; {m['java']}; {m['aws']}. "
              f"Medians; setup over {a.pairs} alternating pairs, the others over {a.runs} alternating runs.")
        print()
        print("| benchmark | secure-api | AWS CLI | ratio | target |")
        print("|---|---|---|---|---|")
        for name, tside, t, wside, w, ratio, target, ok in rows:
            print(f"| {name} | `{tside}` {t:.2f} s | {wside} {w:.2f} s | {ratio} | {target} {'✓' if ok else '✗'} |")
    return 0 if all(r[-1] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
