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
import random
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


def _listen_port_range():
    """Ports a test server may take: below the kernel's ephemeral range (ip_local_port_range),
    which every outgoing connect draws from. A port picked from inside it and released until the
    server binds it could be taken meanwhile by one of the thousands of connects a scan in a
    parallel test makes (integration.outputs failed so once: "Address already in use")."""
    lo, hi = 32768, 60999
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        pass
    return (10000, lo - 1) if lo > 12000 else (hi + 1, 65535)


_rng = random.Random()


def free_port(family=socket.AF_INET, addr="127.0.0.1", taken=()):
    """A TCP port nothing listens on right now, outside the ephemeral range (bound, then
    released)."""
    first, last = _listen_port_range()
    for _ in range(1000):
        port = _rng.randint(first, last)
        if port in taken:
            continue
        with socket.socket(family, socket.SOCK_STREAM) as s:
            try:
                s.bind((addr, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def free_ports(n):
    """n distinct free ports."""
    ports = []
    for _ in range(n):
        ports.append(free_port(taken=ports))
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
    """A fixture script of tests/servers: start DIR [options] / stop DIR. As a context manager it
    starts the server on entry and stops it on exit; a start that fails leaves nothing behind
    either (the script stops what it started, this removes DIR)."""

    def __init__(self, script, *options):
        self.script = os.path.join(SERVERS, script)
        self.dir = tempfile.mkdtemp(prefix="p3s-" + script.split(".")[0] + "-")
        self.options = [str(o) for o in options]
        self.left = []

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start(self, *options):
        """Starts the server, with OPTIONS instead of the earlier ones when given: a running
        instance is started again so (every script restarts a running DIR), for a test that
        changes a server's configuration between scans."""
        if options:
            self.options = [str(o) for o in options]
        subprocess.run(["bash", self.script, "start", self.dir] + self.options, check=True,
                       timeout=120)

    def command(self, cmd):
        """Runs the script's command CMD (stop, or one of its own) on this instance; fails the
        caller when it fails."""
        subprocess.run(["bash", self.script, cmd, self.dir], check=True, timeout=60)

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


def check_tls_versions(test, rec, expected, exact=False):
    """What the TLS version probes found on rec's port: expected for the versions it names (with
    exact, the whole table), and "accepted" for the version the scanner's own connection
    negotiated, whatever the table says of the others."""
    versions = rec["tls"]["versions"]
    found = versions if exact else {v: versions[v] for v in expected}
    test.assertEqual(found, expected, (rec["port"], versions))
    negotiated = {"TLSv1": "TLSv1.0"}.get(rec["tls"]["version"], rec["tls"]["version"])
    test.assertEqual(versions[negotiated], "accepted", rec["tls"])


class TwoPortServerTest(unittest.TestCase):
    """Base of the tests of a real server from tests/servers/SCRIPT started with OPTIONS, --port P
    (POP3, with STLS where the server has it) and --tls-port T (implicit TLS) on two free loopback
    ports.
    setUpClass scans it three ways, shared by the tests: res (both ports; plain and tls are its
    records of P and T), res_opt_out (P with --no-stls --no-user-probe; opt_out is its record)
    and res_wrong (P as tls:). A class cleanup then stops it and fails if either port still
    listens or a process with the instance's fixture marker still runs: stop must leave none of
    the server's processes behind.

    The tests here check what every such server must show, from what the subclass says of its
    server; the subclass adds what is its server's own:
      GREETING    its greeting: the exact text, or a compiled pattern whose first group, if it
                  has any, is the APOP timestamp, and second, if any, the host named in it
      STLS_REPLY  its answer to STLS, or None when it offers none
      USER_REPLY  its answer to pop3scan's USER probe ("{probe_user}": the name pop3scan sent)
      HAS_CAPA    False when it refuses CAPA, so that it advertises nothing
      TLS_VERSIONS  what the TLS version probes find, for the versions named, on every port
                  that has TLS (through STLS or implicit)"""
    SCRIPT = None
    OPTIONS = ()
    GREETING = None
    STLS_REPLY = None
    USER_REPLY = None
    HAS_CAPA = True
    TLS_VERSIONS = {}

    @classmethod
    def setUpClass(cls):
        cls.port, cls.tport = free_ports(2)
        cls.start_server(cls.SCRIPT, cls.port, cls.tport, *cls.OPTIONS)
        cls.res = scan("-p", f"{cls.port},tls:{cls.tport}", "127.0.0.1")
        cls.res_opt_out = scan("--no-stls", "--no-user-probe", "-p", cls.port, "127.0.0.1")
        cls.res_wrong = scan("-p", f"tls:{cls.port}", "127.0.0.1")

    @classmethod
    def start_server(cls, script, port, tport, *options):
        """Starts tests/servers/SCRIPT with OPTIONS, --port PORT and --tls-port TPORT for the
        class's tests (SCRIPT's and any other instance a subclass needs). A class cleanup stops
        it after them, and then fails if either port still listens or a process of it runs."""
        server = ServerScript(script, *options, "--port", port, "--tls-port", tport)
        # Class cleanups run last first: the server is stopped, then checked.
        cls.addClassCleanup(cls.check_stopped, server, port, tport)
        cls.enterClassContext(server)

    @staticmethod
    def check_stopped(server, *ports):
        name = os.path.basename(server.script)
        left = [p for p in ports if listening(p)]
        if left:
            raise AssertionError(f"ports still listening after {name} stop: {left}")
        if server.left:
            raise AssertionError(f"processes left after {name} stop: {server.left}")

    @property
    def plain(self):
        return self.res.by_port(self.port)

    @property
    def tls(self):
        return self.res.by_port(self.tport)

    @property
    def opt_out(self):
        return self.res_opt_out.by_port(self.port)

    def assert_product(self, **expected):
        """On both ports the product is identified with the expected fields (evidence_sources and
        evidence_conflict stand for product["evidence"]["sources"] and ["conflict"]); a callable
        gives the value the record must have."""
        for rec in (self.plain, self.tls):
            product = rec["product"]
            self.assertIsNotNone(product, rec)
            fields = dict(product, evidence_sources=product["evidence"]["sources"],
                          evidence_conflict=product["evidence"]["conflict"])
            want = {k: v(rec) if callable(v) else v for k, v in expected.items()}
            self.assertEqual({k: fields[k] for k in want}, want, product)

    def apop_host(self, rec):
        return self.GREETING.match(rec["greeting"]).group(2)

    def assert_greeting(self, rec):
        if isinstance(self.GREETING, str):
            self.assertEqual(rec["greeting"], self.GREETING)
        else:
            self.assertRegex(rec["greeting"], self.GREETING)

    def test_apop(self):
        # pop3-apop quotes the greeting's timestamp, on both ports, and is absent without one.
        for rec in (self.plain, self.tls):
            apop = finding(rec, "pop3-apop")
            if isinstance(self.GREETING, str) or not self.GREETING.groups:
                self.assertIsNone(apop, rec["greeting"])
                continue
            self.assertEqual(apop["severity"], "low")
            self.assertEqual(apop["evidence"], self.GREETING.match(rec["greeting"]).group(1))

    def test_scan_ran(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        self.assertEqual(len(self.res.records), 2)

    def test_plain_port(self):
        rec = self.plain
        self.assertEqual(rec["state"], "pop3")
        # A second POP3-shaped answer (to CAPA, even "-ERR") confirms it.
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["service"], "pop3")
        self.assertEqual(rec["transport"], "plain")
        self.assert_greeting(rec)
        self.assertIsNone(rec["error"])
        if not self.HAS_CAPA:
            self.assertIsNone(rec["capabilities"])

    def test_stls(self):
        rec = self.plain
        stls = rec["stls"]
        # STLS offered and working, or the cleartext-only finding; never a broken STLS.
        self.assertIsNone(finding(rec, "pop3-stls-broken"))
        cleartext = finding(rec, "pop3-cleartext")
        if self.STLS_REPLY is None:
            self.assertIsNotNone(cleartext)
            self.assertEqual(cleartext["severity"], "medium")
            self.assertFalse(stls["advertised"])
            self.assertFalse(stls["attempted"])
            self.assertIsNone(stls["reply"])
            self.assertIsNone(rec["tls"])
            self.assertIsNone(rec["capabilities_tls"])
            return
        self.assertIsNone(cleartext, "STLS is offered")
        self.assertTrue(stls["advertised"])
        self.assertIn("STLS", rec["capabilities"])
        self.assertTrue(stls["attempted"])
        self.assertEqual(stls["reply"], self.STLS_REPLY)
        self.assertTrue(stls["upgraded"])
        self.assertFalse(stls["cleartext_after_ok"])
        self.assertEqual(rec["tls"]["via"], "stls")
        self.assertTrue(rec["tls"]["version"].startswith("TLSv1."), rec["tls"])
        self.assertIsNone(rec["tls_error"])
        # Under TLS the same list without STLS.
        self.assertEqual(rec["capabilities_tls"], [c for c in rec["capabilities"] if c != "STLS"])

    def test_in_step(self):
        # These servers answer every command once: nothing unsolicited, nothing withheld.
        for rec in (self.plain, self.tls):
            self.assertIsNone(rec["unsolicited"], rec["unsolicited"])
            self.assertEqual(rec["findings_withheld"], [])

    def test_plaintext_login(self):
        rec = self.plain
        login = rec["plaintext_login"]
        self.assertEqual(login["advertised"], self.HAS_CAPA, "USER is advertised in CAPA only")
        self.assertIs(login["accepted"], True)
        self.assertEqual(login["reply"], self.USER_REPLY.format(probe_user=login["probe_user"]))
        f = finding(rec, "pop3-plaintext-login")
        self.assertIsNotNone(f)
        self.assertEqual(f["severity"], "high")
        self.assertEqual(f["evidence"], login["reply"])

    def test_implicit_tls_port(self):
        rec = self.tls
        self.assertEqual(rec["transport"], "tls")
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assert_greeting(rec)
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertTrue(rec["tls"]["version"].startswith("TLSv1."), rec["tls"])
        self.assertIsNone(rec["capabilities"])
        self.assertIsNone(rec["stls"])
        self.assertIsNone(rec["plaintext_login"])
        # The same capabilities as the cleartext port has under TLS (or has at all, without STLS).
        plain = self.plain
        self.assertEqual(rec["capabilities_tls"],
                         plain["capabilities_tls" if self.STLS_REPLY else "capabilities"])

    def test_tls_versions(self):
        for rec in ([self.plain] if self.STLS_REPLY else []) + [self.tls]:
            check_tls_versions(self, rec, self.TLS_VERSIONS)

    def test_opt_outs(self):
        self.assertEqual(self.res_opt_out.rc, 0, self.res_opt_out.stderr)
        rec = self.opt_out
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["stls"]["advertised"], self.STLS_REPLY is not None)
        self.assertFalse(rec["stls"]["attempted"])
        self.assertIsNone(rec["stls"]["injection"])
        self.assertIsNone(rec["tls"])
        self.assertIsNone(rec["capabilities_tls"])
        self.assertIsNone(rec["plaintext_login"]["accepted"])

    def test_cleartext_port_as_tls(self):
        rec = self.res_wrong.by_port(self.port)
        self.assertEqual(rec["state"], "tls-error")
        self.assertIsNotNone(rec["tls_error"])
        self.assertEqual(rec["findings"], [])


class TestServer:
    """The project's scriptable test server (p3testd) with an inline script."""

    def __init__(self, script, listen=("127.0.0.1:0",), tls_listen=(), options=()):
        self.options = list(options)  # more p3testd options: --delay MS, --tls-delay MS
        self.dir = tempfile.mkdtemp(prefix="p3s-testd-")
        self.script_path = os.path.join(self.dir, "script")
        with open(self.script_path, "w") as f:
            f.write(script)
        self.listen, self.tls_listen = listen, tls_listen
        self.plain, self.tls = [], []

    def __enter__(self):
        ready = os.path.join(self.dir, "ready")
        cmd = [TESTD, "--ready-file", ready] + self.options
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


class Postgres(ServerScript):
    """A throwaway PostgreSQL 15 (tests/servers/postgres.sh) on a free loopback port: uri is
    postgresql://postgres:PASSWORD@127.0.0.1:PORT/pop3scan. stop() (fast), kill() (SIGKILL, a
    crash) and restart() for the fault tests; sql() runs a query with psql and returns its rows
    as lists of strings."""

    def __init__(self, password="p3s-test"):
        self.port = free_port()
        self.password = password
        super().__init__("postgres.sh", "--port", self.port, "--password", password)

    def start(self, *options):
        super().start(*options)
        with open(os.path.join(self.dir, "uri")) as f:
            self.uri = f.read().strip()

    def stop(self):
        self.command("stop")

    def kill(self):
        self.command("kill")

    def restart(self):
        self.command("restart")

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
