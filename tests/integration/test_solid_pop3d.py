"""Integration test against a real Solid POP3 0.15 from Debian (tests/servers/solid-pop3d.sh), run
inetd-style under tcpserver on loopback, behind a socat TLS front for the implicit-TLS port (it
has no TLS of its own). It names itself in the greeting, with an APOP timestamp and no version;
it has no CAPA ("-ERR unknown command") and accepts USER for any name."""
import re
import subprocess

import p3s

GREETING = re.compile(r"\+OK Solid POP3 server ready (<\d+\.\d+@([^>\s]+)>)\Z")


class SolidPop3dTest(p3s.TwoPortServerTest):
    # tearDownClass checks that stop leaves nothing behind: tcpserver, its solid-pop3d children
    # and socat.
    SCRIPT = "solid-pop3d.sh"

    def test_scan_ran(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        self.assertEqual(len(self.res.records), 2)

    def test_plain_port(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        # CAPA's "-ERR unknown command" is a second POP3-shaped answer.
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["transport"], "plain")
        self.assertRegex(rec["greeting"], GREETING)
        self.assertIsNone(rec["capabilities"])
        self.assertIsNone(rec["error"])

    def test_no_stls(self):
        rec = self.res.by_port(self.port)
        stls = rec["stls"]
        self.assertFalse(stls["advertised"])
        self.assertFalse(stls["attempted"])
        self.assertIsNone(stls["reply"])
        self.assertIsNone(rec["tls"])
        self.assertIsNone(rec["capabilities_tls"])

    def test_plaintext_login(self):
        rec = self.res.by_port(self.port)
        login = rec["plaintext_login"]
        self.assertFalse(login["advertised"], "nothing is advertised without CAPA")
        self.assertIs(login["accepted"], True)
        self.assertEqual(login["reply"], "+OK username accepted")

    def test_plain_findings(self):
        rec = self.res.by_port(self.port)
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-cleartext", "pop3-detected",
                                        "pop3-plaintext-login"])
        cleartext = p3s.finding(rec, "pop3-cleartext")
        self.assertEqual(cleartext["severity"], "medium")
        self.assertEqual(cleartext["evidence"], "-ERR unknown command")
        self.assertEqual(p3s.finding(rec, "pop3-plaintext-login")["evidence"], "+OK username accepted")
        self.assertEqual(p3s.finding(rec, "pop3-apop")["evidence"],
                         GREETING.match(rec["greeting"]).group(1))

    def test_tls_front(self):
        rec = self.res.by_port(self.tport)
        self.assertEqual(rec["transport"], "tls")
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertRegex(rec["greeting"], GREETING)
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertIsNone(rec["capabilities_tls"])
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-tls-cert"])
        versions = rec["tls"]["versions"]
        self.assertEqual(versions["TLSv1.2"], "accepted")
        self.assertEqual(versions["TLSv1.0"], "refused")

    def test_opt_outs(self):
        res = self.res_opt_out
        self.assertEqual(res.rc, 0, res.stderr)
        rec = res.by_port(self.port)
        self.assertFalse(rec["stls"]["attempted"])
        self.assertIsNone(rec["plaintext_login"]["accepted"])
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-cleartext", "pop3-detected"])

    def test_identified_from_its_greeting(self):
        # It names itself: certain, and the APOP host, but no version (it shows none).
        for port in (self.port, self.tport):
            rec = self.res.by_port(port)
            product = rec["product"]
            self.assertEqual((product["vendor"], product["name"]), ("Solid POP3", "Solid POP3"), product)
            self.assertIsNone(product["version"])
            self.assertEqual(product["confidence"], "certain")
            self.assertEqual(product["rule"], "solid-pop3d")
            self.assertEqual(product["evidence"]["sources"], ["greeting"])
            self.assertEqual(product["host"], GREETING.match(rec["greeting"]).group(2))

    def test_cleartext_port_as_tls(self):
        rec = self.res_wrong.by_port(self.port)
        self.assertEqual(rec["state"], "tls-error")
        self.assertEqual(rec["findings"], [])

    def test_not_detached_onto_110(self):
        # Started outside inetd, solid-pop3d detaches and listens on *:110; the guard in
        # solid-pop3d.sh execs it only on tcpserver's loopback connections, so it never does.
        out = subprocess.run(["ss", "-Hltnp", "sport = :110"], capture_output=True, text=True,
                             check=True).stdout
        self.assertNotIn("solid-pop3d", out)


if __name__ == "__main__":
    p3s.main()
