"""TLS inspection and NTLM disclosure against the project's test server.

Certificates are made by the test with the openssl command line (tests/servers/mkcert.sh): one
valid for the name scanned, one expired, one not yet valid, one for another name. The name
mail.test resolves to 127.0.0.1 through a local dnsmasq, so the certificate's names are checked
against it (RFC 7817); an address scanned checks no name. The NTLM CHALLENGE replayed by the test
server is built to the MS-NLMP layout (lib/ntlm made it: CONTOSO / MAIL01, Windows 10.0.17763).
"""
import datetime
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import p3s

POP3 = r'''
start send "+OK POP3 server ready\r\n"
on CAPA send "+OK\r\nTOP\r\nUSER\r\nSASL PLAIN NTLM\r\n.\r\n"
on "AUTH NTLM" send "+ \r\n"
on TlRMTVNTUAAB send "+ TlRMTVNTUAACAAAADgAOADgAAAAFgomiASNFZ4mrze8AAAAAAAAAAJoAmgBGAAAACgBjRQAAAA9DAE8ATgBUAE8AUwBPAAIADgBDAE8ATgBUAE8AUwBPAAEADABNAEEASQBMADAAMQAEABoAYwBvAG4AdABvAHMAbwAuAGwAbwBjAGEAbAADACgAbQBhAGkAbAAwADEALgBjAG8AbgB0AG8AcwBvAC4AbABvAGMAYQBsAAUAGgBjAG8AbgB0AG8AcwBvAC4AbABvAGMAYQBsAAcACAAAS3uqwNjZAQAAAAA=\r\n"
on * send "-ERR\r\n"
on QUIT send "+OK\r\n" ; close
'''


def stamp(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y%m%d%H%M%SZ")


class TlsServer:
    """p3testd on an implicit-TLS port with a given certificate."""

    def __init__(self, cert, key):
        self.dir = tempfile.mkdtemp(prefix="p3s-tls-")
        with open(os.path.join(self.dir, "script"), "w") as f:
            f.write(POP3)
        self.cert, self.key = cert, key

    def __enter__(self):
        ready = os.path.join(self.dir, "ready")
        self.proc = subprocess.Popen([p3s.TESTD, "--ready-file", ready, "--cert", self.cert,
                                      "--key", self.key, "--tls-listen", "127.0.0.1:0",
                                      os.path.join(self.dir, "script")])
        deadline = time.monotonic() + 10
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("p3testd did not start")
            time.sleep(0.02)
        with open(ready) as f:
            self.port = int(f.read().split()[2])
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="p3s-certs-")
        make = os.path.join(p3s.SERVERS, "mkcert.sh")
        for name, cn, sans, start, end in (
                ("good", "mail.test", "DNS:mail.test", stamp(-1), stamp(30)),
                ("expired", "mail.test", "DNS:mail.test", "20200101000000Z", "20210101000000Z"),
                ("future", "mail.test", "DNS:mail.test", "20400101000000Z", "20410101000000Z"),
                ("wrongname", "other.test", "DNS:other.test", stamp(-1), stamp(30))):
            subprocess.run(["bash", make, cls.dir, name, cn, sans, start, end], check=True)
        cls.dns_port = p3s.free_port()
        cls.dns = p3s.ServerScript("dnsmasq.sh", "--port", cls.dns_port)
        cls.dns.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.dns.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def scan_cert(self, name, *args):
        pem, key = (os.path.join(self.dir, name + ext) for ext in (".pem", ".key"))
        with TlsServer(pem, key) as srv:
            res = p3s.scan("--resolver", f"127.0.0.1:{self.dns_port}", "-p", f"tls:{srv.port}",
                           *args, "mail.test")
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertEqual(len(res.records), 1)
        rec = res.records[0]
        self.assertEqual(rec["state"], "pop3", rec)
        return rec

    def test_valid_for_the_name(self):
        rec = self.scan_cert("good", "--no-tls-versions")
        cert = rec["tls"]["certificate"]
        self.assertEqual(cert["subject"], "CN=mail.test")
        self.assertEqual(cert["sans"], ["DNS:mail.test"])
        self.assertIs(cert["name_matches"], True)
        self.assertFalse(cert["expired"])
        self.assertFalse(cert["not_yet_valid"])
        self.assertEqual((cert["key_type"], cert["key_bits"]), ("EC", 256))
        self.assertEqual(cert["signature"], "ecdsa-with-SHA256")
        self.assertIsNone(rec["tls"]["versions"], "--no-tls-versions")
        # Only the self-signature is wrong with it.
        self.assertEqual(p3s.finding(rec, "pop3-tls-cert")["evidence"], "self-signed")

    def test_expired(self):
        rec = self.scan_cert("expired", "--no-tls-versions")
        self.assertTrue(rec["tls"]["certificate"]["expired"])
        self.assertEqual(rec["tls"]["certificate"]["not_after"], "2021-01-01T00:00:00Z")
        f = p3s.finding(rec, "pop3-tls-cert")
        self.assertEqual(f["severity"], "low")
        self.assertIn("expired on 2021-01-01T00:00:00Z", f["evidence"])

    def test_not_yet_valid(self):
        rec = self.scan_cert("future", "--no-tls-versions")
        self.assertTrue(rec["tls"]["certificate"]["not_yet_valid"])
        self.assertIn("not valid before 2040-01-01T00:00:00Z",
                      p3s.finding(rec, "pop3-tls-cert")["evidence"])

    def test_wrong_name(self):
        rec = self.scan_cert("wrongname", "--no-tls-versions")
        self.assertIs(rec["tls"]["certificate"]["name_matches"], False)
        evidence = p3s.finding(rec, "pop3-tls-cert")["evidence"]
        self.assertIn("mail.test does not match", evidence)
        self.assertIn("DNS:other.test", evidence)

    def test_every_version_probed(self):
        # The test server accepts TLS 1.0 to 1.3 (security level 0): the old ones are weak.
        rec = self.scan_cert("good")
        self.assertEqual(rec["tls"]["versions"],
                         {"SSLv3": "unsupported", "TLSv1.0": "accepted", "TLSv1.1": "accepted",
                          "TLSv1.2": "accepted", "TLSv1.3": "accepted"})
        self.assertEqual(p3s.finding(rec, "pop3-tls-weak")["evidence"],
                         "TLSv1.0 accepted; TLSv1.1 accepted")

    def test_ntlm_disclosure(self):
        rec = self.scan_cert("good", "--no-tls-versions", "--ntlm")
        ntlm = rec["ntlm"]
        self.assertEqual(ntlm["state"], "challenge")
        self.assertEqual(ntlm["netbios_computer"], "MAIL01")
        self.assertEqual(ntlm["netbios_domain"], "CONTOSO")
        self.assertEqual(ntlm["dns_computer"], "mail01.contoso.local")
        self.assertEqual(ntlm["dns_domain"], "contoso.local")
        self.assertEqual(ntlm["os_version"], "10.0.17763")
        self.assertIsNone(ntlm["error"])
        f = p3s.finding(rec, "pop3-ntlm-disclosure")
        self.assertEqual(f["severity"], "low")
        self.assertIn("NetBIOS computer MAIL01", f["evidence"])
        self.assertIn("Windows Server 2019", f["evidence"])
        # Not asked: not sent, nothing reported.
        rec = self.scan_cert("good", "--no-tls-versions")
        self.assertIsNone(rec["ntlm"])
        self.assertIsNone(p3s.finding(rec, "pop3-ntlm-disclosure"))

    def test_ntlm_refused(self):
        server = TlsServer(os.path.join(self.dir, "good.pem"), os.path.join(self.dir, "good.key"))
        with open(os.path.join(server.dir, "script"), "w") as f:
            f.write('start send "+OK hi\\r\\n"\non QUIT send "+OK\\r\\n" ; close\n'
                    'on * send "-ERR\\r\\n"\n')
        with server as srv:
            res = p3s.scan("--ntlm", "--no-tls-versions", "-p", f"tls:{srv.port}", "127.0.0.1")
        rec = res.records[0]
        self.assertEqual(rec["ntlm"]["state"], "refused")
        self.assertIsNone(p3s.finding(rec, "pop3-ntlm-disclosure"))


if __name__ == "__main__":
    p3s.main()
