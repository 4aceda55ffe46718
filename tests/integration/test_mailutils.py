"""Integration test against a real GNU Mailutils 3.15 pop3d from Debian (tests/servers/mailutils.sh):
cleartext POP3 with STLS on one loopback port, implicit TLS (GnuTLS) on another. Before login
Mailutils names nothing — "+OK POP3 Ready <PID.TIME@host>" is a generic greeting — but its CAPA
carries the misprint EXPIRENEVER; it accepts USER for any name, and refuses the STLS that follows an
accepted USER (RFC 1939 allows only PASS or QUIT there), so pop3scan must ask STLS twice."""
import re

import p3s

CAPS = ["TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "EXPIRENEVER", "USER", "STLS"]


class MailutilsTest(p3s.TwoPortServerTest):
    # The class cleanup checks that stop leaves nothing behind: pop3d and its per-connection
    # children.
    SCRIPT = "mailutils.sh"
    GREETING = re.compile(r"\+OK POP3 Ready (<\d+\.\d+@([^>\s]+)>)\Z")
    # Only from the second STLS: the first follows the accepted USER probe and is refused.
    STLS_REPLY = "+OK Begin TLS negotiation"
    USER_REPLY = "+OK"
    # GnuTLS, as Debian's Mailutils is built, still accepts TLS 1.0 and 1.1.
    TLS_VERSIONS = {"TLSv1.0": "accepted", "TLSv1.1": "accepted", "TLSv1.2": "accepted",
                    "TLSv1.3": "accepted"}

    def test_capabilities(self):
        rec = self.plain
        self.assertEqual(rec["capabilities"], CAPS)
        self.assertIsNone(rec["sasl"])

    def test_plain_findings(self):
        rec = self.plain
        # No pop3-stls-broken (test_stls checks it too): without the second STLS, STLS got
        # "-ERR Invalid command" and the finding was false. No version is shown, so no
        # pop3-version-disclosure; GnuTLS still accepts TLS 1.0 and 1.1.
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-plaintext-login",
                                        "pop3-tls-cert", "pop3-tls-weak"])
        self.assertEqual(p3s.finding(rec, "pop3-tls-weak")["evidence"],
                         "TLSv1.0 accepted; TLSv1.1 accepted")
        self.assertEqual(p3s.finding(rec, "pop3-tls-cert")["evidence"], "self-signed")

    def test_implicit_tls_findings(self):
        self.assertEqual(p3s.ids(self.tls), ["pop3-apop", "pop3-detected", "pop3-tls-cert",
                                             "pop3-tls-weak"])

    def test_opt_out_findings(self):
        rec = self.opt_out
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected"])
        # The same identification without the USER probe and STLS: greeting and CAPA carry it.
        self.assertEqual(rec["product"]["rule"], "mailutils-expirenever")

    def test_identified_without_a_name(self):
        # The greeting is generic and IMPLEMENTATION comes only after login: Mailutils is named
        # from its greeting together with the EXPIRENEVER misprint — likely, not certain — and not
        # as Dovecot, whose capability order (TOP UIDL RESP-CODES PIPELINING) it shares. No
        # version before login; the host is the APOP timestamp's.
        self.assert_product(vendor="GNU", name="Mailutils", version=None, confidence="likely",
                            rule="mailutils-expirenever", evidence_sources=["greeting", "capa"],
                            evidence_conflict=None,
                            cpe="cpe:2.3:a:gnu:mailutils:*:*:*:*:*:*:*:*",
                            host=self.apop_host)



if __name__ == "__main__":
    p3s.main()
