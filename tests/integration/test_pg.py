#!/usr/bin/env python3
"""test_pg.py — the scan history in a real PostgreSQL 15 (tests/servers/postgres.sh, a
throwaway cluster on a free loopback port) and campaigns, with p3testd on 0.0.0.0:

  - the schema: the same tables and columns as a SQLite history, the schema version, no
    foreign key checked per row (a version-3 database upgraded), the password never kept nor
    shown;
  - history, diff (and campaign:NAME) on PostgreSQL say what they say on SQLite;
  - faults: the database killed mid-scan and started again (the records wait and are stored:
    exact), the database gone for good (--db-retry: the shard stops with exit status 3, and
    --resume goes on from what was stored), wrong credentials, a shard that never started
    (history shows it missing, diff refuses the campaign without --partial), two campaigns of
    the same name (refused), a scan deleted while it runs (its next batch refused, no record
    left naming no scan), and a SQLite campaign's shard run again (no record twice).
"""
import json
import os
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

import p3s


def run(*args, timeout=120):
    return subprocess.run([p3s.BIN] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout * p3s.SLOW)


class PgTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = p3s.Postgres().__enter__()
        try:
            cls.srv = p3s.fast_server().__enter__()
        except BaseException:
            cls.pg.__exit__(None, None, None)
            raise
        cls.port = cls.srv.plain[0]
        cls.tmp = tempfile.mkdtemp(prefix="p3s-pgtest-")

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)
        cls.pg.__exit__(None, None, None)
        subprocess.run(["rm", "-rf", cls.tmp])

    def scan(self, *args, db=None, timeout=120):
        return run("-q", "-c", "500", "-o", "/dev/null", "--db", db or self.pg.uri, "-p",
                   self.port, *args, timeout=timeout)

    def campaign_rows(self, name):
        return self.pg.sql(
            "SELECT count(*), count(DISTINCT (r.ip, r.port, r.transport)) FROM record r JOIN scan s "
            f"ON s.id = r.scan_id JOIN campaign c ON c.id = s.campaign_id WHERE c.name = '{name}'")

    def shards(self, name, db=None):
        out = run("history", "--db", db or self.pg.uri, "--campaign", name, "-f", "jsonl")
        self.assertEqual(out.returncode, 0, out.stderr)
        return {s["shard"]: s for s in map(json.loads, out.stdout.splitlines())}

    # ---- the schema --------------------------------------------------------------------

    def test_schema_as_sqlite(self):
        self.assertEqual(self.scan("127.0.0.1").returncode, 0)
        lite = os.path.join(self.tmp, "schema.sqlite3")
        self.assertEqual(self.scan("127.0.0.1", db=lite).returncode, 0)
        con = sqlite3.connect(lite)
        want = {}
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', "
                                    "'view')"):
            want[table] = sorted(r[1] for r in con.execute(f"PRAGMA table_info({table})"))
        got = {}
        for table, column in self.pg.sql(
                "SELECT table_name, column_name FROM information_schema.columns WHERE "
                "table_schema = 'public' AND table_name <> 'pop3scan_schema'"):
            got.setdefault(table, []).append(column)
        self.assertEqual({t: sorted(c) for t, c in got.items()}, want)
        self.assertEqual(set(want), {"scan", "record", "finding", "campaign"})
        self.assertEqual(self.pg.sql("SELECT version FROM pop3scan_schema"), [["5"]])
        self.assertEqual(con_version(lite), 5)
        # findings are a view over the records in both (version 5), with the same rows
        self.assertEqual(self.pg.sql("SELECT table_type FROM information_schema.tables WHERE "
                                     "table_name = 'finding'"), [["VIEW"]])
        pg_rows = sorted(tuple(r) for r in self.pg.sql(
            "SELECT finding, severity, ip FROM finding JOIN record r ON r.id = record_id AND "
            "r.scan_id = finding.scan_id WHERE r.scan_id = (SELECT max(id) FROM scan)"))
        lite_rows = sorted(con.execute("SELECT finding, severity, ip FROM finding JOIN record r "
                                       "ON r.id = record_id").fetchall())
        con.close()
        self.assertEqual(pg_rows, lite_rows)
        self.assertIn(("pop3-detected", "info", "127.0.0.1"), pg_rows)
        # one index a record: its primary key is the key it is looked up by
        self.assertEqual(self.pg.sql(RECORD_INDEXES), [["record_key", "t", SEARCH_KEY]])
        # no foreign key checked row by row on the tables a batch fills (migration 4)
        self.assertEqual(self.pg.sql(FOREIGN_KEYS), [["0"]])

    def test_upgrade_from_version_3(self):
        """A version-3 database (foreign keys on record and finding, findings in a table of
        their own, record keyed by id) is upgraded in place by the next scan: the keys go, the
        finding table becomes a view that still shows the old findings, record_key becomes the
        primary key, the records stay, the new ones are stored."""
        self.pg.sql("CREATE DATABASE upgrade3")
        uri = self.pg.uri.rsplit("/", 1)[0] + "/upgrade3"
        self.assertEqual(self.scan("127.0.0.1", db=uri).returncode, 0)
        psql = ["psql", uri, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c"]
        # back to version 3's shape, as a database written by that version holds it
        subprocess.run(psql + [
            "DROP VIEW finding; "
            "ALTER TABLE record DROP CONSTRAINT record_key; "
            "ALTER TABLE record ADD CONSTRAINT record_v2_pkey PRIMARY KEY (id); "
            "CREATE UNIQUE INDEX record_key ON record(scan_id, target, ip, port, transport); "
            "CREATE TABLE finding (scan_id BIGINT NOT NULL, finding TEXT COLLATE \"C\" NOT NULL, "
            "record_id BIGINT NOT NULL, severity TEXT COLLATE \"C\" NOT NULL, "
            "PRIMARY KEY (scan_id, finding, record_id)); "
            "INSERT INTO finding SELECT scan_id, split_part(l, ' ', 1), id, split_part(l, ' ', 2) "
            "FROM record, string_to_table(findings, E'\\n') l; "
            "ALTER TABLE record ADD CONSTRAINT record_v2_scan_id_fkey FOREIGN KEY (scan_id) "
            "REFERENCES scan(id); ALTER TABLE finding ADD CONSTRAINT finding_scan_id_fkey "
            "FOREIGN KEY (scan_id) REFERENCES scan(id); ALTER TABLE finding ADD CONSTRAINT "
            "finding_record_id_fkey FOREIGN KEY (record_id) REFERENCES record(id); "
            "UPDATE pop3scan_schema SET version = 3"],
            check=True, capture_output=True)
        out = subprocess.run(psql + [FOREIGN_KEYS], check=True, capture_output=True, text=True)
        self.assertEqual(out.stdout.strip(), "3")
        old = subprocess.run(psql + ["SELECT finding FROM finding ORDER BY 1"], check=True,
                             capture_output=True, text=True).stdout.split()
        self.assertIn("pop3-detected", old)
        self.assertEqual(self.scan("127.0.0.2", db=uri).returncode, 0)
        out = subprocess.run(psql + [FOREIGN_KEYS + "; SELECT version FROM pop3scan_schema; "
                                     "SELECT string_agg(ip, ',' ORDER BY ip) FROM record"],
                             check=True, capture_output=True, text=True)
        self.assertEqual(out.stdout.split(), ["0", "5", "127.0.0.1,127.0.0.2"])
        out = subprocess.run(psql + ["SELECT finding FROM finding JOIN record r ON r.id = "
                                     "record_id WHERE r.ip = '127.0.0.1' ORDER BY 1"],
                             check=True, capture_output=True, text=True)
        self.assertEqual(out.stdout.split(), old)
        out = subprocess.run(psql + [RECORD_INDEXES], check=True, capture_output=True, text=True)
        self.assertEqual(out.stdout.strip(), f"record_key|t|{SEARCH_KEY}")

    def test_scan_deleted_while_it_runs(self):
        """The scan's row deleted under a running scan: its next batch is refused (the scan
        stops with status 3 and says why) rather than storing records that name no scan."""
        proc = subprocess.Popen([p3s.BIN, "-q", "-c", "200", "--rate", "800", "-o", "/dev/null",
                                 "--db", self.pg.uri, "--campaign", "deleted", "-p",
                                 str(self.port), "127.0.48.0/20"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            def some_stored():
                try:
                    return self.campaign_rows("deleted")[0][0] != "0"
                except subprocess.CalledProcessError:  # the schema not made yet
                    return False
            p3s.wait_for(some_stored)
            # in prune's order: the scan's row locked first (a batch in flight commits
            # before), then its records (the findings are a view of them) and the row
            self.pg.sql("BEGIN; SELECT id FROM scan WHERE campaign_id = (SELECT id FROM "
                        "campaign WHERE name = 'deleted') FOR UPDATE; "
                        "DELETE FROM record WHERE scan_id IN (SELECT s.id FROM scan s JOIN "
                        "campaign c ON c.id = s.campaign_id WHERE c.name = 'deleted'); "
                        "DELETE FROM scan WHERE campaign_id = (SELECT id FROM campaign WHERE "
                        "name = 'deleted'); COMMIT")
            err = proc.communicate(timeout=60 * p3s.SLOW)[1]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 3, err)
        self.assertIn("not in the database any more", err)
        self.assertEqual(self.pg.sql("SELECT count(*) FROM record WHERE scan_id NOT IN "
                                     "(SELECT id FROM scan)"), [["0"]])
        self.assertEqual(self.pg.sql("SELECT count(*) FROM finding WHERE scan_id NOT IN "
                                     "(SELECT id FROM scan)"), [["0"]])

    def test_password_neither_kept_nor_shown(self):
        res = self.scan("127.0.0.2")
        self.assertEqual(res.returncode, 0, res.stderr)
        kept = self.pg.sql("SELECT command_line FROM scan ORDER BY id DESC LIMIT 1")[0][0]
        self.assertNotIn(self.pg.password, kept)
        self.assertIn("postgres:***@", kept)
        out = run("history", "--db", self.pg.uri + "x")  # no such database: the message names it
        self.assertEqual(out.returncode, 3)
        self.assertNotIn(self.pg.password, out.stderr)
        self.assertIn("postgres:***@127.0.0.1", out.stderr)

    # ---- reading it back -----------------------------------------------------------------

    def test_history_and_diff_as_on_sqlite(self):
        lite = os.path.join(self.tmp, "same.sqlite3")
        outs = {}
        for db in (self.pg.uri, lite):
            ids = []
            for _ in range(2):
                res = self.scan("--exclude", "127.0.3.0/25", "127.0.2.0/23", db=db)
                self.assertEqual(res.returncode, 0, res.stderr)
            hist = [json.loads(l) for l in run("history", "--db", db, "-f", "jsonl", "-n", "2")
                    .stdout.splitlines()]
            self.assertEqual([h["records"] for h in hist], [384, 384])
            ids = [h["id"] for h in hist][::-1]
            diff = run("diff", "--db", db, "-f", "jsonl", *ids)
            self.assertEqual(diff.returncode, 0, diff.stderr)
            target = run("history", "--db", db, "-f", "jsonl", "127.0.2.7")
            recs = [json.loads(l)["record"] for l in target.stdout.splitlines()]
            outs[db] = (diff.stdout, [(r["ip"], r["state"]) for r in recs[-2:]])
        self.assertEqual(outs[self.pg.uri], outs[lite])
        self.assertEqual(outs[lite][1], [("127.0.2.7", "pop3")] * 2)

    def test_report_as_on_sqlite(self):
        """pop3scan report of the latest scan: the same report from either back end, records,
        series and changes alike (what names the database, the times and the command aside)."""
        lite = os.path.join(self.tmp, "report.sqlite3")
        outs = {}
        for db in (self.pg.uri, lite):
            for _ in range(2):
                res = self.scan("127.0.5.0/26", db=db)
                self.assertEqual(res.returncode, 0, res.stderr)
            rep = run("report", "--db", db, "-f", "markdown")
            self.assertEqual(rep.returncode, 0, rep.stderr)
            self.assertNotIn(self.pg.password, rep.stdout)
            body = rep.stdout.split("## How the scan ran")[0]
            outs[db] = body.split("\n", 3)[3]  # after the title and the line with the date
        self.assertEqual(outs[self.pg.uri], outs[lite])
        self.assertIn("**64 POP3 services found", outs[lite])

    # ---- faults --------------------------------------------------------------------------

    def test_database_away_and_back(self):
        """Killed (a crash) while a shard stores, started again 3 s later: nothing lost."""
        state = os.path.join(self.tmp, "away.resume")
        proc = subprocess.Popen([p3s.BIN, "-q", "-c", "200", "--rate", "800", "-o", "/dev/null",
                                 "--db", self.pg.uri, "--campaign", "away", "--resume", state,
                                 "-p", str(self.port), "127.0.16.0/20"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60 * p3s.SLOW
            while time.monotonic() < deadline:
                try:  # the scan makes the schema when this test runs first
                    rows = self.pg.sql("SELECT coalesce(sum(records), 0) FROM scan s JOIN "
                                       "campaign c ON c.id = s.campaign_id WHERE c.name = 'away'")
                except subprocess.CalledProcessError:
                    rows = [["0"]]
                if int(rows[0][0]) >= 500:
                    break
                time.sleep(0.1)
            self.pg.kill()
            time.sleep(3)
            self.pg.restart()
            err = proc.communicate(timeout=120 * p3s.SLOW)[1]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("trying again for up to 60 s", err)
        self.assertRegex(err, r"back after \d+\.\d s")
        self.assertEqual(self.campaign_rows("away"), [["4096", "4096"]])
        self.assertEqual(self.shards("away")["0/1"]["status"], "complete")

    def test_database_gone_for_good(self):
        """--db-retry 2: the shard stops with status 3, its state file holding only what was
        stored; run again once the database is back, it goes on from there, exact."""
        state = os.path.join(self.tmp, "gone.resume")
        args = [p3s.BIN, "-q", "-c", "200", "--rate", "800", "-o", "/dev/null", "--db",
                self.pg.uri, "--campaign", "gone", "--db-retry", "2", "--resume", state, "-p",
                str(self.port), "127.0.32.0/20"]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            # stopped once the shard has stored something, with seconds of scan still to go
            def some_stored():
                try:
                    return self.campaign_rows("gone")[0][0] != "0"
                except subprocess.CalledProcessError:  # the schema not made yet
                    return False
            p3s.wait_for(some_stored)
            self.pg.stop()
            start = time.monotonic()
            err = proc.communicate(timeout=60 * p3s.SLOW)[1]
            took = time.monotonic() - start
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            self.pg.restart()
        self.assertEqual(proc.returncode, 3, err)
        self.assertIn("gone for more than 2 s", err)
        self.assertIn("the campaign's shard stops here", err)
        # stopped by the bound (2 s), well before the scan's own end (5 s at --rate 800)
        self.assertLess(took, 4.5 * p3s.SLOW)
        with open(state) as f:
            self.assertIn("complete 0", f.read())
        shard = self.shards("gone")["0/1"]
        self.assertNotEqual(shard["status"], "complete")
        res = subprocess.run(args[:-1] + ["127.0.32.0/20"], capture_output=True, text=True,
                             timeout=120 * p3s.SLOW)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.campaign_rows("gone"), [["4096", "4096"]])
        shard = self.shards("gone")["0/1"]
        self.assertEqual((shard["status"], shard["runs"]), ("complete", 2))

    def test_wrong_credentials(self):
        wrong = self.pg.uri.replace(self.pg.password, "not-the-password")
        res = run("-q", "-f", "jsonl", "--db", wrong, "-p", self.port, "127.0.0.9")
        self.assertEqual(res.returncode, 3)  # the scan ran, its history named by --db failed
        self.assertIn("password authentication failed", res.stderr)
        self.assertIn('"state":"pop3"', res.stdout)
        self.assertNotIn("not-the-password", res.stderr)
        res = run("-q", "-f", "jsonl", "--db", wrong, "--campaign", "creds", "-p", self.port,
                  "127.0.0.9")
        self.assertEqual(res.returncode, 3)  # a campaign's shard does not scan without it
        self.assertIn("the campaign's shard is not scanned", res.stderr)
        self.assertEqual(res.stdout, "")
        self.assertEqual(self.pg.sql("SELECT count(*) FROM campaign WHERE name = 'creds'"),
                         [["0"]])

    def test_shard_never_started(self):
        for i in (0, 1, 3):
            res = self.scan("--campaign", "holes", "--shard", f"{i}/4", "127.0.48.0/22")
            self.assertEqual(res.returncode, 0, res.stderr)
        shards = self.shards("holes")
        self.assertEqual([shards[f"{i}/4"]["status"] for i in range(4)],
                         ["complete", "complete", "missing", "complete"])
        text = run("history", "--db", self.pg.uri, "--campaign", "holes").stdout
        self.assertIn("3 of 4 shards complete", text)
        single = self.scan("127.0.48.0/22")
        self.assertEqual(single.returncode, 0)
        sid = self.pg.sql("SELECT max(id) FROM scan WHERE campaign_id IS NULL")[0][0]
        refused = run("diff", "--db", self.pg.uri, "campaign:holes", sid)
        self.assertEqual(refused.returncode, 2)
        self.assertIn("2 (never started)", refused.stderr)
        self.assertIn("--partial", refused.stderr)
        partial = run("diff", "--db", self.pg.uri, "--partial", "-f", "jsonl", "campaign:holes",
                      sid)
        self.assertEqual(partial.returncode, 0, partial.stderr)
        changes = [json.loads(l) for l in partial.stdout.splitlines()]
        # the missing shard's 256 addresses are all the difference
        self.assertEqual(len(changes), 256)
        self.assertEqual({c["change"] for c in changes}, {"appeared"})
        # the report of the campaign: refused as diff refuses it, or what the shards hold
        refused = run("report", "--db", self.pg.uri, "campaign:holes")
        self.assertEqual(refused.returncode, 2)
        self.assertIn("2 (never started)", refused.stderr)
        partial = run("report", "--db", self.pg.uri, "--partial", "-f", "markdown",
                      "campaign:holes")
        self.assertEqual(partial.returncode, 0, partial.stderr)
        self.assertIn("768 records as of", partial.stdout)
        self.assertIn("Status: partial", partial.stdout)

    def test_same_name_twice(self):
        self.assertEqual(self.scan("--campaign", "twice", "127.0.60.0/24").returncode, 0)
        other = self.scan("--campaign", "twice", "127.0.61.0/24")
        self.assertEqual(other.returncode, 2)
        self.assertIn("was run with other targets or ports", other.stderr)
        again = self.scan("--campaign", "twice", "127.0.60.0/24")
        self.assertEqual(again.returncode, 2)
        self.assertIn("is complete", again.stderr)
        self.assertIn("a new run needs a new name", again.stderr)
        self.assertEqual(self.campaign_rows("twice"), [["256", "256"]])

    def test_sqlite_campaign_shard_run_again(self):
        """SQLite: an interrupted shard run again without --resume replaces its records."""
        lite = os.path.join(self.tmp, "camp.sqlite3")
        proc = subprocess.Popen([p3s.BIN, "-q", "-c", "100", "--rate", "500", "-o", "/dev/null",
                                 "--db", lite, "--campaign", "lite", "-p", str(self.port),
                                 "127.0.64.0/22"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        def some_stored():
            try:
                return sqlite3.connect(lite).execute("SELECT count(*) FROM record").fetchone()[0]
            except sqlite3.Error:  # not made yet, or its schema not yet
                return 0
        p3s.wait_for(some_stored)
        proc.terminate()  # SIGTERM: interrupted, some records stored
        proc.wait(timeout=30)
        stored = sqlite3.connect(lite).execute("SELECT records, status FROM scan").fetchone()
        self.assertEqual(stored[1], "interrupted")
        self.assertGreater(stored[0], 0)
        res = self.scan("--campaign", "lite", "127.0.64.0/22", db=lite)
        self.assertEqual(res.returncode, 0, res.stderr)
        con = sqlite3.connect(lite)
        self.assertEqual(con.execute("SELECT count(*), count(DISTINCT ip) FROM record")
                         .fetchone(), (1024, 1024))
        self.assertEqual(con.execute("SELECT records, status, attempts FROM scan").fetchone(),
                         (1024, "complete", 2))


# record's indexes: name, whether it is the primary key, its columns
RECORD_INDEXES = ("SELECT i.relname, x.indisprimary, string_agg(a.attname, ',' ORDER BY k.n) "
                  "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                  "CROSS JOIN unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
                  "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
                  "WHERE x.indrelid = 'record'::regclass GROUP BY i.relname, x.indisprimary")
SEARCH_KEY = "scan_id,target,ip,port,transport"

FOREIGN_KEYS = ("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
                "('record'::regclass, 'finding'::regclass)")


def con_version(path):
    return sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]


if __name__ == "__main__":
    p3s.main()
