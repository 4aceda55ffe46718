"""Servers that answer out of step (issue 19), and the STLS command injection check.

A server that answers a command twice, adds a line after its greeting or a reply, or answers late
must never get a finding that rests on a reply belonging to another command. The real thing:
the dummy POP3 server of CPython's own poplib tests (Debian's libpython3.11-testsuite), whose
USER handler answers an unknown name with "-ERR no such user" and then "+OK password required";
pop3scan used to take the second line as the answer to STLS and report a false
pop3-stls-broken. The rest is the project's test server p3testd, whose scripts add, double and
delay answers (`extra`, `sleep`) and run what came with STLS inside TLS (`starttls keep`).

Where the timing of the server's two writes decides which of the scanner's rules catches a
stray line (already received when the next command went out, or arriving during the settle
wait before STLS or after an accepted USER), the assertions hold for either path: what must
never happen is a finding resting on the stray line.
"""
import os
import subprocess
import time
import unittest

import p3s

PYTHON = "/usr/bin/python3"  # Debian's: its test package is the one installed
POPLIB_TEST = "/usr/lib/python3.11/test/test_poplib.py"

# Starts test_poplib's DummyPOP3Server on a free loopback port, prints the port, and lives until
# the server's thread ends (the STLS injection check kills it: it runs the injected CAPA and
# dies writing the answer before the handshake is done).
CPYTHON_SERVER = r"""
import sys, time
from test import test_poplib
server = test_poplib.DummyPOP3Server(("127.0.0.1", 0))
server.start()
print(server.port, flush=True)
while server.is_alive():
    time.sleep(0.05)
"""


class CPythonServer:
    def __enter__(self):
        if not os.path.exists(POPLIB_TEST):
            raise AssertionError(f"{POPLIB_TEST} missing: scripts/install-deps.sh test installs "
                                 "libpython3.11-testsuite")
        self.proc = subprocess.Popen([PYTHON, "-c", CPYTHON_SERVER], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.proc.kill()
            raise RuntimeError("CPython's dummy POP3 server did not start: " +
                               self.proc.stderr.read())
        self.port = int(line)
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()


class CPythonDummyServerTest(unittest.TestCase):
    """The server of the issue: STLS works, USER is answered twice."""

    @classmethod
    def setUpClass(cls):
        with CPythonServer() as srv:
            cls.port = srv.port
            cls.res = p3s.scan("--no-tls-versions", "-p", srv.port, "127.0.0.1")
        with CPythonServer() as srv:  # a new one: the injection check of the first killed it
            cls.text = p3s.scan("--no-tls-versions", "--no-stls-injection", "--color", "never",
                                "-p", srv.port, "127.0.0.1", jsonl=False)

    def test_stls_works(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        rec = self.res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["greeting"], "+OK dummy pop3 server ready. <timestamp>")
        self.assertEqual(rec["capabilities"],
                         ["UIDL", "IMPLEMENTATION python-testlib-pop-server", "STLS"])
        stls = rec["stls"]
        self.assertTrue(stls["upgraded"], rec)
        self.assertEqual(stls["reply"], "+OK Begin TLS negotiation")
        self.assertFalse(stls["cleartext_after_ok"])
        self.assertIsNone(rec["tls_error"])
        self.assertEqual(rec["capabilities_tls"], ["UIDL", "IMPLEMENTATION python-testlib-pop-server"])
        self.assertIsNone(p3s.finding(rec, "pop3-stls-broken"))

    def test_double_answer_recorded(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(rec["plaintext_login"]["reply"], "-ERR no such user")
        self.assertIs(rec["plaintext_login"]["accepted"], False)
        self.assertEqual(rec["unsolicited"],
                         [{"after": "USER", "tls": False, "line": "+OK password required"}])
        self.assertEqual(rec["findings_withheld"], [])  # nothing rested on USER's answer
        # pop3-stls-injection depends on the injection check's timing (test_injection_check)
        self.assertEqual([i for i in p3s.ids(rec) if i != "pop3-stls-injection"],
                         ["pop3-detected", "pop3-tls-cert"])

    def test_injection_check(self):
        # The server runs the CAPA that came with STLS (asynchat keeps it in its buffer) and
        # tries to answer it through TLS: when the handshake is done by then, the list arrives
        # under TLS (vulnerable); when not, the write fails and the server's thread dies, which
        # from here is a close without an answer (inconclusive). Never "not-vulnerable".
        inj = self.res.by_port(self.port)["stls"]["injection"]
        self.assertIn(inj["result"], ("vulnerable", "inconclusive"), inj)
        if inj["result"] == "vulnerable":
            self.assertTrue(inj["evidence"].startswith("+OK Capability list follows\n"), inj)

    def test_text_output(self):
        self.assertEqual(self.text.rc, 0, self.text.stderr)
        out = self.text.stdout.decode()
        self.assertIn('    unsolicited:      after USER "+OK password required"\n', out)
        self.assertIn("tls:              TLSv1.", out)
        self.assertNotIn("pop3-stls-broken", out)
        self.assertNotIn("stls injection:", out)  # --no-stls-injection


# A POP3 server with STLS; USER refused. {user}, {capa}, {stls} and {extra} vary per case.
BASE = """start send "+OK hi\\r\\n"{greeting_extra}
on CAPA {capa}
on USER {user}
on STLS {stls}
on QUIT send "+OK bye\\r\\n"; close
on * send "-ERR what\\r\\n"
{extra}
"""
CAPA = 'send "+OK\\r\\nSTLS\\r\\nUSER\\r\\n.\\r\\n"'
USER_ERR = 'send "-ERR no\\r\\n"'
STLS = 'send "+OK go\\r\\n"; starttls'


def script(greeting_extra="", capa=CAPA, user=USER_ERR, stls=STLS, extra=""):
    return BASE.format(greeting_extra=greeting_extra, capa=capa, user=user, stls=stls,
                       extra=extra)


def scan_script(text, *args):
    with p3s.TestServer(text) as srv:
        res = p3s.scan("--no-tls-versions", *args, "-p", srv.plain[0], "127.0.0.1")
        if res.rc != 0:
            raise AssertionError(res.stderr)
        return res.by_port(srv.plain[0])


def lines(rec, tls=None):
    """The unsolicited lines, all or those that came in cleartext (tls False) or under TLS."""
    return [u["line"] for u in rec["unsolicited"] or [] if tls is None or u["tls"] == tls]


class OutOfStepTest(unittest.TestCase):
    """p3testd answering twice, adding lines and answering late."""

    def assert_no_false_finding(self, rec):
        self.assertEqual(rec["state"], "pop3")
        self.assertIsNone(p3s.finding(rec, "pop3-plaintext-login"), rec)
        self.assertIsNone(p3s.finding(rec, "pop3-stls-broken"), rec)
        self.assertIsNone(p3s.finding(rec, "pop3-stls-injection"), rec)

    def test_double_answer_to_user_one_segment(self):
        rec = scan_script(script(user='send "-ERR no\\r\\n+OK password required\\r\\n"'))
        self.assert_no_false_finding(rec)
        self.assertEqual(rec["plaintext_login"]["reply"], "-ERR no")
        self.assertEqual(rec["unsolicited"],
                         [{"after": "USER", "tls": False, "line": "+OK password required"}])
        self.assertTrue(rec["stls"]["upgraded"])
        self.assertEqual(rec["stls"]["reply"], "+OK go")

    def test_double_answer_to_user_two_segments(self):
        # The second line comes 5 ms after the first: within the settle wait before STLS.
        rec = scan_script(script(user='send "-ERR no\\r\\n"; sleep 5; send "+OK password\\r\\n"'))
        self.assert_no_false_finding(rec)
        self.assertEqual(rec["plaintext_login"]["reply"], "-ERR no")
        self.assertEqual(rec["unsolicited"],
                         [{"after": "USER", "tls": False, "line": "+OK password"}])
        self.assertTrue(rec["stls"]["upgraded"])
        self.assertEqual(rec["stls"]["reply"], "+OK go")

    def test_stray_ok_after_capa_same_segment(self):
        # Already received when USER goes out: it cannot be USER's answer.
        rec = scan_script(script(capa='send "+OK\\r\\nSTLS\\r\\nUSER\\r\\n.\\r\\n+OK stray\\r\\n"'))
        self.assert_no_false_finding(rec)
        self.assertEqual(rec["plaintext_login"]["reply"], "-ERR no")
        self.assertTrue(rec["stls"]["upgraded"])
        # once before USER, once after the list of CAPA under TLS (before QUIT)
        self.assertEqual(rec["unsolicited"],
                         [{"after": "CAPA", "tls": False, "line": "+OK stray"},
                          {"after": "CAPA", "tls": True, "line": "+OK stray"}])

    def test_stray_ok_after_capa_later(self):
        # The false HIGH: the stray +OK arrives after USER went out and is taken for its
        # answer; USER's real -ERR then comes during the settle wait, so the finding that would
        # rest on the +OK is withheld — and STLS still gets its own answer.
        rec = scan_script(script(capa='send "+OK\\r\\nSTLS\\r\\nUSER\\r\\n.\\r\\n"; sleep 5; '
                                      'send "+OK stray\\r\\n"'))
        self.assert_no_false_finding(rec)
        self.assertTrue(rec["stls"]["upgraded"])
        self.assertEqual(rec["stls"]["reply"], "+OK go")
        unsolicited = lines(rec, tls=False)
        # Under TLS the stray line follows CAPA's list as well: after QUIT went out, it or
        # QUIT's real answer is unsolicited; before (a slow scanner, valgrind), it is taken for
        # QUIT's answer and the connection ends there.
        self.assertIn(lines(rec, tls=True), ([], ["+OK bye"], ["+OK stray"]), rec["unsolicited"])
        if rec["plaintext_login"]["accepted"]:  # the stray was taken for USER's answer
            self.assertEqual(unsolicited, ["-ERR no"])
            self.assertEqual([w["id"] for w in rec["findings_withheld"]],
                             ["pop3-plaintext-login"])
        else:  # it was already there when USER went out
            self.assertEqual(unsolicited, ["+OK stray"])

    def test_extra_line_after_greeting(self):
        rec = scan_script(script(greeting_extra='; sleep 5; send "+OK extra\\r\\n"'))
        self.assert_no_false_finding(rec)
        self.assertEqual(rec["greeting"], "+OK hi")
        self.assertEqual(rec["capabilities"], ["STLS", "USER"])  # the stray line is not one
        self.assertEqual(lines(rec), ["+OK extra"])
        self.assertTrue(rec["stls"]["upgraded"])

    def test_late_answer_to_user(self):
        # 400 ms late: past the settle wait, so STLS is out first and the late +OK is taken for
        # its answer. The real "+OK go" then comes in cleartext before the ServerHello, is set
        # aside and recorded; the handshake goes on. Should the server have dropped our
        # ClientHello (p3testd drops what came before it switched), the handshake times out
        # instead — either way no pop3-stls-broken, since the reply it would rest on is stale.
        rec = scan_script(script(user='send "-ERR no\\r\\n"; sleep 400; send "+OK late\\r\\n"'),
                          "--read-timeout", "2s")
        self.assert_no_false_finding(rec)
        self.assertIn({"after": "STLS", "tls": False, "line": "+OK go"}, rec["unsolicited"])
        self.assertTrue(rec["stls"]["cleartext_after_ok"])
        if not rec["stls"]["upgraded"]:
            self.assertEqual([w["id"] for w in rec["findings_withheld"]], ["pop3-stls-broken"])

    def test_every_answer_doubled(self):
        # In the same write: each extra line is already there when the next command goes out.
        rec = scan_script(script(extra='extra "+OK extra\\r\\n"'))
        self.assert_no_false_finding(rec)
        self.assertTrue(rec["stls"]["upgraded"], rec)
        self.assertEqual(rec["capabilities"], ["STLS", "USER"])
        self.assertEqual(rec["plaintext_login"]["reply"], "-ERR no")
        self.assertGreaterEqual(len(lines(rec)), 3)
        self.assertEqual(set(lines(rec)), {"+OK extra"})

    def test_every_answer_doubled_late(self):
        # 5 ms after each answer: after the next command went out, so some are taken for the
        # next answer and the real ones come later. The one after +OK to STLS comes after our
        # ClientHello, which p3testd drops (it left cleartext only after its sleep): the
        # handshake cannot end. What matters: no finding rests on a shifted reply.
        rec = scan_script(script(extra='extra 5 "+OK extra\\r\\n"'), "--read-timeout", "1s")
        self.assert_no_false_finding(rec)
        self.assertEqual(rec["capabilities"], ["STLS", "USER"])
        self.assertGreaterEqual(len(lines(rec)), 3)
        if rec["plaintext_login"]["accepted"]:
            self.assertIn("pop3-plaintext-login", [w["id"] for w in rec["findings_withheld"]])

    def test_user_accepted_in_step_still_reported(self):
        # The settle wait after an accepted USER finds nothing: the finding stands.
        rec = scan_script(script(user='send "+OK\\r\\n"'))
        self.assertIsNone(rec["unsolicited"])
        self.assertEqual(rec["findings_withheld"], [])
        self.assertIsNotNone(p3s.finding(rec, "pop3-plaintext-login"))

    def test_broken_stls_in_step_still_reported(self):
        rec = scan_script(script(stls='send "-ERR no TLS here\\r\\n"'))
        self.assertIsNone(rec["unsolicited"])
        self.assertEqual(p3s.finding(rec, "pop3-stls-broken")["evidence"], "-ERR no TLS here")

    def test_text_output(self):
        with p3s.TestServer(script(capa='send "+OK\\r\\nSTLS\\r\\nUSER\\r\\n.\\r\\n"; sleep 5; '
                                        'send "+OK stray\\r\\n"',
                                   user='send "+OK\\r\\n"')) as srv:
            res = p3s.scan("--no-tls-versions", "--color", "never", "-p", srv.plain[0],
                           "127.0.0.1", jsonl=False)
        out = res.stdout.decode()
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertIn('    unsolicited:      after ', out)
        self.assertIn('"+OK stray"', out)
        self.assertIn("stls injection:   not vulnerable (only QUIT was answered under TLS)", out)


class StlsInjectionTest(unittest.TestCase):
    """The check on its own connection: STLS and CAPA in one write, then QUIT under TLS."""

    def test_vulnerable(self):
        rec = scan_script(script(stls='send "+OK go\\r\\n"; starttls keep'))
        inj = rec["stls"]["injection"]
        self.assertEqual(inj["result"], "vulnerable", inj)
        self.assertEqual(inj["evidence"], "+OK\nSTLS\nUSER\n.\n+OK bye")
        f = p3s.finding(rec, "pop3-stls-injection")
        self.assertEqual(f["severity"], "high")
        self.assertEqual(f["evidence"], inj["evidence"])
        # The dialogue itself is in step: STLS worked, nothing unsolicited.
        self.assertTrue(rec["stls"]["upgraded"])
        self.assertIsNone(rec["unsolicited"])

    def test_not_vulnerable(self):
        rec = scan_script(script())
        inj = rec["stls"]["injection"]
        self.assertEqual(inj, {"result": "not-vulnerable",
                               "detail": "only QUIT was answered under TLS",
                               "evidence": None, "cleartext_after_ok": None})
        self.assertIsNone(p3s.finding(rec, "pop3-stls-injection"))

    def test_cleartext_answer_before_the_handshake_is_not_injection(self):
        # A server that answers the pipelined CAPA in cleartext after its +OK, then does TLS:
        # recorded as cleartext after STLS, not flagged.
        rec = scan_script(script(stls='send "+OK go\\r\\n-ERR not now\\r\\n"; starttls'))
        inj = rec["stls"]["injection"]
        self.assertEqual(inj["result"], "not-vulnerable", inj)
        self.assertEqual(inj["cleartext_after_ok"], "-ERR not now")
        self.assertIsNone(p3s.finding(rec, "pop3-stls-injection"))
        # The dialogue's own STLS saw the same line: recorded, and the upgrade still worked.
        self.assertTrue(rec["stls"]["upgraded"])
        self.assertTrue(rec["stls"]["cleartext_after_ok"])
        self.assertIn({"after": "STLS", "tls": False, "line": "-ERR not now"}, rec["unsolicited"])

    def test_opt_out(self):
        with p3s.TestServer(script(stls='send "+OK go\\r\\n"; starttls keep')) as srv:
            start = time.monotonic()
            res = p3s.scan("--no-tls-versions", "--no-stls-injection", "-p", srv.plain[0],
                           "127.0.0.1")
            rec = res.by_port(srv.plain[0])
        self.assertIsNone(rec["stls"]["injection"])
        self.assertIsNone(p3s.finding(rec, "pop3-stls-injection"))
        self.assertTrue(rec["stls"]["upgraded"])
        self.assertLess(time.monotonic() - start, 10 * p3s.SLOW)

    def test_not_run_without_stls(self):
        rec = scan_script(script(capa='send "+OK\\r\\nUSER\\r\\n.\\r\\n"'))
        self.assertIsNone(rec["stls"]["injection"])


if __name__ == "__main__":
    p3s.main()
