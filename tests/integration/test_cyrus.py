"""Integration test against a real Cyrus IMAP 3.6 pop3d from Debian (tests/servers/cyrus.sh):
cleartext POP3 with STLS on one loopback port, implicit TLS on another. Cyrus puts an APOP
timestamp in its greeting, accepts USER for any name before TLS (allowplaintext: yes) and lists
its version in CAPA's IMPLEMENTATION line."""
import re

import p3s

GREETING = re.compile(r"\+OK localhost Cyrus POP3 3\.\d+\.\d+\S* server ready (<\d+\.\d+@localhost>)\Z")


class CyrusTest(p3s.TwoPortServerTest):
    # tearDownClass checks that stop leaves nothing listening: master and its pop3d children gone.
    SCRIPT = "cyrus.sh"

    def test_scan_ran(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        self.assertEqual(len(self.res.records), 2)

    def test_plain_port(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["service"], "pop3")
        self.assertEqual(rec["transport"], "plain")
        self.assertRegex(rec["greeting"], GREETING)
        caps = rec["capabilities"]
        for cap in ("STLS", "USER", "TOP", "UIDL", "PIPELINING", "RESP-CODES", "AUTH-RESP-CODE",
                    "EXPIRE NEVER", "LOGIN-DELAY 0", "SASL PLAIN LOGIN"):
            self.assertIn(cap, caps)
        impl = [c for c in caps if c.startswith("IMPLEMENTATION ")]
        self.assertEqual(len(impl), 1, caps)
        self.assertTrue(impl[0].startswith("IMPLEMENTATION Cyrus POP3 3"), impl)
        self.assertEqual(rec["sasl"], ["PLAIN", "LOGIN"])

    def test_stls_upgrade(self):
        rec = self.res.by_port(self.port)
        stls = rec["stls"]
        self.assertTrue(stls["advertised"])
        self.assertTrue(stls["attempted"])
        self.assertEqual(stls["reply"], "+OK Begin TLS negotiation now")
        self.assertTrue(stls["upgraded"])
        self.assertFalse(stls["cleartext_after_ok"])
        self.assertEqual(rec["tls"]["via"], "stls")
        self.assertTrue(rec["tls"]["version"].startswith("TLSv1."), rec["tls"])
        self.assertIsNone(rec["tls_error"])
        # Under TLS Cyrus sends the same list without STLS.
        self.assertEqual(rec["capabilities_tls"], [c for c in rec["capabilities"] if c != "STLS"])
        self.assertEqual(rec["sasl_tls"], ["PLAIN", "LOGIN"])

    def test_plaintext_login(self):
        rec = self.res.by_port(self.port)
        login = rec["plaintext_login"]
        self.assertTrue(login["advertised"])
        self.assertIs(login["accepted"], True)
        self.assertEqual(login["reply"], "+OK Name is a valid mailbox")
        f = p3s.finding(rec, "pop3-plaintext-login")
        self.assertIsNotNone(f)
        self.assertEqual(f["severity"], "high")
        self.assertEqual(f["evidence"], login["reply"])

    def test_plain_findings(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-plaintext-login",
                                        "pop3-tls-cert", "pop3-version-disclosure"])
        self.assertEqual(p3s.finding(rec, "pop3-tls-cert")["evidence"], "self-signed")
        self.assertEqual(p3s.finding(rec, "pop3-version-disclosure")["evidence"], rec["greeting"])
        apop = p3s.finding(rec, "pop3-apop")
        self.assertEqual(apop["severity"], "low")
        self.assertEqual(apop["evidence"], GREETING.match(rec["greeting"]).group(1))
        self.assertIsNone(p3s.finding(rec, "pop3-cleartext"), "STLS is offered")
        self.assertIsNone(p3s.finding(rec, "pop3-stls-broken"))

    def test_in_step_and_not_injectable(self):
        rec = self.res.by_port(self.port)
        self.assertIsNone(rec["unsolicited"], rec["unsolicited"])
        self.assertEqual(rec["findings_withheld"], [])
        # Cyrus 3.6 drops what came with STLS (the fix of CVE-2011-1926): under TLS only QUIT
        # is answered.
        inj = rec["stls"]["injection"]
        self.assertEqual(inj["result"], "not-vulnerable", inj)
        self.assertEqual(inj["detail"], "only QUIT was answered under TLS")
        self.assertIsNone(inj["evidence"])
        self.assertIsNone(inj["cleartext_after_ok"])
        self.assertIsNone(p3s.finding(rec, "pop3-stls-injection"))
        self.assertIsNone(self.res_opt_out.by_port(self.port)["stls"]["injection"])

    def test_implicit_tls_port(self):
        rec = self.res.by_port(self.tport)
        self.assertEqual(rec["transport"], "tls")
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertRegex(rec["greeting"], GREETING)
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertTrue(rec["tls"]["version"].startswith("TLSv1."), rec["tls"])
        self.assertIsNone(rec["capabilities"])
        self.assertIsNone(rec["stls"])
        self.assertIsNone(rec["plaintext_login"])
        self.assertNotIn("STLS", rec["capabilities_tls"])
        self.assertTrue(any(c.startswith("IMPLEMENTATION Cyrus POP3 3") for c in rec["capabilities_tls"]))
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-tls-cert",
                                        "pop3-version-disclosure"])
        # A fresh timestamp per connection.
        self.assertNotEqual(rec["greeting"], self.res.by_port(self.port)["greeting"])

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
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-version-disclosure"])

    def test_identified_with_version(self):
        # nmap 7.93 does not name Cyrus 3; the greeting and IMPLEMENTATION do.
        for port in (self.port, self.tport):
            product = self.res.by_port(port)["product"]
            self.assertEqual((product["vendor"], product["name"], product["version"]),
                             ("Cyrus", "Cyrus IMAP", "3.6.1"), product)
            self.assertEqual(product["cpe"], "cpe:2.3:a:cyrus:imap:3.6.1:*:*:*:*:*:*:*")
            self.assertEqual(product["os"], "Debian")
            self.assertEqual(product["host"], "localhost")

    def test_tls_versions(self):
        for port in (self.port, self.tport):
            versions = self.res.by_port(port)["tls"]["versions"]
            self.assertEqual(versions["TLSv1.2"], "accepted")
            self.assertEqual(versions["SSLv3"], "unsupported")

    def test_cleartext_port_as_tls(self):
        rec = self.res_wrong.by_port(self.port)
        self.assertEqual(rec["state"], "tls-error")
        self.assertIsNotNone(rec["tls_error"])
        self.assertEqual(rec["findings"], [])

    def test_fail_on(self):
        self.assertEqual(p3s.scan("-p", self.port, "--fail-on", "high", "127.0.0.1").rc, 1)
        self.assertEqual(p3s.scan("-p", f"tls:{self.tport}", "--fail-on", "medium", "127.0.0.1").rc, 0)


if __name__ == "__main__":
    p3s.main()
