"""Everyday use (issue 18): outputs are never lost and every write is checked, every problem is
said once with a consistent exit status, the habits of nmap and nuclei users are met, and the
text report, -h and the man page say what they should.

Each class covers one defect group of the issue's "Why" (numbers in the class docstrings); the
tests were written to fail on the code before the fix. Servers are the project's p3testd on
loopback high ports, names go to a local dnsmasq (tests/servers/dnsmasq.sh); nothing leaves
the machine.
"""
import csv
import io
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import p3s

SLOW = p3s.SLOW
# A read timeout that a TLS handshake fits in even under valgrind (its first loads the CA store).
READ = f"{SLOW:g}s"

# A POP3 server; a tarpit; a Cyrus greeting that names its version (pop3-version-disclosure,
# the longest finding id); a server greeting in UTF-8; POP3 over TLS (on a --tls-listen port).
SCRIPT = r'''
profile tarpit
match port {tarpit}
start stall

profile cyrus
match port {cyrus}
start send "+OK mail.example.com Cyrus POP3 v2.4.17-Fedora-RPM-2.4.17-13.el7 server ready <1869438572.1700000012@mail.example.com>\r\n"
on CAPA send "+OK\r\nUSER\r\n.\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"

profile utf8
match port {utf8}
start send "+OK Caf\xc3\xa9 \xc5\x9bmietnik ready\r\n"
on CAPA send "+OK\r\nUSER\r\n.\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"

profile default
start send "+OK ready\r\n"
on CAPA send "+OK\r\nUSER\r\n.\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"
'''


def records_of(out):
    """The JSONL records of out, parsed only: the defect tests count and compare records with
    this, so that on the code before the fix they fail on what they test, not on the fields
    added since (the feature tests validate against the schema)."""
    return [json.loads(line) for line in out.decode().splitlines()]


def run(args, timeout=60, **kw):
    """pop3scan with args; returns the CompletedProcess with .elapsed."""
    start = time.monotonic()
    proc = subprocess.run([p3s.BIN] + [str(a) for a in args], capture_output=True,
                          timeout=timeout * SLOW, **kw)
    proc.elapsed = time.monotonic() - start
    return proc


def run_on_terminal(args, timeout=60, env=None):
    """pop3scan with standard output and standard error on a pseudo-terminal (as when a user
    types the command); returns (exit status, everything the terminal got)."""
    pid, fd = pty.fork()
    if pid == 0:
        if env:
            os.environ.update(env)
        os.execv(p3s.BIN, [p3s.BIN] + [str(a) for a in args])
    out = b""
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out


class Fixture(unittest.TestCase):
    """One p3testd for the whole file: plain on `pop`, `tarpit`, `cyrus`, `utf8`; POP3 over
    TLS on `tls`; `closed` is a port nothing listens on."""

    @classmethod
    def setUpClass(cls):
        (cls.pop, cls.tarpit, cls.cyrus, cls.utf8, cls.tls, cls.closed,
         cls.closed2) = p3s.free_ports(7)
        script = SCRIPT
        for k in ("tarpit", "cyrus", "utf8"):
            script = script.replace("{" + k + "}", str(getattr(cls, k)))
        listen = [f"127.0.0.1:{p}" for p in (cls.pop, cls.tarpit, cls.cyrus, cls.utf8)]
        cls.server = p3s.TestServer(script, listen=listen, tls_listen=(f"127.0.0.1:{cls.tls}",))
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="p3s-everyday-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def leftovers(self):
        """Temporary files an output left in the directory."""
        return [n for n in os.listdir(self.dir) if ".pop3scan-" in n]


class WriteFailureTest(Fixture):
    """Issue 18, Why 1: a failed write was silent (exit 3, nothing on stderr) and the scan went
    on to its end."""

    def test_output_to_a_full_device_is_said(self):
        res = run(["-p", self.closed, "-o", "/dev/full", "127.0.0.1"])
        self.assertEqual(res.returncode, 3, res.stderr)
        self.assertIn(b"cannot write to '/dev/full': No space left on device", res.stderr)
        self.assertEqual(res.stderr.count(b"/dev/full"), 1, "said once")

    def test_standard_output_to_a_full_device_is_said(self):
        with open("/dev/full", "wb") as full:
            proc = subprocess.run([p3s.BIN, "-p", str(self.closed), "127.0.0.1"], stdout=full,
                                  stderr=subprocess.PIPE, timeout=60 * SLOW)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn(b"cannot write to standard output: No space left on device", proc.stderr)

    def test_output_that_takes_no_writes_is_refused(self):
        res = run(["-p", self.closed, "-o", "/proc/version", "127.0.0.1"])
        self.assertIn(res.returncode, (2, 3), res.stderr)
        self.assertIn(b"'/proc/version'", res.stderr)

    def test_scan_stops_at_the_first_failure(self):
        # 2,048 targets at 200 a second take 10 s at least; the failure comes with the first
        # flush, a few milliseconds in. The other output is flushed, closed and kept.
        good = self.path("good.jsonl")
        res = run(["--rate", 200, "-p", self.closed, "-f", "jsonl", "-o", "/dev/full",
                   "-o", good, "127.0.0.0/21"])
        self.assertEqual(res.returncode, 3, res.stderr)
        self.assertLess(res.elapsed, 3.0 + p3s.startup(), "the scan went on after the failure")
        self.assertIn(b"/dev/full", res.stderr)
        with open(good, "rb") as f:
            records = records_of(f.read())
        self.assertLess(len(records), 1000)
        self.assertEqual(self.leftovers(), [])


class OutputFilesTest(Fixture):
    """Issue 18, Why 2: one bad output path emptied the others (keep.jsonl truncated to 0 bytes
    before '/nonexistent/x' was refused)."""

    def test_bad_second_output_leaves_the_first_file_alone(self):
        keep = self.write("keep.jsonl", b"precious\n")
        res = run(["-p", self.closed, "-o", keep, "-o", "/nonexistent/x", "127.0.0.1"])
        self.assertEqual(res.returncode, 2)
        self.assertIn(b"cannot write '/nonexistent/x': No such file or directory", res.stderr)
        self.assertEqual(self.read("keep.jsonl"), b"precious\n")
        self.assertEqual(self.leftovers(), [])

    def test_failed_run_leaves_an_existing_file_alone(self):
        keep = self.write("keep.jsonl", b"precious\n")
        res = run(["-p", self.closed, "-f", "jsonl", "-o", keep, "-o", "/dev/full",
                   "127.0.0.1-20"])
        self.assertEqual(res.returncode, 3)
        self.assertEqual(self.read("keep.jsonl"), b"precious\n")
        self.assertIn(b"'" + keep.encode() + b"' left as it was", res.stderr)
        self.assertEqual(self.leftovers(), [])

    def test_run_that_finishes_replaces_the_file(self):
        keep = self.write("keep.jsonl", b"precious\n")
        os.chmod(keep, 0o640)
        res = run(["-p", self.pop, "-f", "jsonl", "-o", keep, "127.0.0.1"])
        self.assertEqual(res.returncode, 0, res.stderr)
        records = records_of(self.read("keep.jsonl"))
        self.assertEqual([r["state"] for r in records], ["pop3"])
        self.assertEqual(os.stat(keep).st_mode & 0o777, 0o640, "the file keeps its mode")
        self.assertEqual(self.leftovers(), [])

    def test_through_a_symlink_the_file_is_replaced_and_the_link_kept(self):
        target = self.write("real.jsonl", b"old\n")
        os.symlink("real.jsonl", self.path("link.jsonl"))
        res = run(["-p", self.pop, "-f", "jsonl", "-o", self.path("link.jsonl"), "127.0.0.1"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertTrue(os.path.islink(self.path("link.jsonl")))
        self.assertEqual(len(records_of(self.read("real.jsonl"))), 1)
        self.assertEqual(os.path.realpath(self.path("link.jsonl")), os.path.realpath(target))

    def test_read_only_file_is_refused(self):
        # A file that cannot be written: mode 0444, and for root (who writes any file) on a
        # read-only bind mount of its directory as well.
        ro_dir = self.path("ro")
        os.mkdir(ro_dir)
        ro = os.path.join(ro_dir, "ro.jsonl")
        with open(ro, "wb") as f:
            f.write(b"mine\n")
        os.chmod(ro, 0o444)
        mounted = False
        if os.geteuid() == 0:
            subprocess.run(["mount", "--bind", ro_dir, ro_dir], check=True)
            mounted = True
            subprocess.run(["mount", "-o", "remount,bind,ro", ro_dir], check=True)
        try:
            res = run(["-p", self.closed, "-o", ro, "127.0.0.1"])
        finally:
            if mounted:
                subprocess.run(["umount", ro_dir], check=True)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn(ro.encode(), res.stderr)
        with open(ro, "rb") as f:
            self.assertEqual(f.read(), b"mine\n")

    def test_interrupted_resume_run_leaves_its_files_in_place(self):
        # --resume: the first run writes new files; interrupted, they are where the next run
        # appends, and that run appends rather than replaces.
        out, state = self.path("r.jsonl"), self.path("state")
        args = [p3s.BIN, "-f", "jsonl", "-o", out, "--resume", state,
                "--read-timeout", f"{3 * SLOW:g}s",
                "-p", f"{self.pop},{self.tarpit}", "127.0.0.1-4"]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.0 + p3s.startup())
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30 * SLOW)
        self.assertEqual(proc.returncode, 130, err)
        first = records_of(self.read("r.jsonl"))
        self.assertTrue(first)
        self.assertEqual(self.leftovers(), [])
        res = run(args[1:])
        self.assertEqual(res.returncode, 0, res.stderr)
        again = records_of(self.read("r.jsonl"))
        self.assertEqual(again[:len(first)], first, "appended to, not replaced")


class SameDestinationTest(Fixture):
    """Issue 18, Why 3: two outputs to one destination interleaved in one file, exit 0."""

    def refused(self, *outputs, **kw):
        args = ["-p", self.closed]
        for o in outputs:
            args += ["-o", o]
        res = run(args + ["127.0.0.1"], **kw)
        self.assertEqual(res.returncode, 2, (outputs, res.stderr))
        self.assertIn(b"two outputs write to one file", res.stderr)
        self.assertEqual(res.stdout, b"")
        return res

    def test_same_path_twice(self):
        self.refused(self.path("same.out"), "csv:" + self.path("same.out"))
        self.assertFalse(os.path.exists(self.path("same.out")), "nothing created")

    def test_same_file_by_two_paths(self):
        os.mkdir(self.path("sub"))
        self.refused(self.path("same.out"), "jsonl:" + self.path("sub/../same.out"))

    def test_standard_output_twice(self):
        self.refused("-", "csv:-")

    def test_symlink_and_hard_link(self):
        self.write("real.out", b"x\n")
        os.symlink("real.out", self.path("sym.out"))
        os.link(self.path("real.out"), self.path("hard.out"))
        self.refused(self.path("real.out"), "jsonl:" + self.path("sym.out"))
        self.refused(self.path("hard.out"), "jsonl:" + self.path("real.out"))
        self.assertEqual(self.read("real.out"), b"x\n")

    def test_file_that_standard_output_goes_to(self):
        path = self.write("out.txt", b"before\n")
        with open(path, "ab") as out:
            proc = subprocess.run([p3s.BIN, "-p", str(self.closed), "-o", "-",
                                   "-o", "jsonl:" + path, "127.0.0.1"], stdout=out,
                                  stderr=subprocess.PIPE, timeout=60 * SLOW)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn(b"two outputs write to one file", proc.stderr)
        self.assertEqual(self.read("out.txt"), b"before\n")


class UnknownFormatTest(unittest.TestCase):
    """Issue 18, Why 4: `-o xml:/tmp/a.xml` said "cannot write 'xml:/tmp/a.xml': No such file
    or directory"; `-f json` said "unknown format" without the list."""

    def test_output_with_unknown_format(self):
        res = run(["-o", "xml:/tmp/p3s-never.xml", "127.0.0.1"])
        self.assertEqual(res.returncode, 2)
        self.assertIn(b"unknown format 'xml' (text, jsonl, csv, nuclei, html, markdown)", res.stderr)
        self.assertNotIn(b"No such file", res.stderr)

    def test_format_option_lists_the_formats(self):
        res = run(["-f", "json", "127.0.0.1"])
        self.assertEqual(res.returncode, 2)
        self.assertIn(b"unknown format 'json' (text, jsonl, csv, nuclei, html, markdown)", res.stderr)

    def test_file_whose_name_looks_like_a_format(self):
        d = tempfile.mkdtemp(prefix="p3s-everyday-")
        try:
            res = run(["-p", p3s.free_port(), "-o", "./xml:out", "127.0.0.1"], cwd=d)
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertTrue(os.path.exists(os.path.join(d, "xml:out")))
        finally:
            shutil.rmtree(d)


class NothingToScanTest(Fixture):
    """Issue 18, Why 5: an empty -iL, a binary -iL and --exclude of every target exited 0 with
    an empty scan, while no target at all exited 2."""

    def nothing(self, args, why):
        out = self.path("never.jsonl")
        res = run(args + ["-o", out])
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn(b"nothing to scan", res.stderr)
        self.assertIn(why.encode(), res.stderr)
        self.assertFalse(os.path.exists(out), "no output is created")
        return res

    def test_empty_list(self):
        self.nothing(["-iL", self.write("empty.txt", b"")], "hold no target")

    def test_binary_list(self):
        name = self.write("bin.txt", b"\x7fELF\x00\x01\x02\n\x00\x00")
        res = self.nothing(["-iL", name], "2 bad target lines")
        self.assertIn(f"{name}:1: ".encode(), res.stderr)
        self.assertIn(b"binary data", res.stderr)

    def test_everything_excluded(self):
        self.nothing(["--exclude", "127.0.0.1", "127.0.0.1"], "exclusions")

    def test_dry_run_agrees(self):
        res = run(["--dry-run", "-iL", self.write("empty.txt", b"# nothing\n")])
        self.assertEqual(res.returncode, 2)
        self.assertIn(b"nothing to scan", res.stderr)

    def test_one_good_line_is_enough(self):
        name = self.write("list.txt", b"garbage!\n127.0.0.1\n")
        res = run(["-p", self.closed, "-f", "jsonl", "-iL", name])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(len(records_of(res.stdout)), 1)


class DnsTest(unittest.TestCase):
    """Issue 18, Why 6 (a name that does not resolve was a record only: nothing on stderr, and
    with -o FILE no summary at all) and the name part of Why 7 (duplicates by address)."""

    @classmethod
    def setUpClass(cls):
        cls.dns_port = p3s.free_port()
        cls.dns = p3s.ServerScript("dnsmasq.sh", "--port", cls.dns_port)
        cls.dns.__enter__()
        cls.port = p3s.free_port()
        cls.server = p3s.TestServer('start send "+OK hi\\r\\n"\non CAPA send "-ERR\\r\\n"\n'
                                    'on * send "-ERR\\r\\n"\n',
                                    listen=(f"127.0.0.1:{cls.port}",))
        cls.server.__enter__()
        cls.dir = tempfile.mkdtemp(prefix="p3s-everyday-")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        cls.dns.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def scan(self, *args):
        return run(["--resolver", f"127.0.0.1:{self.dns_port}", "-p", self.port] + list(args))

    def test_unresolved_names_are_in_the_summary_on_stderr(self):
        out = os.path.join(self.dir, "scan.jsonl")
        res = self.scan("-o", "jsonl:" + out, "nosuch.test", "other.test", "127.0.0.1")
        self.assertEqual(res.returncode, 0, res.stderr)
        err = res.stderr.decode()
        self.assertRegex(err, r"did not resolve: (nosuch|other)\.test \(DNS: NXDOMAIN.*\), "
                              r"(nosuch|other)\.test \(DNS: NXDOMAIN")
        self.assertEqual(err.count("nosuch.test"), 1, "said once")
        self.assertIn("3 targets", err)
        with open(out, "rb") as f:
            self.assertEqual(len(records_of(f.read())), 3)

    def test_with_the_text_report_on_stdout_it_is_said_there(self):
        res = self.scan("nosuch.test", "127.0.0.1")
        self.assertIn(b"did not resolve: nosuch.test", res.stdout)
        self.assertNotIn(b"nosuch.test", res.stderr)

    def test_quiet_still_names_them(self):
        res = self.scan("-q", "-f", "jsonl", "nosuch.test", "127.0.0.1")
        self.assertEqual(res.returncode, 0)
        self.assertIn(b"1 name did not resolve: nosuch.test", res.stderr)
        self.assertNotIn(b"targets", res.stderr, "no summary with -q")

    def test_name_and_its_address_are_scanned_once(self):
        for args in (["127.0.0.1", "v4.test"], ["v4.test", "127.0.0.1"],
                     ["v4.test", f"127.0.0.1:{self.port}"]):
            res = self.scan("-f", "jsonl", *args)
            records = records_of(res.stdout)
            self.assertEqual(len(records), 1, (args, records))
            self.assertIn(b"1 duplicate", res.stderr)

    def test_two_names_on_one_address_are_both_scanned(self):
        # Each is another TLS name and certificate check: not a duplicate.
        res = self.scan("-f", "jsonl", "v4.test", "mail.test")
        records = records_of(res.stdout)
        self.assertEqual(sorted(r["target"] for r in records), ["mail.test", "v4.test"])

    def test_one_name_given_twice_with_and_without_port(self):
        res = self.scan("-f", "jsonl", "v4.test", f"v4.test:{self.port}")
        self.assertEqual(len(records_of(res.stdout)), 1)


class TargetsTest(Fixture):
    """Issue 18, Why 7: `-4 -6` let the last win; `-p X,tls:X` kept only the TLS probe;
    `127.0.0.1 127.0.0.1:X` with `-p X` gave two identical records."""

    def test_both_families_refused(self):
        res = run(["-4", "-6", "127.0.0.1"])
        self.assertEqual(res.returncode, 2)
        self.assertIn(b"-4 and -6", res.stderr)

    def test_port_listed_both_ways_is_scanned_both_ways(self):
        res = run(["-f", "jsonl", "-p", f"{self.tls},tls:{self.tls}", "--read-timeout", READ,
                   "127.0.0.1"])
        records = records_of(res.stdout)
        self.assertEqual(sorted(r["transport"] for r in records), ["plain", "tls"])
        tls = [r for r in records if r["transport"] == "tls"][0]
        self.assertEqual(tls["state"], "pop3")
        self.assertFalse(tls.get("tls_detected"), "asked for, not detected")

    def test_address_and_address_with_port_once(self):
        for args in (["127.0.0.1", f"127.0.0.1:{self.pop}"],
                     [f"127.0.0.1:{self.pop}", "127.0.0.1"],
                     [f"127.0.0.1:{self.pop}", "127.0.0.0/30"]):
            res = run(["-f", "jsonl", "-p", self.pop] + args)
            records = records_of(res.stdout)
            ones = [r for r in records if r["ip"] == "127.0.0.1"]
            self.assertEqual(len(ones), 1, (args, records))
            self.assertIn(b"1 duplicate", res.stderr)

    def test_file_and_command_line_once(self):
        name = self.write("list.txt", f"127.0.0.1:{self.pop}\n127.0.0.1\n".encode())
        res = run(["-f", "jsonl", "-p", self.pop, "-iL", name, "127.0.0.1"])
        self.assertEqual(len(records_of(res.stdout)), 1)
        name = self.write("list2.txt", f"127.0.0.1:{self.pop}\n127.0.0.1\n".encode())
        res = run(["-f", "jsonl", "-p", self.pop, "-iL", name])
        self.assertEqual(len(records_of(res.stdout)), 1)


class RateTest(unittest.TestCase):
    """Issue 18, Why 8: --rate delivered less than asked (100 -> 83/s over 1,024 targets): the
    token bucket dropped what late timers owed. Counted from the records' timestamps (the
    start of each connection). bench/rate.sh measures 10/s to 10,000/s to within 2 %; here
    the bound only separates the fixed scheduler (100 %) from the old one (83 %) with room for
    a loaded machine."""

    def test_rate_delivered(self):
        port = p3s.free_port()  # closed: every connect is refused at once
        asked, n = 100, 200
        res = run(["-f", "jsonl", "--rate", asked, "-p", port, f"127.3.0.1-{n}"], timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        records = p3s.validate_lines(res.stdout.decode())
        self.assertEqual(len(records), n)
        starts = sorted(time.mktime(time.strptime(r["timestamp"][:19], "%Y-%m-%dT%H:%M:%S")) +
                        int(r["timestamp"][20:23]) / 1000 for r in records)
        delivered = (n - 1) / (starts[-1] - starts[0])
        self.assertGreater(delivered, 0.93 * asked, delivered)
        self.assertLess(delivered, 1.05 * asked, delivered)


class ProgressTest(Fixture):
    """Issue 18, Why 9: "1000 open" meant connections in flight; /s counted targets; -iL showed
    N/? and no ETA; after SIGINT the last line still had an ETA; without a terminal the first
    SIGINT printed nothing."""

    def test_progress_names_what_it_counts(self):
        res = run(["--progress", "--read-timeout", "1.5s", "-p", self.tarpit, "-f", "jsonl",
                   "127.0.0.1"])
        lines = [l for l in res.stderr.decode().splitlines() if "targets/s" in l]
        self.assertTrue(lines, res.stderr)
        self.assertRegex(lines[0], r"^\d+/1 targets, \d+ targets/s, \d+ connections/s, "
                                   r"\d+ records, \d+ POP3, \d+ in flight")
        self.assertNotIn(" open", res.stderr.decode())

    def test_unknown_total(self):
        name = self.write("list.txt", b"127.0.0.1\n")
        res = run(["--progress", "--read-timeout", "1.5s", "-p", self.tarpit, "-f", "jsonl",
                   "-iL", name])
        lines = [l for l in res.stderr.decode().splitlines() if "targets/s" in l]
        self.assertTrue(lines, res.stderr)
        for l in lines:
            self.assertRegex(l, r"^\d+ targets, ")
            self.assertNotIn("/?", l)
            self.assertNotIn("ETA", l)

    def interrupt(self, extra):
        args = [p3s.BIN, "-f", "jsonl", "--read-timeout", "4s", "-p", self.tarpit, "-c", 2,
                "127.0.0.1-8"] + extra
        proc = subprocess.Popen([str(a) for a in args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(1.5 + p3s.startup())
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30 * SLOW)
        self.assertEqual(proc.returncode, 130, err)
        return err.decode()

    def test_first_signal_is_said_without_a_terminal(self):
        err = self.interrupt([])
        self.assertRegex(err, r"pop3scan: interrupted: finishing \d+ connections? in flight")
        self.assertIn("interrupted by SIGINT", err)

    def test_progress_says_interrupted_and_no_eta(self):
        err = self.interrupt(["--progress"])
        lines = [l for l in err.splitlines() if "targets/s" in l]
        self.assertIn("ETA", lines[0], "an ETA while the total is known")
        self.assertTrue(lines[-1].endswith(", interrupted"), lines[-1])
        self.assertNotIn("ETA", lines[-1])


class TextTest(Fixture):
    """Issue 18, Why 10: pop3-version-disclosure ran into its title; the dash was UTF-8 in any
    locale; records cut short by a second signal counted as errors and the summary never said
    the scan was interrupted."""

    def test_finding_ids_have_their_own_column(self):
        res = run(["--color", "never", "-p", self.cyrus, "127.0.0.1"])
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = [l for l in res.stdout.decode().splitlines()
                 if re.match(r"^    (info|low|medium|high) ", l)]
        ids = [l for l in lines if "pop3-version-disclosure" in l]
        self.assertTrue(ids, res.stdout)
        self.assertIn("pop3-version-disclosure Software version disclosed", ids[0])
        # Every title starts in the same column, after the longest id and a space.
        cols = {re.match(r"^    \w+ +\S+ +", l).end() for l in lines}
        self.assertEqual(cols, {4 + 6 + 1 + len("pop3-version-disclosure") + 1}, lines)

    def test_ascii_where_the_locale_is_not_utf8(self):
        env = dict(os.environ, LC_ALL="C", LANG="C")
        res = run(["--color", "never", "-p", f"{self.closed},{self.utf8}", "127.0.0.1"],
                  env=env)
        out = res.stdout
        self.assertEqual([b for b in out if b >= 0x80], [], out)
        self.assertIn(b"closed - connection refused", out)
        self.assertIn(b"Caf\\xc3\\xa9 \\xc5\\x9bmietnik", out)

    def test_utf8_locale_keeps_utf8(self):
        env = dict(os.environ, LC_ALL="C.UTF-8")
        res = run(["--color", "never", "-p", f"{self.closed},{self.utf8}", "127.0.0.1"],
                  env=env)
        self.assertIn("closed \u2014 connection refused".encode(), res.stdout)
        self.assertIn("Caf\u00e9 \u015bmietnik".encode(), res.stdout)

    def test_cut_short_records_are_not_errors(self):
        args = [p3s.BIN, "--read-timeout", "5s", "-p", self.tarpit, "-c", 3, "--color", "never",
                "--all", "127.0.0.1-3"]
        proc = subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        time.sleep(1.0 + p3s.startup())
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30 * SLOW)
        self.assertEqual(proc.returncode, 130, err)
        text = out.decode()
        # 127.0.0.1 is the tarpit, cut short; the other two are refused at once.
        self.assertIn(", 2 closed, 0 filtered, 0 timeout, 0 tls-error, 0 error, 1 cut short",
                      text)
        self.assertIn("interrupted by SIGINT", text)


class HelpAndManTest(unittest.TestCase):
    """Issue 18, Why 11: -h left out --no-color and exit statuses 130 and 143; the man page had
    no SEE ALSO and three examples. (tests/integration/test_cli.py holds -h and the man page to
    the same list of options.)"""

    @classmethod
    def setUpClass(cls):
        cls.help = run(["-h"]).stdout.decode()
        with open(os.path.join(p3s.SRC, "man", "pop3scan.1")) as f:
            cls.man = f.read().replace("\\-", "-")

    def test_help_names_every_exit_status_and_no_color(self):
        self.assertIn("--no-color", self.help)
        status = self.help[self.help.index("Exit status"):]
        for code in ("0", "1", "2", "3", "130", "143"):
            self.assertRegex(status, rf"(?<!\d){code}(?!\d)", code)

    def test_man_page_exit_statuses(self):
        status = self.man[self.man.index(".SH EXIT STATUS"):]
        status = status[:status.index("\n.SH", 1)]
        for code in ("0", "1", "2", "3", "130", "143"):
            self.assertRegex(status, rf"(?<![\d.]){code}(?![\d])", code)

    def test_man_page_see_also_and_examples(self):
        self.assertIn(".SH SEE ALSO", self.man)
        examples = self.man[self.man.index(".SH EXAMPLES"):]
        for needle in ("--open", "-iL", "| jq", "--resume", "--fail-on", "-o "):
            self.assertIn(needle, examples, needle)
        self.assertGreaterEqual(examples.count("\npop3scan "), 6)


class OpenAndAllTest(Fixture):
    """--open shows only services that answered; the text report does so by itself when a range
    is scanned (with a count of the rest); --all shows every record."""

    def test_range_text_report_defaults_to_open(self):
        res = run(["--color", "never", "-p", f"{self.pop},{self.closed}", "127.0.0.1-2"])
        out = res.stdout.decode()
        self.assertIn(f"127.0.0.1:{self.pop}", out)
        self.assertNotIn("closed", out.split("\n\n")[0])
        self.assertIn("not shown: 3 ports where no service answered (--all shows them)", out)

    def test_all_shows_everything(self):
        res = run(["--all", "--color", "never", "-p", f"{self.pop},{self.closed}",
                   "127.0.0.1-2"])
        self.assertEqual(res.stdout.decode().count(" closed "), 3)
        self.assertNotIn(b"not shown", res.stdout)

    def test_single_host_shows_everything(self):
        res = run(["--color", "never", "-p", f"{self.pop},{self.closed}", "127.0.0.1"])
        self.assertIn(b" closed ", res.stdout)

    def test_jsonl_keeps_every_record_unless_asked(self):
        res = run(["-f", "jsonl", "-p", f"{self.pop},{self.closed}", "127.0.0.1-2"])
        self.assertEqual(len(p3s.validate_lines(res.stdout.decode())), 4)
        res = run(["--open", "-f", "jsonl", "-p", f"{self.pop},{self.closed}", "127.0.0.1-2"])
        records = p3s.validate_lines(res.stdout.decode())
        self.assertEqual([r["state"] for r in records], ["pop3"])

    def test_open_and_all_together_refused(self):
        res = run(["--open", "--all", "127.0.0.1"])
        self.assertEqual(res.returncode, 2)


class TerminalTest(Fixture):
    """The text report stays on the terminal while -o files are written (as nmap does); -q
    silences it; -v and -vv say per record and per connection what happens, on stderr."""

    def test_report_on_the_terminal_beside_a_file(self):
        out = self.path("scan.jsonl")
        rc, data = run_on_terminal(["-f", "jsonl", "-o", out, "-p", self.pop, "127.0.0.1"])
        self.assertEqual(rc, 0, data)
        self.assertRegex(data, rb"127\.0\.0\.1:\d+ .*pop3.* \(confirmed\) \"\+OK ready\"")
        self.assertIn(b"1 target, 1 port scanned", data)
        with open(out) as f:
            self.assertEqual(len(p3s.validate_lines(f.read())), 1)

    def test_terminal_by_another_name_gets_the_report_once(self):
        rc, data = run_on_terminal(["--color", "never", "-o", "/dev/stdout", "-p", self.pop,
                                    "127.0.0.1"])
        self.assertEqual(rc, 0, data)
        self.assertEqual(data.count(b"1 target, 1 port scanned"), 1, data)

    def test_quiet(self):
        out = self.path("scan.jsonl")
        rc, data = run_on_terminal(["-q", "-f", "jsonl", "-o", out, "-p", self.pop,
                                    "127.0.0.1"])
        self.assertEqual(rc, 0, data)
        self.assertEqual(data, b"")

    def test_no_terminal_no_report(self):
        res = run(["-o", "jsonl:" + self.path("x.jsonl"), "-p", self.pop, "127.0.0.1"])
        self.assertEqual(res.stdout, b"")
        self.assertIn(b"pop3scan: 1 target, 1 port scanned", res.stderr)

    def test_verbose(self):
        res = run(["-v", "-f", "jsonl", "-p", f"{self.pop},{self.closed}", "127.0.0.1"])
        err = res.stderr.decode()
        self.assertIn(f"pop3scan: 127.0.0.1:{self.pop}: pop3 (confirmed)", err)
        self.assertIn(f"pop3scan: 127.0.0.1:{self.closed}: closed: connection refused", err)
        self.assertNotIn("connecting", err)
        res = run(["-vv", "-f", "jsonl", "-p", self.pop, "127.0.0.1"])
        self.assertIn(f"pop3scan: 127.0.0.1:{self.pop}: connecting".encode(), res.stderr)


class TimestampAndMetaTest(Fixture):
    """`timestamp` (start of the dialogue, RFC 3339 UTC) in every JSONL and CSV record; the
    scan's metadata in --meta FILE."""

    def test_timestamp_in_jsonl_and_csv(self):
        csv_path = self.path("s.csv")
        before = time.time()
        res = run(["-f", "jsonl", "-o", "-", "-o", "csv:" + csv_path, "-p",
                   f"{self.pop},{self.closed}", "127.0.0.1"])
        after = time.time()
        records = p3s.validate_lines(res.stdout.decode())
        for r in records:
            self.assertRegex(r["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            t = time.mktime(time.strptime(r["timestamp"][:19], "%Y-%m-%dT%H:%M:%S")) - \
                time.timezone
            self.assertTrue(before - 1 <= t <= after + 1, (before, t, after))
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(sorted(r["timestamp"] for r in rows),
                         sorted(r["timestamp"] for r in records))

    def test_meta(self):
        meta = self.path("meta.json")
        res = run(["-f", "jsonl", "--meta", meta, "-p", f"{self.pop},{self.closed}",
                   "127.0.0.1"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(len(p3s.validate_lines(res.stdout.decode())), 2,
                         "one record per line, nothing else")
        with open(meta) as f:
            m = json.load(f)
        self.assertEqual(m["schema"], "pop3scan/meta/1")
        self.assertEqual(m["command"][-1], "127.0.0.1")
        self.assertIn("--meta", m["command"])
        self.assertRegex(m["version"], r"^\d+\.\d+")
        self.assertLessEqual(m["start"], m["end"])
        self.assertEqual((m["targets"], m["records"]), (1, 2))
        self.assertEqual(m["states"]["pop3"], 1)
        self.assertIs(m["interrupted"], False)
        self.assertEqual(m["exit_status"], 0)

    def test_meta_and_output_same_file_refused(self):
        res = run(["--meta", self.path("m"), "-o", self.path("m"), "127.0.0.1"])
        self.assertEqual(res.returncode, 2)


class DurationAndFailOnTest(Fixture):
    """Durations in m and h; --fail-on critical as in nuclei (no finding is critical: it never
    fires)."""

    def test_minutes_and_hours(self):
        res = run(["--deadline", "1m", "--connect-timeout", "0.01h", "--read-timeout", "0.05m",
                   "-f", "jsonl", "-p", self.pop, "127.0.0.1"])
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_fail_on_critical(self):
        res = run(["--fail-on", "critical", "-f", "jsonl", "-p", self.cyrus, "127.0.0.1"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertTrue(p3s.validate_lines(res.stdout.decode())[0]["findings"])
        res = run(["--fail-on", "info", "-f", "jsonl", "-p", self.cyrus, "127.0.0.1"])
        self.assertEqual(res.returncode, 1)


class TlsDetectTest(Fixture):
    """A cleartext port that gives no greeting but speaks TLS is reported as POP3 over TLS
    (transport tls, tls_detected); a silent port costs no more time than before; and
    --no-tls-detect turns it off."""

    def test_pop3s_on_an_odd_port(self):
        res = run(["-f", "jsonl", "--read-timeout", READ, "-p", self.tls, "127.0.0.1"])
        records = p3s.validate_lines(res.stdout.decode())
        self.assertEqual(len(records), 1, records)
        r = records[0]
        self.assertEqual((r["transport"], r["tls_detected"], r["state"]), ("tls", True, "pop3"))
        self.assertTrue(r["tls"]["version"].startswith("TLSv1"))
        text = run(["--color", "never", "--read-timeout", READ, "-p", self.tls, "127.0.0.1"])
        self.assertIn(b"TLS found on a cleartext port", text.stdout)

    def test_tarpit_takes_the_read_timeout_only(self):
        # Ended by the 1 s read timeout, as without detection; well before 2 s, which a TLS
        # retry after the timeout would take. (Stretched alike under a wrapper.)
        res = run(["-f", "jsonl", "--read-timeout", READ, "--deadline", f"{5 * SLOW:g}s", "-p",
                   self.tarpit, "127.0.0.1"])
        r = p3s.validate_lines(res.stdout.decode())[0]
        self.assertEqual((r["state"], r["transport"], r["tls_detected"]),
                         ("timeout", "plain", False))
        self.assertLess(r["timing_ms"]["total"], 1500 * SLOW)
        self.assertLess(res.elapsed, 1.8 * SLOW + p3s.startup())

    def test_no_tls_detect(self):
        res = run(["-f", "jsonl", "--no-tls-detect", "--read-timeout", READ, "-p", self.tls,
                   "127.0.0.1"])
        r = p3s.validate_lines(res.stdout.decode())[0]
        self.assertEqual((r["state"], r["transport"], r["tls_detected"]),
                         ("timeout", "plain", False))


if __name__ == "__main__":
    p3s.main()
