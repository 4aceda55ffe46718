"""Integration tests with the project's scriptable test server: refused and silent ports,
services that are not POP3, and hostile bytes in a greeting."""
import re
import p3s
import unittest

SCRIPT = r'''
profile smtp
match port {smtp}
start send "220 mx.example.test ESMTP Postfix\r\n"
on QUIT send "221 bye\r\n" ; close
on * send "502 5.5.2 Error: command not recognized\r\n"

profile imap
match port {imap}
start send "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n"
on * send "* BAD Error in IMAP command\r\n"

profile silent
match port {silent}
start stall

profile ansi
match port {ansi}
start send "+OK \e[2J\e[31mred\e[0m \x07bell \x00nul \xff\xfe \"q\",c\r\n"
on CAPA send "+OK\r\nUSER\r\n\e]0;title\x07\r\n.\r\n"
on USER send "-ERR no\r\n"
on QUIT send "+OK\r\n" ; close
'''


class ServicesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ports = p3s.free_ports(5)
        cls.smtp, cls.imap, cls.silent, cls.ansi, cls.refused = ports
        script = SCRIPT.format(smtp=cls.smtp, imap=cls.imap, silent=cls.silent, ansi=cls.ansi)
        listen = [f"127.0.0.1:{p}" for p in ports[:4]]
        cls.server = p3s.TestServer(script, listen=listen)
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_c_refused_port_is_closed_at_once(self):
        res = p3s.scan("-p", self.refused, "127.0.0.1")
        self.assertEqual(res.rc, 0)
        rec = res.by_port(self.refused)
        self.assertEqual(rec["state"], "closed")
        # At once, not after a timer: the connect timeout (default 5 s) is far away.
        self.assertLess(rec["timing_ms"]["total"], 1000 * p3s.SLOW)
        self.assertLess(res.elapsed, 2.5 * p3s.SLOW)
        self.assertEqual(rec["findings"], [])

    def test_d_silent_port_times_out(self):
        res = p3s.scan("-p", self.silent, "--read-timeout", "1s", "127.0.0.1")
        rec = res.by_port(self.silent)
        self.assertEqual(rec["state"], "timeout")
        # Ended by the 1 s read timeout, long before the default deadline (10 s).
        self.assertIn("within 1000 ms", rec["error"])
        self.assertGreaterEqual(rec["timing_ms"]["total"], 950)  # the loop's clock is cached
        self.assertLess(rec["timing_ms"]["total"], 5000)
        self.assertEqual(rec["findings"], [])

    def test_deadline_bounds_a_silent_port(self):
        res = p3s.scan("-p", self.silent, "--read-timeout", "5s", "--deadline", "700ms",
                       "127.0.0.1")
        rec = res.by_port(self.silent)
        self.assertEqual(rec["state"], "timeout")
        # Ended by the 700 ms deadline, long before the 5 s read timeout.
        self.assertIn("deadline", rec["error"])
        # libevent times on CLOCK_MONOTONIC_COARSE, cached per loop pass, and the record on
        # CLOCK_MONOTONIC: the timer can fire a few ms before 700 by the record's clock. The
        # wrong outcomes are an end far earlier or the 5 s read timeout.
        self.assertGreaterEqual(rec["timing_ms"]["total"], 650)
        self.assertLess(rec["timing_ms"]["total"], 2800)

    def test_e_smtp_and_imap_are_other_services(self):
        res = p3s.scan("-p", f"{self.smtp},{self.imap}", "127.0.0.1")
        smtp, imap = res.by_port(self.smtp), res.by_port(self.imap)
        self.assertEqual(smtp["state"], "other-service")
        self.assertEqual(smtp["service"], "smtp")
        self.assertEqual(imap["state"], "other-service")
        self.assertEqual(imap["service"], "imap")
        for rec in (smtp, imap):
            self.assertIsNone(rec["confidence"])
            self.assertEqual(rec["findings"], [])

    def test_hostile_greeting_json_is_lossless(self):
        res = p3s.scan("-p", self.ansi, "127.0.0.1")
        rec = res.by_port(self.ansi)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["greeting"],
                         '+OK \x1b[2J\x1b[31mred\x1b[0m \x07bell \x00nul \\xff\\xfe "q",c')
        self.assertIn("\x1b]0;title\x07", rec["capabilities"])

    def test_hostile_greeting_text_has_no_control_bytes(self):
        for env in ({"NO_COLOR": "1"}, {}):
            res = p3s.scan("-p", self.ansi, "--color", "never", "127.0.0.1", jsonl=False, env=env)
            self.assertEqual(res.rc, 0)
            raw = res.stdout
            bad = [b for b in raw if (b < 0x20 and b != 0x0a) or b == 0x7f]
            self.assertEqual(bad, [], raw)
            self.assertIn(b"\\x1b[31mred", raw)
            self.assertIn(b"\\xff\\xfe", raw)

    def test_colour_is_ours_only(self):
        res = p3s.scan("-p", self.ansi, "--color", "always", "127.0.0.1", jsonl=False)
        # Our own SGR sequences only: ESC followed by [ digits (;digits) m.
        for m in re.finditer(rb"\x1b", res.stdout):
            self.assertRegex(res.stdout[m.start():m.start() + 8], rb"^\x1b\[[0-9;]+m")
        self.assertNotIn(b"\x1b[2J", res.stdout)


if __name__ == "__main__":
    p3s.main()
