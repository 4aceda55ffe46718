"""Scan history (docs/history.md): every scan recorded in a real SQLite file on disk, `pop3scan
diff`, `history` and `db`, and the bad and hard cases of issue 14 — a database in a missing or
read-only directory, a file that is not SQLite, a corrupt file, a file of a newer schema, the
disk filling mid-scan (a small tmpfs), kill -9 mid-scan, two scans writing at once. In each the
scan's own output must be complete, the warning said once, and the exit status 3 (--db) or
unchanged (the default file). The Done-when test scans a real Dovecot, changes its
configuration twice, and diff must report exactly what changed.

Needs root for the tmpfs mounts (as the servers of tests/servers already do)."""
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

import p3s

# Every address of 127.0.0.0/8 reaches a test server on 0.0.0.0: many records, all loopback.
MANY = r'''
start send "+OK ready\r\n"
on CAPA send "+OK\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN\r\n.\r\n"
on USER send "-ERR no\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"
'''

# Server bytes that must survive the store exactly (the columns and the JSON of a record).
HOSTILE = r'''
start send "+OK \e[31mred\e[0m \xff\xfe back\\slash \xe2\x80\xae evil caf\xc3\xa9 \x00nul\r\n"
on CAPA send "+OK\r\nTOP\r\nX-\e]0;title\x07\r\nSASL PLAIN \xffLOGIN\r\nIMPLEMENTATION a\\b\r\n.\r\n"
on USER send "+OK go on\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"
'''


def run(*args, env=None, timeout=120):
    proc = subprocess.run([p3s.BIN] + [str(a) for a in args], capture_output=True,
                          timeout=timeout * p3s.SLOW, env=env)
    return proc


def db_query(path, sql, *params, immutable=False):
    con = sqlite3.connect(f"file:{path}?mode=ro" + ("&immutable=1" if immutable else ""),
                          uri=True, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def warnings(stderr):
    """The history's warning lines (there must be exactly one when the store failed)."""
    return [l for l in stderr.decode(errors="replace").splitlines()
            if "history database" in l or "scan history not kept" in l]


@contextlib.contextmanager
def tmpfs(size, readonly=False):
    """A small tmpfs of its own (root only): the disk that fills, the read-only directory."""
    d = tempfile.mkdtemp(prefix="p3s-tmpfs-")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", d],
                         capture_output=True)
    if res.returncode != 0:
        os.rmdir(d)
        raise AssertionError("cannot mount a tmpfs (these tests need root): " +
                             res.stderr.decode())
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", d])
        os.rmdir(d)


def remount_ro(d):
    subprocess.run(["mount", "-o", "remount,ro", d], check=True)


class ManyTargets:
    """p3testd on 0.0.0.0:PORT with the MANY script; shared by the tests of a class."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="p3s-history-")
        cls.server = p3s.TestServer(MANY, listen=("0.0.0.0:0",))
        cls.server.__enter__()
        cls.port = cls.server.plain[0]

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        subprocess.run(["rm", "-rf", cls.dir])

    def path(self, name):
        return os.path.join(self.dir, name)

    def scan(self, cidr, *args, env=None):
        """A JSONL scan of cidr; returns (process, records)."""
        proc = run("-f", "jsonl", "-p", self.port, *args, cidr, env=env)
        recs = p3s.validate_lines(proc.stdout.decode())
        return proc, recs

    def assert_complete_output(self, proc, recs, n, rc):
        self.assertEqual(proc.returncode, rc, proc.stderr.decode()[-2000:])
        self.assertEqual(len(recs), n, "the scan's own output is complete")
        self.assertEqual(len({r["ip"] for r in recs}), n)
        self.assertTrue(all(r["state"] == "pop3" for r in recs))


class StoreTest(ManyTargets, unittest.TestCase):
    def test_scan_is_recorded(self):
        db = self.path("basic.sqlite3")
        proc, recs = self.scan("127.3.0.0/26", "--db", db)
        self.assert_complete_output(proc, recs, 64, 0)
        self.assertEqual(warnings(proc.stderr), [])
        (sid, status, ended, records, pop3, cmd, targets, options, host, version), = db_query(
            db, "SELECT id, status, ended_at, records, pop3, command_line, targets, options, "
                "host, version FROM scan")
        self.assertEqual((status, records, pop3), ("complete", 64, 64))
        self.assertIsNotNone(ended)
        self.assertEqual(json.loads(cmd)[1:3], ["-f", "jsonl"])
        self.assertEqual(json.loads(targets)["targets"], ["127.3.0.0/26"])
        self.assertEqual(json.loads(targets)["ports"], str(self.port))
        self.assertTrue(json.loads(options)["stls"])
        self.assertEqual(host, os.uname().nodename)
        self.assertRegex(version, r"^\d+\.\d+\.\d+")
        # The full JSONL record is kept as the output wrote it, and the columns say the same.
        stored = {r[0]: r[1:] for r in db_query(
            db, "SELECT json, ip, port, state, transport, capabilities FROM record")}
        self.assertEqual(sorted(json.dumps(json.loads(j), sort_keys=True) for j in stored),
                         sorted(json.dumps(r, sort_keys=True) for r in recs))
        for j, (ip, port, state, transport, capa) in stored.items():
            rec = json.loads(j)
            self.assertEqual((ip, port, state, transport), (rec["ip"], rec["port"],
                                                            rec["state"], rec["transport"]))
            self.assertEqual(capa, "\n".join(rec["capabilities"]))
        self.assertEqual(db_query(db, "SELECT count(*), min(finding) FROM finding WHERE "
                                      "finding = 'pop3-detected'"), [(64, "pop3-detected")])
        self.assertEqual(db_query(db, "PRAGMA journal_mode"), [("wal",)])

        # history: the scan, then one target's record in it
        hist = run("history", "--db", db)
        self.assertEqual(hist.returncode, 0, hist.stderr)
        lines = hist.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[1], rf"^\s+{sid}\s+\S+Z\s+\S+\s+complete\s+64\s+64\s+"
                                   rf"127\.3\.0\.0/26 -p {self.port}$")
        one = run("history", "--db", db, "-f", "jsonl", "127.3.0.5")
        self.assertEqual(one.returncode, 0, one.stderr)
        rows = [json.loads(l) for l in one.stdout.decode().splitlines()]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["scan"], sid)
        self.assertEqual(rows[0]["record"], [r for r in recs if r["ip"] == "127.3.0.5"][0])
        listed = [json.loads(l) for l in run("history", "--db", db, "-f", "jsonl").stdout.decode()
                  .splitlines()]
        self.assertEqual([(s["id"], s["status"], s["records"]) for s in listed],
                         [(sid, "complete", 64)])

    def test_hostile_bytes_survive_the_store(self):
        # A record of hostile server bytes, stored, must compare equal to its own JSONL (diff
        # of the scan against the file: nothing changed) and keep its exact JSON.
        with p3s.TestServer(HOSTILE) as srv:
            db, out = self.path("hostile.sqlite3"), self.path("hostile.jsonl")
            proc = run("-f", "jsonl", "-o", out, "--db", db, "-p", srv.plain[0], "127.0.0.1")
            self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out) as f:
            rec, = p3s.validate_lines(f.read())
        self.assertIn("\\xff", rec["greeting"])
        (j, greeting, capa), = db_query(db, "SELECT json, greeting, capabilities FROM record")
        self.assertEqual(json.loads(j), rec)
        # columns are safe on a terminal: no control byte, no bidi override; a backslash doubled
        for text in (greeting, capa.replace("\n", "")):
            self.assertFalse(any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 or c == "\u202e"
                                 for c in text), text)
        self.assertIn("back\\\\slash", greeting)
        self.assertIn("\\u{202e}", greeting)
        for args in (["1", out], [out, "1"], [out, out]):
            d = run("diff", "--db", db, "-f", "jsonl", "--fail-on-change", *args)
            self.assertEqual((d.returncode, d.stdout), (0, b""), (args, d.stderr))
        text = run("diff", "--db", db, "1", out)
        self.assertIn(b"No changes (1 address and ports compared)", text.stdout)

    def test_two_scans_write_at_once(self):
        # Two scans of 1,024 targets each into one file at the same time: both complete, every
        # record of each stored, no warning. WAL and the busy timeout take turns.
        db = self.path("two.sqlite3")
        procs = [subprocess.Popen([p3s.BIN, "-f", "jsonl", "--db", db, "--rate", "800",
                                   "-p", str(self.port), cidr],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for cidr in ("127.4.0.0/22", "127.5.0.0/22")]
        outs = [p.communicate(timeout=120 * p3s.SLOW) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(warnings(err), [])
            self.assertEqual(len(p3s.validate_lines(out.decode())), 1024)
        scans = db_query(db, "SELECT id, status, records, started_at, ended_at FROM scan "
                             "ORDER BY id")
        self.assertEqual([(s[1], s[2]) for s in scans], [("complete", 1024)] * 2)
        # they did run at the same time: each started before the other ended
        self.assertLessEqual(scans[1][3], scans[0][4])
        self.assertEqual(db_query(db, "SELECT scan_id, count(*), count(DISTINCT ip) FROM record "
                                      "GROUP BY scan_id ORDER BY scan_id"),
                         [(scans[0][0], 1024, 1024), (scans[1][0], 1024, 1024)])
        self.assertEqual(db_query(db, "PRAGMA integrity_check"), [("ok",)])

    def test_kill_9_mid_scan(self):
        # At 400 connections a second the /20 takes 10 s. Once the file holds a few hundred
        # committed records, kill -9: the file must open, hold at least those (each a whole
        # record), and the scan must show as not complete.
        db, out = self.path("killed.sqlite3"), self.path("killed.jsonl")
        proc = subprocess.Popen([p3s.BIN, "-f", "jsonl", "-o", out, "--db", db, "--rate", "400",
                                 "-p", str(self.port), "127.6.0.0/20"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen, deadline = 0, time.monotonic() + 60 * p3s.SLOW
        while seen < 300 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            if os.path.exists(db):
                try:
                    seen = db_query(db, "SELECT count(*) FROM record")[0][0]
                except sqlite3.OperationalError:
                    pass  # created but no table yet
        self.assertIsNone(proc.poll(), "the scan ended before it could be killed")
        self.assertGreaterEqual(seen, 300)
        proc.kill()
        proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        self.assertEqual(db_query(db, "PRAGMA integrity_check"), [("ok",)])
        (status, ended, records), = db_query(db, "SELECT status, ended_at, records FROM scan")
        self.assertEqual((status, ended), ("running", None))
        stored = db_query(db, "SELECT json FROM record")
        self.assertGreaterEqual(len(stored), seen)
        self.assertLess(len(stored), 4096)
        self.assertEqual(records, len(stored))
        recs = p3s.validate_lines("\n".join(j for (j,) in stored))
        self.assertEqual(len({r["ip"] for r in recs}), len(recs))
        # history tells a killed scan from a running one; diff does not pick it
        hist = run("history", "--db", db)
        self.assertRegex(hist.stdout.decode().splitlines()[1], r"\s+-\s+killed\s+")
        d = run("diff", "--db", db)
        self.assertEqual(d.returncode, 2)
        self.assertIn(b"no two complete scans", d.stderr)

    def test_interrupted_scan_is_marked(self):
        db = self.path("sigint.sqlite3")
        proc = subprocess.Popen([p3s.BIN, "-f", "jsonl", "--db", db, "--rate", "400",
                                 "-p", str(self.port), "127.7.0.0/20"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1 + p3s.startup())
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60 * p3s.SLOW)
        self.assertEqual(proc.returncode, 130, err)
        n = len(p3s.validate_lines(out.decode()))
        self.assertEqual(db_query(db, "SELECT status, records FROM scan"), [("interrupted", n)])

    def test_resumed_run_is_marked(self):
        # A --resume run scans only what an earlier run left: not a scan of the whole targets,
        # so diff does not pair it.
        db, state = self.path("resumed.sqlite3"), self.path("resume.state")
        for _ in range(2):
            proc, _ = self.scan("127.7.16.0/28", "--db", db, "--resume", state)
            self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(db_query(db, "SELECT status, records FROM scan ORDER BY id"),
                         [("complete", 16), ("resumed", 0)])
        self.assertEqual(run("diff", "--db", db).returncode, 2)

    # -- the store fails: the output is complete, one warning, exit 3 -------------------------

    def check_store_failed(self, db, *why, n=64, cidr="127.8.0.0/26", rc=3, extra=()):
        proc, recs = self.scan(cidr, "--db", db, *extra)
        self.assert_complete_output(proc, recs, n, rc)
        warn = warnings(proc.stderr)
        self.assertEqual(len(warn), 1, proc.stderr)
        self.assertIn(db, warn[0])
        for w in why:
            self.assertIn(w, warn[0])
        self.assertIn("exit status 3", warn[0])
        return proc

    def test_missing_directory(self):
        db = self.path("no/such/dir/h.sqlite3")
        self.check_store_failed(db, "no/such/dir: No such file or directory")
        self.assertFalse(os.path.exists(self.path("no")), "--db makes no directories")

    def test_read_only_directory(self):
        # As root, permissions do not stop writes: a read-only mount does.
        with tmpfs("1m") as d:
            existing = os.path.join(d, "old.sqlite3")
            self.assertEqual(run("--db", existing, "-p", self.port, "127.0.0.1").returncode, 0)
            remount_ro(d)
            self.check_store_failed(os.path.join(d, "new.sqlite3"), "Read-only file system")
            self.check_store_failed(existing, "cannot write the file: Read-only file system")
            self.assertEqual(db_query(existing, "SELECT count(*) FROM scan", immutable=True),
                             [(1,)])
            # a read-only history still reads
            hist = run("history", "--db", existing)
            self.assertEqual(hist.returncode, 0, hist.stderr)
            self.assertIn(b" complete ", hist.stdout)

    def test_not_sqlite(self):
        db = self.path("notes.txt")
        with open(db, "w") as f:
            f.write("my notes, not a database\n" * 100)
        self.check_store_failed(db, "not a database")
        with open(db) as f:
            self.assertEqual(f.read(), "my notes, not a database\n" * 100, "left as it was")
        for cmd in (["history"], ["diff"], ["db", "vacuum"]):
            r = run(*cmd, "--db", db)
            self.assertEqual(r.returncode, 3, (cmd, r.stderr))
            self.assertIn(b"not a database", r.stderr)

    def test_corrupt_file(self):
        # A good history, then every page after the first overwritten: the schema on page 1
        # still reads, the tables do not.
        db = self.path("corrupt.sqlite3")
        proc, _ = self.scan("127.9.0.0/26", "--db", db)
        self.assertEqual(proc.returncode, 0)
        db_query(db, "PRAGMA wal_checkpoint(TRUNCATE)")
        con = sqlite3.connect(db)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        size = os.path.getsize(db)
        self.assertGreater(size, 4 * 4096)
        with open(db, "r+b") as f:
            f.seek(4096)
            f.write(bytes((i * 37 + 11) % 251 for i in range(size - 4096)))
        self.check_store_failed(db, "malformed")
        r = run("history", "--db", db, "127.9.0.1")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(b"malformed", r.stderr)

    def test_newer_schema(self):
        db = self.path("newer.sqlite3")
        self.assertEqual(run("--db", db, "-p", self.port, "127.0.0.1").returncode, 0)
        con = sqlite3.connect(db)
        con.execute("PRAGMA user_version = 99")
        con.close()
        self.check_store_failed(db, "newer pop3scan", "schema version 99")
        self.assertEqual(db_query(db, "PRAGMA user_version"), [(99,)])
        self.assertEqual(db_query(db, "SELECT count(*) FROM scan"), [(1,)], "nothing added")

    def test_disk_fills_mid_scan(self):
        # 1,024 records, over 2 KiB each in the file (JSON, columns, index, WAL frames), into a
        # 1 MiB tmpfs: the disk fills part-way. At 500 connections a second the writer commits
        # every 200 ms, some 100 records at a time: the first transactions fit.
        with tmpfs("1m") as d:
            db = os.path.join(d, "full.sqlite3")
            self.check_store_failed(db, "full", n=1024, cidr="127.10.0.0/22",
                                    extra=("--rate", "500"))
            # the file still opens; the scan is not marked complete; what it holds is whole
            (status, records), = db_query(db, "SELECT status, records FROM scan")
            self.assertNotEqual(status, "complete")
            stored = db_query(db, "SELECT json FROM record")
            self.assertGreater(len(stored), 0)
            self.assertLess(len(stored), 1024)
            self.assertEqual(records, len(stored))
            p3s.validate_lines("\n".join(j for (j,) in stored))
            hist = run("history", "--db", db)
            self.assertEqual(hist.returncode, 0, hist.stderr)
            self.assertRegex(hist.stdout.decode(), r"\s(incomplete|killed)\s")

    def test_default_file_failing_only_warns(self):
        # No --db: the default file cannot be made (its "directory" is a file). One warning,
        # the output complete, the exit status what the scan says (0).
        blocker = self.path("not-a-dir")
        with open(blocker, "w") as f:
            f.write("x")
        env = dict(os.environ, XDG_STATE_HOME=blocker)
        proc, recs = self.scan("127.11.0.0/26", env=env)
        self.assert_complete_output(proc, recs, 64, 0)
        warn = warnings(proc.stderr)
        self.assertEqual(len(warn), 1, proc.stderr)
        self.assertIn("--no-db", warn[0])
        # --no-db: no warning, no file
        proc, recs = self.scan("127.11.0.0/26", "--no-db", env=env)
        self.assert_complete_output(proc, recs, 64, 0)
        self.assertEqual(warnings(proc.stderr), [], proc.stderr)

    def test_default_file_in_the_state_directory(self):
        state = self.path("state")
        env = dict(os.environ, XDG_STATE_HOME=state)
        proc, _ = self.scan("127.12.0.0/28", env=env)
        self.assertEqual((proc.returncode, warnings(proc.stderr)), (0, []), proc.stderr)
        db = os.path.join(state, "pop3scan", "history.sqlite3")
        self.assertEqual(db_query(db, "SELECT records FROM scan"), [(16,)])
        self.assertEqual(os.stat(os.path.join(state, "pop3scan")).st_mode & 0o777, 0o700)
        self.assertEqual(run("db", "path", env=env).stdout.decode().strip(), db)
        hist = run("history", env=env)
        self.assertIn(b"127.12.0.0/28", hist.stdout)
        # without XDG_STATE_HOME: ~/.local/state
        env = dict(os.environ, HOME=self.path("home"))
        del env["XDG_STATE_HOME"]
        self.assertEqual(run("db", "path", env=env).stdout.decode().strip(),
                         self.path("home/.local/state/pop3scan/history.sqlite3"))


class DiffFilesTest(ManyTargets, unittest.TestCase):
    def test_two_jsonl_files_without_a_history(self):
        # --no-db scans to files, then diff the files: no history needed nor made.
        a, b = self.path("a.jsonl"), self.path("b.jsonl")
        state = self.path("state")
        env = dict(os.environ, XDG_STATE_HOME=state)
        for out, cidr in ((a, "127.13.0.0/28"), (b, "127.13.0.8/29")):
            r = run("--no-db", "-f", "jsonl", "-o", out, "-p", self.port, cidr, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
        d = run("diff", "-f", "jsonl", a, b, env=env)
        self.assertEqual(d.returncode, 0, d.stderr)
        changes = [json.loads(l) for l in d.stdout.decode().splitlines()]
        # 127.13.0.0-7 are only in a: their services disappeared
        self.assertEqual(sorted((c["change"], c["ip"]) for c in changes),
                         sorted(("disappeared", f"127.13.0.{i}") for i in range(8)))
        for c in changes:
            self.assertEqual((c["old"], c["new"], c["old_scan"], c["new_scan"]),
                             ("pop3", None, a, b))
        self.assertFalse(os.path.exists(state), "diff of files made no history")
        self.assertEqual(run("diff", "--fail-on-change", a, b, env=env).returncode, 1)
        self.assertEqual(run("diff", "--fail-on-change", b, b, env=env).returncode, 0)
        text = run("diff", a, b, env=env).stdout.decode()
        summary = text.split("\n\n")[1]
        self.assertIn("8 changes on 8 of 16 addresses and ports:", summary)
        self.assertIn("8 POP3 services gone", summary)
        # standard input as one side
        with open(a, "rb") as f:
            r = subprocess.run([p3s.BIN, "diff", "-", b], stdin=f, capture_output=True, env=env)
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"8 POP3 services gone", r.stdout)

    def test_bad_files(self):
        good = self.path("good.jsonl")
        r = run("--no-db", "-f", "jsonl", "-o", good, "-p", self.port, "127.14.0.0/30")
        self.assertEqual(r.returncode, 0)
        bad = self.path("bad.jsonl")
        with open(good) as f, open(bad, "w") as g:
            lines = f.read().splitlines()
            g.write(lines[0] + "\n" + lines[1][:40] + "\n")
        r = run("diff", good, bad)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"{bad}:2: not JSON".encode(), r.stderr)
        with open(bad, "w") as g:
            g.write('{"a": 1}\n')
        r = run("diff", good, bad)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"{bad}:1: not a pop3scan record".encode(), r.stderr)
        r = run("diff", good, self.path("missing.jsonl"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"missing.jsonl", r.stderr)
        # lines of another pop3scan kind (a future summary line) are passed over; blank too
        with open(bad, "w") as g:
            g.write('{"schema": "pop3scan/meta/1", "x": 1}\n\n' + "\n".join(lines) + "\n")
        self.assertEqual(run("diff", "--fail-on-change", good, bad).returncode, 0)

    def test_expiring_certificates(self):
        # A certificate that ends in 10 days (and a pop3 service with it): reported with
        # --expiring 30d, not with 5d, and counted by --fail-on-change.
        certs = self.path("certs")
        os.makedirs(certs, exist_ok=True)
        now = time.time()
        stamp = lambda days: time.strftime("%Y%m%d%H%M%SZ", time.gmtime(now + days * 86400))
        subprocess.run(["bash", os.path.join(p3s.SERVERS, "mkcert.sh"), certs, "soon",
                        "mail.test", "DNS:mail.test", stamp(-1), stamp(10.5)], check=True,
                       capture_output=True)
        with open(os.path.join(certs, "script"), "w") as f:
            f.write(MANY)
        ready = os.path.join(certs, "ready")
        proc = subprocess.Popen([p3s.TESTD, "--ready-file", ready, "--cert",
                                 os.path.join(certs, "soon.pem"), "--key",
                                 os.path.join(certs, "soon.key"), "--tls-listen",
                                 "127.0.0.1:0", os.path.join(certs, "script")])
        try:
            deadline = time.monotonic() + 10
            while not os.path.exists(ready) and time.monotonic() < deadline:
                time.sleep(0.02)
            with open(ready) as f:
                port = int(f.read().split()[2])
            out = self.path("soon.jsonl")
            r = run("--no-db", "-f", "jsonl", "-o", out, "-p", f"tls:{port}", "127.0.0.1")
        finally:
            proc.terminate()
            proc.wait(timeout=5)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = run("diff", "-f", "jsonl", "--expiring", "30d", out, out)
        self.assertEqual(d.returncode, 0, d.stderr)
        c, = [json.loads(l) for l in d.stdout.decode().splitlines()]
        self.assertEqual((c["change"], c["port"], c["transport"], c["days_left"]),
                         ("certificate-expiring", port, "tls", 10))
        self.assertEqual(run("diff", "--expiring", "5d", "--fail-on-change", out,
                             out).returncode, 0)
        self.assertEqual(run("diff", "--expiring", "2w", "--fail-on-change", out,
                             out).returncode, 1)
        text = run("diff", "--expiring", "30d", out, out).stdout.decode()
        self.assertIn("1 certificate expiring within 30 days", text)
        self.assertIn("(10 days left)", text)


class CommandsTest(ManyTargets, unittest.TestCase):
    def test_prune_and_vacuum(self):
        db = self.path("prune.sqlite3")
        for _ in range(4):
            self.assertEqual(run("--db", db, "-p", self.port, "127.15.0.0/26").returncode, 0)
        r = run("db", "prune", "--keep", "2", "--db", db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"pruned 2 scans (128 records)", r.stdout)
        self.assertEqual(db_query(db, "SELECT id FROM scan ORDER BY id"), [(3,), (4,)])
        self.assertEqual(db_query(db, "SELECT count(*) FROM record"), [(128,)])
        self.assertEqual(db_query(db, "SELECT count(DISTINCT scan_id) FROM finding"), [(2,)])
        # --older-than: nothing is that old yet; both at once: only what both say
        r = run("db", "prune", "--older-than", "180d", "--db", db)
        self.assertIn(b"pruned 0 scans", r.stdout)
        con = sqlite3.connect(db)
        con.execute("UPDATE scan SET started_at = '2020-01-01T00:00:00Z' WHERE id = 3")
        con.commit()
        con.close()
        r = run("db", "prune", "--older-than", "180d", "--keep", "1", "--db", db)
        self.assertIn(b"pruned 1 scan (64 records)", r.stdout)
        self.assertEqual(db_query(db, "SELECT id FROM scan"), [(4,)])
        r = run("db", "vacuum", "--db", db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode(), r"^vacuumed .*: .* -> .*\n$")
        self.assertEqual(db_query(db, "PRAGMA integrity_check"), [("ok",)])
        self.assertFalse(os.path.exists(db + "-wal") and os.path.getsize(db + "-wal") > 0)

    def test_scan_ids_and_pairing(self):
        db = self.path("pairs.sqlite3")
        # 1: A, 2: B, 3: A — the last two complete scans of the same targets are 1 and 3
        for cidr in ("127.16.0.0/29", "127.16.1.0/29", "127.16.0.0/29"):
            self.assertEqual(run("--db", db, "-p", self.port, cidr).returncode, 0)
        text = run("diff", "--db", db).stdout.decode()
        self.assertTrue(text.startswith("Comparing scan 1 ("), text)
        self.assertIn("with scan 3 (", text)
        self.assertIn("No changes (8 addresses and ports compared)", text)
        # explicit ids of different targets: a note, and the differences
        r = run("diff", "--db", db, "1", "2")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"cover different targets", r.stdout)
        self.assertIn(b"8 new POP3 services", r.stdout)
        self.assertIn(b"8 POP3 services gone", r.stdout)
        # one id: that scan and the last complete one
        self.assertIn(b"with scan 3 (", run("diff", "--db", db, "2").stdout)
        # other options: a note, and what one scan did not learn is not a change
        self.assertEqual(run("--db", db, "--no-user-probe", "-p", self.port,
                             "127.16.0.0/29").returncode, 0)
        r = run("diff", "--db", db, "3", "4")
        self.assertIn(b"ran with different options", r.stdout)
        self.assertIn(b"No changes (8 addresses and ports compared)", r.stdout)
        self.assertEqual(db_query(db, "SELECT DISTINCT plaintext_login FROM record WHERE "
                                      "scan_id = 4"), [("unknown",)])
        # history -n: the newest only
        listed = run("history", "--db", db, "-n", "2", "-f", "jsonl").stdout.decode().splitlines()
        self.assertEqual([json.loads(l)["id"] for l in listed], [4, 3])
        r = run("diff", "--db", db, "7")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no scan 7", r.stderr)

    def test_missing_history(self):
        db = self.path("nothing-here.sqlite3")
        for cmd in (["diff"], ["history"], ["db", "prune", "--keep", "1"], ["db", "vacuum"]):
            r = run(*cmd, "--db", db)
            self.assertEqual(r.returncode, 2, cmd)
            self.assertIn(b"no scan history at", r.stderr)
        self.assertFalse(os.path.exists(db), "reading a history creates none")

    def test_bad_usage(self):
        cases = [
            (["diff", "--expiring", "soon"], b"'soon'"),
            (["diff", "--format", "xml"], b"'xml'"),
            (["diff", "1", "2", "3"], b"'3'"),
            (["diff", "--frob"], b"'--frob'"),
            (["history", "--limit", "0"], b"'0'"),
            (["history", "a", "b"], b"'b'"),
            (["db"], b"expected prune, vacuum or path"),
            (["db", "frob"], b"'frob'"),
            (["db", "prune"], b"--keep N and/or --older-than AGE"),
            (["db", "prune", "--keep", "-1"], b"'-1'"),
            (["db", "prune", "--older-than", "3y"], b"'3y'"),
            (["db", "vacuum", "--keep", "3"], b"for prune"),
            (["--db", "x", "--no-db", "127.0.0.1"], b"--no-db"),
            (["--db", "", "127.0.0.1"], b"--db"),
        ]
        for args, needle in cases:
            r = run(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(needle, r.stderr, args)
            self.assertEqual(r.stdout, b"", args)

    def test_help(self):
        for cmd in ("diff", "history", "db"):
            for flag in ("-h", "--help"):
                r = run(cmd, flag)
                self.assertEqual(r.returncode, 0)
                self.assertTrue(r.stdout.startswith(f"Usage: pop3scan {cmd} ".encode()),
                                r.stdout)


class DocumentationTest(unittest.TestCase):
    # Every long option of each subcommand's --help, sorted; and each in the man page.
    OPTIONS = {
        "diff": ["db", "expiring", "fail-on-change", "format", "help", "partial"],
        "history": ["campaign", "db", "format", "help", "limit"],
        "db": ["db", "help", "keep", "older-than"],
    }

    def test_subcommand_options_documented(self):
        import re
        with open(os.path.join(p3s.SRC, "man", "pop3scan.1")) as f:
            man = f.read().replace("\\-", "-")
        with open(os.path.join(p3s.SRC, "README.md")) as f:
            readme = f.read()
        for cmd, want in self.OPTIONS.items():
            helptext = run(cmd, "--help").stdout.decode()
            opts = sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]+)", helptext)))
            self.assertEqual(opts, want, cmd)
            self.assertIn(f"pop3scan {cmd}", man)
            self.assertIn(f"pop3scan {cmd}", readme)
            for o in want:
                self.assertIn("--" + o, man, f"{cmd} --{o} is not in man/pop3scan.1")
        self.assertTrue(os.path.exists(os.path.join(p3s.SRC, "docs", "history.md")))
        self.assertTrue(os.path.exists(os.path.join(p3s.SRC, "docs", "monitoring.md")))


class DovecotDiffTest(unittest.TestCase):
    """Done when (issue 14): scan a real Dovecot, change its configuration, scan again, and diff
    reports exactly those changes. Twice: ssl_min_protocol TLSv1.3 and a new login_greeting;
    then STLS off (ssl = no), which also closes the implicit-TLS port.

    What follows from the fingerprints and the findings catalog (the identification rests on
    the greeting; which findings a TLS-less service raises) is taken from the scans' own
    records, so the test holds whatever those say: every change diff reports must be one of the
    configuration's, or a difference the two records show, and each of those must be reported."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="p3s-dovediff-")
        cls.port, cls.tport = p3s.free_ports(2)
        cls.srv = os.path.join(cls.dir, "dovecot")
        cls.db = os.path.join(cls.dir, "history.sqlite3")
        cls.outs = []
        phases = [["--plain-port", cls.port, "--tls-port", cls.tport],
                  ["--plain-port", cls.port, "--tls-port", cls.tport, "--ssl-min", "TLSv1.3",
                   "--greeting", "Mail service ready."],
                  ["--plain-port", cls.port, "--stls", "no", "--greeting",
                   "Mail service ready."]]
        try:
            for i, opts in enumerate(phases):
                subprocess.run(["bash", os.path.join(p3s.SERVERS, "dovecot.sh"), "start",
                                cls.srv] + [str(o) for o in opts], check=True, timeout=120)
                out = os.path.join(cls.dir, f"scan{i + 1}.jsonl")
                r = run("--db", cls.db, "-f", "jsonl", "-o", out, "-p",
                        f"{cls.port},tls:{cls.tport}", "127.0.0.1")
                assert r.returncode == 0, r.stderr
                with open(out) as f:
                    cls.outs.append({rec["port"]: rec for rec in p3s.validate_lines(f.read())})
        finally:
            subprocess.run(["bash", os.path.join(p3s.SERVERS, "dovecot.sh"), "stop", cls.srv],
                           timeout=60)

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["rm", "-rf", cls.dir])

    def changes(self, a, b):
        r = run("diff", "--db", self.db, "-f", "jsonl", a, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(l) for l in r.stdout.decode().splitlines()]

    def derived(self, old, new):
        """Changes that follow from the records themselves: identification and findings."""
        want = set()
        for port in (self.port, self.tport):
            o, n = old.get(port), new.get(port)
            if not (o and n and o["state"] == n["state"] == "pop3"):
                continue
            op, np_ = o["product"] or {}, n["product"] or {}
            if (op.get("vendor"), op.get("name")) != (np_.get("vendor"), np_.get("name")):
                want.add(("product", port))
            elif op.get("confidence") != np_.get("confidence"):
                want.add(("confidence", port))
            if op.get("version") != np_.get("version"):
                want.add(("version", port))
            of, nf = {f["id"] for f in o["findings"]}, {f["id"] for f in n["findings"]}
            want |= {("finding-opened", port, f) for f in nf - of}
            want |= {("finding-closed", port, f) for f in of - nf}
        return want

    def got(self, changes):
        out = set()
        for c in changes:
            if c["change"].startswith("finding-"):
                out.add((c["change"], c["port"], (c["new"] or c["old"])["id"]))
            else:
                out.add((c["change"], c["port"]))
        self.assertEqual(len(out), len(changes), "no change reported twice")
        return out

    def test_all_three_scans_stored(self):
        self.assertEqual(db_query(self.db, "SELECT id, status, records FROM scan"),
                         [(1, "complete", 2), (2, "complete", 2), (3, "complete", 2)])

    def test_ssl_min_protocol_and_greeting(self):
        changes = self.changes("1", "2")
        want = {("greeting", self.port), ("greeting", self.tport),
                ("tls-versions", self.port), ("tls-versions", self.tport)}
        want |= self.derived(self.outs[0], self.outs[1])
        self.assertEqual(self.got(changes), want)
        for c in changes:
            if c["change"] == "greeting":
                self.assertEqual((c["old"], c["new"]),
                                 ("+OK Dovecot (Debian) ready.", "+OK Mail service ready."))
            if c["change"] == "tls-versions":
                self.assertEqual((c["old"], c["new"]), (["TLSv1.2", "TLSv1.3"], ["TLSv1.3"]))

    def test_stls_off(self):
        # diff without arguments: the last two complete scans of the same targets, 2 and 3
        r = run("diff", "--db", self.db, "-f", "jsonl")
        self.assertEqual(r.returncode, 0, r.stderr)
        changes = [json.loads(l) for l in r.stdout.decode().splitlines()]
        self.assertEqual({(c["old_scan"], c["new_scan"]) for c in changes}, {(2, 3)})
        want = {("stls", self.port), ("tls-version", self.port), ("disappeared", self.tport)}
        want |= self.derived(self.outs[1], self.outs[2])
        self.assertEqual(self.got(changes), want)
        for c in changes:
            if c["change"] == "stls":
                self.assertEqual((c["old"], c["new"]), ("upgraded", "none"))
            if c["change"] == "tls-version":
                self.assertEqual((c["old"], c["new"]), ("TLSv1.3", None))
            if c["change"] == "disappeared":
                self.assertEqual((c["old"], c["new"]), ("pop3", "closed"))
        # text: the summary first, then the details; --fail-on-change for cron
        text = run("diff", "--db", self.db).stdout.decode()
        head, summary = text.split("\n\n")[:2]
        self.assertIn("Comparing scan 2", head)
        self.assertIn("1 POP3 service gone", summary)
        self.assertIn("1 STLS change", summary)
        self.assertIn("  stls: upgraded -> none", text)
        self.assertEqual(run("diff", "--db", self.db, "--fail-on-change").returncode, 1)

    def test_a_scan_equals_its_own_jsonl(self):
        for i, out in enumerate(("scan1.jsonl", "scan2.jsonl", "scan3.jsonl"), 1):
            self.assertEqual(self.changes(str(i), os.path.join(self.dir, out)), [])


class MonitoringDocTest(ManyTargets, unittest.TestCase):
    """The job script of docs/monitoring.md, as written there, with its paths moved to a
    temporary directory: the first run has nothing to compare, the second reports no change,
    the third the service that went away."""

    def script(self):
        with open(os.path.join(p3s.SRC, "docs", "monitoring.md")) as f:
            doc = f.read()
        start = doc.index("`/usr/local/bin/pop3scan-monitor`:")
        body = doc[doc.index("```sh\n", start) + 6:]
        body = body[:body.index("```")]
        self.assertIn("pop3scan --db", body)
        return body.replace("/var/lib/pop3scan", self.path("var")).replace(
            "/etc/pop3scan/targets.txt", self.path("targets.txt"))

    def run_job(self):
        env = dict(os.environ, PATH=os.path.dirname(p3s.BIN) + ":" + os.environ["PATH"])
        return subprocess.run(["sh", "-c", self.script()], capture_output=True, env=env,
                              timeout=120 * p3s.SLOW)

    def test_job_script(self):
        with open(self.path("targets.txt"), "w") as f:  # nine addresses, the server's port
            f.write("".join(f"127.17.0.{i}:{self.port}\n" for i in range(9)))
        first = self.run_job()
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn(b"no two complete scans", first.stderr)
        second = self.run_job()
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn(b"No changes (9 addresses and ports compared)", second.stdout)
        self.server.__exit__(None, None, None)  # the server goes away: its port is closed
        try:
            third = self.run_job()
        finally:
            type(self).server = p3s.TestServer(MANY, listen=(f"0.0.0.0:{self.port}",))
            self.server.__enter__()
        self.assertEqual(third.returncode, 0, third.stderr)
        self.assertIn(b"9 POP3 services gone", third.stdout)
        with open(self.path("var/reports/changes.jsonl")) as f:
            changes = [json.loads(l) for l in f]
        self.assertEqual({c["change"] for c in changes}, {"disappeared"})
        self.assertEqual(len(changes), 9)
        self.assertEqual(db_query(self.path("var/history.sqlite3"),
                                  "SELECT count(*), min(status) FROM scan"), [(3, "complete")])


if __name__ == "__main__":
    p3s.main()
