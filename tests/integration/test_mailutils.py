"""Integration test against a real GNU Mailutils 3.15 pop3d from Debian (tests/servers/mailutils.sh):
cleartext POP3 with STLS on one loopback port, implicit TLS (GnuTLS) on another. Before login
Mailutils names nothing — "+OK POP3 Ready <PID.TIME@host>" is a generic greeting — but its CAPA
carries the misprint EXPIRENEVER; it accepts USER for any name, and refuses the STLS that follows an
accepted USER (RFC 1939 allows only PASS or QUIT there), so pop3scan must ask STLS twice."""
import re

import p3s

GREETING = re.compile(r"\+OK POP3 Ready (<\d+\.\d+@([^>\s]+)>)\Z")
CAPS = ["TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "EXPIRENEVER", "USER", "STLS"]


class MailutilsTest(p3s.TwoPortServerTest):
    # tearDownClass checks that stop leaves nothing behind: pop3d and its per-connection children.
    SCRIPT = "mailutils.sh"

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
        self.assertEqual(rec["capabilities"], CAPS)
        self.assertIsNone(rec["sasl"])
        self.assertIsNone(rec["error"])

    def test_stls_upgrade(self):
        # Without the second STLS this was "-ERR Invalid command" and a false pop3-stls-broken.
        rec = self.res.by_port(self.port)
        stls = rec["stls"]
        self.assertTrue(stls["advertised"])
        self.assertTrue(stls["attempted"])
        self.assertEqual(stls["reply"], "+OK Begin TLS negotiation")
        self.assertTrue(stls["upgraded"])
        self.assertFalse(stls["cleartext_after_ok"])
        self.assertEqual(rec["tls"]["via"], "stls")
        self.assertTrue(rec["tls"]["version"].startswith("TLSv1."), rec["tls"])
        self.assertIsNone(rec["tls_error"])
        self.assertEqual(rec["capabilities_tls"], [c for c in CAPS if c != "STLS"])
        self.assertIsNone(p3s.finding(rec, "pop3-stls-broken"))

    def test_plaintext_login(self):
        rec = self.res.by_port(self.port)
        login = rec["plaintext_login"]
        self.assertTrue(login["advertised"])
        self.assertIs(login["accepted"], True)
        self.assertEqual(login["reply"], "+OK")
        f = p3s.finding(rec, "pop3-plaintext-login")
        self.assertEqual(f["severity"], "high")
        self.assertEqual(f["evidence"], "+OK")

    def test_plain_findings(self):
        rec = self.res.by_port(self.port)
        # No version is shown, so no pop3-version-disclosure; GnuTLS still accepts TLS 1.0 and 1.1.
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-plaintext-login",
                                        "pop3-tls-cert", "pop3-tls-weak"])
        self.assertEqual(p3s.finding(rec, "pop3-apop")["evidence"],
                         GREETING.match(rec["greeting"]).group(1))
        self.assertEqual(p3s.finding(rec, "pop3-tls-weak")["evidence"],
                         "TLSv1.0 accepted; TLSv1.1 accepted")
        self.assertEqual(p3s.finding(rec, "pop3-tls-cert")["evidence"], "self-signed")
        self.assertIsNone(p3s.finding(rec, "pop3-cleartext"), "STLS is offered")

    def test_implicit_tls_port(self):
        rec = self.res.by_port(self.tport)
        self.assertEqual(rec["transport"], "tls")
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertRegex(rec["greeting"], GREETING)
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertIsNone(rec["capabilities"])
        self.assertIsNone(rec["stls"])
        self.assertIsNone(rec["plaintext_login"])
        self.assertEqual(rec["capabilities_tls"], [c for c in CAPS if c != "STLS"])
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-tls-cert", "pop3-tls-weak"])

    def test_tls_versions(self):
        for port in (self.port, self.tport):
            versions = self.res.by_port(port)["tls"]["versions"]
            for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"):
                self.assertEqual(versions[v], "accepted", (port, versions))

    def test_opt_outs(self):
        res = self.res_opt_out
        self.assertEqual(res.rc, 0, res.stderr)
        rec = res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        self.assertTrue(rec["stls"]["advertised"])
        self.assertFalse(rec["stls"]["attempted"])
        self.assertIsNone(rec["tls"])
        self.assertIsNone(rec["plaintext_login"]["accepted"])
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected"])
        # The same identification without the USER probe and STLS: greeting and CAPA carry it.
        self.assertEqual(rec["product"]["rule"], "mailutils-expirenever")

    def test_identified_without_a_name(self):
        # The greeting is generic and IMPLEMENTATION comes only after login: Mailutils is named
        # from its greeting together with the EXPIRENEVER misprint — likely, not certain — and not
        # as Dovecot, whose capability order (TOP UIDL RESP-CODES PIPELINING) it shares.
        for port in (self.port, self.tport):
            rec = self.res.by_port(port)
            product = rec["product"]
            self.assertEqual((product["vendor"], product["name"]), ("GNU", "Mailutils"), product)
            self.assertIsNone(product["version"], "no version before login")
            self.assertEqual(product["confidence"], "likely")
            self.assertEqual(product["rule"], "mailutils-expirenever")
            self.assertEqual(product["evidence"]["sources"], ["greeting", "capa"])
            self.assertIsNone(product["evidence"]["conflict"])
            self.assertEqual(product["cpe"], "cpe:2.3:a:gnu:mailutils:*:*:*:*:*:*:*:*")
            self.assertEqual(product["host"], GREETING.match(rec["greeting"]).group(2))

    def test_cleartext_port_as_tls(self):
        rec = self.res_wrong.by_port(self.port)
        self.assertEqual(rec["state"], "tls-error")
        self.assertIsNotNone(rec["tls_error"])
        self.assertEqual(rec["findings"], [])


if __name__ == "__main__":
    p3s.main()
