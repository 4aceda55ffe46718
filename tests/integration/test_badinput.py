"""Bad input: huge and hostile target files, files that cannot be read, and a malformed value for
every option that takes one.

Contract (man/pop3scan.1, docs/output.md): a bad line of an -iL file is reported on standard
error as FILE:LINE (the first 100, then a count) and the rest is scanned, exit 0; a target file
or an option that cannot be used at all is exit 2 with a message naming it. Messages quoting a
file's bytes are escaped like any text output (no raw control byte reaches the terminal).

The million-line file is checked with --dry-run (it prints the targets it would scan, reports
the bad lines the same way and sends nothing); a slice of the same shape is really scanned
against the test server on loopback.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import p3s
from test_hostile import REAL_BIN, SLOW, text_problems

GARBAGE = [
    b"not a target!",
    b"300.1.1.1",
    b"127.0.0.1/33",
    b"127.0.0.9-3",
    b"127.0.0.1:99999",
    b"[::1",
    b"1.2.3.4 5.6.7.8",
    b"\x1b[2J\x1b]0;owned\x07",  # escape sequences: must not reach the terminal raw
    b"\xff\xfe\xfd",             # invalid UTF-8
    b"\xe2\x80\xaeevil",         # a bidirectional override
    b"foo\x00bar",               # a NUL byte: binary data
    b"127.0.0.1\x9b",
]
LONG = b"A" * 5000  # longer than the 4096-byte line limit
SHOWN = 100         # bad lines reported one by one, then a count


def make_list(path, lines, seed_prefix):
    """Writes `lines` lines, every tenth garbage (10 %); returns (targets, bad line numbers).

    Valid lines come in the file syntaxes: plain, CRLF, surrounding blanks, a trailing comment.
    seed_prefix(i) gives the address of the i-th valid line."""
    targets, bad = [], []
    with open(path, "wb") as f:
        for n in range(1, lines + 1):
            if n % 10 == 7:
                g = LONG if n % 10000 == 7 else GARBAGE[(n // 10) % len(GARBAGE)]
                f.write(g + b"\n")
                bad.append(n)
                continue
            addr = seed_prefix(len(targets))
            targets.append(addr)
            form = n % 4
            if form == 0:
                f.write(addr.encode() + b"\n")
            elif form == 1:
                f.write(addr.encode() + b"\r\n")
            elif form == 2:
                f.write(b"  \t" + addr.encode() + b"  \n")
            else:
                f.write(addr.encode() + b"  # a comment\n")
    return targets, bad


def run(args, timeout=120, binary=None, **kw):
    start = time.monotonic()
    proc = subprocess.run([binary or p3s.BIN] + [str(a) for a in args], capture_output=True,
                          timeout=timeout * SLOW, **kw)
    proc.elapsed = time.monotonic() - start
    return proc


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="p3s-badinput-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def check_bad_line_report(self, stderr, name, bad):
        """The first SHOWN bad lines one by one with FILE:LINE, then the count of the rest."""
        err = stderr.decode("utf-8")
        self.assertEqual(text_problems(stderr), [])
        lines = err.splitlines()
        shown = bad[:SHOWN]
        reported = [int(m.group(1)) for m in
                    (re.match(re.escape(f"pop3scan: {name}:") + r"(\d+): ", l) for l in lines)
                    if m]
        self.assertEqual(reported, shown)
        if len(bad) > SHOWN:
            self.assertEqual(lines[-1], f"pop3scan: {len(bad) - SHOWN} more bad target lines "
                                        f"not shown ({len(bad)} in all)")
            self.assertEqual(len(lines), SHOWN + 1)
        else:
            self.assertEqual(len(lines), len(bad))

    # -- files with bad lines ------------------------------------------------------------------

    def test_million_lines_ten_percent_garbage_dry_run(self):
        name = self.path("targets.txt")
        targets, bad = make_list(name, 1000000,
                                 lambda i: f"127.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        self.assertEqual(len(targets), 900000)
        res = run(["--dry-run", "-iL", name])
        self.assertEqual(res.returncode, 0, res.stderr[-2000:])
        self.assertEqual(res.stdout.decode().splitlines(), targets)
        self.check_bad_line_report(res.stderr, name, bad)
        self.assertLess(res.elapsed, 60 * SLOW)
        # The escaped forms of the hostile lines are there instead.
        err = res.stderr.decode()
        self.assertIn(r"\x1b[2J", err)
        self.assertIn(r"\xff\xfe\xfd", err)
        self.assertIn(r"\u{202e}evil", err.lower())
        self.assertIn("binary data", err)
        self.assertIn("longer than 4096 bytes", err)

    def test_slice_really_scanned(self):
        # 1,200 lines, 120 of them bad: 1,080 addresses scanned, 100 bad lines shown, 20 counted.
        port = p3s.free_port()
        name = self.path("slice.txt")
        targets, bad = make_list(name, 1200, lambda i: f"127.1.{i >> 8 & 255}.{i & 255}")
        script = ('start send "+OK ready\\r\\n"\non CAPA send "+OK\\r\\nUSER\\r\\n.\\r\\n"\n'
                  'on QUIT send "+OK\\r\\n" ; close\non * send "-ERR\\r\\n"\n')
        with p3s.TestServer(script, listen=(f"0.0.0.0:{port}",)):
            # Timeouts stretched under valgrind (SLOW), where 500 connects take seconds.
            # -q: standard error holds the bad lines only, no summary.
            res = p3s.scan("-q", "-c", 500, "--connect-timeout", f"{SLOW:g}s",
                           "--read-timeout", f"{SLOW:g}s", "--deadline", f"{3 * SLOW:g}s",
                           "-p", port, "-iL", name, timeout=120 * SLOW)
        self.assertEqual(res.rc, 0, res.stderr[-2000:])
        self.assertEqual(sorted(r["ip"] for r in res.records), sorted(targets))
        self.assertEqual({r["state"] for r in res.records}, {"pop3"})
        self.check_bad_line_report(res.stderr, name, bad)

    def test_binary_file(self):
        # Random bytes: lines with a NUL byte, over-long lines, unparsable lines. Each is a bad
        # line (reported, summarised past 100); nothing crashes; nothing raw reaches stderr.
        name = self.path("random.bin")
        import random
        with open(name, "wb") as f:
            f.write(random.Random(6).randbytes(512 * 1024))
        res = run(["--dry-run", "-iL", name])
        self.assertEqual(res.returncode, 0, res.stderr[-2000:])
        self.assertEqual(text_problems(res.stderr), [])
        self.assertEqual(text_problems(res.stdout), [])
        lines = res.stderr.decode().splitlines()
        self.assertLessEqual(len(lines), SHOWN + 1)
        for l in lines[:-1]:
            self.assertRegex(l, "^" + re.escape(f"pop3scan: {name}:") + r"\d+: ")
        self.assertRegex(lines[-1], r"^pop3scan: \d+ more bad target lines not shown")

    def test_elf_binary(self):
        name = self.path("binary")
        shutil.copy(REAL_BIN, name)
        res = run(["--dry-run", "-iL", name])
        self.assertEqual(res.returncode, 0, res.stderr[-2000:])
        self.assertEqual(text_problems(res.stderr), [])
        self.assertEqual(text_problems(res.stdout), [])
        self.assertIn(f"pop3scan: {name}:1: ".encode(), res.stderr)

    # -- files that cannot be used at all: exit 2 naming the file ------------------------------

    def assert_unusable(self, option, path, why=None, **kw):
        res = run([option, path, "-p", p3s.free_port(), "127.0.0.1"], **kw)
        self.assertEqual(res.returncode, 2, (res.stdout, res.stderr))
        self.assertIn(path.encode(), res.stderr)
        if why:
            self.assertIn(why.encode(), res.stderr)
        self.assertEqual(res.stdout, b"", "nothing scanned")
        return res

    def test_directory(self):
        for opt in ("-iL", "--exclude-file"):
            self.assert_unusable(opt, self.dir, "directory")

    def test_missing_file_and_dangling_symlink(self):
        os.symlink(self.path("nowhere"), self.path("dangling"))
        for opt in ("-iL", "--exclude-file"):
            self.assert_unusable(opt, self.path("missing.txt"), "No such file")
            self.assert_unusable(opt, self.path("dangling"), "No such file")

    def test_parent_is_not_a_directory(self):
        # Fails for root too: open() gives ENOTDIR whatever the permissions.
        with open(self.path("file"), "w") as f:
            f.write("127.0.0.1\n")
        for opt in ("-iL", "--exclude-file"):
            self.assert_unusable(opt, self.path("file") + "/targets.txt", "Not a directory")

    def test_permission_denied(self):
        # Root reads any file, so as root the scanner runs as nobody for this case; the file
        # is mode 000 in a directory everyone may enter.
        os.chmod(self.dir, 0o755)
        name = self.path("secret.txt")
        with open(name, "w") as f:
            f.write("127.0.0.1\n")
        os.chmod(name, 0)
        kw = {"binary": REAL_BIN}  # not a wrapper script in a directory nobody may enter
        if os.geteuid() == 0:
            def drop():
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            kw["preexec_fn"] = drop
        for opt in ("-iL", "--exclude-file"):
            self.assert_unusable(opt, name, "Permission denied", **kw)

    def test_read_error(self):
        # Opens, then every read fails (EIO): the targets cannot be known, as for a file that
        # cannot be opened.
        self.assert_unusable("-iL", "/proc/self/mem", "read error")

    # -- a malformed value for every option that takes one -------------------------------------

    BAD_VALUES = [
        # (arguments, what the message must name)
        (["-p", "70000"], ["--ports", "70000"]),
        (["-p", "0"], ["--ports"]),
        (["-p", "10-5"], ["--ports", "10-5"]),
        (["-p", "abc"], ["--ports", "abc"]),
        (["-p", "tls:"], ["--ports"]),
        (["-p", ""], ["--ports"]),
        (["-p", "110,,995"], ["--ports"]),
        (["-f", "nosuch"], ["--format", "nosuch"]),
        (["-f", ""], ["--format"]),
        (["-o", ""], ["--output"]),
        (["-o", "jsonl:"], ["--output"]),
        (["-o", "/nonexistent/dir/out.txt"], ["/nonexistent/dir/out.txt"]),
        (["-c", "abc"], ["--concurrency", "abc"]),
        (["-c", "0"], ["--concurrency"]),
        (["-c", "100001"], ["--concurrency", "100001"]),
        (["--concurrency", "5x"], ["--concurrency", "5x"]),
        (["--connect-timeout", "abc"], ["--connect-timeout", "abc"]),
        (["--connect-timeout", "0"], ["--connect-timeout"]),
        (["--read-timeout", "5h"], ["--read-timeout", "5h"]),
        (["--read-timeout", "nan"], ["--read-timeout", "nan"]),
        (["--deadline", "5x"], ["--deadline", "5x"]),
        (["--deadline", "-1s"], ["--deadline", "-1s"]),
        (["--deadline", "1e3"], ["--deadline", "1e3"]),
        (["--deadline", "3601"], ["--deadline", "3601"]),
        (["--rate", "-1"], ["--rate", "-1"]),
        (["--rate", "0"], ["--rate"]),
        (["--rate", "1.5"], ["--rate", "1.5"]),
        (["--max-memory", "lots"], ["--max-memory", "lots"]),
        (["--max-memory", "0"], ["--max-memory"]),
        (["--max-memory", "-1G"], ["--max-memory", "-1G"]),
        (["--max-memory", "2Q"], ["--max-memory", "2Q"]),
        (["--max-memory", "1e9"], ["--max-memory", "1e9"]),
        # Less than the scan itself needs (20 MiB and one connection): said, not run.
        (["--max-memory", "16M"], ["--max-memory", "16M", "20 MiB"]),
        (["--retries", "11"], ["--retries", "11"]),
        (["--retries", "-1"], ["--retries"]),
        (["--shard", "3/2"], ["--shard", "3/2"]),
        (["--shard", "2/2"], ["--shard", "2/2"]),
        (["--shard", "1/0"], ["--shard", "1/0"]),
        (["--shard", "x"], ["--shard"]),
        (["--shard", "1/"], ["--shard"]),
        (["--seed", "-5"], ["--seed", "-5"]),
        (["--seed", "abc"], ["--seed", "abc"]),
        (["--seed", "18446744073709551616"], ["--seed", "18446744073709551616"]),  # 2^64
        (["--resolver", "nonsense"], ["--resolver", "nonsense"]),
        (["--resolver", "127.0.0.1:99999"], ["--resolver"]),
        (["--resolver", "dns.example"], ["--resolver"]),
        (["--fail-on", "severe"], ["--fail-on", "severe"]),
        (["--fail-on", "CRITICAL"], ["--fail-on", "CRITICAL"]),
        (["-f", "json"], ["--format", "'json'", "text, jsonl, csv, nuclei"]),
        (["-o", "xml:/tmp/p3s-never.xml"], ["--output", "'xml'", "text, jsonl, csv, nuclei"]),
        (["--read-timeout", "2h"], ["--read-timeout", "2h"]),
        (["--deadline", "61m"], ["--deadline", "61m"]),
        (["--meta", ""], ["--meta"]),
        (["--meta", "/nonexistent/dir/meta.json"], ["/nonexistent/dir/meta.json"]),
        (["--color", "sometimes"], ["--color", "sometimes"]),
        (["--dns-concurrency", "0"], ["--dns-concurrency"]),
        (["--exclude", "300.1.1.1"], ["--exclude", "300.1.1.1"]),
        (["--exclude", ""], ["--exclude"]),
        (["--exclude", "127.0.0.1:110"], ["--exclude", "127.0.0.1:110"]),
        (["--resume", ""], ["--resume"]),
        (["--resume", "/nonexistent/dir/state"], ["/nonexistent/dir/state"]),
        (["-iL", "/nonexistent/targets.txt"], ["/nonexistent/targets.txt"]),
        (["--exclude-file", "/nonexistent/excl.txt"], ["/nonexistent/excl.txt"]),
    ]

    def test_malformed_option_values(self):
        closed = p3s.free_port()
        failures = []
        for args, names in self.BAD_VALUES:
            # A closed loopback port first: an option wrongly accepted scans nothing but that.
            res = run(["-p", closed] + args + ["127.0.0.1"], timeout=30)
            err = res.stderr.decode("utf-8", "replace")
            missing = [n for n in names if n not in err]
            if res.returncode != 2 or missing or res.stdout:
                failures.append(f"{' '.join(args)!r}: exit {res.returncode}, "
                                f"stderr {err.strip()!r}, missing {missing}, "
                                f"stdout {res.stdout[:80]!r}")
        self.assertEqual(failures, [], "\n" + "\n".join(failures))

    def test_option_without_its_value(self):
        for opt in ("-p", "-c", "-f", "-o", "--deadline", "--rate", "--shard", "-iL"):
            res = run(["127.0.0.1", opt], timeout=30)
            self.assertEqual(res.returncode, 2, opt)
            self.assertIn(opt.encode(), res.stderr)


if __name__ == "__main__":
    p3s.main()
