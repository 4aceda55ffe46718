"""Integration test against a real popa3d (bare +OK greeting, every error a bare -ERR), run
under tcpserver on loopback, with a socat TLS front for the implicit-TLS port."""
import p3s
import unittest


class Popa3dTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port, cls.tport = p3s.free_ports(2)
        cls.server = p3s.ServerScript("popa3d.sh", "--port", cls.port, "--tls-port", cls.tport)
        cls.server.__enter__()
        cls.res = p3s.scan("-p", f"{cls.port},tls:{cls.tport}", "127.0.0.1")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_plain_port(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        rec = self.res.by_port(self.port)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed", "a bare -ERR to CAPA is POP3-shaped")
        self.assertEqual(rec["greeting"], "+OK")
        self.assertIsNone(rec["capabilities"])
        self.assertFalse(rec["stls"]["advertised"])
        self.assertFalse(rec["stls"]["attempted"])
        f = p3s.finding(rec, "pop3-cleartext")
        self.assertIsNotNone(f)
        self.assertEqual(f["severity"], "medium")
        self.assertEqual(f["evidence"], "-ERR")

    def test_tls_front(self):
        rec = self.res.by_port(self.tport)
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["confidence"], "confirmed")
        self.assertEqual(rec["tls"]["via"], "implicit")
        self.assertIsNone(p3s.finding(rec, "pop3-cleartext"))

    def test_identified_from_its_silence(self):
        # A bare "+OK" and a bare "-ERR" to everything: popa3d, on both ports.
        for port in (self.port, self.tport):
            product = self.res.by_port(port)["product"]
            self.assertIsNotNone(product, port)
            self.assertEqual(product["name"], "popa3d")
            # Nothing names it: its bare replies are strong, indirect evidence, not a name.
            self.assertEqual(product["confidence"], "likely", product)
            self.assertTrue(product["cpe"].startswith("cpe:2.3:a:openwall:popa3d:"))


if __name__ == "__main__":
    p3s.main()
