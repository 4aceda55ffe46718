"""TLS version checks on real servers give the results they always gave (issue 20, item 2).

The version probes stop at the server's ServerHello (or alert) instead of completing a
handshake, and skip the version the scanner's own connection negotiated. Neither may change a
result: the table below is what the full-handshake prober reported on these very servers
(recorded with it before the change, through STLS and on implicit TLS), and every server is
scanned again here and must give exactly that.
"""
import unittest

import p3s

BOTH_OLD = {"SSLv3": "unsupported", "TLSv1.0": "accepted", "TLSv1.1": "accepted",
            "TLSv1.2": "accepted", "TLSv1.3": "accepted"}
MODERN = {"SSLv3": "unsupported", "TLSv1.0": "refused", "TLSv1.1": "refused",
          "TLSv1.2": "accepted", "TLSv1.3": "accepted"}

EXPECTED = {
    "dovecot ssl_min_protocol TLSv1": BOTH_OLD,
    "dovecot ssl_min_protocol TLSv1.2 (default)": MODERN,
    "courier": BOTH_OLD,
    "cyrus": MODERN,
    "test server": BOTH_OLD,
}

TESTD_SCRIPT = r'''
profile default
start send "+OK ready\r\n"
on CAPA send "+OK\r\nSTLS\r\n.\r\n"
on STLS send "+OK go\r\n" ; starttls
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"
'''


class TlsVersionsTest(unittest.TestCase):
    def check(self, name, res, port, tport):
        self.assertEqual(res.rc, 0, res.stderr)
        for p in (port, tport):
            rec = res.by_port(p)
            self.assertEqual(rec["state"], "pop3", rec)
            self.assertIsNotNone(rec["tls"], rec)
            p3s.check_tls_versions(self, rec, EXPECTED[name], exact=True)

    def scan_server(self, name, script, *options):
        port, tport = p3s.free_ports(2)
        with p3s.ServerScript(script, *options, "--port", port, "--tls-port", tport):
            res = p3s.scan("-p", f"{port},tls:{tport}", "127.0.0.1")
        self.check(name, res, port, tport)

    def test_dovecot_old_versions_allowed(self):
        self.scan_server("dovecot ssl_min_protocol TLSv1", "dovecot.sh", "--ssl-min", "TLSv1")

    def test_dovecot_default(self):
        self.scan_server("dovecot ssl_min_protocol TLSv1.2 (default)", "dovecot.sh")

    def test_courier(self):
        self.scan_server("courier", "courier.sh")

    def test_cyrus(self):
        self.scan_server("cyrus", "cyrus.sh")

    def test_project_test_server(self):
        with p3s.TestServer(TESTD_SCRIPT, listen=("127.0.0.1:0",),
                            tls_listen=("127.0.0.1:0",)) as srv:
            res = p3s.scan("-p", f"{srv.plain[0]},tls:{srv.tls[0]}", "127.0.0.1")
        self.check("test server", res, srv.plain[0], srv.tls[0])


if __name__ == "__main__":
    p3s.main()
