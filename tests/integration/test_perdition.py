"""Integration test against the real Perdition 2.2 POP3 proxy from Debian (tests/servers/perdition.sh):
perdition.pop3 with STLS on one loopback port, perdition.pop3s (implicit TLS) on another. Perdition
answers everything before login itself — a greeting that misspells its name ("perditon"), a
three-line CAPA, and replies ending in ", mate" — and needs its back end only for PASS, which
pop3scan never sends."""
import re

import p3s


class PerditionTest(p3s.TwoPortServerTest):
    # The class cleanup checks that stop leaves nothing behind: both listeners and their children.
    SCRIPT = "perdition.sh"
    GREETING = re.compile(r"\+OK POP3 perditon ready on 127\.0\.0\.1 [0-9a-f]{8}\Z")
    STLS_REPLY = "+OK Begin TLS negotiation, mate"
    USER_REPLY = "+OK USER {probe_user} set, mate"
    TLS_VERSIONS = {"TLSv1.0": "refused", "TLSv1.2": "accepted", "TLSv1.3": "accepted"}

    def test_capabilities(self):
        self.assertEqual(self.plain["capabilities"], ["UIDL", "USER", "STLS"])

    def test_plain_findings(self):
        rec = self.plain
        # No APOP timestamp, no version: neither pop3-apop nor pop3-version-disclosure.
        self.assertEqual(p3s.ids(rec), ["pop3-detected", "pop3-plaintext-login", "pop3-tls-cert"])

    def test_implicit_tls_findings(self):
        self.assertEqual(p3s.ids(self.tls), ["pop3-detected", "pop3-tls-cert"])

    def test_opt_out_findings(self):
        rec = self.opt_out
        self.assertEqual(p3s.ids(rec), ["pop3-detected"])
        self.assertEqual(rec["product"]["rule"], "perdition")

    def test_identified_despite_the_misspelling(self):
        # Its greeting names it (as "perditon"): certain; the bind address is the host; no version.
        self.assert_product(vendor="Perdition", name="Perdition POP3 proxy", version=None,
                            confidence="certain", rule="perdition", host="127.0.0.1",
                            evidence_conflict=None)



if __name__ == "__main__":
    p3s.main()
