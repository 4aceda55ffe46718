"""Integration test against the real Perdition 2.2 POP3 proxy from Debian (tests/servers/perdition.sh):
perdition.pop3 with STLS on one loopback port, perdition.pop3s (implicit TLS) on another. Perdition
answers everything before login itself — a greeting that misspells its name ("perditon"), a
three-line CAPA, and replies ending in ", mate" — and needs its back end only for PASS, which
pop3scan never sends."""
import re

import p3s

GREETING = re.compile(r"\+OK POP3 perditon ready on 127\.0\.0\.1 [0-9a-f]{8}\Z")


class PerditionTest(p3s.TwoPortServerTest):
    # tearDownClass checks that stop leaves nothing behind: both listeners and their children.
    SCRIPT = "perdition.sh"

    def test_scan_ran(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        self.assertEqual(len(self.res.records), 2)

    def test_plain_port(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["transport"], "plain")
        self.assertRegex(rec["greeting"], GREETING)
        self.assertEqual(rec["capabilities"], ["UIDL", "USER", "STLS"])
        self.assertIsNone(rec["error"])

    def test_stls_upgrade(self):
        rec = self.res.by_port(self.port)
        stls = rec["stls"]
        self.assertTrue(stls["advertised"])
        self.assertTrue(stls["attempted"])
        self.assertEqual(stls["reply"], "+OK Begin TLS negotiation, mate")
        self.assertTrue(stls["upgraded"])
        self.assertFalse(stls["cleartext_after_ok"])
        self.assertEqual(rec["tls"]["via"], "stls")
        self.assertIsNone(rec["tls_error"])
        self.assertEqual(rec["capabilities_tls"], ["UIDL", "USER"])

    def test_plaintext_login(self):
        rec = self.res.by_port(self.port)
        login = rec["plaintext_login"]
        self.assertTrue(login["advertised"])
        self.assertIs(login["accepted"], True)
        self.assertEqual(login["reply"], f"+OK USER {login['probe_user']} set, mate")

    def test_plain_findings(self):
        rec = self.res.by_port(self.port)
        # No APOP timestamp, no version: neither pop3-apop nor pop3-version-disclosure.
        self.assertEqual(p3s.ids(rec), ["pop3-detected", "pop3-plaintext-login", "pop3-tls-cert"])
        self.assertEqual(p3s.finding(rec, "pop3-plaintext-login")["evidence"],
                         rec["plaintext_login"]["reply"])
        self.assertIsNone(p3s.finding(rec, "pop3-stls-broken"))

    def test_implicit_tls_port(self):
        rec = self.res.by_port(self.tport)
        self.assertEqual(rec["transport"], "tls")
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertRegex(rec["greeting"], GREETING)
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertIsNone(rec["stls"])
        self.assertEqual(rec["capabilities_tls"], ["UIDL", "USER"])
        self.assertEqual(p3s.ids(rec), ["pop3-detected", "pop3-tls-cert"])

    def test_tls_versions(self):
        for port in (self.port, self.tport):
            versions = self.res.by_port(port)["tls"]["versions"]
            self.assertEqual(versions["TLSv1.2"], "accepted")
            self.assertEqual(versions["TLSv1.3"], "accepted")
            self.assertEqual(versions["TLSv1.0"], "refused")

    def test_opt_outs(self):
        res = self.res_opt_out
        self.assertEqual(res.rc, 0, res.stderr)
        rec = res.by_port(self.port)
        self.assertTrue(rec["stls"]["advertised"])
        self.assertFalse(rec["stls"]["attempted"])
        self.assertIsNone(rec["plaintext_login"]["accepted"])
        self.assertEqual(p3s.ids(rec), ["pop3-detected"])
        self.assertEqual(rec["product"]["rule"], "perdition")

    def test_identified_despite_the_misspelling(self):
        # Its greeting names it (as "perditon"): certain; the bind address is the host; no version.
        for port in (self.port, self.tport):
            product = self.res.by_port(port)["product"]
            self.assertEqual((product["vendor"], product["name"]),
                             ("Perdition", "Perdition POP3 proxy"), product)
            self.assertIsNone(product["version"])
            self.assertEqual(product["confidence"], "certain")
            self.assertEqual(product["rule"], "perdition")
            self.assertEqual(product["host"], "127.0.0.1")
            self.assertIsNone(product["evidence"]["conflict"])

    def test_cleartext_port_as_tls(self):
        rec = self.res_wrong.by_port(self.port)
        self.assertEqual(rec["state"], "tls-error")
        self.assertEqual(rec["findings"], [])


if __name__ == "__main__":
    p3s.main()
