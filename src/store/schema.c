/* schema.c — the history's schema (schema.h): the migrations, oldest first, and PostgreSQL's
 * words for them. The texts of migrations 1 and 2 moved here from store_sqlite.c unchanged. */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

/* Version 1: the scan and record tables, the fields users query, the full JSON record. */
static const char MIGRATION_1[] =
    "CREATE TABLE scan (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  started_at TEXT NOT NULL,\n"
    "  ended_at TEXT,\n"
    "  status TEXT NOT NULL,\n"
    "  command_line TEXT NOT NULL,\n"
    "  targets TEXT NOT NULL,\n"
    "  options TEXT NOT NULL,\n"
    "  shard TEXT,\n"
    "  host TEXT NOT NULL,\n"
    "  pid INTEGER,\n"
    "  version TEXT NOT NULL,\n"
    "  records INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE record (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
    "  target TEXT NOT NULL,\n"
    "  ip TEXT NOT NULL,\n"
    "  port INTEGER NOT NULL,\n"
    "  transport TEXT NOT NULL,\n"
    "  state TEXT NOT NULL,\n"
    "  confidence TEXT,\n"
    "  product TEXT,\n"
    "  version TEXT,\n"
    "  tls_version TEXT,\n"
    "  cert_sha256 TEXT,\n"
    "  cert_not_after TEXT,\n"
    "  stls INTEGER,\n"
    "  plaintext_login INTEGER,\n"
    "  json TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX record_key ON record(scan_id, target, ip, port, transport);\n";

/* Version 2: what diff compares became columns (greeting, capabilities, cipher, the accepted TLS
 * versions, the certificate's subject, the findings …), stls and plaintext_login became words
 * (none/advertised/upgraded, accepted/refused/unknown) instead of 0/1, findings got their own
 * table (clustered by scan and finding: one B-tree, no index beside it), and scans count their
 * pop3 records. The record table is rebuilt (the JSON last, so that reading the columns does
 * not step over it) and every column re-derived from the JSON each row keeps: migrate_2()
 * below. No index by target alone: one scan after another through record_key finds a target
 * as fast, and an index whose entries land all over it rewrote most of its pages into the WAL
 * at every commit of a scan. */
static const char MIGRATION_2_SQL[] =
    "ALTER TABLE scan ADD COLUMN pop3 INTEGER NOT NULL DEFAULT 0;\n"
    "CREATE TABLE record_v2 (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
    "  target TEXT NOT NULL,\n"
    "  ip TEXT NOT NULL,\n"
    "  port INTEGER NOT NULL,\n"
    "  transport TEXT NOT NULL,\n"
    "  state TEXT NOT NULL,\n"
    "  confidence TEXT,\n"
    "  service TEXT,\n"
    "  greeting TEXT,\n"
    "  vendor TEXT,\n"
    "  product TEXT,\n"
    "  version TEXT,\n"
    "  product_confidence TEXT,\n"
    "  capabilities TEXT,\n"
    "  capabilities_tls TEXT,\n"
    "  stls TEXT,\n"
    "  plaintext_login TEXT,\n"
    "  tls_version TEXT,\n"
    "  tls_cipher TEXT,\n"
    "  tls_versions TEXT,\n"
    "  cert_sha256 TEXT,\n"
    "  cert_subject TEXT,\n"
    "  cert_not_after TEXT,\n"
    "  findings TEXT,\n"
    "  error TEXT,\n"
    "  json TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE finding (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
    "  finding TEXT NOT NULL,\n"
    "  record_id INTEGER NOT NULL REFERENCES record(id),\n"
    "  severity TEXT NOT NULL,\n"
    "  PRIMARY KEY (scan_id, finding, record_id)\n"
    ") WITHOUT ROWID;\n";
static const char MIGRATION_2_DONE[] =
    "DROP TABLE record;\n"
    "ALTER TABLE record_v2 RENAME TO record;\n"
    "CREATE INDEX record_key ON record(scan_id, target, ip, port, transport);\n"
    "UPDATE scan SET pop3 = (SELECT count(*) FROM record WHERE record.scan_id = scan.id "
    "AND record.state = 'pop3');\n";

/* Version 3: campaigns (issue 17). A campaign groups the scans of the shards of one run, each
 * shard a scan row of its own (shard_index; the text `shard` keeps "I/N"); a shard run again
 * after a crash takes its row over (attempts counts the runs) rather than adding one, so its
 * records stay one per key. The name is unique: a second campaign of the same name is refused
 * (store.h). */
static const char MIGRATION_3[] =
    "CREATE TABLE campaign (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  created_at TEXT NOT NULL,\n"
    "  shards INTEGER NOT NULL,\n"
    "  targets TEXT NOT NULL,\n"
    "  options TEXT NOT NULL\n"
    ");\n"
    "ALTER TABLE scan ADD COLUMN campaign_id INTEGER REFERENCES campaign(id);\n"
    "ALTER TABLE scan ADD COLUMN shard_index INTEGER;\n"
    "ALTER TABLE scan ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;\n"
    "CREATE UNIQUE INDEX scan_shard ON scan(campaign_id, shard_index);\n";
/* A PostgreSQL history starts at version 3, so its record key can be unique from the start:
 * the COPY of a batch sent again (after a connection lost during its COMMIT) then fails instead
 * of storing the records twice. A SQLite file of an older version may hold rows that break
 * such an index; its re-run shards replace records by deleting the old ones first instead
 * (store_sqlite.c). */
static const char MIGRATION_3_PG[] =
    "DROP INDEX record_key;\n"
    "CREATE UNIQUE INDEX record_key ON record(scan_id, target, ip, port, transport);\n";

/* Version 4: PostgreSQL checks no foreign key of the record and finding tables. Each one was a
 * trigger per row, a query run once per record and once per finding (more than a third of the
 * server's CPU for a batch); SQLite never checked them (its foreign_keys pragma is off). What
 * they guarded is kept another way: a batch locks its scan's row first and is refused when the
 * row is gone (store_pg.c add_batch), the ids a finding names are drawn in the same transaction
 * as its record, and prune deletes findings, then records, then the scan. Nothing changes in
 * SQLite's tables; its files get the version number. */
static const char MIGRATION_4_PG[] =
    "DO $$DECLARE c record; BEGIN "
    "FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint WHERE contype = 'f' "
    "AND conrelid IN (to_regclass('record'), to_regclass('finding')) LOOP "
    "EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname); "
    "END LOOP; END$$";

/* Version 5: the finding table becomes a view over record.findings, the "id severity" lines
 * every record row holds already (issue 17: the store's CPU). Its rows repeated those lines, a
 * row and a B-tree entry each; with record's id index (below) they took a quarter of
 * PostgreSQL's CPU per record (SQLite wrote them too: two more statements a record). The view
 * gives the same columns and rows (a finding twice in one record once, as the key did); a query
 * for one scan's findings reads that scan's records through record_key, a /16's in under a
 * second. Nothing is lost: the lines came from the same record. */
static const char MIGRATION_5[] = "DROP TABLE finding;\n";
/* SQLite reads the lines from the record's JSON (json_each), which holds the same ids and
 * severities; splitting text lines takes a recursive query there. A row whose JSON is not JSON
 * (kept as it was by migration 2) has no findings rather than failing every query of the view. */
static const char MIGRATION_5_SQLITE[] =
    "CREATE VIEW finding (scan_id, finding, record_id, severity) AS\n"
    "  SELECT DISTINCT r.scan_id, json_extract(f.value, '$.id'), r.id,\n"
    "         json_extract(f.value, '$.severity')\n"
    "  FROM record r,\n"
    "       json_each(CASE WHEN json_valid(r.json) THEN r.json ELSE '{}' END, '$.findings') f;\n";
/* PostgreSQL also keys record by what identifies it: record_key (scan_id, target, ip, port,
 * transport), unique since version 3, becomes the primary key, and the B-tree over the id goes
 * (nothing looks a record up by id any more; the ids are still drawn from its sequence, one
 * per record). One index a record instead of two. */
static const char MIGRATION_5_PG[] =
    "CREATE VIEW finding (scan_id, finding, record_id, severity) AS\n"
    "  SELECT DISTINCT r.scan_id, split_part(l, ' ', 1), r.id, split_part(l, ' ', 2)\n"
    "  FROM record r CROSS JOIN LATERAL string_to_table(r.findings, E'\\n') AS l\n"
    "  WHERE l <> '';\n"
    "DO $$DECLARE c record; BEGIN "
    "FOR c IN SELECT conname FROM pg_constraint WHERE contype = 'p' "
    "AND conrelid = to_regclass('record') LOOP "
    "EXECUTE format('ALTER TABLE record DROP CONSTRAINT %I', c.conname); "
    "END LOOP; END$$;\n"
    "ALTER TABLE record ADD CONSTRAINT record_key PRIMARY KEY USING INDEX record_key;\n";

const struct p3s_migration P3S_MIGRATIONS[] = {
    {MIGRATION_1, NULL, NULL, NULL},
    {MIGRATION_2_SQL, MIGRATION_2_DONE, NULL, NULL},
    {MIGRATION_3, NULL, MIGRATION_3_PG, NULL},
    {NULL, NULL, MIGRATION_4_PG, NULL},
    {MIGRATION_5, NULL, MIGRATION_5_PG, MIGRATION_5_SQLITE},
};

/* ---- PostgreSQL's words ---------------------------------------------------------------- */

struct buf {
    char *p;
    size_t n, cap;
    int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static int is_word(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Does sql at i start with word w as a whole word? */
static int word_at(const char *sql, size_t i, const char *w)
{
    size_t n = strlen(w);
    return strncmp(sql + i, w, n) == 0 && (i == 0 || !is_word(sql[i - 1])) && !is_word(sql[i + n]);
}

char *p3s_schema_pg(const char *sql)
{
    static const char *const RULES[][2] = {
        {"INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"INTEGER", "BIGINT"},
        {"TEXT", "TEXT COLLATE \"C\""},
        {") WITHOUT ROWID", ")"},
    };
    struct buf b = {NULL, 0, 0, 0};
    put(&b, "", 0);
    for (size_t i = 0; sql[i];) {
        int done = 0;
        for (size_t r = 0; r < sizeof RULES / sizeof RULES[0] && !done; r++) {
            const char *from = RULES[r][0];
            int ok = from[0] == ')' ? strncmp(sql + i, from, strlen(from)) == 0
                                    : word_at(sql, i, from);
            if (ok) {
                put(&b, RULES[r][1], strlen(RULES[r][1]));
                i += strlen(from);
                done = 1;
            }
        }
        /* DROP TABLE name; -> DROP TABLE name CASCADE; */
        if (!done && word_at(sql, i, "DROP TABLE")) {
            const char *semi = strchr(sql + i, ';');
            size_t n = semi ? (size_t)(semi - (sql + i)) : strlen(sql + i);
            put(&b, sql + i, n);
            put(&b, " CASCADE", 8);
            i += n;
            done = 1;
        }
        if (!done)
            put(&b, sql + i++, 1);
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
