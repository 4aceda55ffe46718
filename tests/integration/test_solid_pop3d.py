"""Integration test against a real Solid POP3 0.15 from Debian (tests/servers/solid-pop3d.sh), run
inetd-style under tcpserver on loopback, behind a socat TLS front for the implicit-TLS port (it
has no TLS of its own). It names itself in the greeting, with an APOP timestamp and no version;
it has no CAPA ("-ERR unknown command") and accepts USER for any name."""
import re
import subprocess

import p3s


class SolidPop3dTest(p3s.TwoPortServerTest):
    # The class cleanup checks that stop leaves nothing behind: tcpserver, its solid-pop3d
    # children and socat.
    SCRIPT = "solid-pop3d.sh"
    GREETING = re.compile(r"\+OK Solid POP3 server ready (<\d+\.\d+@([^>\s]+)>)\Z")
    USER_REPLY = "+OK username accepted"
    # CAPA gets "-ERR unknown command".
    HAS_CAPA = False
    # socat's front, with OpenSSL's defaults.
    TLS_VERSIONS = {"TLSv1.0": "refused", "TLSv1.2": "accepted"}

    def test_plain_findings(self):
        rec = self.plain
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-cleartext", "pop3-detected",
                                        "pop3-plaintext-login"])
        self.assertEqual(p3s.finding(rec, "pop3-cleartext")["evidence"], "-ERR unknown command")

    def test_tls_front(self):
        rec = self.tls
        self.assertEqual(p3s.ids(rec), ["pop3-apop", "pop3-detected", "pop3-tls-cert"])

    def test_opt_out_findings(self):
        self.assertEqual(p3s.ids(self.opt_out), ["pop3-apop", "pop3-cleartext", "pop3-detected"])

    def test_identified_from_its_greeting(self):
        # It names itself: certain, and the APOP host, but no version (it shows none).
        self.assert_product(vendor="Solid POP3", name="Solid POP3", version=None,
                            confidence="certain", rule="solid-pop3d", evidence_sources=["greeting"],
                            host=self.apop_host)

    def test_not_detached_onto_110(self):
        # Started outside inetd, solid-pop3d detaches and listens on *:110; the guard in
        # solid-pop3d.sh execs it only on tcpserver's loopback connections, so it never does.
        out = subprocess.run(["ss", "-Hltnp", "sport = :110"], capture_output=True, text=True,
                             check=True).stdout
        self.assertNotIn("solid-pop3d", out)


if __name__ == "__main__":
    p3s.main()
