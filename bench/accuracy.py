#!/usr/bin/python3
"""bench/accuracy.py — the helper of bench/accuracy.sh (identification accuracy, issue 5) and of
bench/accuracy-real.sh (the real servers, issue 12).

  accuracy.py setup CORPUS DIR
      Reads bench/corpus/greetings.tsv and writes into DIR:
        script    a p3testd script, one profile per corpus entry (match cidr 127.77.X.Y/32)
        entries   one line per entry: ADDR TAB GROUP TAB CERT-SUBJECT ("-": plain, no cert);
                  entries with the same certificate subject share a GROUP number (1, 2, …)
  accuracy.py score CORPUS DIR TABLE
      Reads DIR/p3s-*.jsonl (pop3scan) and DIR/nmap-*.xml (nmap -sV -oX), scores both tools
      against the corpus, writes the per-entry table to TABLE and prints the summary.
  accuracy.py score-real PORTS DIR TABLE
      The same for bench/accuracy-real.sh (the real servers on 127.0.0.1): PORTS says what each
      port should be named (see score_real()); prints one line per port and the summary.

Scoring (the same for both tools):
  - product right: the corpus names a product and the tool named that product, or the corpus
    says "-" (must stay unknown) and the tool named nothing;
  - wrong name: the tool named a product and it is not the expected one (the worst error: a
    confident wrong answer, including a product named where the corpus expects none);
  - version right: over the entries that HAVE an expected version only; right when the product
    is right and the reported version is the expected one (equal, or followed by build
    information: see version_right());
  - wrong version: over the same entries, the tool reported a version that is not right.
pop3scan's product is right when its vendor and name equal the corpus columns exactly. nmap's
product string goes through NMAP_PRODUCTS below first (nmap names products its own way).
"""
import ipaddress
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

BASE = int(ipaddress.IPv4Address("127.77.0.0"))

# nmap -sV product string (exact) -> the corpus products (column 2) it counts as. Small on
# purpose: one line per product string nmap 7.93 prints on this corpus or on the real servers of
# bench/accuracy-real.sh ("Perdition pop3 proxy"), nothing else; a string
# not in the table counts as a wrong name, and the run lists such strings so that the table can
# be extended when nmap changes. To be fair to nmap:
#   - a family name counts for every member it covers: "Microsoft Exchange pop3d" is right for
#     every on-premises Exchange (its version then tells which one);
#   - a product its vendor renamed counts under both names (Kerio MailServer -> Kerio Connect,
#     Merak -> IceWarp, Lotus Domino -> HCL Domino);
#   - nmap's spelling is taken as it is ("Netscape Messenging Server pop3" is Netscape's).
# Not mapped, because they name no product of bench/products.tsv: "pop3gwd pop3 proxy" (printed
# for other proxies), "Nagios NSCA" (another service). A generic answer — service "pop3" with no
# product — names nothing.
ON_PREM_EXCHANGE = {"Exchange Server 5.0", "Exchange Server 5.5", "Exchange Server 2000",
                    "Exchange Server 2003", "Exchange Server 2007", "Exchange Server 2010",
                    "Exchange Server"}
NMAP_PRODUCTS = {
    "Dovecot pop3d": {"Dovecot"},
    "Cyrus pop3d": {"Cyrus IMAP"},
    "Courier pop3d": {"Courier Mail Server"},
    "Microsoft Exchange pop3d": ON_PREM_EXCHANGE,
    "Microsoft Exchange 2000 pop3d": {"Exchange Server 2000"},
    "Microsoft Exchange 2003 pop3d": {"Exchange Server 2003"},
    "Microsoft Exchange 2007 pop3d": {"Exchange Server 2007"},
    "Microsoft Exchange 2007-2010 pop3d": {"Exchange Server 2007", "Exchange Server 2010",
                                           "Exchange Server"},
    "Microsoft Exchange Online pop3d": {"Exchange Online"},
    "Microsoft Windows 2003 POP3 Service": {"Windows POP3 Service"},
    "Zimbra pop3d": {"Zimbra Collaboration"},
    "Qpopper pop3d": {"Qpopper"},
    "qpopper pop3d": {"Qpopper"},
    "qpopper": {"Qpopper"},
    "MailMax pop3d": {"MailMax"},
    "Qpop pop3d": {"Qpopper"},
    "UW Imap pop3d": {"UW IMAP ipop3d"},
    "Openwall popa3d": {"popa3d"},
    "MDaemon pop3d": {"MDaemon"},
    "Kerio Connect pop3d": {"Kerio Connect", "Kerio MailServer"},
    "Kerio MailServer POP3 Server": {"Kerio Connect", "Kerio MailServer"},
    "IceWarp pop3d": {"IceWarp Mail Server", "Merak Mail Server"},
    "Merak Mail server pop3d": {"IceWarp Mail Server", "Merak Mail Server"},
    "CommuniGate Pro": {"CommuniGate Pro"},
    "CommuniGate Pro pop3d": {"CommuniGate Pro"},
    "Lotus Domino POP3 server": {"Lotus Domino", "Domino"},
    "qmail pop3d": {"qmail"},
    "Google Gmail pop3d": {"Gmail"},
    "Sun Java System Messaging Server pop3d": {"Java System Messaging Server"},
    "iPlanet pop3d": {"iPlanet Messaging Server"},
    "Netscape Messenging Server pop3": {"Netscape Messaging Server"},
    "Novell GroupWise pop3d": {"GroupWise"},
    "Citadel pop3d": {"Citadel"},
    "ArGoSoft Mail Server Pro pop3d": {"ArGoSoft Mail Server"},
    "XMail pop3d": {"XMail"},
    "IMail pop3d": {"IMail Server"},
    "DBMail pop3d": {"DBMail"},
    "Teapop pop3d": {"teapop"},
    "vm-pop3d": {"vm-pop3d"},
    "Solid pop3d": {"Solid POP3"},
    "Perdition pop3 proxy": {"Perdition POP3 proxy"},
    "Cubic Circle Cucipop pop3d": {"cucipop"},
    "Zarafa pop3 proxy": {"Zarafa"},
    "MailEnable POP3 Server": {"MailEnable"},
    "CMailServer pop3d": {"CMailServer"},
    "WinGate pop3d": {"WinGate"},
    # Printed on the blind set (bench/blind/greetings.tsv); same rule: nmap's own product
    # string, the canonical product(s) of bench/products.tsv it names.
    "ArGoSoft freeware pop3d": {"ArGoSoft Mail Server"},
    "BVRP Software SLMAIL pop3d": {"SLmail"},
    "DavMail pop3d": {"DavMail"},
    "FreePOPs pop3 proxy": {"FreePOPs"},
    "GNU mailutils pop3d": {"Mailutils"},
    "InterMail pop3d": {"InterMail"},
    "JAMES pop3d": {"James"},
    "MailSite pop3d": {"MailSite"},
    "POPFile pop3d": {"POPFile"},
    "PSCS VPop3": {"VPOP3"},
    "Sun Java System Messaging Multiplexor pop3d": {"Java System Messaging Server",
                                                    "Communications Messaging Server"},
    "VisNetic MailServer pop3d": {"VisNetic MailServer"},
    "XMail pop3 server": {"XMail"},
    "hotwayd pop3d": {"hotwayd"},
    "ipop3d": {"UW IMAP ipop3d"},
    "tpop3d": {"tpop3d"},
    "602LAN Suite pop3": {"602LAN SUITE"},
}


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            i += 1
            out.append({"n": "\n", "t": "\t"}.get(s[i], s[i]))
        else:
            out.append(c)
        i += 1
    return "".join(out)


def corpus(path):
    entries = []
    for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\r\n")
        if not line or line.startswith("#"):
            continue
        col = [unescape(c) for c in line.split("\t")]
        if len(col) < 4:
            sys.exit(f"{path}:{lineno}: fewer than 4 columns")
        col += [""] * (7 - len(col))
        i = len(entries)
        entries.append({
            "line": lineno, "vendor": col[0], "product": col[1], "version": col[2],
            "greeting": col[3], "capa": col[4], "user": col[5], "cert": col[6],
            "addr": str(ipaddress.IPv4Address(BASE + (i // 250) * 256 + i % 250 + 1)),
        })
    if len(entries) > 250 * 256:
        sys.exit("corpus too large for 127.77.0.0/16")
    return entries


def q(s):
    """A p3testd string literal."""
    out = []
    for b in s.encode("utf-8"):
        if b == 0x5C:
            out.append("\\\\")
        elif b == 0x22:
            out.append('\\"')
        elif b in (0x0D, 0x0A, 0x09):
            out.append({0x0D: "\\r", 0x0A: "\\n", 0x09: "\\t"}[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return '"' + "".join(out) + '"'


def setup(corpus_path, d):
    d = Path(d)
    entries = corpus(corpus_path)
    lines = ["# generated by bench/accuracy.py from " + str(corpus_path) + ": one profile per entry"]
    groups = {}
    with open(d / "entries", "w") as ef:
        for i, e in enumerate(entries):
            capa = e["capa"]
            if capa.startswith("-ERR"):
                capa_reply = capa + "\r\n"
            elif capa == "":
                capa_reply = "-ERR\r\n"
            else:
                capa_reply = "+OK\r\n" + "".join(l + "\r\n" for l in capa.split("\n")) + ".\r\n"
            lines += [
                "",
                f"profile e{i + 1:03d}  # {corpus_path}:{e['line']}",
                f"match cidr {e['addr']}/32",
                f"start send {q(e['greeting'] + chr(13) + chr(10))}",
                f"on CAPA send {q(capa_reply)}",
                f"on USER send {q((e['user'] or '+OK') + chr(13) + chr(10))}",
                'on QUIT send "+OK\\r\\n"; close',
                'on * send "-ERR\\r\\n"',
            ]
            g = groups.setdefault(e["cert"], len(groups) + 1) if e["cert"] else 0
            ef.write(f"{e['addr']}\t{g}\t{e['cert'] or '-'}\n")
    (d / "script").write_text("\n".join(lines) + "\n")


def nmap_names(product):
    return NMAP_PRODUCTS.get(product, set())


def version_right(got, want):
    """got equals want, or is want followed by build information after a space, '-', '_', '+'
    or '(' (nmap: "2.4.17-Fedora-RPM-2.4.17-13.el7" for 2.4.17, "12.5.7 2059-1" for 12.5.7);
    "2.4.17" is not right for "2.4". The same rule for both tools."""
    if not got:
        return False
    return got == want or (got.startswith(want) and got[len(want)] in " -_+(")


def judge(e, named, right_name, version):
    """named: the tool named a product; right_name: it is the expected one."""
    want = e["product"] != "-"
    r = {"named": named}
    r["product_right"] = (named and right_name) if want else not named
    r["wrong_name"] = named and not (want and right_name)
    if e["version"] != "-":
        r["version_right"] = r["product_right"] and version_right(version, e["version"])
        r["wrong_version"] = bool(version) and not version_right(version, e["version"])
    return r


def mark(r):
    if r["wrong_name"]:
        return "WRONG"
    if not r["product_right"]:
        return "miss"
    if "version_right" in r and not r["version_right"]:
        return "ver?"
    return "ok"


def load_p3s(d, key):
    """pop3scan's JSONL records of DIR/p3s-*.jsonl by key(record)."""
    out = {}
    for f in sorted(Path(d).glob("p3s-*.jsonl")):
        for line in open(f):
            rec = json.loads(line)
            out[key(rec)] = rec
    return out


def load_nmap(d, key):
    """nmap's <port> results of DIR/nmap-*.xml (state and <service> attributes) by key(addr, port)."""
    out = {}
    for f in sorted(Path(d).glob("nmap-*.xml")):
        root = ET.parse(f).getroot()
        for host in root.iter("host"):
            addr = host.find("address").get("addr")
            for port in host.iter("port"):
                state = port.find("state").get("state")
                svc = port.find("service")
                out[key(addr, int(port.get("portid")))] = {
                    "state": state, **(svc.attrib if svc is not None else {})}
    return out


def tally(entries, p3s, nm):
    """Scores both tools on entries (each with its result key in e["key"]): the stats per tool and
    one row per entry (entry, expected text, pop3scan verdict and text, nmap verdict and text)."""
    stats = {t: {"product_right": 0, "wrong_name": 0, "version_right": 0, "wrong_version": 0,
                 "named": 0, "missing": 0} for t in ("pop3scan", "nmap")}
    # pop3scan's wrong names by the confidence it gave them (the goal: none at certain or likely)
    stats["pop3scan"]["wrong_by_confidence"] = {"certain": 0, "likely": 0, "guess": 0}
    rows = []
    for e in entries:
        exp = f"{e['vendor']} | {e['product']} | {e['version']}" + (
            f"  [TLS, {e['cert']}]" if e.get("cert") else "")
        # pop3scan
        rec = p3s.get(e["key"])
        if rec is None:
            stats["pop3scan"]["missing"] += 1
            pr, p_txt = judge(e, False, False, None), "(no record)"
        else:
            p = rec.get("product")
            if p and p.get("name"):
                ok = p.get("vendor") == e["vendor"] and p.get("name") == e["product"]
                pr = judge(e, True, ok, p.get("version"))
                if pr["wrong_name"] and p.get("confidence") in ("certain", "likely", "guess"):
                    stats["pop3scan"]["wrong_by_confidence"][p["confidence"]] += 1
                p_txt = (f"{p.get('vendor')} | {p.get('name')} | {p.get('version') or '-'}  "
                         f"({p.get('rule')}, {p.get('confidence')})")
            else:
                pr = judge(e, False, False, None)
                p_txt = f"- ({rec.get('state')}, {rec.get('service')})"
        # nmap
        s = nm.get(e["key"])
        if s is None:
            stats["nmap"]["missing"] += 1
            nr, n_txt = judge(e, False, False, None), "(no answer)"
        else:
            prod = s.get("product", "")
            names = nmap_names(prod) if prod else set()
            nr = judge(e, bool(prod), e["product"] in names, s.get("version"))
            n_txt = (f"{s.get('name', '?')}: {prod or '-'} | {s.get('version') or '-'}"
                     + (f" ({s['extrainfo']})" if s.get("extrainfo") else "")
                     + ("" if not prod or names else "  [not in the table]"))
            if s["state"] != "open":
                n_txt = f"port {s['state']}"
        for t, r in (("pop3scan", pr), ("nmap", nr)):
            for k in ("product_right", "wrong_name", "version_right", "wrong_version", "named"):
                stats[t][k] += bool(r.get(k))
        rows.append((e, exp, pr, p_txt, nr, n_txt))
    return stats, rows


def summary(entries, stats, n_what="entries"):
    """Prints the two tools' figures, as bench/RESULTS.md reports them."""
    n = len(entries)
    n_ver = sum(e["version"] != "-" for e in entries)
    pct = lambda a, b: f"{100.0 * a / b:5.1f} %" if b else "  n/a"
    print(f"  {'':9} {'product right':>18} {'version right':>18} {'wrong name':>11} "
          f"{'wrong version':>14} {'named':>6}")
    for t in ("pop3scan", "nmap"):
        s = stats[t]
        print(f"  {t:9} {s['product_right']:4}/{n} {pct(s['product_right'], n)} "
              f"{s['version_right']:4}/{n_ver} {pct(s['version_right'], n_ver)} "
              f"{s['wrong_name']:11} {s['wrong_version']:14} {s['named']:6}"
              + (f"   ({s['missing']} {n_what} without a result)" if s["missing"] else ""))
    w = stats["pop3scan"]["wrong_by_confidence"]
    print(f"  pop3scan's wrong names by confidence: certain {w['certain']}, likely "
          f"{w['likely']}, guess {w['guess']}")


def unmapped_note(nm):
    unmapped = sorted({s.get("product") for s in nm.values() if s.get("product")
                       and not nmap_names(s["product"])})
    if unmapped:
        print("  nmap products not in accuracy.py's table (counted as wrong names): "
              + "; ".join(unmapped))


def score(corpus_path, d, table):
    entries = corpus(corpus_path)
    for e in entries:
        e["key"] = e["addr"]
    p3s = load_p3s(d, lambda rec: rec["ip"])
    nm = load_nmap(d, lambda addr, port: addr)
    stats, rows = tally(entries, p3s, nm)

    n = len(entries)
    n_ver = sum(e["version"] != "-" for e in entries)
    with open(table, "w") as out:
        out.write("# bench/accuracy.sh: per corpus entry, expected vs pop3scan vs nmap -sV\n"
                  "# mark: ok | ver? (product right, version not) | miss (named nothing, or "
                  "nothing where a product was expected) | WRONG (named a wrong product)\n")
        for e, exp, pr, p_txt, nr, n_txt in rows:
            out.write(f"\n{e['addr']}  greetings.tsv:{e['line']}  {e['greeting'][:90]}\n"
                      f"  expected  {exp}\n"
                      f"  pop3scan  {mark(pr):5} {p_txt}\n"
                      f"  nmap      {mark(nr):5} {n_txt}\n")
    n_named = sum(e["product"] != "-" for e in entries)
    print(f"  {n} entries ({n_named} with a product, {n - n_named} that must stay unknown, "
          f"{n_ver} with a version, {sum(bool(e['cert']) for e in entries)} on TLS with a certificate)")
    summary(entries, stats)
    wrong = [(e, p_txt) for e, _, pr, p_txt, _, _ in rows if mark(pr) != "ok"]
    if wrong:
        print(f"  pop3scan not right on {len(wrong)}:")
        for e, p_txt in wrong:
            print(f"    greetings.tsv:{e['line']}: want {e['vendor']} | {e['product']} | "
                  f"{e['version']}, got {p_txt}")
    unmapped_note(nm)
    return 0 if not stats["pop3scan"]["missing"] and not stats["nmap"]["missing"] else 1


def score_real(ports_path, d, table):
    """The real-servers set (bench/accuracy-real.sh): PORTS lists one port a line, NAME TAB PORT
    TAB plain|tls TAB VENDOR TAB PRODUCT TAB VERSION (the expected answer, as in the corpus);
    every port is on 127.0.0.1. Same scoring as score(); prints one line per port and the sums."""
    entries = []
    for line in open(ports_path, encoding="utf-8"):
        col = line.rstrip("\n").split("\t")
        if len(col) != 6:
            sys.exit(f"{ports_path}: want 6 columns: {line!r}")
        entries.append({"name": col[0], "key": int(col[1]), "transport": col[2],
                        "vendor": col[3], "product": col[4], "version": col[5]})
    p3s = load_p3s(d, lambda rec: rec["port"])
    nm = load_nmap(d, lambda addr, port: port)
    stats, rows = tally(entries, p3s, nm)
    with open(table, "w") as out:
        out.write("# bench/accuracy-real.sh: per port, expected vs pop3scan vs nmap -sV\n"
                  "# mark: ok | ver? (product right, version not) | miss | WRONG (a wrong product)\n")
        for e, exp, pr, p_txt, nr, n_txt in rows:
            rec = p3s.get(e["key"]) or {}
            out.write(f"\n{e['name']} {e['transport']} 127.0.0.1:{e['key']}  "
                      f"{(rec.get('greeting') or '-')[:90]}\n"
                      f"  expected  {exp}\n"
                      f"  pop3scan  {mark(pr):5} {p_txt}\n"
                      f"  nmap      {mark(nr):5} {n_txt}\n")
    print(f"  {'server':12} {'port':11} {'pop3scan (vendor | product | version, confidence)':62} "
          f"nmap -sV (service: product | version)")
    for e, exp, pr, p_txt, nr, n_txt in rows:
        p = (p3s.get(e["key"]) or {}).get("product") or {}
        short = (f"{p.get('vendor')} | {p.get('name')} | {p.get('version') or '-'}, "
                 f"{p.get('confidence')}" if p.get("name") else "-")
        print(f"  {e['name']:12} {e['transport'] + ' ' + str(e['key']):11} {mark(pr):5} "
              f"{short:56} {mark(nr):5} {n_txt}")
    n_ver = sum(e["version"] != "-" for e in entries)
    print(f"\n  {len(entries)} ports of {len({e['name'] for e in entries})} servers "
          f"({n_ver} with a version shown)")
    summary(entries, stats, "ports")
    unmapped_note(nm)
    return 0 if not stats["pop3scan"]["missing"] and not stats["nmap"]["missing"] else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "score":
        sys.exit(score(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "score-real":
        sys.exit(score_real(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)
