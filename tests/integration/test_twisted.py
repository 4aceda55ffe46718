"""Integration test against a POP3 server built on Twisted 22.4's twisted.mail.pop3 from Debian
(tests/servers/twisted.sh): cleartext on one loopback port, implicit TLS on another — Twisted's
POP3 has no STLS. Its greeting is its APOP challenge alone (a four-part message id with a 14-digit
date), its CAPA lists CELERITY AUSPEX POTENCE, and USER gets "+OK USER accepted, send PASS"."""
import re

import p3s

CAPS = ["TOP", "USER", "UIDL", "PIPELINE", "CELERITY", "AUSPEX", "POTENCE"]


class TwistedTest(p3s.TwoPortServerTest):
    # The class cleanup checks that stop leaves nothing behind: one python3 process.
    SCRIPT = "twisted.sh"
    GREETING = re.compile(r"\+OK (<\d{14}\.\d+\.\d+\.\d+@([^>\s]+)>)\Z")
    USER_REPLY = "+OK USER accepted, send PASS"
    TLS_VERSIONS = {"TLSv1.2": "accepted", "TLSv1.3": "accepted"}

    def test_capabilities(self):
        self.assertEqual(self.plain["capabilities"], CAPS)

    def test_plain_findings(self):
        rec = self.plain
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-cleartext", "pop3-detected",
                                        "pop3-plaintext-login"])
        # No STLS in the list: the list is the evidence.
        self.assertEqual(p3s.finding(rec, "pop3-cleartext")["evidence"], "\n".join(CAPS))

    def test_implicit_tls_findings(self):
        rec = self.tls
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-tls-cert"])
        # A fresh challenge per connection.
        self.assertNotEqual(rec["greeting"], self.plain["greeting"])

    def test_opt_out_findings(self):
        self.assertEqual(p3s.ids(self.opt_out), ["pop3-apop", "pop3-cleartext", "pop3-detected"])

    def test_identified_from_its_challenge(self):
        # Nothing names it: the shape of its APOP challenge is strong indirect evidence (likely),
        # never the qmail its bare challenge resembles; Twisted shows no version.
        self.assert_product(vendor="Twisted Matrix Labs", name="Twisted Mail", version=None,
                            confidence="likely", rule="twisted", evidence_sources=["greeting"],
                            evidence_conflict=None,
                            host=self.apop_host,
                            cpe="cpe:2.3:a:twistedmatrix:twisted:*:*:*:*:*:*:*:*")



if __name__ == "__main__":
    p3s.main()
