"""Integration test against a real Cyrus IMAP 3.6 pop3d from Debian (tests/servers/cyrus.sh):
cleartext POP3 with STLS on one loopback port, implicit TLS on another. Cyrus puts an APOP
timestamp in its greeting, accepts USER for any name before TLS (allowplaintext: yes) and lists
its version in CAPA's IMPLEMENTATION line."""
import re

import p3s


class CyrusTest(p3s.TwoPortServerTest):
    # The class cleanup checks that stop leaves nothing listening: master and its pop3d children
    # gone.
    SCRIPT = "cyrus.sh"
    GREETING = re.compile(r"\+OK localhost Cyrus POP3 3\.\d+\.\d+\S* server ready "
                          r"(<\d+\.\d+@localhost>)\Z")
    STLS_REPLY = "+OK Begin TLS negotiation now"
    USER_REPLY = "+OK Name is a valid mailbox"
    TLS_VERSIONS = {"TLSv1.2": "accepted", "SSLv3": "unsupported"}

    def test_capabilities(self):
        rec = self.plain
        caps = rec["capabilities"]
        for cap in ("STLS", "USER", "TOP", "UIDL", "PIPELINING", "RESP-CODES", "AUTH-RESP-CODE",
                    "EXPIRE NEVER", "LOGIN-DELAY 0", "SASL PLAIN LOGIN"):
            self.assertIn(cap, caps)
        impl = [c for c in caps if c.startswith("IMPLEMENTATION ")]
        self.assertEqual(len(impl), 1, caps)
        self.assertTrue(impl[0].startswith("IMPLEMENTATION Cyrus POP3 3"), impl)
        self.assertEqual(rec["sasl"], ["PLAIN", "LOGIN"])
        self.assertEqual(rec["sasl_tls"], ["PLAIN", "LOGIN"])

    def test_plain_findings(self):
        rec = self.plain
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-plaintext-login",
                                        "pop3-tls-cert", "pop3-version-disclosure"])
        self.assertEqual(p3s.finding(rec, "pop3-tls-cert")["evidence"], "self-signed")
        self.assertEqual(p3s.finding(rec, "pop3-version-disclosure")["evidence"], rec["greeting"])

    def test_not_injectable(self):
        rec = self.plain
        # Cyrus 3.6 drops what came with STLS (the fix of CVE-2011-1926): under TLS only QUIT
        # is answered.
        inj = rec["stls"]["injection"]
        self.assertEqual(inj["result"], "not-vulnerable", inj)
        self.assertEqual(inj["detail"], "only QUIT was answered under TLS")
        self.assertIsNone(inj["evidence"])
        self.assertIsNone(inj["cleartext_after_ok"])
        self.assertIsNone(p3s.finding(rec, "pop3-stls-injection"))

    def test_implicit_tls_findings(self):
        rec = self.tls
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-tls-cert",
                                        "pop3-version-disclosure"])
        # A fresh timestamp per connection.
        self.assertNotEqual(rec["greeting"], self.plain["greeting"])

    def test_opt_out_findings(self):
        self.assertEqual(p3s.ids(self.opt_out),
                         ["pop3-apop", "pop3-detected", "pop3-version-disclosure"])

    def test_identified_with_version(self):
        # nmap 7.93 does not name Cyrus 3; the greeting and IMPLEMENTATION do.
        self.assert_product(vendor="Cyrus", name="Cyrus IMAP", version="3.6.1",
                            cpe="cpe:2.3:a:cyrus:imap:3.6.1:*:*:*:*:*:*:*", os="Debian",
                            host="localhost")

    def test_fail_on(self):
        self.assertEqual(p3s.scan("-p", self.port, "--fail-on", "high", "127.0.0.1").rc, 1)
        self.assertEqual(p3s.scan("-p", f"tls:{self.tport}", "--fail-on", "medium", "127.0.0.1").rc, 0)


if __name__ == "__main__":
    p3s.main()
