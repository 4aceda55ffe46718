"""Installing pop3scan as a user would: `make install` with PREFIX and DESTDIR puts the program,
its man page, the docs and the bash and zsh completions in place, and `make uninstall` takes them
away again. The completions (completions/) offer exactly the options `pop3scan --help` lists and
the values it names for --format, --color and --fail-on: when an option is added, --help changes
and these tests fail until the completions have it too. Both completions are exercised for real:
bash's function is called as bash calls it, zsh's runs in an interactive zsh on a terminal."""
import os
import p3s
import re
import shutil
import subprocess
import tempfile
import unittest

COMPLETIONS = os.path.join(p3s.SRC, "completions")
BASH_COMPLETION = os.path.join(COMPLETIONS, "pop3scan.bash")
ZSH_COMPLETION = os.path.join(COMPLETIONS, "_pop3scan")
# The build directory this test belongs to (BUILD/src/pop3scan), which `make install` installs.
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(os.environ.get("P3S_BIN", p3s.BIN))))


def help_text():
    res = p3s.scan("--help", jsonl=False)
    assert res.rc == 0, res.stderr
    return res.stdout.decode()


def help_options():
    """Every option --help lists: the first column of each option line, e.g. "-p, --ports LIST"
    gives -p and --ports, "-4, -6" gives both."""
    opts = set()
    for line in help_text().splitlines():
        if re.match(r"^ {2,}-", line):
            first_column = re.split(r"\s{2,}", line.strip())[0]
            opts.update(re.findall(r"(?:^|, )(--?[A-Za-z0-9][\w-]*)", first_column))
    return opts


def help_values():
    """The values --help names for the options that take one of a fixed set."""
    text = " ".join(help_text().split())
    formats = re.search(r"--format FORMAT ([\w, ]+?) \(default", text).group(1).split(", ")
    colors = re.search(r"--color WHEN (\w+), (\w+) or (\w+)", text).groups()
    severities = re.search(r"at or above it \(([\w, ]+)\)", text).group(1).split(", ")
    return {"--format": sorted(formats), "--color": sorted(colors),
            "--fail-on": sorted(severities)}


class HelpParsingTest(unittest.TestCase):
    def test_help_is_understood(self):
        # The parsers above must keep finding what they look for, or the tests below prove
        # nothing: a few options and values that will always be there.
        opts = help_options()
        for opt in ("-p", "--ports", "-f", "--format", "-iL", "-4", "-6", "-V", "--version"):
            self.assertIn(opt, opts)
        self.assertGreater(len(opts), 35)
        values = help_values()
        self.assertIn("jsonl", values["--format"])
        self.assertEqual(values["--color"], ["always", "auto", "never"])
        self.assertIn("high", values["--fail-on"])


class BashCompletionTest(unittest.TestCase):
    def complete(self, *words, cwd=None):
        """COMPREPLY of _pop3scan for the command line `pop3scan WORDS...`, the last word being
        the one under the cursor, set up as bash sets it up for a completion function."""
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));'
                  'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _pop3scan pop3scan;'
                  'printf "%s\\n" "${COMPREPLY[@]}"')
        proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash",
                               BASH_COMPLETION, "pop3scan", *words],
                              capture_output=True, text=True, timeout=30, cwd=cwd)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        return sorted(w for w in proc.stdout.split("\n") if w)

    def test_every_option_of_help_and_no_other(self):
        self.assertEqual(self.complete("-"), sorted(help_options()))

    def test_option_prefix(self):
        self.assertEqual(self.complete("--col"), ["--color"])
        self.assertEqual(self.complete("--no-tls-v"), ["--no-tls-versions"])
        self.assertEqual(self.complete("--no-t"), ["--no-tls-detect", "--no-tls-versions"])
        self.assertEqual(self.complete("--ma"), ["--max-memory"])

    def test_values(self):
        values = help_values()
        self.assertEqual(self.complete("--color", ""), values["--color"])
        self.assertEqual(self.complete("-f", ""), values["--format"])
        self.assertEqual(self.complete("--format", ""), values["--format"])
        self.assertEqual(self.complete("--fail-on", ""), values["--fail-on"])
        self.assertEqual(self.complete("--color", "n"), ["never"])
        # --color=al: bash splits the word at '='.
        self.assertEqual(self.complete("--color", "=", "al"), ["always"])
        self.assertEqual(self.complete("--format", "="), values["--format"])

    def test_file_names(self):
        with tempfile.TemporaryDirectory() as d:
            for name in ("rules.fp", "targets.txt"):
                open(os.path.join(d, name), "w").close()
            self.assertEqual(self.complete("--fingerprints", "ru", cwd=d), ["rules.fp"])
            self.assertEqual(self.complete("-iL", "tar", cwd=d), ["targets.txt"])
            # -o FILE or -o FORMAT:FILE (bash splits at ':').
            self.assertEqual(self.complete("-o", "j", cwd=d), ["jsonl:"])
            self.assertEqual(self.complete("-o", "jsonl", ":", "t", cwd=d), ["targets.txt"])
            self.assertEqual(self.complete("--report", "m", cwd=d), ["markdown:"])

    def test_report_subcommand(self):
        # pop3scan report [OPTIONS] FILE...: the subcommand first, then its own options
        self.assertIn("report", self.complete("rep"))
        report_help = subprocess.run([p3s.BIN, "report", "--help"], capture_output=True,
                                     text=True, timeout=30).stdout
        opts = set(re.findall(r"(?m)^ {2,}(?:(-\w), )?(--[\w-]+)", report_help))
        want = sorted({o for pair in opts for o in pair if o})
        self.assertEqual(self.complete("report", "-"), want)
        self.assertEqual(self.complete("report", "-f", ""), ["html", "markdown"])
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "scan.jsonl"), "w").close()
            self.assertEqual(self.complete("report", "sc", cwd=d), ["scan.jsonl"])

    def test_no_guess_for_free_values(self):
        self.assertEqual(self.complete("--ports", ""), [])
        self.assertEqual(self.complete("-c", ""), [])
        self.assertEqual(self.complete("--max-memory", ""), [])


class ZshCompletionTest(unittest.TestCase):
    def specs(self):
        """The option specs the completion hands to _arguments, brace lists expanded by zsh."""
        script = ('_arguments() { print -rl -- "$@" }; source "$1"')
        proc = subprocess.run(["zsh", "-f", "-c", script, "zsh", ZSH_COMPLETION],
                              capture_output=True, text=True, timeout=30, check=True)
        return [s for s in proc.stdout.splitlines() if s not in ("-s", "-S", ":")]

    def spec_of(self, option):
        found = [s for s in self.specs() if re.match(r"^(\([^)]*\))?\*?" + re.escape(option) +
                                                        r"[-+=]*(\[|$)", s)]
        self.assertEqual(len(found), 1, (option, found))
        return found[0]

    def test_every_option_of_help_and_no_other(self):
        opts = set()
        for spec in self.specs():
            m = re.match(r"^(?:\([^)]*\))?\*?(--?[A-Za-z0-9][\w-]*?)[-+=]*\[", spec)
            if m:
                opts.add(m.group(1))
            else:
                self.assertTrue(spec.startswith("*:"), f"not an option nor the targets: {spec}")
        self.assertEqual(sorted(opts), sorted(help_options()))

    def test_values(self):
        for option, values in help_values().items():
            spec = self.spec_of(option)
            listed = re.search(r":\(([^)]*)\)$", spec)
            self.assertIsNotNone(listed, spec)
            self.assertEqual(sorted(listed.group(1).split()), values, spec)

    def complete(self, line):
        proc = subprocess.run(["zsh", "-f", os.path.join(os.path.dirname(__file__),
                                                         "complete.zsh"), COMPLETIONS, line],
                              capture_output=True, text=True, timeout=90)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_in_a_terminal(self):
        self.assertIn("pop3scan --color=", self.complete("pop3scan --col"))
        shown = self.complete("pop3scan --color ")
        self.assertEqual(sorted(set(shown.split()) & {"auto", "always", "never", "jsonl"}),
                         ["always", "auto", "never"], shown)
        shown = self.complete("pop3scan -f ")
        self.assertTrue(set(help_values()["--format"]) <= set(shown.split()), shown)


class InstallTest(unittest.TestCase):
    def make(self, *args, destdir):
        proc = subprocess.run(["make", "--no-print-directory", "-C", p3s.SRC, *args,
                               f"BUILD={BUILD}", f"DESTDIR={destdir}"],
                              capture_output=True, text=True, timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return proc.stdout

    def installed(self, root):
        return sorted(os.path.relpath(os.path.join(d, f), root)
                      for d, _, files in os.walk(root) for f in files)

    def expected(self, prefix, zsh_dir):
        p = prefix.lstrip("/")
        docs = sorted(f for f in os.listdir(os.path.join(p3s.SRC, "docs")) if f.endswith(".md"))
        return sorted([f"{p}/bin/pop3scan", f"{p}/share/man/man1/pop3scan.1",
                       f"{p}/share/bash-completion/completions/pop3scan",
                       f"{p}/share/zsh/{zsh_dir}/_pop3scan"] +
                      [f"{p}/share/doc/pop3scan/{f}" for f in
                       ["README.md", "fingerprints.md", "record.schema.json"] + docs])

    def check_install(self, prefix, zsh_dir):
        with tempfile.TemporaryDirectory() as dest:
            args = ["install"] + ([f"PREFIX={prefix}"] if prefix != "/usr/local" else [])
            self.make(*args, destdir=dest)
            self.assertEqual(self.installed(dest), self.expected(prefix, zsh_dir))
            root = os.path.join(dest, prefix.lstrip("/"))
            binary = os.path.join(root, "bin", "pop3scan")
            self.assertTrue(os.access(binary, os.X_OK))
            version = subprocess.run([binary, "--version"], capture_output=True, text=True)
            self.assertEqual(version.returncode, 0)
            self.assertTrue(version.stdout.startswith("pop3scan "), version.stdout)
            for installed, source in [
                    ("share/bash-completion/completions/pop3scan", BASH_COMPLETION),
                    (f"share/zsh/{zsh_dir}/_pop3scan", ZSH_COMPLETION),
                    ("share/man/man1/pop3scan.1", os.path.join(p3s.SRC, "man", "pop3scan.1")),
                    ("share/doc/pop3scan/README.md", os.path.join(p3s.SRC, "README.md"))]:
                with open(os.path.join(root, installed), "rb") as a, open(source, "rb") as b:
                    self.assertEqual(a.read(), b.read(), installed)
            with open(os.path.join(BUILD, "install_manifest.txt")) as f:
                manifest = sorted(line.strip().lstrip("/") for line in f if line.strip())
            self.assertEqual(manifest, self.expected(prefix, zsh_dir))
            out = self.make("uninstall", destdir=dest)
            self.assertIn(f"removed {len(manifest)} files", out)
            self.assertEqual(self.installed(dest), [])
            self.assertFalse(os.path.exists(os.path.join(root, "share", "doc", "pop3scan")))

    def test_install_usr_local(self):
        self.check_install("/usr/local", "site-functions")

    def test_install_usr(self):
        # Under /usr, zsh reads vendor completions (Debian's layout, as in the package).
        self.check_install("/usr", "vendor-completions")


if __name__ == "__main__":
    p3s.main()
