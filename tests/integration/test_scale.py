"""Scale: thousands of targets in one event loop against the project's test server listening on
0.0.0.0, so that every 127.x.y.z reaches it. Every target gets exactly one record."""
import collections
import math
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import p3s
import test_hostile
import unittest

POP3 = r'''
profile stall
match mod 10 1
start stall

profile reset
match mod 10 2
start send "+OK hel" ; reset

profile drip
match mod 10 3
start drip 400 "+OK slow\r\n"

profile default
start send "+OK ready\r\n"
on CAPA send "+OK\r\nTOP\r\nUSER\r\nUIDL\r\n.\r\n"
on USER send "-ERR no\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"
'''

CIDR = os.environ.get("P3S_SCALE_CIDR", "127.0.0.0/16")


def ip_int(ip):
    a, b, c, d = (int(x) for x in ip.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


class ScaleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port, cls.closed = p3s.free_ports(2)
        cls.server = p3s.TestServer(POP3, listen=(f"0.0.0.0:{cls.port}",))
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_range_every_target_once(self):
        # The test server picks a profile by the address mod 10: 1 stalls, 2 resets in the
        # greeting, 3 drips slower than the read timeout, the rest speak POP3.
        # Run under the RSS-measuring runner of the hostile suite: bounded time and memory too.
        # The read timeout leaves the single-threaded test server seconds to serve 5000
        # connections at once on a loaded machine (at 1 s, ASan with both cores busy saw resets
        # arrive as timeouts); the drip (4 s for its greeting) still outlasts it.
        res = test_hostile.run_scanner(["-c", "5000", "--read-timeout", "3s", "--deadline", "5s",
                                        "-p", self.port, CIDR], timeout=600)
        self.assertEqual(res.rc, 0, res.stderr)
        res.records = p3s.validate_lines(res.jsonl.decode())
        prefix = int(CIDR.split("/")[1])
        total = 2 ** (32 - prefix)
        self.assertEqual(len(res.records), total)
        # Time: at worst every wave of 5000 connections waits out the 5 s deadline; twice that
        # leaves room for a loaded machine, and a scan that serialised its waves or lost a timer
        # would still take far longer.
        print(f"\n  {CIDR} with faults: {res.elapsed:.1f} s, peak RSS {res.rss / 2**20:.1f} MiB",
              file=sys.stderr)
        waves = math.ceil(total / 5000)
        self.assertLess(res.elapsed, waves * 5.0 * 2 * test_hostile.SLOW)
        # Memory: what the engine holds per open connection, not per target. (The bound is the
        # issue's 32 MiB at -c 5000, with room for the text output's buffers; x4 under ASan.)
        if not test_hostile.WRAPPED:
            bound = (48 << 20) * (4 if test_hostile.ASAN else 1)
            self.assertLessEqual(res.rss, bound, f"peak RSS {res.rss >> 20} MiB")
        ips = collections.Counter(r["ip"] for r in res.records)
        self.assertEqual(max(ips.values()), 1, "no duplicates")
        wrong = []
        for r in res.records:
            kind = ip_int(r["ip"]) % 10
            want = {1: "timeout", 2: "error", 3: "timeout"}.get(kind, "pop3")
            if r["state"] != want:
                wrong.append((r["ip"], r["state"], want, r["error"]))
        self.assertEqual(wrong[:5], [])
        for r in res.records:
            if r["state"] == "pop3":
                self.assertEqual(r["confidence"], "confirmed")

    def test_closed_and_open_ports_together(self):
        res = p3s.scan("-c", "500", "-p", f"{self.port},{self.closed}", "127.0.3.0/24")
        self.assertEqual(len(res.records), 512)
        closed = [r for r in res.records if r["port"] == self.closed]
        self.assertEqual({r["state"] for r in closed}, {"closed"})
        self.assertEqual(len({r["ip"] for r in closed}), 256)

    def test_low_fd_limit(self):
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        proc = subprocess.run([p3s.BIN, "--format", "jsonl", "-c", "5000", "--exclude",
                               "127.0.8.0/24", "-p", str(self.port), "127.0.8.0/21"],
                              capture_output=True, preexec_fn=limit, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        # -c above the descriptor limit is lowered before the scan, and said once.
        # (Under valgrind the process may open fewer than 256: the tool keeps some for itself.)
        said = re.findall(rb"-c 5000 is more connections than this process may open \((\d+) file "
                          rb"descriptors, ulimit -n\); using -c (\d+)\n", proc.stderr)
        self.assertEqual(len(said), 1, proc.stderr)
        fds, conns = (int(x) for x in said[0])
        self.assertLessEqual(fds, 256)
        self.assertEqual(conns, fds - 64, "64 descriptors kept for everything but connections")
        recs = p3s.validate_lines(proc.stdout.decode())
        self.assertEqual(len(recs), 2048 - 256)
        self.assertEqual(len({r["ip"] for r in recs}), len(recs))
        self.assertNotIn("127.0.8.1", {r["ip"] for r in recs})
        self.assertNotIn("cannot connect", " ".join(r["error"] or "" for r in recs))

    def test_input_file_with_bad_lines(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("# targets\n127.0.4.10\n\nnot a target!\n127.0.4.14 # trailing\n"
                    "127.0.4.10\n300.1.1.1\n127.0.4.0/30\n")
        try:
            res = p3s.scan("-p", self.port, "-iL", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(res.rc, 0)
        err = res.stderr.decode()
        self.assertIn(":4:", err)
        self.assertIn(":7:", err)
        self.assertEqual(sorted(r["ip"] for r in res.records),
                         ["127.0.4.0", "127.0.4.1", "127.0.4.10", "127.0.4.14", "127.0.4.2",
                          "127.0.4.3"])

    def test_sigint_finishes_what_is_in_flight(self):
        # At 500 connections a second the /20 takes 8 s: the signal, half a second in, comes
        # long before the end even when a loaded machine delays the start by seconds.
        delay = 0.5 + p3s.startup()  # (measured before the scan starts)
        proc = subprocess.Popen([p3s.BIN, "--format", "jsonl", "-c", "200", "--rate", "500",
                                 "-p", str(self.port), "127.1.0.0/20"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        import time
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130)
        recs = p3s.validate_lines(out.decode())
        self.assertGreater(len(recs), 0)
        self.assertLess(len(recs), 4096)
        self.assertEqual(len({r["ip"] for r in recs}), len(recs))
        self.assertNotIn("scan interrupted", " ".join(r["error"] or "" for r in recs))

    def test_sigint_then_resume_scans_every_target_once(self):
        # Interrupt the whole range part-way, then run the same command with the same --resume
        # file: the two runs' records (appended to one file) hold every address exactly once.
        total = 2 ** (32 - int(CIDR.split("/")[1]))
        with tempfile.TemporaryDirectory() as d:
            state, out = os.path.join(d, "state"), os.path.join(d, "out.jsonl")
            # (Fewer in flight than targets, and a rate that makes the scan last 8 s or more,
            # so that SIGINT leaves some unstarted: any CIDR, however slow pop3scan runs.)
            cmd = [p3s.BIN, "-f", "jsonl", "-o", out, "--resume", state,
                   "-c", str(min(5000, total // 4)), "--rate", str(max(50, total // 8)),
                   "--read-timeout", "1s", "--deadline", "3s", "-p", str(self.port), CIDR]
            proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (
                    os.path.exists(state) and os.path.exists(out)
                    and os.path.getsize(out) > 100000):
                time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 130, err)
            with open(out) as f:
                first = p3s.validate_lines(f.read())
            self.assertGreater(len(first), 0)
            self.assertLess(len(first), total)
            with open(state) as f:
                self.assertIn("complete 0", f.read())

            again = subprocess.run(cmd, capture_output=True, timeout=600)
            self.assertEqual(again.returncode, 0, again.stderr)
            with open(out) as f:
                recs = p3s.validate_lines(f.read())
            ips = collections.Counter(r["ip"] for r in recs)
            self.assertEqual(len(ips), total)
            self.assertEqual(max(ips.values()), 1, "no target scanned twice")
            self.assertNotIn("scan interrupted", " ".join(r["error"] or "" for r in recs))
            with open(state) as f:
                self.assertIn("complete 1", f.read())

            # A finished scan resumed again scans nothing.
            third = subprocess.run(cmd, capture_output=True, timeout=60)
            self.assertEqual(third.returncode, 0)
            self.assertIn(b"complete", third.stderr)
            with open(out) as f:
                self.assertEqual(len(f.read().splitlines()), total)

            # The state belongs to this scan: other targets are refused, naming the file.
            other = subprocess.run(cmd[:-1] + ["127.9.0.0/24"], capture_output=True)
            self.assertEqual(other.returncode, 2)
            self.assertIn(state.encode(), other.stderr)


if __name__ == "__main__":
    p3s.main()
