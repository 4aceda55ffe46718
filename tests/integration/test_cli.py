"""Bad input gets exit status 2 and a message naming it; a name that does not resolve gets its
own record (state error, the DNS reason) while the other targets are still scanned. DNS goes to a
local dnsmasq on a loopback port (tests/servers/dnsmasq.sh), never to the system's resolver.
--help and the man page list the same options; --version names the commit and the libraries."""
import ctypes
import os
import p3s
import re
import shutil
import subprocess
import unittest


class BadInputTest(unittest.TestCase):
    def check_usage_error(self, args, needle):
        res = p3s.scan(*args, jsonl=False)
        self.assertEqual(res.rc, 2, (args, res.stderr))
        self.assertIn(needle, res.stderr.decode())
        self.assertEqual(res.stdout, b"", "nothing is scanned")

    def test_unknown_option(self):
        self.check_usage_error(["--frobnicate", "127.0.0.1"], "'--frobnicate'")

    def test_unknown_short_option(self):
        self.check_usage_error(["-x", "127.0.0.1"], "'-x'")

    def test_option_without_value(self):
        self.check_usage_error(["127.0.0.1", "-p"], "'-p'")

    def test_malformed_addresses(self):
        for target in ("1.2.3", "300.1.2.3", "[::1", "[::1]x", "[fe80::1::2]:110", "a..b",
                       "bad_host!", "x-.example", "a.-b.example"):
            self.check_usage_error(["127.0.0.1", target], f"'{target}'")

    def test_bad_ports(self):
        for ports in ("0", "70000", "110,x", "20-10", ""):
            self.check_usage_error(["-p", ports, "127.0.0.1"], f"'{ports}'")
        self.check_usage_error(["127.0.0.1:0"], "'127.0.0.1:0'")
        self.check_usage_error(["127.0.0.1:70000"], "'127.0.0.1:70000'")

    def test_empty_target_list(self):
        self.check_usage_error([], "no targets")
        self.check_usage_error(["-p", "110"], "no targets")

    def test_bad_values(self):
        self.check_usage_error(["--deadline", "soon", "127.0.0.1"], "'soon'")
        self.check_usage_error(["--fail-on", "severe", "127.0.0.1"], "'severe'")
        self.check_usage_error(["--format", "xml", "127.0.0.1"], "'xml'")
        self.check_usage_error(["--resolver", "dns.example", "127.0.0.1"], "'dns.example'")
        self.check_usage_error(["-c", "0", "127.0.0.1"], "'0'")

    def test_help_and_version(self):
        res = p3s.scan("--help", jsonl=False)
        self.assertEqual(res.rc, 0)
        self.assertIn(b"Usage: pop3scan", res.stdout)
        self.assertEqual(p3s.scan("--version", jsonl=False).rc, 0)

    def test_unwritable_output(self):
        res = p3s.scan("-o", "/nonexistent/dir/out.jsonl", "127.0.0.1", jsonl=False)
        self.assertEqual(res.rc, 2)
        self.assertIn(b"/nonexistent/dir/out.jsonl", res.stderr)


class DocumentationTest(unittest.TestCase):
    # Every long option --help names, sorted: adding, renaming or removing an option must
    # update this list (and so the man page, which the test below holds to it).
    LONG_OPTIONS = [
        "all", "campaign", "color", "concurrency", "connect-timeout", "db", "db-retry",
        "deadline", "discover", "discover-names", "dns-concurrency",
        "dry-run", "exclude", "exclude-file", "fail-on", "fingerprints", "format", "help",
        "input-list", "max-memory", "meta", "no-color", "no-db", "no-stls", "no-stls-injection",
        "no-tls-detect", "no-tls-versions", "no-user-probe", "ntlm", "open", "output", "ports",
        "progress", "quiet", "randomize", "rate", "read-timeout", "report", "resolver", "resume",
        "retries", "seed", "shard", "tls-handshakes", "verbose",
        "version",
    ]

    def test_every_option_in_the_man_page(self):
        # curl's rule: every option of --help is documented in the man page, and the man page
        # documents no option the program lacks.
        import re
        helptext = p3s.scan("--help", jsonl=False).stdout.decode()
        opts = set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]+)", helptext))
        with open(os.path.join(p3s.SRC, "man", "pop3scan.1")) as f:
            man = f.read().replace("\\-", "-")
        documented = set(re.findall(r"^\.B[IR]? +--([a-z][a-z0-9-]+)", man, re.M))
        documented |= set(re.findall(r"--([a-z][a-z0-9-]+)\"? *$", man, re.M))
        self.assertEqual(self.LONG_OPTIONS, sorted(self.LONG_OPTIONS))
        self.assertEqual(sorted(opts), self.LONG_OPTIONS)
        for opt in self.LONG_OPTIONS:
            self.assertIn("--" + opt, man, f"--{opt} is not in man/pop3scan.1")
        self.assertEqual(sorted(documented - opts - {"no-color", "iL"}), [])

    def test_readme_says_what_it_sends(self):
        # README's "What it sends" names every connection and command a scan may send; a merge
        # once cut it mid-sentence and nothing noticed.
        with open(os.path.join(p3s.SRC, "README.md")) as f:
            readme = f.read()
        part = readme.split("### What it sends\n", 1)[1].split("\n### ", 1)[0]
        for said in ("`CAPA`", "`USER` with a random name", "`STLS`", "`AUTH NTLM`", "`QUIT`",
                     "one more connection per TLS version", "(TLS detection)",
                     "STLS command injection check", "`--no-stls-injection`",
                     "Never `PASS`, `APOP` or any credential.", "`unsolicited`",
                     "`findings_withheld`"):
            self.assertIn(said, part)
        self.assertNotIn("\n`", part.split("\n\n")[0].replace("\n`--ntlm`", ""),
                         "a paragraph of another section ran into it")


class VersionTest(unittest.TestCase):
    """--version names the version, the commit the binary was built from and the libraries it
    runs with: each library version must be the one that library itself reports when loaded
    from where the binary loads it (ldd), not a version copied from a header at build time."""

    def version_lines(self):
        res = p3s.scan("--version", jsonl=False)
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertEqual(res.stderr, b"")
        return res.stdout.decode().splitlines()

    def test_program_version_and_commit(self):
        with open(os.path.join(p3s.SRC, "CMakeLists.txt")) as f:
            version = re.search(r"^project\(pop3scan VERSION ([0-9.]+)", f.read(), re.M).group(1)
        first = self.version_lines()[0]
        m = re.fullmatch(r"pop3scan (\S+) \(commit (\S+)\)", first)
        self.assertIsNotNone(m, first)
        self.assertEqual(m.group(1), version)
        head = None
        if os.path.exists(os.path.join(p3s.SRC, ".git")) and shutil.which("git"):
            git = subprocess.run(["git", "-C", p3s.SRC, "rev-parse", "HEAD"],
                                 capture_output=True, text=True)
            head = git.stdout.strip() if git.returncode == 0 else None
        if head is None:  # a tarball or a tree without git: nothing to name
            self.assertEqual(m.group(2), "unknown")
        else:  # the build is of this checkout (rebuild after committing)
            self.assertRegex(m.group(2), r"^[0-9a-f]{12}(-dirty)?$")
            self.assertTrue(head.startswith(m.group(2)[:12]), (m.group(2), head))

    def test_library_versions_are_those_loaded(self):
        ldd = subprocess.run(["ldd", os.environ.get("P3S_BIN", p3s.BIN)], capture_output=True,
                             text=True, check=True).stdout
        libs = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))

        def lib(soname_prefix):
            paths = [p for name, p in libs.items() if name.startswith(soname_prefix)]
            self.assertEqual(len(paths), 1, (soname_prefix, ldd))
            return ctypes.CDLL(paths[0])

        def call(fn, *args):
            fn.restype = ctypes.c_char_p
            return fn(*args).decode()

        pcre2_buf = ctypes.create_string_buffer(64)
        self.assertGreater(lib("libpcre2-8.so").pcre2_config_8(11, pcre2_buf), 0)  # _VERSION
        expected = [
            "libraries in use:",
            "  " + call(lib("libcrypto.so").OpenSSL_version, 0),  # OPENSSL_VERSION
            "  libevent " + call(lib("libevent_core").event_get_version),
            "  c-ares " + call(lib("libcares.so").ares_version, None),
            "  PCRE2 " + pcre2_buf.value.decode(),
            "  jansson " + call(lib("libjansson.so").jansson_version_str),
        ]
        self.assertEqual(self.version_lines()[1:], expected)
        self.assertRegex(expected[1], r"^  OpenSSL 3\.")

class DnsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns_port = p3s.free_port()
        cls.dns = p3s.ServerScript("dnsmasq.sh", "--port", cls.dns_port)
        cls.dns.__enter__()
        cls.pop_port = p3s.free_port()
        cls.server = p3s.TestServer('start send "+OK hi\\r\\n"\non CAPA send "-ERR\\r\\n"\n'
                                    'on * send "-ERR\\r\\n"\n',
                                    listen=(f"127.0.0.1:{cls.pop_port}", f"[::1]:{cls.pop_port}"))
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        cls.dns.__exit__(None, None, None)

    def scan(self, *args):
        return p3s.scan("--resolver", f"127.0.0.1:{self.dns_port}", "-p", self.pop_port, *args)

    def test_unresolvable_name_gets_its_record(self):
        # (::1 rather than 127.0.0.1 beside v4.test: that is 127.0.0.1, and an address given
        # both ways is scanned once.)
        res = self.scan("nosuch.test", "::1", "v4.test")
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertEqual(len(res.records), 3)
        bad = [r for r in res.records if r["target"] == "nosuch.test"]
        self.assertEqual(len(bad), 1)
        self.assertEqual(bad[0]["state"], "error")
        self.assertIn("NXDOMAIN", bad[0]["error"])
        self.assertIsNone(bad[0]["ip"])
        good = [r for r in res.records if r["target"] != "nosuch.test"]
        self.assertEqual([r["state"] for r in good], ["pop3", "pop3"])

    def test_name_resolves_to_every_address(self):
        res = self.scan("dual.test")
        self.assertEqual(sorted(r["ip"] for r in res.records), ["127.0.0.1", "::1"])
        for r in res.records:
            self.assertEqual(r["target"], "dual.test")
            self.assertEqual(r["state"], "pop3")
        res = self.scan("two.test")
        self.assertEqual(sorted(r["ip"] for r in res.records), ["127.0.0.1", "127.0.0.2"])

    def test_family_restriction(self):
        self.assertEqual([r["ip"] for r in self.scan("-4", "dual.test").records], ["127.0.0.1"])
        self.assertEqual([r["ip"] for r in self.scan("-6", "dual.test").records], ["::1"])
        rec = self.scan("-6", "v4.test").records[0]
        self.assertEqual(rec["state"], "error")

    def test_resolver_timeout(self):
        res = p3s.scan("--resolver", f"127.0.0.1:{self.dns_port}", "--read-timeout", "1s",
                       "-p", self.pop_port, "x.slow.test")
        self.assertEqual(res.rc, 0)
        self.assertEqual(res.records[0]["state"], "error")
        self.assertIn("timeout", res.records[0]["error"])

    def query_count(self, qtype, name):
        with open(os.path.join(self.dns.dir, "dnsmasq.log")) as f:
            return sum(1 for line in f if f"query[{qtype}] {name} " in line)

    def test_cache_asks_each_name_once(self):
        # One name with three ports (and another spelling) is asked once per type.
        before = self.query_count("A", "mail.test"), self.query_count("AAAA", "mail.test")
        res = self.scan("mail.test:1", "MAIL.test:2", "mail.test:3", f"mail.test:{self.pop_port}")
        self.assertEqual(len(res.records), 4)
        self.assertEqual({r["ip"] for r in res.records}, {"127.0.0.1"})
        self.assertEqual([r["state"] for r in res.records if r["port"] == self.pop_port],
                         ["pop3"])
        after = self.query_count("A", "mail.test"), self.query_count("AAAA", "mail.test")
        self.assertEqual((after[0] - before[0], after[1] - before[1]), (1, 1))

    def test_dns_concurrency_caps_queries_in_flight(self):
        # Two names whose server never answers: one at a time takes two resolver timeouts (2 s
        # each) in a row, two at a time about one. The difference is one timeout: at least half
        # of one separates it from no difference at all (start-up pads both runs alike).
        def run(cap):
            return p3s.scan("--resolver", f"127.0.0.1:{self.dns_port}", "--read-timeout", "2s",
                            "--dns-concurrency", cap, "-p", self.pop_port,
                            "a.slow.test", "b.slow.test", timeout=60)
        one, two = run(1), run(2)
        for res in (one, two):
            self.assertEqual([r["state"] for r in res.records], ["error", "error"])
        self.assertGreater(one.elapsed - two.elapsed, 1.0, (one.elapsed, two.elapsed))

if __name__ == "__main__":
    p3s.main()
