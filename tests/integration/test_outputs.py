"""The csv, nuclei and text outputs against hostile servers (the project's p3testd): one scan
writes csv, nuclei and jsonl files at once, and each file is checked against the JSONL records of
the same run — CSV parses (RFC 4180), has the exact header and one row per record, holds no
control byte and no field a spreadsheet would take for a formula; nuclei lines parse, have every
key with its type, one per finding, matching the JSONL findings; text holds no raw control byte.
docs/output.md documents both formats."""
import base64
import csv
import io
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

import p3s

READ_TIMEOUT = f"{3 * p3s.SLOW:g}s"

HEADER = ["target", "ip", "port", "transport", "state", "confidence", "service", "vendor",
          "product", "version", "cpe", "os", "host", "product_confidence", "tls_version",
          "tls_cipher", "stls", "plaintext_login", "findings", "max_severity", "greeting", "error",
          "timestamp", "discovered_via",
          "discovery_domain", "discovery_chain"]

FORMULA = "=cmd|' /C calc'!A0"

SCRIPT = r'''
profile hostile
match port {hostile}
start send "+OK a,b \"q\" \e[31mred \x00nul {formula} \xff\xfe bidi\xe2\x80\xae c1\xc2\x85 <1.2@h>\r\n"
on CAPA send "+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n"
on USER send "+OK\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"

profile formula
match port {formula_port}
start send "{formula},\"x\"\r\n"
on * send "?\r\n"

profile minus
match port {minus}
start send "-ERR @SUM(1+1), go away\r\n" ; close

profile dovecot
match port {dovecot}
start send "+OK Dovecot (Debian) ready.\r\n"
on CAPA send "+OK\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nUSER\r\nSASL PLAIN\r\n.\r\n"
on USER send "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR Unknown command.\r\n"

profile tls
match port {tls}
start send "+OK TLS \e]0;title\x07 ready\r\n"
on CAPA send "+OK\r\nUSER\r\n.\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"

profile ntlm
match port {ntlm}
start send "+OK ready\r\n"
on CAPA send "+OK\r\nUSER\r\nSASL NTLM\r\n.\r\n"
on "AUTH NTLM" send "+ \r\n"
on TlRMTVNTUAAB send "+ {challenge}\r\n"
on QUIT send "+OK\r\n" ; close
on * send "-ERR\r\n"
'''

# Code points p3s_escape_term writes as \u{HHHH}: C1 controls and bidirectional controls.
_DANGEROUS = set(range(0x80, 0xa0)) | {0x200e, 0x200f} | set(range(0x202a, 0x202f)) | \
    set(range(0x2066, 0x206a))


def term(s):
    """What p3s_escape_term makes of the bytes a JSONL string stands for. The JSONL string is
    already lossless-escaped (invalid bytes as \\xHH, backslashes doubled), which escape_term does
    the same way; it only differs on control and bidirectional characters."""
    out = []
    for ch in s:
        cp = ord(ch)
        if cp < 0x20 or cp == 0x7f:
            out.append("\\x%02x" % cp)
        elif cp in _DANGEROUS:
            out.append("\\u{%04x}" % cp)
        else:
            out.append(ch)
    return "".join(out)


def csv_text(s):
    """The CSV cell for a server-controlled JSONL string (None: empty)."""
    if s is None:
        return ""
    t = term(s)
    return "'" + t if t[:1] in ("=", "+", "-", "@") else t


def ntlm_challenge():
    """A CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2) naming MAIL<ESC>01 in CORP, Windows 10.0.17763."""
    def u(s):
        return s.encode("utf-16-le")
    target = u("CORP")
    pairs = [(1, u("MAIL\x1b01")), (2, u("CORP")), (3, u("mail01.corp.example.test")),
             (4, u("corp.example.test")), (5, u("corp.example.test"))]
    info = b"".join(struct.pack("<HH", k, len(v)) + v for k, v in pairs) + struct.pack("<HH", 0, 0)
    flags = 0x00000001 | 0x00000004 | 0x00000200 | 0x00010000 | 0x00800000 | 0x02000000
    head = 56
    msg = b"NTLMSSP\0" + struct.pack("<I", 2)
    msg += struct.pack("<HHI", len(target), len(target), head)
    msg += struct.pack("<I", flags) + b"\x01\x23\x45\x67\x89\xab\xcd\xef" + b"\0" * 8
    msg += struct.pack("<HHI", len(info), len(info), head + len(target))
    msg += struct.pack("<BBH", 10, 0, 17763) + b"\0\0\0" + b"\x0f"
    assert len(msg) == head
    return base64.b64encode(msg + target + info).decode()


def no_control_bytes(test, data, allow=b"\n"):
    bad = [hex(b) for b in data if (b < 0x20 and b not in allow) or b == 0x7f]
    test.assertEqual(bad, [], data[:2000])
    text = data.decode("utf-8")  # valid UTF-8 throughout
    c1 = [hex(ord(ch)) for ch in text if ord(ch) in _DANGEROUS]
    test.assertEqual(c1, [], text[:2000])
    return text


class OutputsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ports = p3s.free_ports(7)
        (cls.hostile, cls.formula, cls.minus, cls.dovecot, cls.tls, cls.ntlm,
         cls.refused) = ports
        script = SCRIPT
        for k, v in {"hostile": cls.hostile, "formula_port": cls.formula, "minus": cls.minus,
                     "dovecot": cls.dovecot, "tls": cls.tls, "ntlm": cls.ntlm,
                     "formula": FORMULA.replace('"', '\\"'),
                     "challenge": ntlm_challenge()}.items():
            script = script.replace("{" + k + "}", str(v))
        listen = [f"127.0.0.1:{p}" for p in (cls.hostile, cls.formula, cls.minus, cls.dovecot,
                                             cls.ntlm)]
        cls.server = p3s.TestServer(script, listen=listen, tls_listen=(f"127.0.0.1:{cls.tls}",))
        cls.server.__enter__()
        cls.dir = tempfile.mkdtemp(prefix="p3s-outputs-")
        cls.ports = [cls.hostile, cls.formula, cls.minus, cls.dovecot, cls.refused]
        cls.portspec = ",".join(str(p) for p in cls.ports) + f",tls:{cls.tls}"
        # One run, three outputs.
        paths = {f: os.path.join(cls.dir, "scan." + f) for f in ("csv", "nuclei", "jsonl")}
        # Under valgrind (p3s.SLOW) the first TLS handshake alone can take seconds.
        cls.res = p3s.scan("-p", cls.portspec, "--read-timeout", READ_TIMEOUT, "127.0.0.1",
                           *sum((["-o", f"{f}:{p}"] for f, p in paths.items()), []), jsonl=False)
        cls.data = {}
        for f, p in paths.items():
            with open(p, "rb") as fh:
                cls.data[f] = fh.read()
        cls.records = p3s.validate_lines(cls.data["jsonl"].decode("utf-8"))

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def record(self, port):
        found = [r for r in self.records if r["port"] == port]
        self.assertEqual(len(found), 1, found)
        return found[0]

    def csv_rows(self):
        text = self.data["csv"].decode("utf-8")
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))

    # ---- the run ------------------------------------------------------------------------------

    def test_run(self):
        self.assertEqual(self.res.rc, 0, self.res.stderr)
        self.assertEqual(self.res.stdout, b"", "every output went to its file")
        self.assertEqual(sorted(r["port"] for r in self.records), sorted(self.ports + [self.tls]))
        self.assertEqual(self.record(self.hostile)["state"], "pop3")
        self.assertEqual(self.record(self.refused)["state"], "closed")
        self.assertEqual(self.record(self.tls)["transport"], "tls")

    # ---- csv ----------------------------------------------------------------------------------

    def test_csv_shape(self):
        data = self.data["csv"]
        self.assertTrue(data.endswith(b"\r\n"))
        # CRLF line ends only: no bare CR or LF anywhere (fields never hold one: they are escaped).
        self.assertEqual(data.count(b"\r"), data.count(b"\r\n"))
        self.assertEqual(data.count(b"\n"), data.count(b"\r\n"))
        no_control_bytes(self, data, allow=b"\r\n")
        rows = self.csv_rows()
        self.assertEqual(data.split(b"\r\n")[0].decode(), ",".join(HEADER))
        self.assertEqual(rows[0], HEADER)
        self.assertEqual(len(rows) - 1, len(self.records))
        for row in rows[1:]:
            self.assertEqual(len(row), len(HEADER), row)

    def test_csv_no_formula(self):
        rows = self.csv_rows()[1:]
        for row in rows:
            for name, cell in zip(HEADER, row):
                self.assertNotIn(cell[:1], ("=", "+", "-", "@"), (name, row))
        cells = {int(r[2]): dict(zip(HEADER, r)) for r in rows}
        self.assertEqual(cells[self.formula]["greeting"], "'" + FORMULA + ',"x"')
        self.assertTrue(cells[self.minus]["greeting"].startswith("'-ERR @SUM(1+1), go away"),
                        cells[self.minus])
        self.assertTrue(cells[self.hostile]["greeting"].startswith("'+OK a,b \"q\" \\x1b[31mred"))
        # Quoting: the comma and the quotes survive a round trip through the csv module, and the
        # raw line holds the doubled quotes inside a quoted field.
        self.assertIn(b'"\'+OK a,b ""q"" \\x1b[31mred \\x00nul ' + FORMULA.encode(),
                      self.data["csv"])

    def test_csv_matches_jsonl(self):
        rows = [dict(zip(HEADER, r)) for r in self.csv_rows()[1:]]
        self.assertEqual(len(rows), len(self.records))
        for row in rows:
            rec = self.record(int(row["port"]))
            with self.subTest(port=rec["port"]):
                self.assertEqual(row["target"], rec["target"])
                self.assertEqual(row["ip"], rec["ip"])
                self.assertEqual(row["transport"], rec["transport"])
                self.assertEqual(row["state"], rec["state"])
                self.assertEqual(row["confidence"], rec["confidence"] or "")
                self.assertEqual(row["service"], rec["service"] or "")
                self.assertEqual(row["greeting"], csv_text(rec["greeting"]))
                self.assertEqual(row["error"], csv_text(rec["error"]))
                self.assertEqual(row["timestamp"], rec["timestamp"])
                self.assertEqual(row["findings"], " ".join(f["id"] for f in rec["findings"]))
                sev = ["info", "low", "medium", "high"]
                top = max((sev.index(f["severity"]) for f in rec["findings"]), default=-1)
                self.assertEqual(row["max_severity"], sev[top] if top >= 0 else "")
                tls = rec["tls"] or {}
                self.assertEqual(row["tls_version"], csv_text(tls.get("version")))
                self.assertEqual(row["tls_cipher"], csv_text(tls.get("cipher")))
                login = rec["plaintext_login"]
                accepted = login["accepted"] if login else None
                self.assertEqual(row["plaintext_login"],
                                 "" if accepted is None else "true" if accepted else "false")
                stls = rec["stls"]
                if stls is None or rec["state"] != "pop3":
                    self.assertEqual(row["stls"], "")
                else:
                    want = ("upgraded" if stls["upgraded"] else "failed" if stls["attempted"]
                            else "advertised" if stls["advertised"] else "none")
                    self.assertEqual(row["stls"], want)
                # Identification: the same values as the JSONL product object, or empty.
                product = rec.get("product")
                for col, key in (("vendor", "vendor"), ("product", "name"),
                                 ("version", "version"), ("cpe", "cpe"), ("os", "os"),
                                 ("host", "host")):
                    self.assertEqual(row[col], csv_text(product.get(key)) if product else "",
                                     col)
                self.assertEqual(row["product_confidence"],
                                 product["confidence"] if product else "")
        hostile = self.record(self.hostile)
        self.assertEqual(
            [r for r in rows if int(r["port"]) == self.hostile][0]["plaintext_login"], "true")
        self.assertIn("pop3-plaintext-login", [f["id"] for f in hostile["findings"]])
        tls_row = [r for r in rows if int(r["port"]) == self.tls][0]
        self.assertTrue(tls_row["tls_version"].startswith("TLSv1"), tls_row)
        self.assertEqual(tls_row["stls"], "")

    def test_csv_to_standard_output(self):
        res = p3s.scan("-f", "csv", "-p", self.formula, "127.0.0.1", jsonl=False)
        self.assertEqual(res.rc, 0, res.stderr)
        rows = list(csv.reader(io.StringIO(res.stdout.decode(), newline="")))
        self.assertEqual(rows[0], HEADER)
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][HEADER.index("greeting")], "'" + FORMULA + ',"x"')

    def test_csv_appended_has_one_header(self):
        # --resume appends to the files of the interrupted run: the header is written only into
        # an empty file. The same holds for standard output appended to a file.
        path = os.path.join(self.dir, "appended.csv")
        for _ in range(2):
            with open(path, "ab") as out:
                proc = subprocess.run([p3s.BIN, "-f", "csv", "-p", str(self.formula), "127.0.0.1"],
                                      stdout=out, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual([r == HEADER for r in rows], [True, False, False])

    # ---- nuclei -------------------------------------------------------------------------------

    def nuclei_lines(self, data=None):
        data = self.data["nuclei"] if data is None else data
        no_control_bytes(self, data)
        return [json.loads(line) for line in data.decode("ascii").splitlines()]

    def check_nuclei_line(self, line, rec, finding):
        keys = {"template-id": str, "info": dict, "type": str, "host": str, "port": str,
                "ip": str, "matched-at": str, "extracted-results": list, "timestamp": str,
                "matcher-status": bool}
        for k, t in keys.items():
            self.assertIsInstance(line.get(k), t, (k, line))
        self.assertNotIn("template-path", line)
        info = line["info"]
        for k, t in {"name": str, "author": list, "tags": list, "description": str,
                     "severity": str, "remediation": str}.items():
            self.assertIsInstance(info.get(k), t, (k, info))
        self.assertEqual(line["template-id"], finding["id"])
        self.assertEqual(info["name"], finding["title"])
        self.assertEqual(info["severity"], finding["severity"])
        self.assertEqual(info["remediation"], finding["remediation"])
        self.assertEqual(info["author"], ["pop3scan"])
        self.assertEqual(info["tags"][:2], ["pop3", "network"])
        self.assertTrue(all(isinstance(t, str) for t in info["tags"]))
        self.assertEqual("tls" in info["tags"],
                         finding["id"].startswith(("pop3-tls-", "pop3-stls-")), info["tags"])
        self.assertEqual("ntlm" in info["tags"], finding["id"].startswith("pop3-ntlm-"))
        self.assertEqual(line["type"], "tcp")
        self.assertEqual(line["host"], rec["target"])
        self.assertEqual(line["port"], str(rec["port"]))
        self.assertEqual(line["ip"], rec["ip"])
        host = f"[{rec['target']}]" if ":" in rec["target"] else rec["target"]
        self.assertEqual(line["matched-at"], f"{host}:{rec['port']}")
        self.assertEqual(line["extracted-results"],
                         [finding["evidence"]] if finding["evidence"] is not None else [])
        self.assertRegex(line["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
        self.assertIs(line["matcher-status"], True)

    def check_nuclei(self, lines, records):
        self.assertEqual(len(lines), sum(len(r["findings"]) for r in records))
        by_port = {}
        for line in lines:
            by_port.setdefault(int(line["port"]), []).append(line)
        for rec in records:
            got = by_port.get(rec["port"], [])
            self.assertEqual([l["template-id"] for l in got], [f["id"] for f in rec["findings"]])
            for line, finding in zip(got, rec["findings"]):
                self.check_nuclei_line(line, rec, finding)

    def test_nuclei(self):
        lines = self.nuclei_lines()
        self.check_nuclei(lines, self.records)
        self.assertGreater(len(lines), 0)
        ids = {l["template-id"] for l in lines}
        self.assertIn("pop3-plaintext-login", ids)
        hostile = [l for l in lines if l["port"] == str(self.hostile)]
        detected = [l for l in hostile if l["template-id"] == "pop3-detected"][0]
        self.assertIn("\x1b[31mred \x00nul", detected["extracted-results"][0])
        # No findings, no lines.
        for port in (self.formula, self.refused):
            self.assertEqual(self.record(port)["findings"], [])
            self.assertNotIn(str(port), [l["port"] for l in lines])

    def test_nuclei_without_findings_writes_nothing(self):
        res = p3s.scan("-f", "nuclei", "-p", f"{self.formula},{self.refused}", "127.0.0.1",
                       jsonl=False)
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertEqual(res.stdout, b"")

    # ---- text ---------------------------------------------------------------------------------

    def test_text_file_has_no_control_bytes(self):
        path = os.path.join(self.dir, "scan.txt")
        res = p3s.scan("-f", "text", "-o", path, "-p", self.portspec,
                       "--read-timeout", READ_TIMEOUT,
                       "--color", "always", "127.0.0.1", jsonl=False)
        self.assertEqual(res.rc, 0, res.stderr)
        with open(path, "rb") as f:
            data = f.read()
        # Colour may be ours (SGR only, and not in a file unless asked): strip it, then nothing.
        for m in re.finditer(rb"\x1b", data):
            self.assertRegex(data[m.start():m.start() + 8], rb"^\x1b\[[0-9;]+m")
        text = no_control_bytes(self, re.sub(rb"\x1b\[[0-9;]+m", b"", data))
        self.assertIn("\\x1b[31mred \\x00nul " + FORMULA, text)
        self.assertIn("\\xff\\xfe", text)
        self.assertIn("\\u{202e}", text)
        self.assertIn("\\x1b]0;title\\x07", text)
        self.assertIn("pop3 (confirmed)", text)
        # The identification is on the service line: the Dovecot fixture is named, and no other
        # fixture names a product.
        dovecot = self.record(self.dovecot)["product"]
        self.assertEqual(dovecot["name"], "Dovecot")
        line = [l for l in text.splitlines() if f":{self.dovecot} " in l][0]
        self.assertIn(term(dovecot["name"]), line)
        for rec in self.records:
            if rec["port"] != self.dovecot:
                self.assertIsNone(rec.get("product"), rec)
        # The TLS port's details name its protocol and cipher.
        tls = self.record(self.tls)["tls"]
        self.assertIsNotNone(tls)
        self.assertIn(tls["version"] + " " + tls["cipher"], text)

    # ---- NTLM (--ntlm) ------------------------------------------------------------------------

    def test_ntlm_outputs(self):
        paths = {f: os.path.join(self.dir, "ntlm." + f) for f in ("text", "nuclei", "jsonl")}
        res = p3s.scan("--ntlm", "-p", self.ntlm, "127.0.0.1", "--color", "never",
                       *sum((["-o", f"{f}:{p}"] for f, p in paths.items()), []), jsonl=False)
        self.assertEqual(res.rc, 0, res.stderr)
        data = {}
        for f, p in paths.items():
            with open(p, "rb") as fh:
                data[f] = fh.read()
        records = p3s.validate_lines(data["jsonl"].decode())
        self.check_nuclei(self.nuclei_lines(data["nuclei"]), records)
        text = no_control_bytes(self, data["text"])
        self.assertIn("MAIL\\x1b01", text)
        self.assertIn("corp.example.test", text)
        self.assertIn("10.0.17763", text)
        self.assertIn("Windows Server 2019", text)


if __name__ == "__main__":
    p3s.main()
