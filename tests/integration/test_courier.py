"""Integration test against a real Courier 1.0.16 POP3 server from Debian
(tests/servers/courier.sh): couriertcpd + courierpop3login with STLS on one loopback port,
couriertls around it (implicit TLS) on another. Courier greets with a fixed "+OK Hello there."
(no APOP timestamp), lists no SASL line with Debian's POP3AUTH="" and accepts USER before TLS."""
import socket

import p3s

CAPS_TLS = ["TOP", "USER", "LOGIN-DELAY 10", "PIPELINING", "UIDL", "UTF8 USER",
            "IMPLEMENTATION Courier Mail Server"]


class CourierTest(p3s.TwoPortServerTest):
    # The class cleanup checks that stop leaves nothing listening: both couriertcpd, couriertls
    # and authdaemond gone.
    SCRIPT = "courier.sh"
    GREETING = "+OK Hello there."
    STLS_REPLY = "+OK Begin SSL/TLS negotiation now."
    USER_REPLY = "+OK Password required."
    # couriertls as Debian ships it still accepts TLS 1.0 and 1.1.
    TLS_VERSIONS = {"TLSv1.0": "accepted", "TLSv1.1": "accepted"}

    def test_capabilities(self):
        rec = self.plain
        self.assertEqual(rec["capabilities"], ["STLS"] + CAPS_TLS)
        self.assertEqual(rec["capabilities_tls"], CAPS_TLS)
        self.assertIsNone(rec["sasl"], "Debian's default POP3AUTH is empty: no SASL line")

    def test_plain_findings(self):
        rec = self.plain
        self.assertEqual(p3s.ids(rec), ["pop3-detected", "pop3-plaintext-login",
                                        "pop3-stls-injection", "pop3-tls-cert", "pop3-tls-weak"])

    def test_stls_injection(self):
        # Measured, not assumed: courierpop3login (Debian's 1.0.16-3+b6) keeps the CAPA that came
        # in the same write as STLS and, once couriertls has done the handshake, answers it
        # inside TLS, before the answer to QUIT, though CAPA was never sent under TLS. By hand:
        # "STLS\r\nCAPA\r\n", handshake, then read without sending: the capability list arrives.
        inj = self.plain["stls"]["injection"]
        self.assertEqual(inj["result"], "vulnerable", inj)
        self.assertTrue(inj["evidence"].startswith("+OK Here's what I can do:\n"), inj)
        self.assertIn("\nIMPLEMENTATION Courier Mail Server\n.\n", inj["evidence"])
        self.assertTrue(inj["evidence"].endswith("\n+OK Better luck next time."), inj)
        self.assertIsNone(inj["cleartext_after_ok"])
        f = p3s.finding(self.plain, "pop3-stls-injection")
        self.assertEqual(f["severity"], "high")
        self.assertEqual(f["evidence"], inj["evidence"])

    def test_implicit_tls_findings(self):
        rec = self.tls
        self.assertEqual(p3s.ids(rec), ["pop3-detected", "pop3-tls-cert", "pop3-tls-weak"])
        self.assertEqual(p3s.finding(rec, "pop3-tls-weak")["evidence"],
                         "TLSv1.0 accepted; TLSv1.1 accepted")

    def test_opt_out_findings(self):
        self.assertEqual(p3s.ids(self.opt_out), ["pop3-detected"])

    def test_identified_on_both_ports(self):
        # "Hello there." alone names nothing; with IMPLEMENTATION Courier Mail Server it does (no
        # version shown, so no pop3-version-disclosure: see the findings above).
        self.assert_product(vendor="Courier", name="Courier Mail Server")

    def test_many_connections_from_one_address(self):
        # couriertcpd runs with -maxperip=1000: concurrent connections from one address beyond
        # Debian's maxperip=4 (which closes the 5th silently) must all get the greeting.
        socks = []
        try:
            for _ in range(12):
                socks.append(socket.create_connection(("127.0.0.1", self.port), timeout=5))
            for s in socks:
                with s.makefile("rb") as f:
                    self.assertEqual(f.readline(), self.GREETING.encode() + b"\r\n")
        finally:
            for s in socks:
                s.close()

    def test_fail_on(self):
        self.assertEqual(p3s.scan("-p", self.port, "--fail-on", "high", "127.0.0.1").rc, 1)
        self.assertEqual(p3s.scan("-p", f"tls:{self.tport}", "--fail-on", "high", "127.0.0.1").rc, 0)
        self.assertEqual(p3s.scan("-p", f"tls:{self.tport}", "--fail-on", "medium", "127.0.0.1").rc, 1)


if __name__ == "__main__":
    p3s.main()
