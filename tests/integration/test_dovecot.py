"""Integration tests against a real Dovecot 2.3 from Debian, started on loopback high ports.

Two instances: one accepts cleartext login (disable_plaintext_auth = no) on 127.0.0.1 and ::1
(the base class's checks run on it); the other refuses it (disable_plaintext_auth = yes) and
listens on 127.0.0.2 so that our connections from 127.0.0.1 count as insecure. Each has STLS on
its plain port and implicit TLS on a second port.
"""
import p3s


class DovecotTest(p3s.TwoPortServerTest):
    SCRIPT = "dovecot.sh"
    OPTIONS = ("--listen", "127.0.0.1,::1", "--plaintext", "yes")
    GREETING = "+OK Dovecot (Debian) ready."
    STLS_REPLY = "+OK Begin TLS negotiation now."
    USER_REPLY = "+OK"
    # Debian's Dovecot defaults to ssl_min_protocol = TLSv1.2.
    TLS_VERSIONS = {"SSLv3": "unsupported", "TLSv1.0": "refused", "TLSv1.1": "refused",
                    "TLSv1.2": "accepted", "TLSv1.3": "accepted"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pb, cls.tb = p3s.free_ports(2)
        cls.start_server("dovecot.sh", cls.pb, cls.tb, "--listen", "127.0.0.2",
                         "--plaintext", "no")
        cls.res_strict = p3s.scan("-p", f"{cls.pb},tls:{cls.tb}", "127.0.0.2")
        cls.res_v6 = p3s.scan("-p", f"{cls.port},tls:{cls.tport}", "[::1]")

    def test_scan_ran_strict_and_v6(self):
        for res in (self.res_strict, self.res_v6):
            self.assertEqual(res.rc, 0, res.stderr)
            self.assertEqual(len(res.records), 2)

    def test_plain_findings(self):
        self.assertIsNotNone(p3s.finding(self.plain, "pop3-detected"))

    def test_sasl(self):
        self.assertEqual(self.plain["sasl"], ["PLAIN", "LOGIN", "CRAM-MD5"])

    def test_a_in_step_and_not_injectable(self):
        for res, port in ((self.res, self.port), (self.res_strict, self.pb)):
            rec = res.by_port(port)
            # test_in_step checks the first instance's ports, this the strict one's too.
            self.assertIsNone(rec["unsolicited"], rec["unsolicited"])
            self.assertEqual(rec["findings_withheld"], [])
            # Dovecot hands the CAPA that came with STLS to its TLS layer, which reads it as the
            # start of a handshake and gives up: no session, so no finding — and no verdict
            # either, since a server that ran the CAPA and died would close the same way.
            inj = rec["stls"]["injection"]
            self.assertEqual(inj["result"], "inconclusive", inj)
            self.assertTrue(inj["detail"].startswith(
                "the TLS handshake failed when CAPA followed STLS in one write"), inj)
            self.assertIsNone(inj["evidence"])
            self.assertIsNone(p3s.finding(rec, "pop3-stls-injection"))

    def test_implicit_tls_findings(self):
        for rec in (self.tls, self.res_strict.by_port(self.tb)):
            self.assertIn("USER", rec["capabilities_tls"])
            # The test certificate is self-signed: that and nothing else is wrong with its TLS.
            self.assertEqual(p3s.ids(rec), ["pop3-detected", "pop3-tls-cert"])
            self.assertEqual(p3s.finding(rec, "pop3-tls-cert")["evidence"], "self-signed")

    def test_strict_implicit_tls_port(self):
        # What the base class checks of the first instance's implicit-TLS port.
        rec = self.res_strict.by_port(self.tb)
        self.assertEqual(rec["transport"], "tls")
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertIsNone(rec["capabilities"])
        self.assertIsNone(rec["plaintext_login"])

    def test_identified_on_every_port(self):
        for res in (self.res, self.res_strict, self.res_v6):
            for rec in res.records:
                self.assertEqual(rec["product"]["vendor"], "Dovecot", rec)
                self.assertEqual(rec["product"]["name"], "Dovecot")
                self.assertEqual(rec["product"]["os"], "Debian")
                self.assertTrue(rec["product"]["cpe"].startswith("cpe:2.3:a:dovecot:dovecot:"))
                # "+OK Dovecot (Debian) ready." names it: certain, from the greeting.
                self.assertEqual(rec["product"]["confidence"], "certain")
                self.assertIn("greeting", rec["product"]["evidence"]["sources"])
                self.assertIsNone(rec["product"]["evidence"]["conflict"])
                self.assertIsNone(p3s.finding(rec, "pop3-version-disclosure"))

    def test_tls_details(self):
        rec = self.tls
        cert = rec["tls"]["certificate"]
        self.assertEqual(cert["subject"], "CN=localhost")
        self.assertTrue(cert["self_signed"])
        self.assertFalse(cert["trusted"])
        self.assertIn("DNS:localhost", cert["sans"])
        self.assertEqual(len(cert["sha256"]), 64)
        self.assertIsNone(cert["name_matches"], "an address was scanned, not a name")
        # Only TLS 1.2 and 1.3 (TLS_VERSIONS, on both ports): nothing weak.
        self.assertIsNone(p3s.finding(rec, "pop3-tls-weak"))

    def test_old_tls_versions_accepted_are_weak(self):
        plain, tls = p3s.free_ports(2)
        with p3s.ServerScript("dovecot.sh", "--port", plain, "--tls-port", tls,
                              "--ssl-min", "TLSv1"):
            res = p3s.scan("-p", f"{plain},tls:{tls}", "127.0.0.1")
        for rec in res.records:
            versions = rec["tls"]["versions"]
            self.assertEqual(versions["TLSv1.0"], "accepted", rec)
            self.assertEqual(versions["TLSv1.1"], "accepted")
            weak = p3s.finding(rec, "pop3-tls-weak")
            self.assertIsNotNone(weak, rec)
            self.assertEqual(weak["severity"], "medium")
            self.assertIn("TLSv1.0 accepted", weak["evidence"])
            self.assertIn("TLSv1.1 accepted", weak["evidence"])

    def test_b_plaintext_login_refused(self):
        rec = self.res_strict.by_port(self.pb)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertIsNone(p3s.finding(rec, "pop3-plaintext-login"))
        login = rec["plaintext_login"]
        self.assertIs(login["accepted"], False)
        self.assertFalse(login["advertised"])
        self.assertTrue(login["reply"].startswith("-ERR [AUTH] Plaintext authentication disallowed"),
                        login)
        self.assertTrue(rec["stls"]["upgraded"])
        before, after = set(rec["capabilities"]), set(rec["capabilities_tls"])
        self.assertNotEqual(before, after)
        self.assertIn("STLS", before - after)
        self.assertIn("USER", after - before)
        self.assertNotIn("PLAIN", rec["sasl"])
        self.assertIn("PLAIN", rec["sasl_tls"])

    def test_ipv6_same_answers(self):
        for port in (self.port, self.tport):
            v4, v6 = self.res.by_port(port), self.res_v6.by_port(port)
            self.assertEqual(v6["ip"], "::1")
            for key in ("state", "confidence", "greeting", "capabilities", "capabilities_tls",
                        "sasl", "transport"):
                self.assertEqual(v4[key], v6[key], key)
            self.assertEqual(p3s.ids(v4), p3s.ids(v6))
            self.assertEqual((v4["plaintext_login"] or {}).get("accepted"),
                             (v6["plaintext_login"] or {}).get("accepted"))

    def test_text_output(self):
        res = p3s.scan("-p", f"{self.port}", "127.0.0.1", jsonl=False)
        self.assertEqual(res.rc, 0)
        out = res.stdout.decode()
        self.assertIn("pop3 (confirmed)", out)
        self.assertIn("pop3-plaintext-login", out)
        self.assertNotIn("\x1b", out, "no colour when standard output is not a terminal")

    def test_fail_on(self):
        self.assertEqual(p3s.scan("-p", self.port, "--fail-on", "high", "127.0.0.1").rc, 1)
        self.assertEqual(p3s.scan("-p", self.pb, "--fail-on", "high", "127.0.0.2").rc, 0)


if __name__ == "__main__":
    p3s.main()
