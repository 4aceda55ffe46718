"""--discover and pop3scan discover (issue 16): the mail hosts of a domain found in DNS (SRV
_pop3/_pop3s, MX, conventional names, the domain itself; CNAME chains; A and AAAA), scanned on
the ports discovery gives, every record saying how it was found.

DNS is a real dnsmasq on loopback (tests/servers/dnsmasq.sh with this file's zone, --extra),
POP3 is the project's p3testd listening on 0.0.0.0 (so it answers on every 127.x.y.z the zone
names) and [::1]. What dnsmasq cannot say by itself comes from loopback too:
  - a CNAME loop: dnsmasq refuses one in its own configuration, so the loop goes through a
    second dnsmasq: c1.loop.test (first) -> c2.zz.test (forwarded to the second) -> c1.loop.test;
  - SERVFAIL: dnsmasq answers REFUSED, not SERVFAIL, for a forward it cannot send, so sv.test is
    forwarded to a UDP socket this test opens that answers every query with rcode 2 (SERVFAIL),
    which dnsmasq passes on as resolvers do;
  - a timeout: slow.test is forwarded to a UDP port where nothing answers (dnsmasq.sh).
"""
import csv
import io
import json
import os
import re
import socket
import sqlite3
import struct
import tempfile
import threading
import unittest

import p3s

SCRIPT = ('start send "+OK discovery test ready\\r\\n"\non CAPA send "-ERR\\r\\n"\n'
          'on QUIT send "+OK bye\\r\\n"; close\non * send "-ERR\\r\\n"\n')
BIG_SRV = 40    # SRV records of big.test: their answer is past 512 bytes (TC, then TCP)
HUGE_A = 300    # A records of huge.test itself
HUGE_MX = 100   # MX records of huge.test
LONG_LINKS = 10  # CNAME links of long.test's MX host: past the cap of 8


def zone(plain, tls, loop_port, servfail_port):
    lines = [
        # srv.test: SRV with priorities and weights, and _pop3s (implicit TLS on its own port)
        f"srv-host=_pop3._tcp.srv.test,pop-b.srv.test,{plain},20,0",
        f"srv-host=_pop3._tcp.srv.test,pop-a.srv.test,{plain},10,5",
        f"srv-host=_pop3s._tcp.srv.test,pops.srv.test,{tls},10,0",
        "host-record=pop-a.srv.test,127.0.1.1",
        "host-record=pop-b.srv.test,127.0.1.2",
        "host-record=pops.srv.test,127.0.1.3",
        # dot.test: an SRV record whose target is "." (RFC 2782: no such service here)
        "srv-host=_pop3._tcp.dot.test",
        # mx.test: the MX is a CNAME; its target also has a conventional name (mail) and ::1
        "mx-host=mx.test,mxalias.mx.test,10",
        "cname=mxalias.mx.test,mxhost.mx.test",
        "host-record=mxhost.mx.test,127.0.1.4,::1",
        "host-record=mail.mx.test,127.0.1.4",
        # loop.test: an MX into a CNAME loop through the second dnsmasq
        "mx-host=loop.test,c1.loop.test,10",
        "cname=c1.loop.test,c2.zz.test",
        f"server=/zz.test/127.0.0.1#{loop_port}",
        # long.test: an MX at the head of a chain longer than the cap
        "mx-host=long.test,l0.long.test,10",
        "host-record=final.long.test,127.0.1.5",
        # sv.test: every query SERVFAIL
        f"server=/sv.test/127.0.0.1#{servfail_port}",
        # odd.test: names with a comma, HTML characters and a backslash
        f'srv-host=_pop3._tcp.odd.test,"we,ird.odd.test",{plain},10,0',
        'host-record="we,ird.odd.test",127.0.1.6',
        f"srv-host=_pop3._tcp.odd.test,w%e<i>rd.odd.test,{plain},20,0",
        "host-record=w%e<i>rd.odd.test,127.0.1.7",
        f"srv-host=_pop3._tcp.odd.test,a\\032b.odd.test,{plain},30,0",
        "host-record=a\\032b.odd.test,127.0.1.8",
        # names.test: a conventional name, and one only --discover-names asks
        "host-record=pop.names.test,127.0.1.9",
        "host-record=webmail.names.test,127.0.1.10",
    ]
    for i in range(LONG_LINKS):
        target = f"l{i + 1}.long.test" if i + 1 < LONG_LINKS else "final.long.test"
        lines.append(f"cname=l{i}.long.test,{target}")
    for i in range(BIG_SRV):
        lines.append(f"srv-host=_pop3._tcp.big.test,h{i:02d}.big.test,{plain},10,{i}")
        lines.append(f"host-record=h{i:02d}.big.test,127.0.2.{i + 1}")
    for i in range(HUGE_A):
        lines.append(f"host-record=huge.test,127.0.{3 + i // 250}.{1 + i % 250}")
    for i in range(HUGE_MX):
        lines.append(f"mx-host=huge.test,mx{i:03d}.huge.test,{i}")
    return "\n".join(lines) + "\n"


class ServfailServer:
    """A UDP socket on loopback that answers every DNS query with SERVFAIL (the upstream of
    sv.test: dnsmasq passes the answer on)."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()
        return self

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                msg, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if len(msg) < 12:
                continue
            # The query's id and question, QR set, RD copied, RA, rcode 2; no records.
            flags = bytes([0x80 | (msg[2] & 0x01), 0x82])
            self.sock.sendto(msg[:2] + flags + msg[4:6] + b"\0" * 6 + msg[12:], peer)

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


def udp_query(port, name, qtype):
    """One query over UDP without EDNS, as c-ares first sends it: (rcode, TC bit, length)."""
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l for l in name.encode().split(b".")) + b"\0"
    q += struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(q, ("127.0.0.1", port))
        answer = s.recv(65535)
    return answer[3] & 0x0F, bool(answer[2] & 0x02), len(answer)


class DiscoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = p3s.TestServer(SCRIPT, listen=("0.0.0.0:0",),
                                    tls_listen=("0.0.0.0:0",))
        cls.server.__enter__()
        cls.plain, cls.tls = cls.server.plain[0], cls.server.tls[0]
        cls.server6 = p3s.TestServer(SCRIPT, listen=(f"[::1]:{cls.plain}",))
        cls.server6.__enter__()
        cls.servfail = ServfailServer().__enter__()
        cls.tmp = tempfile.mkdtemp(prefix="p3s-discover-")
        cls.loop_port = p3s.free_port()
        loop_zone = os.path.join(cls.tmp, "loop.conf")
        with open(loop_zone, "w") as f:
            f.write("local=/zz.test/\ncname=c2.zz.test,c1.loop.test\n")
        cls.dns2 = p3s.ServerScript("dnsmasq.sh", "--port", cls.loop_port, "--extra", loop_zone)
        cls.dns2.__enter__()
        cls.dns_port = p3s.free_port()
        while cls.dns_port in (cls.loop_port, cls.loop_port + 1):
            cls.dns_port = p3s.free_port()
        main_zone = os.path.join(cls.tmp, "main.conf")
        with open(main_zone, "w") as f:
            f.write(zone(cls.plain, cls.tls, cls.loop_port, cls.servfail.port))
        cls.dns = p3s.ServerScript("dnsmasq.sh", "--port", cls.dns_port, "--extra", main_zone)
        cls.dns.__enter__()
        cls.res = cls.discover_scan("srv.test", "dot.test", "mx.test", "loop.test", "long.test",
                                    "nx.test", "odd.test", "big.test")

    @classmethod
    def tearDownClass(cls):
        cls.dns.__exit__(None, None, None)
        cls.dns2.__exit__(None, None, None)
        cls.servfail.__exit__(None, None, None)
        cls.server6.__exit__(None, None, None)
        cls.server.__exit__(None, None, None)

    # The DNS and POP3 read timeout of these scans: 1 s, stretched under valgrind (p3s.SLOW),
    # where a TC answer read again over TCP took longer than 1 s and the domain lost its hosts.
    READ = f"{p3s.SLOW:g}s"

    @classmethod
    def discover_scan(cls, *args, jsonl=True, ports=None):
        return p3s.scan("--discover", "--resolver", f"127.0.0.1:{cls.dns_port}",
                        "--read-timeout", cls.READ, "--no-db", "--all",
                        "-p", ports or str(cls.plain), *args, jsonl=jsonl)

    def listing(self, *args):
        return p3s.scan("discover", "--resolver", f"127.0.0.1:{self.dns_port}",
                        "--read-timeout", self.READ, "-p", str(self.plain), *args, jsonl=False)

    def of(self, domain, res=None):
        return [r for r in (res or self.res).records
                if r["discovery"] and r["discovery"]["domain"] == domain]

    # ---- SRV ----------------------------------------------------------------------------

    def test_srv_hosts_ports_transport_and_order(self):
        recs = self.of("srv.test")
        # priority ascending, then weight descending: pop-a (10, 5), pops (10, 0), pop-b (20)
        self.assertEqual([(r["target"], r["ip"], r["port"], r["transport"]) for r in recs],
                         [("pop-a.srv.test", "127.0.1.1", self.plain, "plain"),
                          ("pops.srv.test", "127.0.1.3", self.tls, "tls"),
                          ("pop-b.srv.test", "127.0.1.2", self.plain, "plain")])
        for r in recs:
            self.assertEqual(r["state"], "pop3", r)
            self.assertEqual(r["discovered_via"], ["srv"])
        ways = {r["target"]: r["discovery"]["ways"][0] for r in recs}
        self.assertEqual(ways["pop-a.srv.test"],
                         {"via": "srv", "query": "_pop3._tcp.srv.test", "host": "pop-a.srv.test",
                          "chain": ["pop-a.srv.test"], "priority": 10, "weight": 5,
                          "port": self.plain})
        self.assertEqual(ways["pops.srv.test"]["query"], "_pop3s._tcp.srv.test")
        self.assertIsNotNone(recs[1]["tls"], "_pop3s is implicit TLS")

    def test_srv_target_dot_means_no_service(self):
        recs = self.of("dot.test")
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["state"], "error")
        self.assertIn("no POP3 service here", recs[0]["error"])
        self.assertIn("RFC 2782", recs[0]["error"])
        self.assertEqual(recs[0]["discovery"]["ways"][0]["host"], ".")

    def test_truncated_answer_read_over_tcp(self):
        rcode, tc, size = udp_query(self.dns_port, "_pop3._tcp.big.test", 33)
        self.assertEqual((rcode, tc), (0, True), "the UDP answer is truncated")
        recs = self.of("big.test")
        self.assertEqual(len(recs), BIG_SRV, "every SRV record came, so over TCP")
        self.assertEqual(sorted(r["ip"] for r in recs),
                         sorted(f"127.0.2.{i + 1}" for i in range(BIG_SRV)))
        # the same priority: the heaviest first
        self.assertEqual(recs[0]["target"], f"h{BIG_SRV - 1:02d}.big.test")
        self.assertEqual(recs[-1]["target"], "h00.big.test")

    # ---- MX, CNAME, duplicates -----------------------------------------------------------

    def test_mx_through_cname_found_twice_scanned_once(self):
        recs = self.of("mx.test")
        v4 = [r for r in recs if r["ip"] == "127.0.1.4"]
        self.assertEqual(len(v4), 1, "one address and port: one record, every way kept")
        rec = v4[0]
        self.assertEqual(rec["state"], "pop3")
        self.assertEqual(rec["discovered_via"], ["mx", "name"])
        mx, name = rec["discovery"]["ways"]
        self.assertEqual((mx["query"], mx["host"], mx["priority"]),
                         ("mx.test", "mxalias.mx.test", 10))
        self.assertEqual(mx["chain"], ["mxalias.mx.test", "mxhost.mx.test"])
        self.assertEqual((name["query"], name["chain"]), ("mail.mx.test", ["mail.mx.test"]))
        self.assertEqual(rec["target"], "mxalias.mx.test", "named after the MX way")
        v6 = [r for r in recs if r["ip"] == "::1"]
        self.assertEqual([r["state"] for r in v6], ["pop3"], "AAAA of the MX host too")
        self.assertEqual(v6[0]["discovered_via"], ["mx"])

    def test_family_restriction(self):
        res = self.discover_scan("-4", "mx.test")
        self.assertEqual({r["ip"] for r in res.records}, {"127.0.1.4"})
        res = self.discover_scan("-6", "mx.test")
        self.assertEqual({r["ip"] for r in res.records}, {"::1"})

    def test_cname_loop(self):
        recs = self.of("loop.test")
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["state"], "error")
        self.assertIn("CNAME loop: c1.loop.test -> c2.zz.test -> c1.loop.test", recs[0]["error"])
        self.assertEqual(recs[0]["discovered_via"], ["mx"])

    def test_chain_longer_than_the_cap(self):
        recs = self.of("long.test")
        self.assertEqual(len(recs), 1, recs)
        self.assertIn("CNAME chain longer than 8 links", recs[0]["error"])
        self.assertNotEqual(recs[0]["ip"], "127.0.1.5", "the end of the chain is not reached")

    # ---- failures -------------------------------------------------------------------------

    def test_nxdomain(self):
        recs = self.of("nx.test")
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["state"], "error")
        self.assertIn("no mail host found", recs[0]["error"])
        self.assertEqual(recs[0]["discovered_via"], ["input"])

    def test_servfail(self):
        res = self.discover_scan("sv.test")
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertTrue(res.records)
        for r in res.records:
            self.assertEqual(r["state"], "error")
        notes = res.records[0]["discovery"]["notes"]
        self.assertIn("SRV _pop3._tcp.sv.test: DNS: SERVFAIL from the resolver", notes)
        self.assertIn("MX sv.test: DNS: SERVFAIL from the resolver", notes)
        self.assertTrue(any("SERVFAIL" in r["error"] for r in res.records))

    def test_timeout(self):
        # Every query of slow.test goes unanswered: c-ares gives up after two tries of the
        # read timeout (1 s, then 2 s), all in parallel, so well before 20 s.
        res = self.discover_scan("x.slow.test")
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertLess(res.elapsed, 20 * p3s.SLOW)
        self.assertTrue(res.records)
        self.assertTrue(all(r["state"] == "error" for r in res.records))
        notes = res.records[0]["discovery"]["notes"]
        self.assertIn("SRV _pop3._tcp.x.slow.test: DNS: timeout, the resolver did not answer",
                      notes)

    def test_huge_answers_are_capped(self):
        rcode, tc, _ = udp_query(self.dns_port, "huge.test", 1)
        self.assertTrue(tc)
        res = self.discover_scan("huge.test")
        self.assertEqual(res.rc, 0, res.stderr)
        reached = [r for r in res.records if r["ip"]]
        self.assertEqual(len(reached), 32, "at most 32 addresses of a name")
        self.assertTrue(all(r["state"] == "pop3" for r in reached))
        notes = res.records[0]["discovery"]["notes"]
        self.assertIn("huge.test A: more than 32 addresses, the first 32 used", notes)
        self.assertIn("MX huge.test: 100 records, the first 64 used", notes)
        self.assertIn("more than 64 hosts found: the others are left out", notes)

    def test_interrupted_discovery(self):
        # Two domains whose every query goes unanswered (c-ares would give up after 5 s, then
        # 10 s): a first SIGINT lets them go on, a second ends them at once, each with one
        # record that says so, long before the resolver would have timed out.
        import signal
        import subprocess
        import time
        cmd = [p3s.BIN, "--discover", "--resolver", f"127.0.0.1:{self.dns_port}", "--no-db",
               "-f", "jsonl", "--read-timeout", "5s", "-p", str(self.plain), "a.slow.test",
               "b.slow.test"]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.0 * p3s.SLOW)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30 * p3s.SLOW)
        elapsed = time.monotonic() - start
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(elapsed, 4.5 * p3s.SLOW, "ended by the signal, not by the DNS timeout")
        recs = p3s.validate_lines(out.decode())
        self.assertEqual(sorted(r["discovery"]["domain"] for r in recs),
                         ["a.slow.test", "b.slow.test"])
        for r in recs:
            self.assertEqual((r["state"], r["error"]), ("error", "scan interrupted"))

    # ---- names ------------------------------------------------------------------------

    def test_conventional_names_and_override(self):
        res = self.discover_scan("names.test")
        self.assertEqual([(r["target"], r["discovered_via"]) for r in res.records],
                         [("pop.names.test", ["name"])])
        names = os.path.join(self.tmp, "names.txt")
        with open(names, "w") as f:
            f.write("# our own\nwebmail   # the web mail host\n\n")
        res = self.discover_scan("--discover-names", names, "names.test")
        self.assertEqual([r["target"] for r in res.records], ["webmail.names.test"])

    def test_bad_names_file(self):
        names = os.path.join(self.tmp, "bad.txt")
        with open(names, "w") as f:
            f.write("pop\nbad name!\n")
        res = self.discover_scan("--discover-names", names, "names.test", jsonl=False)
        self.assertEqual(res.rc, 2)
        self.assertIn(f"{names}:2: bad name 'bad name!'", res.stderr.decode())
        self.assertEqual(res.stdout, b"")

    def test_odd_names_escaped_everywhere(self):
        # The label a\032b holds a backslash byte: its DNS name is "a\\032b.odd.test" (the
        # backslash escaped, dnsmsg.h); every output then escapes that backslash once more, as it
        # does any server text (docs/output.md), so the name comes back exactly.
        dns_name = "a\\\\032b.odd.test"
        self.assertEqual(len(dns_name.split(".")[0]), 7)
        odd = ["we,ird.odd.test", "w%e<i>rd.odd.test", dns_name.replace("\\", "\\\\")]
        recs = self.of("odd.test")
        self.assertEqual([r["target"] for r in recs], odd)
        self.assertTrue(all(r["state"] == "pop3" for r in recs))
        res = self.discover_scan("odd.test", "-o", "csv:-", jsonl=False)
        rows = list(csv.reader(io.StringIO(res.stdout.decode())))
        head = rows[0]
        self.assertEqual(head[-3:], ["discovered_via", "discovery_domain", "discovery_chain"])
        got = [dict(zip(head, row)) for row in rows[1:]]
        self.assertEqual([g["target"] for g in got], odd)
        self.assertEqual({g["discovered_via"] for g in got}, {"srv"})
        self.assertEqual({g["discovery_domain"] for g in got}, {"odd.test"})
        text = self.discover_scan("odd.test", jsonl=False).stdout.decode()
        self.assertIn("  host " + odd[2] + "\n", text)
        self.assertNotIn("\x1b", text)

    # ---- outputs -----------------------------------------------------------------------

    def test_text_groups_by_domain_then_host(self):
        res = self.discover_scan("srv.test", "mx.test", jsonl=False)
        self.assertEqual(res.rc, 0, res.stderr)
        lines = res.stdout.decode().splitlines()
        heads = [l for l in lines if l.startswith("domain ") or l.startswith("  host ")]
        # srv.test and mx.test may finish in either order; each is one block
        blocks = {"srv.test": ["domain srv.test", "  host pop-a.srv.test", "  host pops.srv.test",
                               "  host pop-b.srv.test"],
                  "mx.test": ["domain mx.test", "  host mxalias.mx.test"]}
        first = heads[0].split()[1]
        second = "mx.test" if first == "srv.test" else "srv.test"
        self.assertEqual(heads, blocks[first] + blocks[second])
        self.assertTrue(any(l.startswith("    found by:") and "mx mx.test" in l and
                            "CNAME mxalias.mx.test -> mxhost.mx.test" in l for l in lines), lines)

    def test_nuclei_carries_discovery(self):
        res = self.discover_scan("srv.test", "-o", "nuclei:-", jsonl=False)
        events = [json.loads(l) for l in res.stdout.decode().splitlines() if l.strip()]
        self.assertTrue(events)
        for e in events:
            self.assertEqual(e["discovered_via"], ["srv"])
            self.assertEqual(e["discovery"]["domain"], "srv.test")

    def test_history_keeps_discovery(self):
        db = os.path.join(self.tmp, "history.sqlite3")
        res = p3s.scan("--discover", "--resolver", f"127.0.0.1:{self.dns_port}", "--db", db,
                       "-p", str(self.plain), "mx.test")
        self.assertEqual(res.rc, 0, res.stderr)
        with sqlite3.connect(db) as con:
            rows = [json.loads(j) for (j,) in con.execute("SELECT json FROM record")]
        self.assertEqual(sorted(r["ip"] for r in rows), ["127.0.1.4", "::1"])
        for r in rows:
            self.assertEqual(r["discovery"]["domain"], "mx.test")
            self.assertIn("mx", r["discovered_via"])

    # ---- pop3scan discover ----------------------------------------------------------------

    def test_discover_lists_without_scanning(self):
        res = self.listing("srv.test", "dot.test", "-f", "jsonl")
        self.assertEqual(res.rc, 0, res.stderr)
        entries = [json.loads(l) for l in res.stdout.decode().splitlines()]
        srv = [(e["host"], e["ip"], e["port"], e["transport"]) for e in entries
               if e["domain"] == "srv.test"]
        self.assertEqual(srv, [("pop-a.srv.test", "127.0.1.1", self.plain, "plain"),
                               ("pops.srv.test", "127.0.1.3", self.tls, "tls"),
                               ("pop-b.srv.test", "127.0.1.2", self.plain, "plain")])
        dot = [e for e in entries if e["domain"] == "dot.test"]
        self.assertEqual(len(dot), 1)
        self.assertIn("no POP3 service", dot[0]["error"])
        text = self.listing("mx.test", "-q").stdout.decode()
        self.assertIn("domain mx.test\n  host mxalias.mx.test\n    127.0.1.4:", text)

    def test_discover_respects_dns_concurrency(self):
        domains = ["srv.test", "mx.test", "odd.test", "names.test", "big.test", "dot.test"]
        for limit in (1, 3):
            res = self.listing("--dns-concurrency", str(limit), *domains)
            self.assertEqual(res.rc, 0, res.stderr)
            m = re.search(r"(\d+) DNS queries, at most (\d+) in flight \(limit (\d+)\)",
                          res.stderr.decode())
            self.assertIsNotNone(m, res.stderr)
            queries, peak, lim = map(int, m.groups())
            self.assertEqual(lim, limit)
            self.assertLessEqual(peak, limit)
            self.assertGreater(queries, len(domains) * 10)

    def test_discover_bad_usage(self):
        res = self.listing("127.0.0.1")
        self.assertEqual(res.rc, 2)
        self.assertIn("'127.0.0.1' is not a domain", res.stderr.decode())
        res = self.listing()
        self.assertEqual(res.rc, 2)
        self.assertIn("no domain given", res.stderr.decode())
        res = self.listing("--dns-concurrency", "0", "mx.test")
        self.assertEqual(res.rc, 2)
        self.assertIn("'0'", res.stderr.decode())


if __name__ == "__main__":
    p3s.main()
