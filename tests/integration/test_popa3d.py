"""Integration test against a real popa3d (bare +OK greeting, every error a bare -ERR), run
under tcpserver on loopback, with a socat TLS front for the implicit-TLS port."""
import p3s


class Popa3dTest(p3s.TwoPortServerTest):
    # The class cleanup checks that stop leaves nothing behind: tcpserver, its popa3d children
    # and socat.
    SCRIPT = "popa3d.sh"
    GREETING = "+OK"
    USER_REPLY = "+OK"
    # A bare "-ERR" to CAPA.
    HAS_CAPA = False
    # socat's front, with OpenSSL's defaults.
    TLS_VERSIONS = {"TLSv1.0": "refused", "TLSv1.2": "accepted"}

    def test_cleartext(self):
        self.assertEqual(p3s.finding(self.plain, "pop3-cleartext")["evidence"], "-ERR")

    def test_tls_front(self):
        self.assertIsNone(p3s.finding(self.tls, "pop3-cleartext"))

    def test_identified_from_its_silence(self):
        # A bare "+OK" and a bare "-ERR" to everything: popa3d, on both ports. Nothing names it:
        # its bare replies are strong, indirect evidence, not a name.
        self.assert_product(name="popa3d", confidence="likely",
                            cpe="cpe:2.3:a:openwall:popa3d:*:*:*:*:*:*:*:*")



if __name__ == "__main__":
    p3s.main()
