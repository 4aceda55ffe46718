"""p3s.py — shared helpers for pop3scan's integration tests.

Starts real servers (tests/servers/*.sh) and the project's scriptable test server (p3testd) on
loopback, runs the pop3scan binary, and checks that every JSONL line it writes validates against
schema/record.schema.json. Paths come from the environment CTest sets: P3S_BIN, P3S_TESTD,
P3S_SRC. Nothing here sends traffic anywhere but loopback; DNS goes to a local dnsmasq only.

Every scan keeps a history (docs/history.md) unless --no-db, by default in
$XDG_STATE_HOME/pop3scan/: importing this module points XDG_STATE_HOME at a temporary directory
of its own (removed at exit), so no test writes into the real home directory.

P3S_WRAP, when set, is a command line that every run of pop3scan goes through (only pop3scan:
not p3testd nor the servers), e.g. `valgrind --error-exitcode=99 --leak-check=full -q`
(`make test-valgrind`). BIN then names a small script that runs the wrapper on the real binary,
so tests that start BIN themselves are wrapped too. SLOW (P3S_SLOW, default 10 under a wrapper,
else 1) is the factor by which tests stretch their timing bounds. Since CTest pins
P3S_SCALE_CIDR for integration.scale, P3S_WRAP_SCALE_CIDR replaces it under a wrapper.
"""
import atexit
import json
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import jsonschema

SRC = os.environ.get("P3S_SRC", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("P3S_BIN", os.path.join(SRC, "build", "src", "pop3scan"))
TESTD = os.environ.get("P3S_TESTD", os.path.join(SRC, "build", "tests", "testserver", "p3testd"))
SERVERS = os.path.join(SRC, "tests", "servers")

STATE_HOME = tempfile.mkdtemp(prefix="p3s-state-")
atexit.register(shutil.rmtree, STATE_HOME, True)
os.environ["XDG_STATE_HOME"] = STATE_HOME

WRAP = shlex.split(os.environ.get("P3S_WRAP", ""))
SLOW = float(os.environ.get("P3S_SLOW") or (10 if WRAP else 1))
if WRAP:
    REAL_BIN = BIN
    _wrap_dir = tempfile.mkdtemp(prefix="p3s-wrap-")
    atexit.register(shutil.rmtree, _wrap_dir, True)
    BIN = os.path.join(_wrap_dir, "pop3scan")
    with open(BIN, "w") as f:
        f.write("#!/bin/sh\nexec " + " ".join(shlex.quote(w) for w in WRAP + [REAL_BIN]) +
                ' "$@"\n')
    os.chmod(BIN, 0o755)
    if os.environ.get("P3S_WRAP_SCALE_CIDR"):
        os.environ["P3S_SCALE_CIDR"] = os.environ["P3S_WRAP_SCALE_CIDR"]

with open(os.path.join(SRC, "schema", "record.schema.json")) as f:
    _VALIDATOR = jsonschema.Draft202012Validator(json.load(f))


def free_port(family=socket.AF_INET, addr="127.0.0.1"):
    """A TCP port nothing listens on right now (bound then released)."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def free_ports(n):
    """n distinct free ports."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


_startup = []


def startup():
    """Seconds the wrapper takes before pop3scan gets to scanning (an estimate: a whole scan of
    one closed port under it), 0 without P3S_WRAP. Tests that signal a scan after a delay add
    it."""
    if not _startup:
        start = time.monotonic()
        if WRAP:
            subprocess.run([BIN, "-p", str(free_port()), "127.0.0.1"], capture_output=True,
                           timeout=120)
        _startup.append(time.monotonic() - start if WRAP else 0.0)
    return _startup[0]


def wait_for(what, timeout=60):
    """Polls what() every 50 ms until it is true; fails the test (AssertionError) after timeout
    seconds (times SLOW). For tests that act on a scan in progress: they wait for a sign of it,
    never a fixed time that a slow machine or a wrapper can outrun."""
    deadline = time.monotonic() + timeout * SLOW
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout * SLOW:.0f} s in vain for {what.__doc__ or what}")
        time.sleep(0.05)


def validate_lines(text):
    """Parses every line of JSONL output, validates each against the schema, returns them."""
    records = []
    for n, line in enumerate(text.splitlines(), 1):
        rec = json.loads(line)
        errors = sorted(_VALIDATOR.iter_errors(rec), key=lambda e: e.path)
        if errors:
            raise AssertionError(f"line {n} breaks the schema: {errors[0].message}\n{line}")
        records.append(rec)
    return records


class Result:
    def __init__(self, proc, elapsed):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed
        self.records = []

    def by_port(self, port, ip=None):
        found = [r for r in self.records if r["port"] == port and (ip is None or r["ip"] == ip)]
        if len(found) != 1:
            raise AssertionError(f"expected one record for port {port} ip {ip}, got {found}")
        return found[0]


def scan(*args, jsonl=True, timeout=120, env=None):
    """Runs pop3scan with args; with jsonl, parses and validates standard output."""
    cmd = [BIN] + (["--format", "jsonl"] if jsonl else []) + [str(a) for a in args]
    if env is not None and "XDG_STATE_HOME" not in env:
        env = dict(env, XDG_STATE_HOME=STATE_HOME)  # a bare environment: still not the home
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout * SLOW, env=env)
    res = Result(proc, time.monotonic() - start)
    if jsonl and proc.returncode in (0, 1):
        res.records = validate_lines(proc.stdout.decode("utf-8"))
    return res


def finding(rec, fid):
    for f in rec["findings"]:
        if f["id"] == fid:
            return f
    return None


def ids(rec):
    return sorted(f["id"] for f in rec["findings"])


class ServerScript:
    """A fixture script of tests/servers: start DIR [options] / stop DIR."""

    def __init__(self, script, *options):
        self.script = os.path.join(SERVERS, script)
        self.dir = tempfile.mkdtemp(prefix="p3s-" + script.split(".")[0] + "-")
        self.options = [str(o) for o in options]

    def __enter__(self):
        subprocess.run(["bash", self.script, "start", self.dir] + self.options, check=True,
                       timeout=120)
        return self

    def __exit__(self, *exc):
        subprocess.run(["bash", self.script, "stop", self.dir], timeout=60)
        self.left = self.marked_processes()
        shutil.rmtree(self.dir, ignore_errors=True)

    def marked_processes(self):
        """Pids of live processes that carry this instance's fixture marker (P3S_FIXTURE=DIR/…,
        tests/servers/lib.sh): what stop must not leave behind. Zombies are gone already."""
        prefix = b"P3S_FIXTURE=" + self.dir.encode() + b"/"
        pids = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    env = f.read().split(b"\0")
                with open(f"/proc/{pid}/stat", "rb") as f:
                    state = f.read().rsplit(b") ", 1)[1][:1]
            except OSError:
                continue
            if state != b"Z" and any(e.startswith(prefix) for e in env):
                pids.append(int(pid))
        return pids


def listening(port):
    """True if something listens on TCP port (any address)."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True).stdout
    return out.strip() != ""


class TwoPortServerTest(unittest.TestCase):
    """Base of the tests of a real server from tests/servers/SCRIPT started with --port P (POP3
    with STLS) and --tls-port T (implicit TLS) on two free loopback ports. setUpClass scans it
    three ways, shared by the tests: res (both ports), res_opt_out (P with --no-stls
    --no-user-probe) and res_wrong (P as tls:). tearDownClass stops it and fails if either port
    still listens or a process with the instance's fixture marker still runs: stop must leave
    none of the server's processes behind."""
    SCRIPT = None

    @classmethod
    def setUpClass(cls):
        cls.port, cls.tport = free_ports(2)
        cls.server = ServerScript(cls.SCRIPT, "--port", cls.port, "--tls-port", cls.tport)
        cls.server.__enter__()
        try:
            cls.res = scan("-p", f"{cls.port},tls:{cls.tport}", "127.0.0.1")
            cls.res_opt_out = scan("--no-stls", "--no-user-probe", "-p", cls.port, "127.0.0.1")
            cls.res_wrong = scan("-p", f"tls:{cls.port}", "127.0.0.1")
        except Exception:
            cls.server.__exit__(None, None, None)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        left = [p for p in (cls.port, cls.tport) if listening(p)]
        if left:
            raise AssertionError(f"ports still listening after {cls.SCRIPT} stop: {left}")
        if cls.server.left:
            raise AssertionError(f"processes left after {cls.SCRIPT} stop: {cls.server.left}")


class TestServer:
    """The project's scriptable test server (p3testd) with an inline script."""

    def __init__(self, script, listen=("127.0.0.1:0",), tls_listen=()):
        self.dir = tempfile.mkdtemp(prefix="p3s-testd-")
        self.script_path = os.path.join(self.dir, "script")
        with open(self.script_path, "w") as f:
            f.write(script)
        self.listen, self.tls_listen = listen, tls_listen
        self.plain, self.tls = [], []

    def __enter__(self):
        ready = os.path.join(self.dir, "ready")
        cmd = [TESTD, "--ready-file", ready]
        for l in self.listen:
            cmd += ["--listen", l]
        if self.tls_listen:
            subprocess.run(["bash", os.path.join(SERVERS, "certs.sh"), self.dir], check=True,
                           capture_output=True)
            cmd += ["--cert", os.path.join(self.dir, "cert.pem"), "--key",
                    os.path.join(self.dir, "key.pem")]
            for l in self.tls_listen:
                cmd += ["--tls-listen", l]
        cmd.append(self.script_path)
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                raise RuntimeError("p3testd exited: " + self.proc.stderr.read().decode())
            if time.monotonic() > deadline:
                raise RuntimeError("p3testd did not become ready")
            time.sleep(0.02)
        with open(ready) as f:
            for line in f:
                kind, _addr, port = line.split()
                (self.plain if kind == "plain" else self.tls).append(int(port))
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    unittest.main(verbosity=2)


class Postgres:
    """A throwaway PostgreSQL 15 (tests/servers/postgres.sh) on a free loopback port: uri is
    postgresql://postgres:PASSWORD@127.0.0.1:PORT/pop3scan. stop() (fast), kill() (SIGKILL, a
    crash) and restart() for the fault tests; sql() runs a query with psql and returns its rows
    as lists of strings."""

    SCRIPT = os.path.join(SERVERS, "postgres.sh")

    def __init__(self, password="p3s-test"):
        self.dir = tempfile.mkdtemp(prefix="p3s-pg-")
        self.port = free_port()
        self.password = password

    def __enter__(self):
        subprocess.run(["bash", self.SCRIPT, "start", self.dir, "--port", str(self.port),
                        "--password", self.password], check=True, timeout=120,
                       capture_output=True)
        with open(os.path.join(self.dir, "uri")) as f:
            self.uri = f.read().strip()
        return self

    def stop(self):
        subprocess.run(["bash", self.SCRIPT, "stop", self.dir], timeout=60, check=True)

    def kill(self):
        subprocess.run(["bash", self.SCRIPT, "kill", self.dir], timeout=60, check=True)

    def restart(self):
        subprocess.run(["bash", self.SCRIPT, "restart", self.dir], timeout=60, check=True,
                       capture_output=True)

    def __exit__(self, *exc):
        subprocess.run(["bash", self.SCRIPT, "stop", self.dir], timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)

    def sql(self, query):
        out = subprocess.run(["psql", self.uri, "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                              "-c", query], capture_output=True, text=True, timeout=60, check=True)
        return [line.split("\t") for line in out.stdout.splitlines()]


def fast_server(host="0.0.0.0"):
    """p3testd on HOST:free port with a quick POP3 dialogue (every 127.x.y.z reaches 0.0.0.0):
    what the campaign tests scan by the thousand."""
    return TestServer('start send "+OK ready\\r\\n"\n'
                      'on CAPA send "+OK\\r\\nTOP\\r\\nUSER\\r\\nUIDL\\r\\n.\\r\\n"\n'
                      'on USER send "-ERR no\\r\\n"\n'
                      'on QUIT send "+OK\\r\\n"; close\n'
                      'on * send "-ERR\\r\\n"\n', listen=(f"{host}:0",))
