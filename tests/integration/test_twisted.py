"""Integration test against a POP3 server built on Twisted 22.4's twisted.mail.pop3 from Debian
(tests/servers/twisted.sh): cleartext on one loopback port, implicit TLS on another — Twisted's
POP3 has no STLS. Its greeting is its APOP challenge alone (a four-part message id with a 14-digit
date), its CAPA lists CELERITY AUSPEX POTENCE, and USER gets "+OK USER accepted, send PASS"."""
import re

import p3s

GREETING = re.compile(r"\+OK (<\d{14}\.\d+\.\d+\.\d+@([^>\s]+)>)\Z")
CAPS = ["TOP", "USER", "UIDL", "PIPELINE", "CELERITY", "AUSPEX", "POTENCE"]


class TwistedTest(p3s.TwoPortServerTest):
    # tearDownClass checks that stop leaves nothing behind: one python3 process.
    SCRIPT = "twisted.sh"

    def test_scan_ran(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        self.assertEqual(len(self.res.records), 2)

    def test_plain_port(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["transport"], "plain")
        self.assertRegex(rec["greeting"], GREETING)
        self.assertEqual(rec["capabilities"], CAPS)
        self.assertIsNone(rec["error"])

    def test_no_stls(self):
        rec = self.res.by_port(self.port)
        self.assertFalse(rec["stls"]["advertised"])
        self.assertFalse(rec["stls"]["attempted"])
        self.assertIsNone(rec["tls"])
        self.assertIsNone(rec["capabilities_tls"])

    def test_plaintext_login(self):
        rec = self.res.by_port(self.port)
        login = rec["plaintext_login"]
        self.assertTrue(login["advertised"])
        self.assertIs(login["accepted"], True)
        self.assertEqual(login["reply"], "+OK USER accepted, send PASS")

    def test_plain_findings(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-cleartext", "pop3-detected",
                                        "pop3-plaintext-login"])
        # No STLS in the list: the list is the evidence.
        self.assertEqual(p3s.finding(rec, "pop3-cleartext")["evidence"], "\n".join(CAPS))
        self.assertEqual(p3s.finding(rec, "pop3-apop")["evidence"],
                         GREETING.match(rec["greeting"]).group(1))

    def test_implicit_tls_port(self):
        rec = self.res.by_port(self.tport)
        self.assertEqual(rec["transport"], "tls")
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertRegex(rec["greeting"], GREETING)
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertIsNone(rec["stls"])
        self.assertEqual(rec["capabilities_tls"], CAPS)
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-tls-cert"])
        versions = rec["tls"]["versions"]
        self.assertEqual(versions["TLSv1.2"], "accepted")
        self.assertEqual(versions["TLSv1.3"], "accepted")
        # A fresh challenge per connection.
        self.assertNotEqual(rec["greeting"], self.res.by_port(self.port)["greeting"])

    def test_opt_outs(self):
        res = self.res_opt_out
        self.assertEqual(res.rc, 0, res.stderr)
        rec = res.by_port(self.port)
        self.assertIsNone(rec["plaintext_login"]["accepted"])
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-cleartext", "pop3-detected"])

    def test_identified_from_its_challenge(self):
        # Nothing names it: the shape of its APOP challenge is strong indirect evidence (likely),
        # never the qmail its bare challenge resembles; Twisted shows no version.
        for port in (self.port, self.tport):
            rec = self.res.by_port(port)
            product = rec["product"]
            self.assertEqual((product["vendor"], product["name"]),
                             ("Twisted Matrix Labs", "Twisted Mail"), product)
            self.assertIsNone(product["version"])
            self.assertEqual(product["confidence"], "likely")
            self.assertEqual(product["rule"], "twisted")
            self.assertEqual(product["evidence"]["sources"], ["greeting"])
            self.assertIsNone(product["evidence"]["conflict"])
            self.assertEqual(product["host"], GREETING.match(rec["greeting"]).group(2))
            self.assertEqual(product["cpe"], "cpe:2.3:a:twistedmatrix:twisted:*:*:*:*:*:*:*:*")

    def test_cleartext_port_as_tls(self):
        rec = self.res_wrong.by_port(self.port)
        self.assertEqual(rec["state"], "tls-error")
        self.assertEqual(rec["findings"], [])


if __name__ == "__main__":
    p3s.main()
