"""Integration test against a real Courier 1.0.16 POP3 server from Debian
(tests/servers/courier.sh): couriertcpd + courierpop3login with STLS on one loopback port,
couriertls around it (implicit TLS) on another. Courier greets with a fixed "+OK Hello there."
(no APOP timestamp), lists no SASL line with Debian's POP3AUTH="" and accepts USER before TLS."""
import socket

import p3s

GREETING = "+OK Hello there."
CAPS_TLS = ["TOP", "USER", "LOGIN-DELAY 10", "PIPELINING", "UIDL", "UTF8 USER",
            "IMPLEMENTATION Courier Mail Server"]



class CourierTest(p3s.TwoPortServerTest):
    # tearDownClass checks that stop leaves nothing listening: both couriertcpd, couriertls and authdaemond gone.
    SCRIPT = "courier.sh"

    def test_scan_ran(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        self.assertEqual(len(self.res.records), 2)

    def test_plain_port(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["service"], "pop3")
        self.assertEqual(rec["transport"], "plain")
        self.assertEqual(rec["greeting"], GREETING)
        caps = rec["capabilities"]
        for cap in ["STLS"] + CAPS_TLS:
            self.assertIn(cap, caps)
        self.assertIn("IMPLEMENTATION Courier Mail Server", caps)
        self.assertIsNone(rec["sasl"], "Debian's default POP3AUTH is empty: no SASL line")

    def test_stls_upgrade(self):
        rec = self.res.by_port(self.port)
        stls = rec["stls"]
        self.assertTrue(stls["advertised"])
        self.assertTrue(stls["attempted"])
        self.assertEqual(stls["reply"], "+OK Begin SSL/TLS negotiation now.")
        self.assertTrue(stls["upgraded"])
        self.assertFalse(stls["cleartext_after_ok"])
        self.assertEqual(rec["tls"]["via"], "stls")
        self.assertTrue(rec["tls"]["version"].startswith("TLSv1."), rec["tls"])
        self.assertIsNone(rec["tls_error"])
        self.assertEqual(rec["capabilities_tls"], CAPS_TLS)
        self.assertEqual(rec["capabilities_tls"], [c for c in rec["capabilities"] if c != "STLS"])

    def test_plaintext_login(self):
        rec = self.res.by_port(self.port)
        login = rec["plaintext_login"]
        self.assertTrue(login["advertised"])
        self.assertIs(login["accepted"], True)
        self.assertEqual(login["reply"], "+OK Password required.")
        f = p3s.finding(rec, "pop3-plaintext-login")
        self.assertIsNotNone(f)
        self.assertEqual(f["severity"], "high")
        self.assertEqual(f["evidence"], login["reply"])

    def test_plain_findings(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(p3s.ids(rec), ["pop3-detected", "pop3-plaintext-login",
                                        "pop3-stls-injection", "pop3-tls-cert", "pop3-tls-weak"])
        self.assertIsNone(p3s.finding(rec, "pop3-apop"), "no timestamp in the greeting")
        self.assertIsNone(p3s.finding(rec, "pop3-cleartext"), "STLS is offered")
        self.assertIsNone(p3s.finding(rec, "pop3-stls-broken"))

    def test_in_step(self):
        # Courier answers every command once: nothing unsolicited, nothing withheld.
        for port in (self.port, self.tport):
            rec = self.res.by_port(port)
            self.assertIsNone(rec["unsolicited"], rec["unsolicited"])
            self.assertEqual(rec["findings_withheld"], [])

    def test_stls_injection(self):
        # Measured, not assumed: courierpop3login (Debian's 1.0.16-3+b6) keeps the CAPA that came
        # in the same write as STLS and, once couriertls has done the handshake, answers it
        # inside TLS, before the answer to QUIT, though CAPA was never sent under TLS. By hand:
        # "STLS\r\nCAPA\r\n", handshake, then read without sending: the capability list arrives.
        inj = self.res.by_port(self.port)["stls"]["injection"]
        self.assertEqual(inj["result"], "vulnerable", inj)
        self.assertTrue(inj["evidence"].startswith("+OK Here's what I can do:\n"), inj)
        self.assertIn("\nIMPLEMENTATION Courier Mail Server\n.\n", inj["evidence"])
        self.assertTrue(inj["evidence"].endswith("\n+OK Better luck next time."), inj)
        self.assertIsNone(inj["cleartext_after_ok"])
        f = p3s.finding(self.res.by_port(self.port), "pop3-stls-injection")
        self.assertEqual(f["severity"], "high")
        self.assertEqual(f["evidence"], inj["evidence"])
        # Not tried without STLS, nor on the implicit-TLS port.
        self.assertIsNone(self.res_opt_out.by_port(self.port)["stls"]["injection"])
        self.assertIsNone(self.res.by_port(self.tport)["stls"])

    def test_implicit_tls_port(self):
        rec = self.res.by_port(self.tport)
        self.assertEqual(rec["transport"], "tls")
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["greeting"], GREETING)
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertTrue(rec["tls"]["version"].startswith("TLSv1."), rec["tls"])
        self.assertIsNone(rec["capabilities"])
        self.assertIsNone(rec["stls"])
        self.assertIsNone(rec["plaintext_login"])
        self.assertEqual(rec["capabilities_tls"], CAPS_TLS)
        # couriertls as Debian ships it still accepts TLS 1.0 and 1.1.
        self.assertEqual(p3s.ids(rec), ["pop3-detected", "pop3-tls-cert", "pop3-tls-weak"])
        self.assertEqual(rec["tls"]["versions"]["TLSv1.0"], "accepted")
        self.assertEqual(p3s.finding(rec, "pop3-tls-weak")["evidence"],
                         "TLSv1.0 accepted; TLSv1.1 accepted")

    def test_opt_outs(self):
        res = self.res_opt_out
        self.assertEqual(res.rc, 0, res.stderr)
        rec = res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        self.assertTrue(rec["stls"]["advertised"])
        self.assertFalse(rec["stls"]["attempted"])
        self.assertIsNone(rec["capabilities_tls"])
        self.assertIsNone(rec["tls"])
        self.assertIsNone(rec["plaintext_login"]["accepted"])
        self.assertEqual(p3s.ids(rec), ["pop3-detected"])

    def test_identified_on_both_ports(self):
        # "Hello there." alone names nothing; with IMPLEMENTATION Courier Mail Server it does.
        for port in (self.port, self.tport):
            product = self.res.by_port(port)["product"]
            self.assertEqual((product["vendor"], product["name"]), ("Courier", "Courier Mail Server"),
                             product)
            self.assertIsNone(p3s.finding(self.res.by_port(port), "pop3-version-disclosure"))

    def test_cleartext_port_as_tls(self):
        rec = self.res_wrong.by_port(self.port)
        self.assertEqual(rec["state"], "tls-error")
        self.assertIsNotNone(rec["tls_error"])
        self.assertEqual(rec["findings"], [])

    def test_many_connections_from_one_address(self):
        # couriertcpd runs with -maxperip=1000: concurrent connections from one address beyond
        # Debian's maxperip=4 (which closes the 5th silently) must all get the greeting.
        socks = []
        try:
            for _ in range(12):
                socks.append(socket.create_connection(("127.0.0.1", self.port), timeout=5))
            for s in socks:
                with s.makefile("rb") as f:
                    self.assertEqual(f.readline(), GREETING.encode() + b"\r\n")
        finally:
            for s in socks:
                s.close()

    def test_fail_on(self):
        self.assertEqual(p3s.scan("-p", self.port, "--fail-on", "high", "127.0.0.1").rc, 1)
        self.assertEqual(p3s.scan("-p", f"tls:{self.tport}", "--fail-on", "high", "127.0.0.1").rc, 0)
        self.assertEqual(p3s.scan("-p", f"tls:{self.tport}", "--fail-on", "medium", "127.0.0.1").rc, 1)


if __name__ == "__main__":
    p3s.main()
